namespace AgriInsure.Underwriting.Contracts;

/// <summary>The printed terms, each clause in Chinese then English. They restate how the system works (identification by
/// face, acreage measured from imagery, the shared ledger), so a farmer reads on paper what the records will show.</summary>
internal static class ContractTerms
{
    public static readonly (string Zh, string En)[] Livestock =
    [
        ("保险标的：本合同所列牲畜。每头牲畜以投保时登记的面部生物特征识别；耳标可能丢失或调换，仅作参考。",
         "Insured animals: the animals listed in this contract. Each is identified by the face biometrics recorded at enrolment; ear tags can be lost or swapped and are for reference only."),
        ("保险期间：自起始日至终止日，首尾两日均含在内。",
         "Period of cover: from the start day to the end day, both days included."),
        ("保险责任：保险期间内，所列牲畜因疾病、意外事故或自然灾害死亡的，保险人按每头保险金额赔偿。",
         "Cover: if a listed animal dies of disease, accident or natural disaster during the period of cover, the insurer pays up to the sum insured per head."),
        ("理赔：出险后，投保人应及时通知保险人，并配合其查勘员拍摄死亡牲畜的面部照片；照片须与投保时登记的面部特征相符。同一头牲畜只赔付一次。",
         "Claims: after a loss the policyholder notifies the insurer promptly and lets its agent photograph the dead animal's face; the photo must match the face recorded at enrolment. An animal is paid for once."),
        ("记录：保单与理赔的哈希值登记在多家保险人共享的账本上，账本不含任何个人信息。",
         "Records: hashes of the policy and of claims are recorded on a ledger shared by insurers; the ledger holds no personal data."),
        ("电子签名：本合同由双方以可靠的电子签名订立，与手写签名或盖章具有同等法律效力（《中华人民共和国电子签名法》第十四条）。",
         "Electronic signature: the parties sign this contract with reliable electronic signatures, which have the same legal effect as handwritten signatures or seals (Electronic Signature Law of the PRC, Article 14)."),
    ];

    public static readonly (string Zh, string En)[] Crop =
    [
        ("保险标的：本合同所列地块上的作物。保险面积为卫星影像在地块边界内实测的地面面积，而非申报面积。",
         "Insured crop: the crop on the plot listed in this contract. The insured area is the ground area measured from satellite imagery inside the plot's boundary, not the area declared."),
        ("保险期间：自起始日至终止日，首尾两日均含在内。",
         "Period of cover: from the start day to the end day, both days included."),
        ("赔偿：赔款 = 保险金额 × max(0, 受损比例 − 免赔比例)；受损比例由灾前、灾后影像对比测定。",
         "Indemnity: indemnity = sum insured × max(0, damaged share − deductible); the damaged share is assessed from imagery before and after the event."),
        ("理赔：同一地块、同一灾因、同一事件只赔付一次。",
         "Claims: a plot is paid once for one peril and one event."),
        ("记录：保单与理赔的哈希值登记在多家保险人共享的账本上，账本不含任何个人信息。",
         "Records: hashes of the policy and of claims are recorded on a ledger shared by insurers; the ledger holds no personal data."),
        ("电子签名：本合同由双方以可靠的电子签名订立，与手写签名或盖章具有同等法律效力（《中华人民共和国电子签名法》第十四条）。",
         "Electronic signature: the parties sign this contract with reliable electronic signatures, which have the same legal effect as handwritten signatures or seals (Electronic Signature Law of the PRC, Article 14)."),
    ];
}

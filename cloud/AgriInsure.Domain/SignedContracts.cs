namespace AgriInsure.Domain;

/// <summary>A policy's contract once both parties have signed it (the farmer, then the insurer countersigning, each a PAdES
/// signature), both signatures verify and the signed PDF's SHA-256 is anchored on the ledger: from then on the policy is in
/// force. <see cref="BlobKey"/> is where the signed PDF is kept (the blob store), <see cref="AnchorIndex"/> the ledger entry
/// holding its hash, <see cref="ActivatedAt"/> when the policy took effect (UTC).</summary>
public sealed record SignedContract
{
    private SignedContract(string policyId, Digest document, string blobKey, long anchorIndex, DateTimeOffset activatedAt)
    {
        PolicyId = policyId;
        Document = document;
        BlobKey = blobKey;
        AnchorIndex = anchorIndex;
        ActivatedAt = activatedAt;
    }

    /// <summary>The ledger kind of a signed contract's anchor.</summary>
    public const string AnchorKind = "contract";

    /// <summary>The ledger key of a policy's signed contract: SHA-256("contract", policy id); its payload is the signed PDF's
    /// SHA-256.</summary>
    public static string AnchorKey(string policyId) => Digest.Of(AnchorKind, policyId).Hex;

    public string PolicyId { get; }

    /// <summary>SHA-256 of the signed PDF, byte for byte as kept and anchored.</summary>
    public Digest Document { get; }
    public string BlobKey { get; }
    public long AnchorIndex { get; }
    public DateTimeOffset ActivatedAt { get; }

    /// <summary>Fails naming <c>contract.policyId</c>, <c>contract.blobKey</c> (empty) or <c>contract.anchorIndex</c>
    /// (negative).</summary>
    public static Result<SignedContract> Create(string policyId, Digest document, string blobKey, long anchorIndex, DateTimeOffset activatedAt)
    {
        if (Id.FirstError((policyId, "contract.policyId")) is { } bad)
            return bad;
        if (string.IsNullOrWhiteSpace(blobKey))
            return new ValidationError("contract.blobKey", "is empty");
        if (anchorIndex < 0)
            return new ValidationError("contract.anchorIndex", $"{anchorIndex} is negative");
        return Result<SignedContract>.Ok(new SignedContract(policyId, document, blobKey, anchorIndex, activatedAt.ToUniversalTime()));
    }
}

using AgriInsure.Domain;

namespace AgriInsure.Underwriting.Contracts;

/// <summary>A rectangle in PDF user space (ISO 32000-1 §8.3.2.3): points (1/72 inch), origin at the page's bottom-left
/// corner, y growing upwards; (<paramref name="X"/>, <paramref name="Y"/>) is the lower-left corner.</summary>
public readonly record struct PdfRectangle(double X, double Y, double Width, double Height);

/// <summary>Where a signer's visible signature goes: the page (0-based) and the rectangle on it.</summary>
public sealed record SignatureField(int PageIndex, PdfRectangle Rectangle);

/// <summary>A generated contract: the PDF's bytes, their SHA-256 (what is signed and anchored), its page count, and the
/// two signature fields on its last page, the farmer's left and the insurer's right.</summary>
public sealed record ContractPdf(byte[] Bytes, Digest Sha256, int Pages, SignatureField Farmer, SignatureField Insurer);

/// <summary>One insured animal as its row in the herd list: its id, its ear tag (null: none recorded), and its face crop
/// as JPEG bytes (any size up to 8000 px a side; scaled down to a thumbnail in the PDF).</summary>
public sealed record HerdAnimal(string AnimalId, string? EarTag, byte[] FaceJpeg);

/// <summary>A livestock contract to draw: the insurer's name as printed (the tenant's legal name), the farmer, the policy,
/// the herd (exactly the policy's animals, in any order) and when the policy was issued (the PDF's creation date).</summary>
public sealed record LivestockContractRequest(string InsurerName, Farmer Farmer, LivestockPolicy Policy, IReadOnlyList<HerdAnimal> Herd, DateTimeOffset IssuedAt);

/// <summary>A crop contract to draw: the insurer's name, the farmer, the policy, the plot it covers, the plot's map as
/// PNG bytes (null: the plot's outline is drawn from its coordinates instead), and when the policy was issued.</summary>
public sealed record CropContractRequest(string InsurerName, Farmer Farmer, CropPolicy Policy, Plot Plot, byte[]? MapPng, DateTimeOffset IssuedAt);

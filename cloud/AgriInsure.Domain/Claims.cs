using System.Security.Cryptography;
using System.Text;

namespace AgriInsure.Domain;

public enum ClaimKind
{
    LivestockDeath,
    CropLoss,
}

public enum ClaimStatus
{
    Accepted,
    Refused,
}

/// <summary>What makes two claims "the same claim": one per insured animal per policy, or one per plot
/// per policy and loss event. Only its hash goes on the ledger.</summary>
public readonly record struct ClaimKey
{
    private ClaimKey(string hex) => Hex = hex;

    public string Hex { get; }

    public static ClaimKey ForAnimal(string policyId, string animalId) => Of("livestock", policyId, animalId);

    public static ClaimKey ForPlotEvent(string policyId, string plotId, string eventId) => Of("crop", policyId, plotId, eventId);

    private static ClaimKey Of(params string[] parts)
    {
        // Length-prefixing keeps ("a|b","c") and ("a","b|c") apart.
        var text = string.Concat(parts.Select(p => $"{p.Length}:{p}"));
        return new ClaimKey(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
    }

    public static Result<ClaimKey> FromHex(string hex) =>
        hex.Length == 64 && hex.All(char.IsAsciiHexDigitLower)
            ? Result<ClaimKey>.Ok(new ClaimKey(hex))
            : Result<ClaimKey>.Fail("claimKey", "is not a lower-case SHA-256 hex digest");

    public override string ToString() => Hex;
}

/// <summary>A claim as decided. A refused claim is kept too, with its reason, so every decision can be explained.</summary>
public sealed record Claim(
    string Id,
    ClaimKind Kind,
    string PolicyId,
    string SubjectId,
    ClaimKey Key,
    string EvidenceCaptureId,
    ClaimStatus Status,
    string Reason,
    Money? Payout,
    DateTimeOffset DecidedAt);

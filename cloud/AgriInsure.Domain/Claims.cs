using System.Globalization;

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

/// <summary>What makes two claims "the same claim", so the ledger refuses the second: for livestock
/// SHA-256(policy, animal); for crops SHA-256(policy, plot, event), where the event is the peril and its
/// window of days (first and last, inclusive). Only this hash goes on the ledger.</summary>
public readonly record struct ClaimKey
{
    private ClaimKey(string hex) => Hex = hex;

    public string Hex { get; }

    public static ClaimKey ForAnimal(string policyId, string animalId) => new(Digest.Of("livestock", policyId, animalId).Hex);

    /// <summary>The crop claim key: the same policy, plot, peril and event window give the same key;
    /// changing any of them gives another.</summary>
    public static ClaimKey ForPlotEvent(string policyId, string plotId, Peril peril, EventWindow window) =>
        new(Digest.Of("crop", policyId, plotId, peril.Name(), Day(window.Start), Day(window.End)).Hex);

    public static Result<ClaimKey> FromHex(string hex) => Digest.FromHex(hex, "claimKey").Map(d => new ClaimKey(d.Hex));

    public override string ToString() => Hex;

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>A claim as decided. A refused claim is kept too, with its reason, so every decision can be
/// explained. <see cref="SubjectId"/> is the animal or the plot; <see cref="EvidenceId"/> the claim photo's
/// capture id (livestock) or the SHA-256 of the loss assessment's evidence record (crops).</summary>
public sealed record Claim(
    string Id,
    ClaimKind Kind,
    string PolicyId,
    string SubjectId,
    ClaimKey Key,
    string EvidenceId,
    ClaimStatus Status,
    string Reason,
    Money? Payout,
    DateTimeOffset DecidedAt);

/// <summary>A claims officer's decision on a decided claim.</summary>
public enum ClaimVerdict
{
    /// <summary>Pay it: only a claim the rules accepted (its key anchored on the ledger for this claim).</summary>
    Approve,

    /// <summary>Do not pay it.</summary>
    Refuse,

    /// <summary>Send someone to look first: the claim stays open for a final verdict.</summary>
    Survey,
}

public static class ClaimVerdictNames
{
    public static Result<ClaimVerdict> Parse(string? text, string field = "verdict") => WireNames.Parse<ClaimVerdict>(text, field, "claim verdict", Name);

    public static string Name(this ClaimVerdict verdict) => verdict switch
    {
        ClaimVerdict.Approve => "approve",
        ClaimVerdict.Refuse => "refuse",
        ClaimVerdict.Survey => "survey",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, null),
    };

    /// <summary>Approve and refuse close a claim; a survey leaves it open.</summary>
    public static bool IsFinal(this ClaimVerdict verdict) => verdict != ClaimVerdict.Survey;
}

/// <summary>A claims officer's decision: who, when, why, and the ledger entry it is anchored at. A claim has any number of
/// surveys and at most one final verdict, after which nothing more is decided.</summary>
public sealed record ClaimDecision(string ClaimId, int Sequence, ClaimVerdict Verdict, string Officer, string Reason, DateTimeOffset DecidedAt, long LedgerEntry);

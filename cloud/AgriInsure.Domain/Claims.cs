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

/// <summary>What makes two claims "the same claim", so the ledger refuses the second, whichever insurer files it: for an
/// animal's death see <see cref="ForDeath"/>; for crops SHA-256(policy, plot, event), where the event is the peril and its
/// window of days (first and last, inclusive). Only this hash goes on the ledger. Each is <see cref="Digest.Of"/> over a
/// kind tag and the parts, the one hashing rule the AgriLedger contract's documentation names.</summary>
public readonly record struct ClaimKey
{
    private ClaimKey(string hex) => Hex = hex;

    public string Hex { get; }

    /// <summary>The per-policy death-claim key, SHA-256 of ("livestock", policy, animal): used only for an animal with no ear
    /// tag (<see cref="ForDeath"/>), since animal ids are each insurer's own.</summary>
    public static ClaimKey ForAnimal(string policyId, string animalId) => new(Digest.Of("livestock", policyId, animalId).Hex);

    /// <summary>The death-claim key of <paramref name="animal"/>. With an ear tag (the national identification every insurer
    /// of the animal records alike): <c>Digest.Of("livestock-death", species wire name, tag)</c>, the tag upper-cased with
    /// its separators (<c>-</c>, <c>_</c>, <c>.</c>) dropped, so "si-1234.56" and "SI123456" are one animal. The same dead
    /// animal then gets the same key at every insurer and under every policy: a shared ledger pays its death once. An
    /// animal dies once, so the key needs no policy or date. Without an ear tag: <see cref="ForAnimal"/> (one claim per
    /// policy and animal, not shared across insurers).</summary>
    public static ClaimKey ForDeath(Animal animal, string policyId) =>
        animal.EarTag is { } tag ? ForEarTag(animal.Species, tag) : ForAnimal(policyId, animal.Id);

    /// <summary>The death-claim key of the animal of <paramref name="species"/> carrying <paramref name="earTag"/> (see
    /// <see cref="ForDeath"/>).</summary>
    public static ClaimKey ForEarTag(Species species, string earTag) =>
        new(Digest.Of("livestock-death", species.Name(), NormalEarTag(earTag)).Hex);

    /// <summary>An ear tag as compared across insurers: upper-case, without the separators - _ and .</summary>
    public static string NormalEarTag(string earTag) =>
        string.Concat(earTag.Where(c => c is not ('-' or '_' or '.')).Select(char.ToUpperInvariant));

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

using System.Globalization;

namespace AgriInsure.Domain;

public enum CapturePurpose
{
    Enrol,
    Claim,
}

public enum DecisionStatus
{
    /// <summary>Acted on: an animal enrolled, a claim registered.</summary>
    Accepted,

    /// <summary>Kept as evidence, but the decision went against it: a duplicate enrolment, a refused claim.</summary>
    Flagged,
}

/// <summary>How the livestock rules decided one capture. The wire names (<see cref="CaptureOutcomeNames.Name"/>)
/// are what acks, the registry and the CLI carry; compare outcomes, never reason texts.</summary>
public enum CaptureOutcome
{
    /// <summary>Enrolment: a new animal, anchored on the ledger.</summary>
    Enrolled,

    /// <summary>Enrolment: an enrolled animal scores at or above the threshold of one of the search scopes.</summary>
    DuplicateEnrolment,

    /// <summary>Enrolment: the capture names no registered farmer.</summary>
    UnknownFarmer,

    /// <summary>Enrolment: the capture's fields do not make a valid animal.</summary>
    InvalidAnimal,

    /// <summary>Enrolment: the ledger refused the anchor.</summary>
    LedgerRefused,

    /// <summary>Enrolment: the capture's photos are not all of one animal (<see cref="PhotoConsistency"/>); nothing
    /// was searched or enrolled, the agent retakes them.</summary>
    InconsistentPhotos,

    /// <summary>Enrolment or claim: the photos were embedded by another model than the one a promote switched the
    /// registry's templates to, so no template could be compared with them; nothing was searched, the handheld
    /// updates its face model and the agent retakes them.</summary>
    StaleModel,

    /// <summary>Claim: the animal is identified in the insured herd and the claim is anchored.</summary>
    ClaimAccepted,

    /// <summary>Claim: no insured animal, and no enrolled one, scores at or above its scope's threshold.</summary>
    ClaimRefusedNoMatch,

    /// <summary>Claim: the photo matches an enrolled animal that is on no policy active on the day, or on one not in force
    /// (its contract not signed by both parties and anchored).</summary>
    ClaimRefusedNotInsured,

    /// <summary>Claim: a death claim for the same animal under the same policy is already on the ledger.</summary>
    ClaimRefusedDuplicate,

    /// <summary>Either purpose: the device's time lies outside the window the cloud accepts around its own
    /// receive time (longer offline than allowed, or ahead of the cloud's clock); not decided, both times named.</summary>
    DeviceTimeOutOfRange,
}

public static class CaptureOutcomeNames
{
    public static Result<CaptureOutcome> Parse(string? text, string field = "outcome") => WireNames.Parse<CaptureOutcome>(text, field, "capture outcome", Name);

    public static string Name(this CaptureOutcome outcome) => outcome switch
    {
        CaptureOutcome.Enrolled => "enrolled",
        CaptureOutcome.DuplicateEnrolment => "duplicate-enrolment",
        CaptureOutcome.UnknownFarmer => "unknown-farmer",
        CaptureOutcome.InvalidAnimal => "invalid-animal",
        CaptureOutcome.LedgerRefused => "ledger-refused",
        CaptureOutcome.InconsistentPhotos => "inconsistent-photos",
        CaptureOutcome.StaleModel => "stale-model",
        CaptureOutcome.ClaimAccepted => "claim-accepted",
        CaptureOutcome.ClaimRefusedNoMatch => "claim-refused-no-match",
        CaptureOutcome.ClaimRefusedNotInsured => "claim-refused-not-insured",
        CaptureOutcome.ClaimRefusedDuplicate => "claim-refused-duplicate",
        CaptureOutcome.DeviceTimeOutOfRange => "device-time-out-of-range",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}

/// <summary>The set of enrolled animals one search compares a photo with. A smaller scope holds fewer
/// impostors, so it can flag at a lower threshold for the same false-duplicate rate.</summary>
public enum SearchScope
{
    /// <summary>Claim: the animals on the capture farmer's policies active on the day of the photo.</summary>
    Herd,

    /// <summary>Claim naming no farmer: every animal of the species on a policy active on the day.</summary>
    Insured,

    /// <summary>Enrolment: the same farmer's enrolled animals.</summary>
    Farmer,

    /// <summary>Enrolment: animals whose enrolment fix lies within the radius setting of the capture's fix.</summary>
    Radius,

    /// <summary>Every enrolled animal of the species whose template comes from the same model.</summary>
    Registry,

    /// <summary>Herd census: the animals of one policy.</summary>
    Policy,
}

public static class SearchScopeNames
{
    public static Result<SearchScope> Parse(string? text, string field = "scope") => WireNames.Parse<SearchScope>(text, field, "search scope", Name);

    public static string Name(this SearchScope scope) => scope switch
    {
        SearchScope.Herd => "herd",
        SearchScope.Insured => "insured",
        SearchScope.Farmer => "farmer",
        SearchScope.Radius => "radius",
        SearchScope.Registry => "registry",
        SearchScope.Policy => "policy",
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, null),
    };
}

/// <summary>One scope's search as decided, with everything needed to explain it later.
/// <see cref="Size"/> is the number of animals compared; <see cref="Threshold"/> the cosine score at or
/// above which the best one counts as the same animal; <see cref="ExpectedFalseDuplicateRate"/> the chance
/// that a new animal is flagged in a scope of that size at that threshold, 1 − (1 − p)^Size with p the
/// registry's estimated pairwise impostor tail at the threshold (null while the registry is too small to
/// estimate p); <see cref="CalibrationAnimals"/> the number of enrolled animals that estimate came from
/// (0: none, the threshold is the model manifest's floor).</summary>
public sealed record ScopeResult(
    SearchScope Scope,
    int Size,
    float Threshold,
    double? ExpectedFalseDuplicateRate,
    int CalibrationAnimals,
    Match? Best,
    Match? RunnerUp)
{
    /// <summary>Best minus runner-up score: how clearly the best animal stands out (null with fewer than two animals).</summary>
    public float? Margin => Best is not null && RunnerUp is not null ? Best.Score - RunnerUp.Score : null;

    public bool Matched => Best is not null && Best.Score >= Threshold;

    /// <summary>The scope in words, for a decision's reason.</summary>
    public string Describe()
    {
        var rate = ExpectedFalseDuplicateRate is { } r ? $"expected false-duplicate rate {r:0.####}" : "expected false-duplicate rate not yet estimated";
        var best = Best is null ? "no animal" : $"best {Best.AnimalId} {Best.Score:0.000}{Templates(Best)}";
        var runnerUp = RunnerUp is null ? "" : $", runner-up {RunnerUp.AnimalId} {RunnerUp.Score:0.000}, margin {Margin:0.000}";
        return string.Create(CultureInfo.InvariantCulture, $"{Scope.Name()} scope of {Size}: {best}{runnerUp}; threshold {Threshold:0.0000} ({rate})");
    }

    private static string Templates(Match m) => m.Templates switch { 0 => "", 1 => " (1 template)", var n => $" ({n} templates)" };
}

/// <summary>What the cloud decided about one capture, and why, in words a claims officer can read.
/// <see cref="Scopes"/> holds every scope searched, in the order they were searched; <see cref="Photos"/> how many
/// photos of the capture were scored (each scope's matches say how many templates the animal had).</summary>
public sealed record CaptureDecision(DecisionStatus Status, CaptureOutcome Outcome, string Reason, string? AnimalId, float? Score, string? ClaimId = null)
{
    public IReadOnlyList<ScopeResult> Scopes { get; init; } = [];

    public int Photos { get; init; } = 1;
}

/// <summary>A verified capture as the registry keeps it: the evidence behind every enrolment and claim.</summary>
public sealed record CaptureRecord(
    string CaptureId,
    string Tenant,
    string DeviceId,
    string AgentId,
    CapturePurpose Purpose,
    Species Species,
    string? EarTag,
    string? FarmerId,
    GeoPoint Location,
    double LocationAccuracyMetres,
    DateTimeOffset TakenAt,
    string ModelVersion,
    IReadOnlyList<PhotoRecord> Photos,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The photos' embeddings, in order: the probes of a search.</summary>
    public IReadOnlyList<Embedding> Embeddings => [.. Photos.Select(p => p.Embedding)];

    /// <summary>The model all of the capture's photos were embedded with.</summary>
    public string ModelId => Photos[0].Embedding.ModelId;
}

/// <summary>One photo of a capture as stored: its embedding and the blob key of its face crop.</summary>
public sealed record PhotoRecord(Embedding Embedding, string CropBlobKey);

/// <summary>One candidate from a 1:N search, with its fused score (the mean over the capture's photos of each
/// photo's best score among the animal's templates) and, once rescored from the stored templates, how many
/// templates the animal has (0 where not counted).</summary>
public sealed record Match(string AnimalId, float Score)
{
    public int Templates { get; init; }
}

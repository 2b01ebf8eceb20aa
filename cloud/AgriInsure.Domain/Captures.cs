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

/// <summary>What the cloud decided about one capture, and why, in words a claims officer can read.</summary>
public sealed record CaptureDecision(DecisionStatus Status, string Outcome, string Reason, string? AnimalId, float? Score, string? ClaimId = null);

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
    Embedding Embedding,
    string CropBlobKey,
    DateTimeOffset ReceivedAt);

/// <summary>One candidate from a 1:N search.</summary>
public sealed record Match(string AnimalId, float Score);

using System.Text.Json.Serialization;

namespace AgriInsure.Protocol;

[JsonConverter(typeof(JsonStringEnumConverter<CapturePurpose>))]
public enum CapturePurpose
{
    Enrol,
    Claim,
}

public sealed record GpsFix(double Latitude, double Longitude, double AccuracyMetres);

public sealed record ModelRef(string Id, string Version);

/// <summary>One photographed animal as a handheld reports it. Everything but <see cref="Signature"/> is
/// covered by the device's signature (see <see cref="CanonicalBytes"/>).</summary>
public sealed record Capture
{
    public int V { get; init; } = 1;
    public required string CaptureId { get; init; }
    public required string Tenant { get; init; }
    public required string DeviceId { get; init; }
    public required string AgentId { get; init; }
    public required CapturePurpose Purpose { get; init; }
    public required string Species { get; init; }
    public string? EarTag { get; init; }

    /// <summary>The opaque id of the farmer an enrolled animal belongs to; required for enrolment.</summary>
    public string? FarmerId { get; init; }
    public required GpsFix Gps { get; init; }
    public required DateTimeOffset TakenAt { get; init; }
    public required ModelRef Model { get; init; }
    public required float[] Embedding { get; init; }
    public required byte[] CropJpeg { get; init; }
    public byte[] Signature { get; init; } = [];
}

[JsonConverter(typeof(JsonStringEnumConverter<AckStatus>))]
public enum AckStatus
{
    /// <summary>Stored and acted on (a new animal, a claim registered).</summary>
    Accepted,

    /// <summary>Stored, but the decision went against it (duplicate enrolment, claim refused); the
    /// device must not resend it.</summary>
    Flagged,

    /// <summary>Not stored: the capture itself is invalid (bad signature, bad field).</summary>
    Rejected,
}

/// <summary>The cloud's answer for one capture; the device drops the capture from its outbox on any ack.</summary>
public sealed record Ack
{
    public int V { get; init; } = 1;
    public required string CaptureId { get; init; }
    public required AckStatus Status { get; init; }
    public required string Outcome { get; init; }
    public string? Reason { get; init; }
    public string? AnimalId { get; init; }
    public float? Score { get; init; }
}

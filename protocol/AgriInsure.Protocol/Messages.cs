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

/// <summary>What the handheld's quality gate measured of a photo: the variance of the Laplacian
/// (sharpness), the mean grey level and its standard deviation (contrast), as the gate defines them.</summary>
public sealed record PhotoQuality(double Sharpness, double MeanLuma, double LumaStdDev);

/// <summary>One photo of a capture: its face crop and the embedding the handheld made of it, and the quality
/// gate's measurements where the handheld sends them.</summary>
public sealed record CapturePhoto
{
    public required float[] Embedding { get; init; }
    public required byte[] CropJpeg { get; init; }
    public PhotoQuality? Quality { get; init; }
}

/// <summary>One photographed animal as a handheld reports it: 1 to <see cref="Limits.MaxPhotos"/> photos of
/// it, signed as one capture. Everything but <see cref="Signature"/> is covered by the device's signature
/// (see <see cref="CanonicalBytes"/>).
/// <para>Version 2 (<see cref="CurrentVersion"/>) carries <c>photos</c>; version 1, what handhelds sent before
/// multi-photo evidence, carried one <c>embedding</c> and one <c>cropJpeg</c> at the top level. <see cref="Codec"/>
/// decodes a version 1 capture into one photo with no quality and keeps <see cref="V"/> = 1, so its signature
/// is checked over the version 1 bytes it was signed with.</para></summary>
public sealed record Capture
{
    public const int CurrentVersion = 2;

    public int V { get; init; } = CurrentVersion;
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
    public required IReadOnlyList<CapturePhoto> Photos { get; init; }
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

/// <summary>The cloud's answer for one capture, signed by the cloud's <see cref="AckKey"/>.
/// <para>Version 2 (<see cref="CurrentVersion"/>) names the device it answers (<see cref="Tenant"/>, <see cref="DeviceId"/>)
/// and carries <see cref="Signature"/>: ECDSA P-256 over its <see cref="CanonicalBytes.Of(Ack)"/>. A device settles a
/// capture only on a version 2 ack that verifies against the cloud key it was provisioned with, names this device and
/// one of its pending capture ids; anything else is logged and ignored, and the capture stays queued.
/// Version 1 acks (before this) were unsigned: <see cref="Codec.TryDecodeAck"/> refuses them, since an unsigned ack is
/// exactly what a forger sends. Captures of every supported version are still accepted and answered with version 2 acks;
/// a handheld built before version 2 acks reads none of them and has to be updated to settle its outbox.</para></summary>
public sealed record Ack
{
    public const int CurrentVersion = 2;

    public int V { get; init; } = CurrentVersion;
    public required string CaptureId { get; init; }

    /// <summary>The tenant of the device the ack answers; the cloud fills it from the capture it answers.</summary>
    public string Tenant { get; init; } = "";

    /// <summary>The device the ack answers; the cloud fills it from the capture it answers.</summary>
    public string DeviceId { get; init; } = "";
    public required AckStatus Status { get; init; }
    public required string Outcome { get; init; }
    public string? Reason { get; init; }
    public string? AnimalId { get; init; }
    public float? Score { get; init; }
    public byte[] Signature { get; init; } = [];
}

namespace AgriInsure.Protocol;

/// <summary>Why a message was refused: a stable code for metrics and acks, the field, and a reason for people.</summary>
public sealed record ProtocolError(string Code, string Field, string Reason)
{
    public const string Oversize = "oversize";
    public const string Malformed = "malformed";
    public const string UnsupportedVersion = "unsupported-version";
    public const string InvalidField = "invalid-field";
    public const string TopicMismatch = "topic-mismatch";
    public const string UnknownDevice = "unknown-device";
    public const string BadSignature = "bad-signature";
    public const string CaptureIdTaken = "capture-id-taken";
    public const string Replay = "replay";

    /// <summary>The device was revoked: the cloud takes no capture from it, and a device that reads this in a signed ack
    /// stops sending.</summary>
    public const string DeviceRevoked = "device-revoked";

    public override string ToString() => $"{Code} ({Field}): {Reason}";
}

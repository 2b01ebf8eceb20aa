using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgriInsure.Protocol;

/// <summary>JSON encoding of protocol messages, and the checks every received capture passes before
/// anything looks at its content.</summary>
public static class Codec
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 8,
    };

    public static byte[] Encode(Capture capture) => JsonSerializer.SerializeToUtf8Bytes(capture, Options);

    public static byte[] Encode(Ack ack) => JsonSerializer.SerializeToUtf8Bytes(ack, Options);

    public static bool TryDecodeAck(ReadOnlySpan<byte> payload, out Ack? ack)
    {
        ack = null;
        if (payload.Length > 16 * 1024)
            return false;
        try
        {
            ack = JsonSerializer.Deserialize<Ack>(payload, Options);
            return ack is { V: 1 } && !string.IsNullOrEmpty(ack.CaptureId);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Parses the envelope of a capture received on <paramref name="topic"/>: size, JSON,
    /// version, shape, and that it names the device whose topic it came on. The receiver then checks
    /// the signature and only then <see cref="Validate"/>s the fields, so that an answer about a field
    /// goes only to a device that really sent it.</summary>
    public static bool TryDecodeCapture(ReadOnlySpan<byte> payload, string topic, out Capture? capture, out ProtocolError? error)
    {
        capture = null;
        if (payload.Length > Limits.MaxPayloadBytes)
            return Fail(out error, ProtocolError.Oversize, "payload", $"{payload.Length} bytes; the limit is {Limits.MaxPayloadBytes}");
        if (!Topics.TryParseCaptureTopic(topic, out var tenant, out var deviceId))
            return Fail(out error, ProtocolError.TopicMismatch, "topic", $"'{topic}' is not a v1 capture topic");

        int version;
        try
        {
            using var doc = JsonDocument.Parse(payload.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return Fail(out error, ProtocolError.Malformed, "payload", "is not a JSON object");
            if (!doc.RootElement.TryGetProperty("v", out var v) || !v.TryGetInt32(out version))
                return Fail(out error, ProtocolError.Malformed, "v", "the protocol version is missing");
        }
        catch (JsonException e)
        {
            return Fail(out error, ProtocolError.Malformed, "payload", $"is not JSON: {e.Message}");
        }
        if (version != 1)
            return Fail(out error, ProtocolError.UnsupportedVersion, "v", $"version {version} is not supported; this cloud speaks 1");

        Capture? c;
        try
        {
            c = JsonSerializer.Deserialize<Capture>(payload, Options);
        }
        catch (JsonException e)
        {
            return Fail(out error, ProtocolError.Malformed, e.Path ?? "payload", e.Message);
        }
        if (c is null)
            return Fail(out error, ProtocolError.Malformed, "payload", "is null");

        if (c.Tenant != tenant || c.DeviceId != deviceId)
            return Fail(out error, ProtocolError.TopicMismatch, "deviceId", $"the capture names {c.Tenant}/{c.DeviceId} but came on {topic}");
        capture = c;
        error = null;
        return true;
    }

    public static ProtocolError? Validate(Capture c)
    {
        if (!NUlid.Ulid.TryParse(c.CaptureId, out _) || c.CaptureId.Length != 26)
            return Field("captureId", $"'{c.CaptureId}' is not a ULID");
        foreach (var (value, name) in new[] { (c.Tenant, "tenant"), (c.DeviceId, "deviceId"), (c.AgentId, "agentId"), (c.Species, "species"), (c.Model.Id, "model.id"), (c.Model.Version, "model.version") })
        {
            if (!Topics.IsSegment(value))
                return Field(name, $"'{Clip(value)}' must be 1-{Limits.MaxTextField} of A-Z a-z 0-9 - _ .");
        }
        if (c.EarTag is not null && !Topics.IsSegment(c.EarTag))
            return Field("earTag", $"'{Clip(c.EarTag)}' must be 1-{Limits.MaxTextField} of A-Z a-z 0-9 - _ .");
        if (c.FarmerId is not null && !Topics.IsSegment(c.FarmerId))
            return Field("farmerId", $"'{Clip(c.FarmerId)}' must be 1-{Limits.MaxTextField} of A-Z a-z 0-9 - _ .");
        if (c.Purpose == CapturePurpose.Enrol && c.FarmerId is null)
            return Field("farmerId", "an enrolment must name the farmer the animal belongs to");
        if (!Enum.IsDefined(c.Purpose))
            return Field("purpose", "is neither enrol nor claim");
        if (!double.IsFinite(c.Gps.Latitude) || c.Gps.Latitude is < -90 or > 90)
            return Field("gps.latitude", $"{c.Gps.Latitude} is outside -90..90");
        if (!double.IsFinite(c.Gps.Longitude) || c.Gps.Longitude is < -180 or > 180)
            return Field("gps.longitude", $"{c.Gps.Longitude} is outside -180..180");
        if (!double.IsFinite(c.Gps.AccuracyMetres) || c.Gps.AccuracyMetres < 0)
            return Field("gps.accuracyMetres", $"{c.Gps.AccuracyMetres} is not a non-negative distance");
        if (c.Embedding.Length is 0 or > Limits.MaxEmbeddingDimension)
            return Field("embedding", $"has {c.Embedding.Length} values; expected 1 to {Limits.MaxEmbeddingDimension}");
        if (c.Embedding.Any(v => !float.IsFinite(v)))
            return Field("embedding", "holds a NaN or infinite value");
        if (c.CropJpeg.Length > Limits.MaxCropBytes)
            return new ProtocolError(ProtocolError.Oversize, "cropJpeg", $"{c.CropJpeg.Length} bytes; the limit is {Limits.MaxCropBytes}");
        if (c.CropJpeg.Length < 4 || c.CropJpeg[0] != 0xFF || c.CropJpeg[1] != 0xD8)
            return Field("cropJpeg", "is not a JPEG (no SOI marker)");
        return null;
    }

    private static ProtocolError Field(string field, string reason) => new(ProtocolError.InvalidField, field, reason);

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private static bool Fail(out ProtocolError error, string code, string field, string reason)
    {
        error = new ProtocolError(code, field, reason);
        return false;
    }
}

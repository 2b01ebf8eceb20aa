using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AgriInsure.Protocol;

/// <summary>JSON encoding of protocol messages, and the checks every received capture passes before
/// anything looks at its content. Captures of version 2 (<c>photos</c>) and version 1 (one top-level
/// <c>embedding</c> and <c>cropJpeg</c>, what handhelds sent before) are both read; a version 1 capture
/// becomes one photo and keeps <see cref="Capture.V"/> = 1, and is written back in its own shape.</summary>
public static class Codec
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 8,
    };

    public static byte[] Encode(Capture capture)
    {
        if (capture.V != 1)
            return JsonSerializer.SerializeToUtf8Bytes(capture, Options);
        var node = JsonSerializer.SerializeToNode(capture, Options)!.AsObject();
        var photo = node["photos"]![0]!.AsObject();
        node.Remove("photos");
        foreach (var field in V1PhotoFields)
            node[field] = photo[field]!.DeepClone();
        return JsonSerializer.SerializeToUtf8Bytes(node, Options);
    }

    /// <summary>The one photo's fields a version 1 capture carries at its top level.</summary>
    private static readonly string[] V1PhotoFields = ["embedding", "cropJpeg"];

    public static byte[] Encode(Ack ack) => JsonSerializer.SerializeToUtf8Bytes(ack, Options);

    /// <summary>Parses an ack of version <see cref="Ack.CurrentVersion"/>: false for anything larger than 16 KiB, not JSON of
    /// an ack, of another version (version 1 acks were unsigned), or without a capture id. Says nothing of its signature:
    /// the receiver checks that with <see cref="SignatureCheck.IsValid(Ack, ReadOnlySpan{byte})"/>.</summary>
    public static bool TryDecodeAck(ReadOnlySpan<byte> payload, out Ack? ack)
    {
        ack = null;
        if (payload.Length > 16 * 1024)
            return false;
        try
        {
            ack = JsonSerializer.Deserialize<Ack>(payload, Options);
            return ack is { V: Ack.CurrentVersion } && !string.IsNullOrEmpty(ack.CaptureId) && ack.Tenant is not null && ack.DeviceId is not null && ack.Signature is not null;
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
        JsonObject root;
        try
        {
            var node = JsonNode.Parse(payload, documentOptions: new JsonDocumentOptions { MaxDepth = 8 });
            if (node is not JsonObject o)
                return Fail(out error, ProtocolError.Malformed, "payload", "is not a JSON object");
            root = o;
            if (root["v"] is not JsonValue v || !v.TryGetValue(out version))
                return Fail(out error, ProtocolError.Malformed, "v", "the protocol version is missing");
        }
        catch (JsonException e)
        {
            return Fail(out error, ProtocolError.Malformed, "payload", $"is not JSON: {e.Message}");
        }
        if (version is not (1 or Capture.CurrentVersion))
            return Fail(out error, ProtocolError.UnsupportedVersion, "v", $"version {version} is not supported; this cloud speaks 1 and {Capture.CurrentVersion}");
        if (version == 1)
        {
            // A version 1 capture's one embedding and crop become its one photo; "photos" has no place in it.
            if (root.ContainsKey("photos"))
                return Fail(out error, ProtocolError.Malformed, "photos", "a version 1 capture carries one embedding and cropJpeg, not photos");
            var photo = new JsonObject();
            foreach (var field in V1PhotoFields)
            {
                if (root[field] is { } value)
                {
                    root.Remove(field);
                    photo[field] = value;
                }
            }
            root["photos"] = new JsonArray(photo);
        }

        Capture? c;
        try
        {
            c = root.Deserialize<Capture>(Options);
        }
        catch (JsonException e)
        {
            var path = e.Path ?? "payload";
            return Fail(out error, ProtocolError.Malformed, version == 1 ? path.Replace("$.photos[0].", "$.", StringComparison.Ordinal) : path, e.Message);
        }
        if (c is null)
            return Fail(out error, ProtocolError.Malformed, "payload", "is null");
        // JSON null satisfies "required": the signature check reads every photo, so nulls stop here.
        if (c.Photos is null)
            return Fail(out error, ProtocolError.Malformed, "photos", "is null");
        for (var i = 0; i < c.Photos.Count; i++)
        {
            var at = version == 1 ? "" : $"photos[{i}].";
            if (c.Photos[i] is null)
                return Fail(out error, ProtocolError.Malformed, $"photos[{i}]", "is null");
            if (c.Photos[i].Embedding is null)
                return Fail(out error, ProtocolError.Malformed, $"{at}embedding", "is missing");
            if (c.Photos[i].CropJpeg is null)
                return Fail(out error, ProtocolError.Malformed, $"{at}cropJpeg", "is missing");
        }

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
        if (c.Photos.Count is 0 or > Limits.MaxPhotos)
            return Field("photos", $"has {c.Photos.Count} photos; a capture carries 1 to {Limits.MaxPhotos}");
        for (var i = 0; i < c.Photos.Count; i++)
        {
            if (ValidatePhoto(c.Photos[i], c.V == 1 ? "" : $"photos[{i}].", c.Photos[0].Embedding.Length) is { } error)
                return error;
        }
        return null;
    }

    /// <summary>One photo's checks; <paramref name="at"/> prefixes the field names (empty for a version 1 capture,
    /// whose fields are top-level). Every photo's embedding has the dimension of the first: one model made them all.</summary>
    private static ProtocolError? ValidatePhoto(CapturePhoto p, string at, int dimension)
    {
        if (p.Embedding.Length is 0 or > Limits.MaxEmbeddingDimension)
            return Field($"{at}embedding", $"has {p.Embedding.Length} values; expected 1 to {Limits.MaxEmbeddingDimension}");
        if (p.Embedding.Length != dimension)
            return Field($"{at}embedding", $"has {p.Embedding.Length} values; photos[0] has {dimension} (one model embeds all of a capture's photos)");
        if (p.Embedding.Any(v => !float.IsFinite(v)))
            return Field($"{at}embedding", "holds a NaN or infinite value");
        if (p.CropJpeg.Length > Limits.MaxCropBytes)
            return new ProtocolError(ProtocolError.Oversize, $"{at}cropJpeg", $"{p.CropJpeg.Length} bytes; the limit is {Limits.MaxCropBytes}");
        if (p.CropJpeg.Length < 4 || p.CropJpeg[0] != 0xFF || p.CropJpeg[1] != 0xD8)
            return Field($"{at}cropJpeg", "is not a JPEG (no SOI marker)");
        if (p.Quality is { } q && (!double.IsFinite(q.Sharpness) || q.Sharpness < 0 || !double.IsFinite(q.MeanLuma) || q.MeanLuma is < 0 or > 255 || !double.IsFinite(q.LumaStdDev) || q.LumaStdDev < 0))
            return Field($"{at}quality", "holds a measure out of range (sharpness and contrast ≥ 0, mean luma 0 to 255)");
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

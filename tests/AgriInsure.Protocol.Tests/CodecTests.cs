using System.Text;
using AgriInsure.Protocol;

namespace AgriInsure.Protocol.Tests;

public class CodecTests
{
    private static readonly string Topic = Topics.Captures("t1", "d1");

    private static ProtocolError Refusal(byte[] payload, string? topic = null)
    {
        Assert.False(Codec.TryDecodeCapture(payload, topic ?? Topic, out var capture, out var error));
        Assert.Null(capture);
        return error!;
    }

    [Fact]
    public void Round_trips_a_capture()
    {
        var original = CaptureFactory.Make();
        Assert.True(Codec.TryDecodeCapture(Codec.Encode(original), Topic, out var decoded, out var error), error?.ToString());
        Assert.Equal(original.CaptureId, decoded!.CaptureId);
        Assert.Equal(original.Embedding, decoded.Embedding);
        Assert.Equal(original.CropJpeg, decoded.CropJpeg);
        Assert.Null(Codec.Validate(decoded));
    }

    [Fact]
    public void Refuses_oversize_payloads_before_parsing() =>
        Assert.Equal(ProtocolError.Oversize, Refusal(new byte[Limits.MaxPayloadBytes + 1]).Code);

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[1,2]")]
    [InlineData("not json")]
    [InlineData("{\"captureId\":\"x\"}")]
    public void Refuses_malformed_json(string text) =>
        Assert.Equal(ProtocolError.Malformed, Refusal(Encoding.UTF8.GetBytes(text)).Code);

    [Fact]
    public void Refuses_unknown_versions_by_name()
    {
        var json = Encoding.UTF8.GetString(Codec.Encode(CaptureFactory.Make())).Replace("\"v\":1", "\"v\":2");
        var error = Refusal(Encoding.UTF8.GetBytes(json));
        Assert.Equal(ProtocolError.UnsupportedVersion, error.Code);
        Assert.Contains("version 2", error.Reason);
    }

    [Fact]
    public void Refuses_unknown_fields_and_missing_required_ones()
    {
        var json = Encoding.UTF8.GetString(Codec.Encode(CaptureFactory.Make()));
        Assert.Equal(ProtocolError.Malformed, Refusal(Encoding.UTF8.GetBytes(json.Replace("\"v\":1", "\"v\":1,\"extra\":true"))).Code);
        Assert.Equal(ProtocolError.Malformed, Refusal(Encoding.UTF8.GetBytes(json.Replace("\"agentId\":\"agent-1\",", ""))).Code);
    }

    [Fact]
    public void Refuses_a_capture_that_names_another_device_than_its_topic()
    {
        var payload = Codec.Encode(CaptureFactory.Make(device: "d2"));
        Assert.Equal(ProtocolError.TopicMismatch, Refusal(payload).Code);
        Assert.Equal(ProtocolError.TopicMismatch, Refusal(payload, "agri/v1/t1/acks/d2").Code);
    }

    public static TheoryData<Capture, string> BadFields() => new()
    {
        { CaptureFactory.Make() with { CaptureId = "not-a-ulid" }, "captureId" },
        { CaptureFactory.Make() with { Species = "" }, "species" },
        { CaptureFactory.Make() with { AgentId = new string('a', 65) }, "agentId" },
        { CaptureFactory.Make() with { EarTag = "has space" }, "earTag" },
        { CaptureFactory.Make() with { FarmerId = null }, "farmerId" },
        { CaptureFactory.Make() with { Gps = new GpsFix(91, 0, 1) }, "gps.latitude" },
        { CaptureFactory.Make() with { Gps = new GpsFix(0, 200, 1) }, "gps.longitude" },
        { CaptureFactory.Make() with { Gps = new GpsFix(0, 0, -1) }, "gps.accuracyMetres" },
        { CaptureFactory.Make() with { Embedding = [] }, "embedding" },
        { CaptureFactory.Make() with { Embedding = [float.NaN, 1] }, "embedding" },
        { CaptureFactory.Make() with { CropJpeg = [1, 2, 3, 4] }, "cropJpeg" },
        { CaptureFactory.Make() with { CropJpeg = new byte[Limits.MaxCropBytes + 1] }, "cropJpeg" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void Validate_names_the_bad_field(Capture capture, string field) =>
        Assert.Equal(field, Codec.Validate(capture)!.Field);

    [Fact]
    public void Acks_round_trip_and_junk_is_not_an_ack()
    {
        var ack = new Ack { CaptureId = "01J", Status = AckStatus.Flagged, Outcome = "duplicate-enrolment", Score = 0.9f };
        Assert.True(Codec.TryDecodeAck(Codec.Encode(ack), out var back));
        Assert.Equal(ack, back);
        Assert.False(Codec.TryDecodeAck("{}"u8, out _));
        Assert.False(Codec.TryDecodeAck("nonsense"u8, out _));
    }

    [Fact]
    public void Topics_parse_and_refuse_wildcards()
    {
        Assert.True(Topics.TryParseCaptureTopic("agri/v1/t1/captures/d1", out var t, out var d));
        Assert.Equal(("t1", "d1"), (t, d));
        Assert.False(Topics.TryParseCaptureTopic("agri/v2/t1/captures/d1", out _, out _));
        Assert.False(Topics.TryParseCaptureTopic("agri/v1/+/captures/d1", out _, out _));
        Assert.Throws<ArgumentException>(() => Topics.Captures("t/1", "d1"));
        Assert.Equal("$share/ingest/agri/v1/+/captures/+", Topics.AllCaptures("ingest"));
    }
}

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

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(Limits.MaxPhotos)]
    public void Round_trips_a_version_2_capture_with_every_photo(int photos)
    {
        var original = CaptureFactory.Make(photos: photos);
        Assert.True(Codec.TryDecodeCapture(Codec.Encode(original), Topic, out var decoded, out var error), error?.ToString());
        Assert.Equal(2, decoded!.V);
        Assert.Equal(original.CaptureId, decoded.CaptureId);
        Assert.Equal(photos, decoded.Photos.Count);
        for (var i = 0; i < photos; i++)
        {
            Assert.Equal(original.Photos[i].Embedding, decoded.Photos[i].Embedding);
            Assert.Equal(original.Photos[i].CropJpeg, decoded.Photos[i].CropJpeg);
            Assert.Equal(original.Photos[i].Quality, decoded.Photos[i].Quality);
        }
        Assert.Null(Codec.Validate(decoded));
    }

    [Fact]
    public void A_version_1_capture_decodes_as_one_photo_and_encodes_back_in_its_own_shape()
    {
        var v1 = CaptureFactory.MakeV1();
        var json = System.Text.Json.Nodes.JsonNode.Parse(Codec.Encode(v1))!.AsObject();
        Assert.True(json.ContainsKey("embedding") && json.ContainsKey("cropJpeg") && !json.ContainsKey("photos"));
        Assert.True(Codec.TryDecodeCapture(Codec.Encode(v1), Topic, out var decoded, out var error), error?.ToString());
        Assert.Equal(1, decoded!.V);
        var photo = Assert.Single(decoded.Photos);
        Assert.Equal(v1.Photos[0].Embedding, photo.Embedding);
        Assert.Equal(v1.Photos[0].CropJpeg, photo.CropJpeg);
        Assert.Null(photo.Quality);
        Assert.Null(Codec.Validate(decoded));
        Assert.Equal(Codec.Encode(v1), Codec.Encode(decoded));
    }

    [Theory]
    [InlineData("""{"v":1,"photos":[]}""", "photos")]
    [InlineData("""{"v":3}""", "v")]
    public void Refuses_a_version_1_capture_with_photos_and_unknown_versions(string payload, string field) =>
        Assert.Equal(field, Refusal(System.Text.Encoding.UTF8.GetBytes(payload)).Field);

    [Fact]
    public void A_null_photo_or_a_photo_without_its_embedding_is_malformed_and_named()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(Codec.Encode(CaptureFactory.Make(photos: 4)))!.AsObject();
        json["photos"]![3]!.AsObject().Remove("embedding");
        var refused = Refusal(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
        Assert.Equal(ProtocolError.Malformed, refused.Code);
        Assert.Contains("photos[3]", refused.Field, StringComparison.Ordinal);
        json = System.Text.Json.Nodes.JsonNode.Parse(Codec.Encode(CaptureFactory.Make(photos: 4)))!.AsObject();
        json["photos"]![2] = null;
        Assert.Equal("photos[2]", Refusal(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())).Field);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Limits.MaxPhotos + 1)]
    public void Refuses_a_capture_with_no_photo_or_more_than_the_limit(int photos)
    {
        Assert.True(Codec.TryDecodeCapture(Codec.Encode(CaptureFactory.Make(photos: photos)), Topic, out var decoded, out _));
        var error = Codec.Validate(decoded!)!;
        Assert.Equal(("photos", ProtocolError.InvalidField), (error.Field, error.Code));
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
        var json = Encoding.UTF8.GetString(Codec.Encode(CaptureFactory.Make())).Replace("\"v\":2", "\"v\":3");
        var error = Refusal(Encoding.UTF8.GetBytes(json));
        Assert.Equal(ProtocolError.UnsupportedVersion, error.Code);
        Assert.Contains("version 3", error.Reason);
    }

    [Fact]
    public void Refuses_unknown_fields_and_missing_required_ones()
    {
        var json = Encoding.UTF8.GetString(Codec.Encode(CaptureFactory.Make()));
        Assert.Equal(ProtocolError.Malformed, Refusal(Encoding.UTF8.GetBytes(json.Replace("\"v\":2", "\"v\":2,\"extra\":true"))).Code);
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
        { CaptureFactory.MakeV1().WithPhoto(0, p => p with { Embedding = [] }), "embedding" },
        { CaptureFactory.MakeV1().WithPhoto(0, p => p with { CropJpeg = [1, 2, 3, 4] }), "cropJpeg" },
        { CaptureFactory.Make(photos: 4).WithPhoto(3, p => p with { Embedding = [] }), "photos[3].embedding" },
        { CaptureFactory.Make(photos: 2).WithPhoto(1, p => p with { Embedding = [float.NaN, 1] }), "photos[1].embedding" },
        { CaptureFactory.Make(photos: 2).WithPhoto(1, p => p with { Embedding = [1, 2, 3] }), "photos[1].embedding" },
        { CaptureFactory.Make(photos: 3).WithPhoto(2, p => p with { CropJpeg = [1, 2, 3, 4] }), "photos[2].cropJpeg" },
        { CaptureFactory.Make().WithPhoto(0, p => p with { CropJpeg = new byte[Limits.MaxCropBytes + 1] }), "photos[0].cropJpeg" },
        { CaptureFactory.Make().WithPhoto(0, p => p with { Quality = new PhotoQuality(double.NaN, 100, 10) }), "photos[0].quality" },
        { CaptureFactory.Make(photos: 0), "photos" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void Validate_names_the_bad_field(Capture capture, string field) =>
        Assert.Equal(field, Codec.Validate(capture)!.Field);

    [Fact]
    public void Acks_round_trip_and_junk_and_version_1_acks_are_not_acks()
    {
        using var key = AckKey.Create();
        var ack = key.Sign(new Ack { CaptureId = "01J", Tenant = "t1", DeviceId = "d1", Status = AckStatus.Flagged, Outcome = "duplicate-enrolment", Score = 0.9f });
        Assert.True(Codec.TryDecodeAck(Codec.Encode(ack), out var back));
        Assert.Equal(ack with { Signature = [] }, back! with { Signature = [] });
        Assert.Equal(ack.Signature, back.Signature);
        Assert.False(Codec.TryDecodeAck("{}"u8, out _));
        Assert.False(Codec.TryDecodeAck("nonsense"u8, out _));
        Assert.False(Codec.TryDecodeAck("""{"v":1,"captureId":"01J","status":"Accepted","outcome":"enrolled"}"""u8, out _));
        Assert.False(Codec.TryDecodeAck("""{"v":2,"captureId":"01J","tenant":null,"deviceId":"d1","status":"Accepted","outcome":"enrolled","signature":""}"""u8, out _));
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

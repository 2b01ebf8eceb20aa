using AgriInsure.Protocol;
using CsCheck;

namespace AgriInsure.Protocol.Tests;

public class SignatureTests
{
    [Fact]
    public void A_signed_capture_verifies_with_its_device_key_only()
    {
        using var key = DeviceKey.Create();
        using var other = DeviceKey.Create();
        var signed = key.Sign(CaptureFactory.Make());
        Assert.True(SignatureCheck.IsValid(signed, key.PublicKey));
        Assert.False(SignatureCheck.IsValid(signed, other.PublicKey));
        Assert.False(SignatureCheck.IsValid(signed with { Signature = [] }, key.PublicKey));
        Assert.False(SignatureCheck.IsValid(signed, [1, 2, 3]));
    }

    [Fact]
    public void Any_change_to_a_signed_field_breaks_the_signature()
    {
        using var key = DeviceKey.Create();
        var signed = key.Sign(CaptureFactory.Make());
        var forgeries = new[]
        {
            signed with { AgentId = "agent-2" },
            signed with { Purpose = CapturePurpose.Claim },
            signed with { FarmerId = "F-2" },
            signed with { FarmerId = null },
            signed with { EarTag = "T1" },
            signed with { Gps = signed.Gps with { Latitude = 45.88 } },
            signed with { TakenAt = signed.TakenAt.AddSeconds(1) },
            signed with { Model = signed.Model with { Version = "1.0.1" } },
            signed.WithPhoto(0, p => p with { CropJpeg = [.. CaptureFactory.Jpeg, 9] }),
            signed.WithPhoto(0, p => p with { Quality = p.Quality! with { Sharpness = 41 } }),
            signed.WithPhoto(0, p => p with { Quality = null }),
            signed with { Photos = [.. signed.Photos, CaptureFactory.Photo(1)] },
            signed with { V = 1 },
        };
        foreach (var forged in forgeries)
            Assert.False(SignatureCheck.IsValid(forged, key.PublicKey));
    }

    [Fact]
    public void Changing_any_embedding_value_breaks_the_signature()
    {
        using var key = DeviceKey.Create();
        var signed = key.Sign(CaptureFactory.Make());
        Gen.Select(Gen.Int[0, 15], Gen.Float[-1, 1]).Where(t => t.Item2 != signed.Photos[0].Embedding[t.Item1]).Sample(t =>
        {
            var values = (float[])signed.Photos[0].Embedding.Clone();
            values[t.Item1] = t.Item2;
            Assert.False(SignatureCheck.IsValid(signed.WithPhoto(0, p => p with { Embedding = values }), key.PublicKey));
        }, iter: 50);
    }

    [Fact]
    public void Tampering_with_any_one_photo_of_a_multi_photo_capture_breaks_its_signature()
    {
        using var key = DeviceKey.Create();
        var signed = key.Sign(CaptureFactory.Make(photos: Limits.MaxPhotos));
        Assert.True(SignatureCheck.IsValid(signed, key.PublicKey));
        Gen.Select(Gen.Int[0, Limits.MaxPhotos - 1], Gen.Int[0, 15], Gen.Float[-1, 1]).Where(t => t.Item3 != signed.Photos[t.Item1].Embedding[t.Item2]).Sample(t =>
        {
            var values = (float[])signed.Photos[t.Item1].Embedding.Clone();
            values[t.Item2] = t.Item3;
            Assert.False(SignatureCheck.IsValid(signed.WithPhoto(t.Item1, p => p with { Embedding = values }), key.PublicKey));
        }, iter: 50);
        Assert.False(SignatureCheck.IsValid(signed with { Photos = [.. signed.Photos.Reverse()] }, key.PublicKey));
        Assert.False(SignatureCheck.IsValid(signed with { Photos = [.. signed.Photos.Take(4)] }, key.PublicKey));
    }

    [Fact]
    public void A_version_1_capture_verifies_with_its_original_signature_after_decoding()
    {
        using var key = DeviceKey.Create();
        var signed = key.Sign(CaptureFactory.MakeV1());
        Assert.True(Codec.TryDecodeCapture(Codec.Encode(signed), Topics.Captures("t1", "d1"), out var decoded, out _));
        Assert.True(SignatureCheck.IsValid(decoded!, key.PublicKey));
        Assert.False(SignatureCheck.IsValid(decoded! with { V = 2 }, key.PublicKey));
        Assert.False(SignatureCheck.IsValid(decoded! with { Photos = [.. decoded!.Photos, CaptureFactory.Photo(1)] }, key.PublicKey));
    }

    [Fact]
    public void The_signature_survives_the_json_round_trip()
    {
        using var key = DeviceKey.Create();
        var signed = key.Sign(CaptureFactory.Make(photos: 2).WithPhoto(1, p => p with { Embedding = [0.1f, -0.333333343f, 1e-30f, 3.4e38f, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }));
        Assert.True(Codec.TryDecodeCapture(Codec.Encode(signed), Topics.Captures("t1", "d1"), out var decoded, out _));
        Assert.True(SignatureCheck.IsValid(decoded!, key.PublicKey));
    }

    [Fact]
    public void A_device_key_round_trips_through_pkcs8()
    {
        using var key = DeviceKey.Create();
        using var restored = DeviceKey.FromPkcs8(key.ExportPkcs8());
        Assert.Equal(key.PublicKey, restored.PublicKey);
        Assert.True(SignatureCheck.IsValid(restored.Sign(CaptureFactory.Make()), key.PublicKey));
    }
}

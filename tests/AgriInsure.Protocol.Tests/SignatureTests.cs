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

public class AckSignatureTests
{
    private static Ack Make() => new()
    {
        CaptureId = "01JABCDEFGHJKMNPQRSTVWXYZ0",
        Tenant = "t1",
        DeviceId = "d1",
        Status = AckStatus.Flagged,
        Outcome = "duplicate-enrolment",
        Reason = "matches A-1",
        AnimalId = "A-1",
        Score = 0.93f,
    };

    [Fact]
    public void A_signed_ack_verifies_with_the_cloud_key_only()
    {
        using var cloud = AckKey.Create();
        using var other = AckKey.Create();
        var signed = cloud.Sign(Make());
        Assert.Equal((Ack.CurrentVersion, 64), (signed.V, signed.Signature.Length));
        Assert.True(SignatureCheck.IsValid(signed, cloud.PublicKey));
        Assert.False(SignatureCheck.IsValid(signed, other.PublicKey));
        Assert.False(SignatureCheck.IsValid(signed with { Signature = [] }, cloud.PublicKey));
        Assert.False(SignatureCheck.IsValid(signed, [1, 2, 3]));
        using var device = DeviceKey.Create();
        Assert.False(SignatureCheck.IsValid(signed, device.PublicKey));
    }

    [Fact]
    public void Any_change_to_a_signed_ack_field_breaks_the_signature()
    {
        using var cloud = AckKey.Create();
        var signed = cloud.Sign(Make());
        var forgeries = new[]
        {
            signed with { CaptureId = "01JABCDEFGHJKMNPQRSTVWXYZ1" },
            signed with { Tenant = "t2" },
            signed with { DeviceId = "d2" },
            signed with { Status = AckStatus.Accepted },
            signed with { Outcome = "enrolled" },
            signed with { Reason = null },
            signed with { Reason = "" },
            signed with { AnimalId = "A-2" },
            signed with { Score = 0.94f },
            signed with { Score = null },
            signed with { V = 1 },
        };
        foreach (var forged in forgeries)
            Assert.False(SignatureCheck.IsValid(forged, cloud.PublicKey), forged.ToString());
    }

    [Fact]
    public void A_key_survives_export_and_import_and_only_p256_keys_are_ack_keys()
    {
        using var cloud = AckKey.Create();
        using var again = AckKey.FromPkcs8(cloud.ExportPkcs8());
        Assert.Equal(cloud.PublicKey, again.PublicKey);
        Assert.True(SignatureCheck.IsValid(again.Sign(Make()), cloud.PublicKey));
        using var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        Assert.Throws<System.Security.Cryptography.CryptographicException>(() => AckKey.FromPkcs8(p384.ExportPkcs8PrivateKey()));
    }

    /// <summary>The signed layout, spelled out from its documentation: every provisioned handheld verifies acks over
    /// exactly these bytes.</summary>
    [Fact]
    public void The_canonical_bytes_of_an_ack_follow_the_documented_layout()
    {
        static byte[] Int(int v) => BitConverter.GetBytes(v);
        static byte[] Text(string v) => [.. Int(System.Text.Encoding.UTF8.GetByteCount(v)), .. System.Text.Encoding.UTF8.GetBytes(v)];
        var ack = Make();
        byte[] expected =
        [
            .. "agri-ack-v2\0"u8, .. Int(2), .. Text(ack.CaptureId), .. Text("t1"), .. Text("d1"), .. Text("Flagged"), .. Text("duplicate-enrolment"),
            1, .. Text("matches A-1"), 1, .. Text("A-1"), 1, .. BitConverter.GetBytes(0.93f),
        ];
        Assert.True(BitConverter.IsLittleEndian);
        Assert.Equal(expected, CanonicalBytes.Of(ack));
        byte[] bare = [.. "agri-ack-v2\0"u8, .. Int(2), .. Text(ack.CaptureId), .. Text("t1"), .. Text("d1"), .. Text("Accepted"), .. Text("enrolled"), 0, .. Int(0), 0, .. Int(0), 0, 0, 0, 0, 0];
        Assert.Equal(bare, CanonicalBytes.Of(ack with { Status = AckStatus.Accepted, Outcome = "enrolled", Reason = null, AnimalId = null, Score = null }));
    }
}

using AgriInsure.Protocol;

namespace AgriInsure.Protocol.Tests;

internal static class CaptureFactory
{
    public static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9];

    /// <summary>A version 2 capture of <paramref name="photos"/> photos, each with its own embedding and crop.</summary>
    public static Capture Make(string tenant = "t1", string device = "d1", int photos = 1) => new()
    {
        CaptureId = NUlid.Ulid.NewUlid().ToString(),
        Tenant = tenant,
        DeviceId = device,
        AgentId = "agent-1",
        Purpose = CapturePurpose.Enrol,
        Species = "cattle",
        FarmerId = "F-1",
        Gps = new GpsFix(45.87, 14.56, 5),
        TakenAt = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_000),
        Model = new ModelRef("cattle-face-embedder", "1.0.0"),
        Photos = [.. Enumerable.Range(0, photos).Select(p => Photo(p))],
    };

    /// <summary>What a handheld sent before multi-photo evidence: version 1, one photo, no quality.</summary>
    public static Capture MakeV1() => Make() with { V = 1, Photos = [Photo(0) with { Quality = null }] };

    public static CapturePhoto Photo(int p) => new()
    {
        Embedding = [.. Enumerable.Range(0, 16).Select(i => (i + p) / 16f)],
        CropJpeg = [.. Jpeg, (byte)p],
        Quality = new PhotoQuality(40 + p, 120, 30),
    };

    /// <summary>The capture with photo <paramref name="at"/> changed.</summary>
    public static Capture WithPhoto(this Capture c, int at, Func<CapturePhoto, CapturePhoto> change) =>
        c with { Photos = [.. c.Photos.Select((p, i) => i == at ? change(p) : p)] };
}

using AgriInsure.Protocol;

namespace AgriInsure.Protocol.Tests;

internal static class CaptureFactory
{
    public static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9];

    public static Capture Make(string tenant = "t1", string device = "d1") => new()
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
        Embedding = Enumerable.Range(0, 16).Select(i => i / 16f).ToArray(),
        CropJpeg = Jpeg,
    };
}

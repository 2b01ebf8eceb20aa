using AgriInsure.Edge.Agent;
using AgriInsure.Edge.Vision;
using AgriInsure.Protocol;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Edge.Agent.Tests;

public sealed class HandheldTests : IAsyncLifetime
{
    private readonly TempFolder _dir = new();
    private readonly DeviceKey _key = DeviceKey.Create();
    private FaceEmbedder _embedder = null!;
    private FaceCheck _faceCheck = null!;
    private Outbox _outbox = null!;
    private Handheld _handheld = null!;
    private static readonly CaptureRequest Enrol = new(CapturePurpose.Enrol, "cattle", new GpsFix(45.87, 14.56, 4), DateTimeOffset.UtcNow, "F-1");

    public async Task InitializeAsync()
    {
        Assert.True(ModelManifest.TryLoad(Repo.Manifest, out var manifest, out var error), error);
        _embedder = new FaceEmbedder(manifest!);
        Assert.True(ModelManifest.TryLoad(Repo.FaceCheck, out var check, out error), error);
        _faceCheck = new FaceCheck(check!);
        _outbox = await Outbox.OpenAsync(_dir.File("outbox.db"));
        _handheld = new Handheld(new HandheldIdentity("t1", "hh-1", "agent-1"), new FacePipeline(_embedder, new QualityGate(new QualityOptions()), _faceCheck), _key, _outbox, NullLogger<Handheld>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _outbox.DisposeAsync();
        _embedder.Dispose();
        _faceCheck.Dispose();
        _key.Dispose();
        _dir.Dispose();
    }

    private static byte[] RealFace() =>
        File.ReadAllBytes(Directory.GetFiles(Path.Combine(Repo.SharedData, "cattle", "holstein2025", "datasets_v2"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First());

    [Fact]
    public async Task A_real_face_becomes_a_signed_queued_capture()
    {
        var outcome = await _handheld.CaptureAsync(RealFace(), Enrol);
        Assert.True(outcome.Queued, string.Join("; ", outcome.Problems));
        var capture = outcome.Capture!;
        Assert.True(SignatureCheck.IsValid(capture, _key.PublicKey));
        var photo = Assert.Single(capture.Photos);
        Assert.Equal(_embedder.Manifest.Output.Size, photo.Embedding.Length);
        Assert.Equal(1.0, Math.Sqrt(photo.Embedding.Sum(v => (double)v * v)), 4);
        Assert.True(photo.CropJpeg.Length <= Limits.MaxCropBytes);
        Assert.True(photo.Quality!.Sharpness > 0);
        var pending = Assert.Single(await _outbox.PendingAsync());
        Assert.True(Codec.TryDecodeCapture(pending.Payload, pending.Topic, out var decoded, out _));
        Assert.Equal(capture.CaptureId, decoded!.CaptureId);
    }

    [Fact]
    public async Task A_motion_photo_is_captured_like_its_jpeg()
    {
        var face = RealFace();
        var plain = await _handheld.CaptureAsync(face, Enrol);
        var motion = await _handheld.CaptureAsync(PhoneFiles.MotionPhoto(face), Enrol);
        Assert.True(motion.Queued, string.Join("; ", motion.Problems));
        Assert.Equal(plain.Capture!.Photos[0].Embedding, motion.Capture!.Photos[0].Embedding);
        Assert.Equal(plain.Capture.Photos[0].CropJpeg, motion.Capture.Photos[0].CropJpeg);
        Assert.Equal(2, await _outbox.PendingCountAsync());
    }

    public static TheoryData<string, byte[]> BadPhotos()
    {
        var face = RealFace();
        using var flat = new Image<Rgb24>(200, 300, new Rgb24(120, 120, 120));
        using var ms = new MemoryStream();
        flat.SaveAsJpeg(ms, new JpegEncoder());
        return new TheoryData<string, byte[]>
        {
            { VisionError.Empty, [] },
            { VisionError.UnsupportedFormat, PhoneFiles.Heic() },
            { VisionError.UnsupportedFormat, PhoneFiles.Mp4(10_000) },
            { VisionError.Corrupt, face[..(face.Length / 3)] },
            { VisionError.TooLarge, JpegHeaders.ClaimingSize(face, 20000, 20000) },
            { VisionError.LowContrast, ms.ToArray() },
            { VisionError.NotACattleFace, Noise(160, 240) },
        };
    }

    private static byte[] Noise(int width, int height)
    {
        var r = new Random(3);
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                image[x, y] = new Rgb24((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256));
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new JpegEncoder { Quality = 90 });
        return ms.ToArray();
    }

    [Theory]
    [MemberData(nameof(BadPhotos))]
    public async Task Bad_photos_are_refused_with_a_reason_and_queue_nothing(string code, byte[] photo)
    {
        var outcome = await _handheld.CaptureAsync(photo, Enrol);
        Assert.False(outcome.Queued);
        Assert.Contains(code, outcome.Problems.Select(p => p.Error.Code));
        Assert.Equal(0, await _outbox.PendingCountAsync());
    }

    private static byte[][] RealFaces(int n) =>
        [.. Directory.GetFiles(Path.Combine(Repo.SharedData, "cattle", "cattely", "s1805"), "*.jpg").Order(StringComparer.Ordinal).Where((_, i) => i % 12 == 0).Take(n).Select(File.ReadAllBytes)];

    [Fact]
    public async Task Three_varied_photos_of_one_animal_are_one_signed_capture_each_photo_with_its_quality()
    {
        var outcome = await _handheld.CaptureAsync(RealFaces(3), Enrol);
        Assert.True(outcome.Queued, string.Join("; ", outcome.Problems));
        Assert.Equal(3, outcome.Capture!.Photos.Count);
        Assert.All(outcome.Capture.Photos, p => Assert.NotNull(p.Quality));
        Assert.True(SignatureCheck.IsValid(outcome.Capture, _key.PublicKey));
    }

    [Fact]
    public async Task The_same_frame_twice_is_refused_as_a_near_duplicate_and_each_bad_photo_is_named()
    {
        var face = RealFace();
        var outcome = await _handheld.CaptureAsync([face, RealFaces(1)[0], face, [1, 2, 3]], Enrol);
        Assert.False(outcome.Queued);
        Assert.Equal([(3, VisionError.NearDuplicate), (4, VisionError.UnknownFormat)], outcome.Problems.Select(p => (p.Photo!.Value, p.Error.Code)));
        Assert.Contains("photo 1", outcome.Problems[0].Error.Reason);
        Assert.Equal(0, await _outbox.PendingCountAsync());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Limits.MaxPhotos + 1)]
    public async Task A_capture_of_no_photo_or_more_than_five_is_refused(int photos)
    {
        var outcome = await _handheld.CaptureAsync([.. Enumerable.Repeat(RealFace(), photos)], Enrol);
        var problem = Assert.Single(outcome.Problems);
        Assert.Equal((null, VisionError.PhotoCount), (problem.Photo, problem.Error.Code));
        Assert.Equal(0, await _outbox.PendingCountAsync());
    }
}

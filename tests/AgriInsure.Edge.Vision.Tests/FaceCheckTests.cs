using AgriInsure.Edge.Vision;
using AgriInsure.Tests;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Edge.Vision.Tests;

public sealed class FaceCheckTests : IDisposable
{
    private readonly FaceCheck _check;

    public FaceCheckTests()
    {
        Assert.True(ModelManifest.TryLoad(Repo.FaceCheck, out var manifest, out var error), error);
        _check = new FaceCheck(manifest!);
    }

    public void Dispose() => _check.Dispose();

    [Fact]
    public void Passes_real_faces_of_animals_no_model_saw()
    {
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Repo.Manifest));
        var files = manifest.RootElement.GetProperty("training").GetProperty("split").GetProperty("test").EnumerateArray()
            .Select(e => e.GetString()!.Split('/'))
            .SelectMany(id => Directory.GetFiles(id[0] == "holstein2025"
                ? Path.Combine(Repo.SharedData, "cattle", "holstein2025", "datasets_v2", id[1])
                : Path.Combine(Repo.SharedData, "cattle", id[0], id[1])).Order(StringComparer.Ordinal).Take(10))
            .ToList();
        var refused = 0;
        foreach (var file in files)
        {
            Assert.True(PhotoDecoder.TryDecode(File.ReadAllBytes(file), out var image, out _, PhotoDecoder.WorkingSide));
            using (image)
                refused += _check.Check(image!) is null ? 0 : 1;
        }
        Assert.True(refused <= files.Count * 0.1, $"{refused} of {files.Count} real faces refused");
    }

    [Fact]
    public void Refuses_blank_noisy_and_gradient_frames_with_a_reason()
    {
        var r = new Random(8);
        using var blank = new Image<Rgb24>(120, 200, new Rgb24(90, 140, 60));
        using var noise = new Image<Rgb24>(120, 200);
        using var gradient = new Image<Rgb24>(120, 200);
        for (var y = 0; y < 200; y++)
            for (var x = 0; x < 120; x++)
            {
                noise[x, y] = new Rgb24((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256));
                gradient[x, y] = new Rgb24((byte)(y * 255 / 199), (byte)(80 + x), 200);
            }
        foreach (var frame in new[] { blank, noise, gradient })
        {
            var error = _check.Check(frame);
            Assert.NotNull(error);
            Assert.Equal(VisionError.NotACattleFace, error.Code);
            Assert.Contains("score", error.Reason);
        }
    }

    [Fact]
    public void A_face_check_manifest_is_not_an_embedder()
    {
        Assert.True(ModelManifest.TryLoad(Repo.FaceCheck, out var manifest, out _));
        Assert.Throws<ArgumentException>(() => new FaceEmbedder(manifest!));
    }
}

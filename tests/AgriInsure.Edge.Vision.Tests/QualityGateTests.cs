using AgriInsure.Edge.Vision;
using AgriInsure.Tests;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgriInsure.Edge.Vision.Tests;

public class QualityGateTests
{
    private readonly QualityGate _gate = new(new QualityOptions());

    private string[] Problems(Image<Rgb24> image) => _gate.Check(image).Problems.Select(p => p.Code).ToArray();

    [Fact]
    public void A_sharp_well_exposed_photo_passes()
    {
        using var image = Photos.Textured(120, 200);
        Assert.Empty(Problems(image));
    }

    [Fact]
    public void Each_problem_is_named()
    {
        using var tiny = Photos.Textured(30, 60);
        Assert.Contains(VisionError.TooSmall, Problems(tiny));

        using var dark = Photos.Textured(120, 200);
        dark.Mutate(x => x.Brightness(0.1f));
        Assert.Contains(VisionError.Underexposed, Problems(dark));

        using var bright = new Image<Rgb24>(120, 200, new Rgb24(250, 250, 250));
        Assert.Contains(VisionError.Overexposed, Problems(bright));

        using var flat = new Image<Rgb24>(120, 200, new Rgb24(128, 128, 128));
        Assert.Equal([VisionError.LowContrast], Problems(flat));

        using var blurred = Photos.Textured(120, 200, block: 30);
        blurred.Mutate(x => x.GaussianBlur(6));
        Assert.Equal([VisionError.Blurred], Problems(blurred));
    }

    [Fact]
    public void Real_cattle_faces_pass_including_night_frames()
    {
        var files = Directory.GetFiles(Path.Combine(Repo.SharedData, "cattle"), "*.jpg", SearchOption.AllDirectories)
            .Where(f => !f.Contains("cattely-detection", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Where((_, i) => i % 5 == 0)
            .ToList();
        var refused = new List<string>();
        foreach (var file in files)
        {
            Assert.True(PhotoDecoder.TryDecode(File.ReadAllBytes(file), out var image, out var error), $"{file}: {error}");
            using (image)
            {
                var report = _gate.Check(image!);
                if (!report.Passed)
                    refused.Add($"{Path.GetFileName(file)}: {string.Join(", ", report.Problems)}");
            }
        }
        var rate = refused.Count / (double)files.Count;
        Assert.True(rate <= 0.02, $"{refused.Count} of {files.Count} real faces refused ({rate:P1}):\n{string.Join("\n", refused.Take(20))}");
    }
}

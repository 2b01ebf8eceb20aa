using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgriInsure.Edge.Vision;

/// <summary>Limits of the quality gate. The defaults were set on the cattle face crops in
/// ../shared/data (see the model card): they pass real crops, including night infrared frames.</summary>
public sealed record QualityOptions
{
    public int MinShortSide { get; init; } = 48;

    /// <summary>Variance of the Laplacian of the grey image at <see cref="AnalysisWidth"/> px wide.</summary>
    public double MinSharpness { get; init; } = 15;

    public double MinMeanLuma { get; init; } = 25;
    public double MaxMeanLuma { get; init; } = 235;
    public double MinLumaStdDev { get; init; } = 8;
    public int AnalysisWidth { get; init; } = 96;
}

public sealed record QualityReport(double Sharpness, double MeanLuma, double LumaStdDev, IReadOnlyList<VisionError> Problems)
{
    public bool Passed => Problems.Count == 0;
}

/// <summary>Refuses photos that cannot identify an animal, each with the reason, so the agent retakes it
/// there and then instead of the cloud refusing it days later.</summary>
public sealed class QualityGate(QualityOptions options)
{
    public QualityReport Check(Image<Rgb24> image)
    {
        var problems = new List<VisionError>();
        var shortSide = Math.Min(image.Width, image.Height);
        if (shortSide < options.MinShortSide)
            problems.Add(new VisionError(VisionError.TooSmall, $"{image.Width}×{image.Height} px; the face needs at least {options.MinShortSide} px on its short side"));

        var width = Math.Min(options.AnalysisWidth, image.Width);
        var height = Math.Max(3, (int)Math.Round(image.Height * (double)width / image.Width));
        using var grey = image.Clone(x => x.Resize(Math.Max(3, width), height));
        var luma = new float[grey.Width * grey.Height];
        grey.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                    luma[y * rows.Width + x] = 0.299f * row[x].R + 0.587f * row[x].G + 0.114f * row[x].B;
            }
        });
        var (mean, std) = MeanStd(luma);
        var sharpness = LaplacianVariance(luma, grey.Width, grey.Height);

        if (mean < options.MinMeanLuma)
            problems.Add(new VisionError(VisionError.Underexposed, $"mean brightness {mean:0} of 255 is below {options.MinMeanLuma:0}"));
        else if (mean > options.MaxMeanLuma)
            problems.Add(new VisionError(VisionError.Overexposed, $"mean brightness {mean:0} of 255 is above {options.MaxMeanLuma:0}"));
        if (std < options.MinLumaStdDev)
            problems.Add(new VisionError(VisionError.LowContrast, $"brightness varies by {std:0.0} (std dev); at least {options.MinLumaStdDev:0} is needed"));
        else if (sharpness < options.MinSharpness)
            problems.Add(new VisionError(VisionError.Blurred, $"sharpness {sharpness:0.0} is below {options.MinSharpness:0.0}; hold still and retake"));
        return new QualityReport(sharpness, mean, std, problems);
    }

    private static (double Mean, double Std) MeanStd(float[] values)
    {
        double sum = 0, sq = 0;
        foreach (var v in values)
        {
            sum += v;
            sq += (double)v * v;
        }
        var mean = sum / values.Length;
        return (mean, Math.Sqrt(Math.Max(0, sq / values.Length - mean * mean)));
    }

    private static double LaplacianVariance(float[] l, int w, int h)
    {
        double sum = 0, sq = 0;
        var n = 0;
        for (var y = 1; y < h - 1; y++)
        {
            for (var x = 1; x < w - 1; x++)
            {
                var i = y * w + x;
                double lap = l[i - w] + l[i + w] + l[i - 1] + l[i + 1] - 4 * l[i];
                sum += lap;
                sq += lap * lap;
                n++;
            }
        }
        if (n == 0)
            return 0;
        var mean = sum / n;
        return sq / n - mean * mean;
    }
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Cli;

/// <summary>Procedurally drawn cow faces for machines without ../shared/data: each animal is a seeded
/// layout of patches, black on a white face or white on a black one (the Holstein pattern that identifies
/// real cows), and each photo of it moves, turns, scales and lights it differently and adds sensor noise.
/// They exercise the whole pipeline; they say nothing about accuracy on real animals.</summary>
public static class SampleHerd
{
    private sealed record Blob(double X, double Y, double Rx, double Ry, double Angle);

    public const int Width = 120;
    public const int Height = 200;

    public static byte[] Photo(int animal, int shot)
    {
        var layout = new Random(1_000_003 * (animal + 1));
        var blobs = Enumerable.Range(0, 2 + layout.Next(6))
            .Select(_ => new Blob(layout.NextDouble() * 2 - 1, layout.NextDouble() * 2 - 1, 0.2 + layout.NextDouble() * 0.5, 0.15 + layout.NextDouble() * 0.45, layout.NextDouble() * Math.PI))
            .ToArray();
        var blaze = layout.NextDouble() < 0.5;
        var dark = layout.NextDouble() < 0.4;

        var jitter = new Random(animal * 7919 + shot * 104_729 + 17);
        var angle = (jitter.NextDouble() - 0.5) * 0.16;
        var scale = 1 + (jitter.NextDouble() - 0.5) * 0.1;
        var dx = (jitter.NextDouble() - 0.5) * 8;
        var dy = (jitter.NextDouble() - 0.5) * 8;
        var light = 0.85 + jitter.NextDouble() * 0.3;
        var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));

        using var image = new Image<Rgb24>(Width, Height);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < Width; x++)
                {
                    // Output pixel → face coordinates in [-1, 1]² (the inverse of the photo's pose).
                    var px = (x - Width / 2.0 - dx) / scale;
                    var py = (y - Height / 2.0 - dy) / scale;
                    var u = (cos * px + sin * py) / (Width * 0.42);
                    var v = (-sin * px + cos * py) / (Height * 0.45);
                    var tone = Shade(u, v, blobs, blaze, dark, x, y);
                    var noise = Gaussian(jitter) * 4;
                    row[x] = new Rgb24(Clamp(tone.R * light + noise), Clamp(tone.G * light + noise), Clamp(tone.B * light + noise));
                }
            }
        });
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new JpegEncoder { Quality = 90 });
        return ms.ToArray();
    }

    private static readonly (double R, double G, double B) Black = (28, 26, 26);
    private static readonly (double R, double G, double B) White = (232, 228, 222);

    private static (double R, double G, double B) Shade(double u, double v, Blob[] blobs, bool blaze, bool dark, int x, int y)
    {
        if (u * u + v * v > 1)
            return (70 + 20 * Math.Sin(x * 0.3) * Math.Cos(y * 0.2), 95 + 15 * Math.Sin(y * 0.25), 50);
        if (v > 0.55 && u * u / 0.35 + (v - 0.8) * (v - 0.8) / 0.05 < 1)
            return (190, 150, 150);
        foreach (var eye in new[] { -0.45, 0.45 })
        {
            if ((u - eye) * (u - eye) + (v + 0.2) * (v + 0.2) < 0.012)
                return (20, 15, 15);
        }
        if (blaze && Math.Abs(u) < 0.12)
            return (235, 232, 228);
        foreach (var b in blobs)
        {
            var (c, s) = (Math.Cos(b.Angle), Math.Sin(b.Angle));
            var bu = c * (u - b.X) + s * (v - b.Y);
            var bv = -s * (u - b.X) + c * (v - b.Y);
            if (bu * bu / (b.Rx * b.Rx) + bv * bv / (b.Ry * b.Ry) < 1)
                return dark ? White : Black;
        }
        return dark ? Black : White;
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Underwriting.Closing;

/// <summary>A stand-in for an insurer's registered seal where none is configured: the outline of a Chinese official seal
/// (公章), a red ring around a five-pointed star on transparency, 160 × 160 px PNG. An insurer's real seal image is given
/// by configuration; this one carries no name, so it cannot pass for any insurer's.</summary>
public static class Seal
{
    private const int Size = 160;

    public static byte[] Png()
    {
        var red = new Rgba32(200, 24, 24, 255);
        var star = Star(Size / 2.0, Size / 2.0, 0.30 * Size, 0.12 * Size);
        using var image = new Image<Rgba32>(Size, Size);
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var (px, py) = (x + 0.5, y + 0.5);
                var r = Math.Sqrt((px - Size / 2.0) * (px - Size / 2.0) + (py - Size / 2.0) * (py - Size / 2.0));
                var ring = r is > 0.40 * Size and < 0.48 * Size;
                image[x, y] = ring || Inside(star, px, py) ? red : new Rgba32(0, 0, 0, 0);
            }
        }
        using var output = new MemoryStream();
        image.SaveAsPng(output);
        return output.ToArray();
    }

    /// <summary>The ten corners of a five-pointed star, first point up.</summary>
    private static (double X, double Y)[] Star(double cx, double cy, double outer, double inner) =>
        [.. Enumerable.Range(0, 10).Select(i =>
        {
            var angle = -Math.PI / 2 + i * Math.PI / 5;
            var radius = i % 2 == 0 ? outer : inner;
            return (cx + radius * Math.Cos(angle), cy + radius * Math.Sin(angle));
        })];

    /// <summary>Even-odd rule: a ray from the point crosses the polygon's edges an odd number of times inside it.</summary>
    private static bool Inside((double X, double Y)[] polygon, double x, double y)
    {
        var inside = false;
        for (int i = 0, j = polygon.Length - 1; i < polygon.Length; j = i++)
        {
            var (a, b) = (polygon[i], polygon[j]);
            if ((a.Y > y) != (b.Y > y) && x < (b.X - a.X) * (y - a.Y) / (b.Y - a.Y) + a.X)
                inside = !inside;
        }
        return inside;
    }
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Evaluation;

/// <summary>Draws a DET curve (false rejects against false accepts, both on log axes) as a PNG. The
/// drawing package of ImageSharp is not served here, so lines and the few glyphs the axes need are
/// drawn pixel by pixel.</summary>
public static class DetPlot
{
    private const int Width = 640;
    private const int Height = 480;
    private const int Left = 70;
    private const int Right = 20;
    private const int Top = 20;
    private const int Bottom = 60;
    private const double MinRate = 1e-4;

    private static readonly Rgb24 Grid = new(220, 220, 220);
    private static readonly Rgb24 Ink = new(30, 30, 30);
    private static readonly Rgb24 Curve = new(20, 90, 200);
    private static readonly Rgb24 Operating = new(210, 40, 40);

    public static void Save(IReadOnlyList<(double Far, double Frr)> det, (double Far, double Frr)? operatingPoint, string path)
    {
        using var image = new Image<Rgb24>(Width, Height, new Rgb24(255, 255, 255));
        for (var decade = -4; decade <= 0; decade++)
        {
            var x = X(Math.Pow(10, decade));
            var y = Y(Math.Pow(10, decade));
            Line(image, x, Top, x, Height - Bottom, Grid);
            Line(image, Left, y, Width - Right, y, Grid);
            var label = decade switch { -4 => "0.01%", -3 => "0.1%", -2 => "1%", -1 => "10%", _ => "100%" };
            Text(image, label, x - label.Length * 4, Height - Bottom + 8);
            Text(image, label, Left - label.Length * 8 - 6, y - 5);
        }
        Line(image, Left, Top, Left, Height - Bottom, Ink);
        Line(image, Left, Height - Bottom, Width - Right, Height - Bottom, Ink);
        Text(image, "FAR", Width / 2 - 12, Height - 24);
        Text(image, "FRR", Left + 8, Top + 8);

        for (var i = 1; i < det.Count; i++)
        {
            var (a, b) = (det[i - 1], det[i]);
            for (var d = 0; d < 2; d++)
                Line(image, X(a.Far), Y(a.Frr) + d, X(b.Far), Y(b.Frr) + d, Curve);
        }
        if (operatingPoint is { } op)
        {
            for (var dy = -4; dy <= 4; dy++)
                for (var dx = -4; dx <= 4; dx++)
                    if (dx * dx + dy * dy <= 16)
                        Plot(image, X(op.Far) + dx, Y(op.Frr) + dy, Operating);
        }
        image.SaveAsPng(path);
    }

    private static int X(double far) => Left + (int)Math.Round((Math.Log10(Math.Max(far, MinRate)) + 4) / 4 * (Width - Left - Right));

    private static int Y(double frr) => Height - Bottom - (int)Math.Round((Math.Log10(Math.Max(frr, MinRate)) + 4) / 4 * (Height - Top - Bottom));

    private static void Line(Image<Rgb24> image, int x0, int y0, int x1, int y1, Rgb24 colour)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0);
        int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            Plot(image, x0, y0, colour);
            if (x0 == x1 && y0 == y1)
                return;
            var e2 = 2 * err;
            if (e2 >= dy)
            {
                err += dy;
                x0 += sx;
            }
            if (e2 <= dx)
            {
                err += dx;
                y0 += sy;
            }
        }
    }

    private static void Plot(Image<Rgb24> image, int x, int y, Rgb24 colour)
    {
        if (x >= 0 && y >= 0 && x < image.Width && y < image.Height)
            image[x, y] = colour;
    }

    /// <summary>3×5 glyphs, one row per string, '#' = ink; drawn at twice the size.</summary>
    private static readonly Dictionary<char, string[]> Glyphs = new()
    {
        ['0'] = ["###", "#.#", "#.#", "#.#", "###"],
        ['1'] = [".#.", "##.", ".#.", ".#.", "###"],
        ['2'] = ["###", "..#", "###", "#..", "###"],
        ['3'] = ["###", "..#", ".##", "..#", "###"],
        ['4'] = ["#.#", "#.#", "###", "..#", "..#"],
        ['5'] = ["###", "#..", "###", "..#", "###"],
        ['6'] = ["###", "#..", "###", "#.#", "###"],
        ['7'] = ["###", "..#", ".#.", ".#.", ".#."],
        ['8'] = ["###", "#.#", "###", "#.#", "###"],
        ['9'] = ["###", "#.#", "###", "..#", "###"],
        ['.'] = ["...", "...", "...", "...", ".#."],
        ['%'] = ["#.#", "..#", ".#.", "#..", "#.#"],
        ['F'] = ["###", "#..", "##.", "#..", "#.."],
        ['A'] = [".#.", "#.#", "###", "#.#", "#.#"],
        ['R'] = ["##.", "#.#", "##.", "#.#", "#.#"],
    };

    private static void Text(Image<Rgb24> image, string text, int x, int y)
    {
        foreach (var c in text)
        {
            if (Glyphs.TryGetValue(c, out var rows))
            {
                for (var row = 0; row < 5; row++)
                    for (var col = 0; col < 3; col++)
                        if (rows[row][col] == '#')
                            for (var k = 0; k < 4; k++)
                                Plot(image, x + col * 2 + k % 2, y + row * 2 + k / 2, Ink);
            }
            x += 8;
        }
    }
}

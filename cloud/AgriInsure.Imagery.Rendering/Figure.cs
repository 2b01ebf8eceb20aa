using SkiaSharp;

namespace AgriInsure.Imagery.Rendering;

/// <summary>What both renderers do around their drawing: the provenance footer, outlines, encoding with text chunks.</summary>
internal static class Figure
{
    public const float FooterSize = 10.5f;

    /// <summary>Hatch stripe period and width in px: dense enough to read on a 1-px block, wide enough to print.</summary>
    public const int HatchPeriod = 7;

    public const int HatchWidth = 2;

    /// <summary>Whether panel pixel (x, y) lies on a hatch stripe (diagonal, rising to the right).</summary>
    public static bool OnHatch(int x, int y) => (x + y) % HatchPeriod < HatchWidth;

    /// <summary>The footer: <paramref name="text"/>'s heading over the pairs as they are embedded, keys and values untranslated.</summary>
    public static string ProvenanceText(IReadOnlyList<(string Key, string Value)> provenance, ClaimMapText text) =>
        text.Format(text.Provenance, provenance.Count == 0 ? text.ProvenanceNone : string.Join(" · ", provenance.Select(p => $"{p.Key}: {p.Value}")));

    /// <summary>The footer's lines at <paramref name="width"/> px, so layouts can reserve their height before drawing.</summary>
    public static IReadOnlyList<string> FooterLines(TextStyle style, IReadOnlyList<(string Key, string Value)> provenance, ClaimMapText text, float width) =>
        style.Wrap(ProvenanceText(provenance, text), width);

    public static void DrawFooter(SKCanvas canvas, TextStyle style, IReadOnlyList<string> lines, float left, float top, float width)
    {
        using var rule = new SKPaint { Color = Palette.Rule, StrokeWidth = 1 };
        canvas.DrawLine(left, top, left + width, top, rule);
        var y = top + 4 + style.Ascent;
        foreach (var line in lines)
        {
            style.Draw(canvas, line, left, y, Palette.MutedInk);
            y += style.Size * 1.35f;
        }
    }

    public static float FooterHeight(TextStyle style, int lines) => 8 + lines * style.Size * 1.35f;

    /// <summary>Strokes <paramref name="path"/> as a light line over a dark halo, so it shows on any background.</summary>
    public static void DrawOutline(SKCanvas canvas, SKPath path, float scale = 1)
    {
        using var halo = new SKPaint
        {
            Color = Palette.OutlineHalo, Style = SKPaintStyle.Stroke, StrokeWidth = 5 * scale, IsAntialias = true,
            StrokeJoin = SKStrokeJoin.Round, StrokeCap = SKStrokeCap.Round,
        };
        using var line = new SKPaint
        {
            Color = Palette.OutlineLine, Style = SKPaintStyle.Stroke, StrokeWidth = 2 * scale, IsAntialias = true,
            StrokeJoin = SKStrokeJoin.Round, StrokeCap = SKStrokeCap.Round,
        };
        canvas.DrawPath(path, halo);
        canvas.DrawPath(path, line);
    }

    /// <summary>A path of <paramref name="rings"/>, each closed when <paramref name="close"/>.</summary>
    public static SKPath Polylines(IEnumerable<SKPoint[]> rings, bool close)
    {
        using var builder = new SKPathBuilder();
        foreach (var ring in rings)
            builder.AddPoly(ring, close);
        return builder.Detach();
    }

    /// <summary>
    /// Draws a <paramref name="width"/> × <paramref name="height"/> px image on white with <paramref name="draw"/>, encodes it
    /// as PNG, adds <paramref name="provenance"/> as text chunks and writes it to <paramref name="png"/>.
    /// </summary>
    public static void Write(int width, int height, Action<SKCanvas> draw, IReadOnlyList<(string Key, string Value)> provenance, Stream png)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(Palette.Background);
            draw(canvas);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG");
        png.Write(PngText.Insert(data.AsSpan(), provenance));
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming "png" unless the stream can be written.</summary>
    public static void ValidateStream(Stream? png)
    {
        if (png is null || !png.CanWrite)
            throw new ArgumentException("a writable stream is required", nameof(png));
    }
}

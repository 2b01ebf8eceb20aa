using System.Text;
using SkiaSharp;

namespace AgriInsure.Imagery.Rendering;

/// <summary>
/// A font the renderers need is not installed. <see cref="Package"/> is the Debian package that provides it,
/// <see cref="FontPath"/> the file that was looked for.
/// </summary>
public sealed class FontMissingException(string fontPath, string package)
    : Exception($"font file '{fontPath}' is missing or unreadable: install the Debian package {package} (apt-get install -y {package})")
{
    /// <summary>The font file that was looked for.</summary>
    public string FontPath { get; } = fontPath;

    /// <summary>The Debian package that installs <see cref="FontPath"/>.</summary>
    public string Package { get; } = package;
}

/// <summary>
/// The typefaces both renderers draw with, loaded by file so that no fontconfig set-up is needed
/// (SkiaSharp.NativeAssets.Linux.NoDependencies has no fontconfig, so family-name lookup finds nothing).
/// <para>Where the fonts come from: DejaVu Sans and DejaVu Sans Bold from <c>/usr/share/fonts/truetype/dejavu/</c>
/// (Debian <c>fonts-dejavu-core</c>), required; for Chinese plot ids and farmer names, the first CJK font found among
/// Noto Sans CJK (Debian <c>fonts-noto-cjk</c>) and WenQuanYi Micro Hei / Zen Hei (<c>fonts-wqy-microhei</c>,
/// <c>fonts-wqy-zenhei</c>), optional: without one, characters DejaVu lacks are drawn as DejaVu's missing-glyph box.</para>
/// </summary>
internal sealed class FontSet
{
    internal const string DejaVuDirectory = "/usr/share/fonts/truetype/dejavu";
    internal const string DejaVuPackage = "fonts-dejavu-core";

    internal static readonly string[] CjkCandidates =
    [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    ];

    // PublicationOnly: a failed load is not cached, so installing the package fixes a running host.
    private static readonly Lazy<FontSet> Installed = new(() => Load(DejaVuDirectory, CjkCandidates), LazyThreadSafetyMode.PublicationOnly);

    private FontSet(SKTypeface regular, SKTypeface bold, SKTypeface? fallback)
    {
        Regular = regular;
        Bold = bold;
        Fallback = fallback;
    }

    /// <summary>The system's fonts; throws <see cref="FontMissingException"/> when DejaVu Sans is not installed.</summary>
    public static FontSet System => Installed.Value;

    public SKTypeface Regular { get; }

    public SKTypeface Bold { get; }

    /// <summary>The CJK fallback, or null when none is installed.</summary>
    public SKTypeface? Fallback { get; }

    /// <summary>Loads DejaVu Sans (regular, bold) from <paramref name="dejaVuDirectory"/> and the first readable CJK candidate.</summary>
    internal static FontSet Load(string dejaVuDirectory, IEnumerable<string> cjkCandidates)
    {
        var regular = Required(Path.Combine(dejaVuDirectory, "DejaVuSans.ttf"));
        var bold = Required(Path.Combine(dejaVuDirectory, "DejaVuSans-Bold.ttf"));
        var fallback = cjkCandidates.Where(File.Exists).Select(path => SKTypeface.FromFile(path)).FirstOrDefault(face => face is not null);
        return new FontSet(regular, bold, fallback);
    }

    private static SKTypeface Required(string path) =>
        (File.Exists(path) ? SKTypeface.FromFile(path) : null) ?? throw new FontMissingException(path, DejaVuPackage);

    /// <summary>A font of <paramref name="size"/> px, bold or regular, with its CJK fallback beside it.</summary>
    public TextStyle Style(float size, bool bold = false) => new(this, size, bold);
}

/// <summary>A text size and weight that measures and draws with the CJK fallback where DejaVu has no glyph.</summary>
internal sealed class TextStyle : IDisposable
{
    private readonly SKFont primary;
    private readonly SKFont? fallback;

    public TextStyle(FontSet fonts, float size, bool bold)
    {
        primary = new SKFont(bold ? fonts.Bold : fonts.Regular, size) { Edging = SKFontEdging.Antialias, Subpixel = true };
        // CJK fonts rarely ship a bold face here; emboldening keeps a bold title bold across scripts.
        fallback = fonts.Fallback is null ? null : new SKFont(fonts.Fallback, size) { Edging = SKFontEdging.Antialias, Subpixel = true, Embolden = bold };
        primary.GetFontMetrics(out var metrics);
        Ascent = -metrics.Ascent;
        Descent = metrics.Descent;
    }

    public float Size => primary.Size;

    /// <summary>Distance from the baseline up to the top of the tallest glyph, in px.</summary>
    public float Ascent { get; }

    /// <summary>Distance from the baseline down to the lowest glyph, in px.</summary>
    public float Descent { get; }

    public float Measure(string text) => Runs(text).Sum(run => run.Font.MeasureText(run.Text));

    /// <summary>Draws <paramref name="text"/> with its baseline at <paramref name="y"/>, aligned on <paramref name="x"/>.</summary>
    public void Draw(SKCanvas canvas, string text, float x, float y, SKColor colour, SKTextAlign align = SKTextAlign.Left)
    {
        var left = align switch
        {
            SKTextAlign.Center => x - Measure(text) / 2,
            SKTextAlign.Right => x - Measure(text),
            _ => x,
        };
        using var paint = new SKPaint { Color = colour, IsAntialias = true };
        foreach (var (run, font) in Runs(text))
        {
            canvas.DrawText(run, left, y, SKTextAlign.Left, font, paint);
            left += font.MeasureText(run);
        }
    }

    /// <summary>Splits <paramref name="text"/> into runs of one font: DejaVu where it has the glyph, else the CJK fallback; the
    /// fallback for Chinese characters and punctuation always.</summary>
    private IEnumerable<(string Text, SKFont Font)> Runs(string text)
    {
        if (fallback is null)
        {
            yield return (text, primary);
            yield break;
        }

        var run = new StringBuilder();
        var runFont = primary;
        foreach (var rune in text.EnumerateRunes())
        {
            // Chinese punctuation and full-width forms come from the CJK face too (DejaVu has some, drawn half-width).
            var font = (Ideographic(rune) || !primary.ContainsGlyph(rune.Value)) && fallback.ContainsGlyph(rune.Value) ? fallback : primary;
            if (run.Length > 0 && font != runFont)
            {
                yield return (run.ToString(), runFont);
                run.Clear();
            }

            runFont = font;
            run.Append(rune.ToString());
        }

        if (run.Length > 0)
            yield return (run.ToString(), runFont);
    }

    /// <summary>
    /// Breaks <paramref name="text"/> into lines no wider than <paramref name="width"/> px, greedily: at spaces (dropped at
    /// the break), and between Chinese characters, which need no space to break (UAX #14, class ID), but never before a
    /// closing mark such as ，。）： nor after an opening one such as （ (classes CL, IS, EX, OP). A piece wider than
    /// <paramref name="width"/> takes a line of its own.
    /// </summary>
    public IReadOnlyList<string> Wrap(string text, float width)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var (separator, piece) in Pieces(text))
        {
            var candidate = line.Length == 0 ? piece : line + separator + piece;
            if (line.Length > 0 && Measure(candidate) > width)
            {
                lines.Add(line);
                line = piece;
            }
            else
            {
                line = candidate;
            }
        }

        if (line.Length > 0)
            lines.Add(line);
        return lines;
    }

    /// <summary>The unbreakable pieces of <paramref name="text"/>, each with what joins it to the one before: a space, or
    /// nothing where the break falls between Chinese characters.</summary>
    private static IEnumerable<(string Separator, string Piece)> Pieces(string text)
    {
        foreach (var word in text.Split(' '))
        {
            var separator = " ";
            var start = 0;
            Rune? previous = null;
            for (var i = 0; i < word.Length;)
            {
                var rune = Rune.GetRuneAt(word, i);
                if (previous is { } p && BreaksBetween(p, rune))
                {
                    yield return (separator, word[start..i]);
                    (separator, start) = ("", i);
                }

                previous = rune;
                i += rune.Utf16SequenceLength;
            }

            yield return (separator, word[start..]);
        }
    }

    private static bool BreaksBetween(Rune before, Rune after) =>
        (Ideographic(before) || Ideographic(after)) && !Closing(after) && !Opening(before);

    /// <summary>CJK ideographs, kana, CJK punctuation and full-width forms: what Chinese text breaks between.</summary>
    private static bool Ideographic(Rune r) => r.Value is >= 0x2E80 and <= 0x9FFF or >= 0xF900 and <= 0xFAFF or >= 0xFF00 and <= 0xFFEF or >= 0x20000 and <= 0x3FFFF;

    private static bool Closing(Rune r) => "，。、；：？！）」』】》〉〕］｝”’…,.;:?!)]}%°".Contains(r.ToString(), StringComparison.Ordinal);

    private static bool Opening(Rune r) => "（「『【《〈〔［｛“‘([{".Contains(r.ToString(), StringComparison.Ordinal);

    public void Dispose()
    {
        primary.Dispose();
        fallback?.Dispose();
    }
}

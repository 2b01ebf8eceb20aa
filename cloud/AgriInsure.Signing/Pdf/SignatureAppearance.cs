using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Signing.Pdf;

/// <summary>
/// The visible block of a signature (ISO 32000-1 §12.7.4.5 appearance of a signature field): a thin frame, an
/// optional seal image on the left, and lines of text on the right, drawn with a TrueType font embedded as a subset
/// (Type0 / CIDFontType2 with Identity-H, §9.7; a ToUnicode CMap so the text can be copied and searched, §9.10.3).
/// </summary>
internal static class SignatureAppearance
{
    /// <summary>Seal images larger than this on either side are refused before decoding (decompression bombs).</summary>
    public const int MaxSealPixels = 2048;

    /// <summary>Adds the appearance form XObject and what it uses to <paramref name="update"/>; returns the form's reference.</summary>
    public static PdfReference Build(IncrementalUpdate update, TrueTypeFont font, double width, double height, IReadOnlyList<string> lines, byte[]? seal)
    {
        const double margin = 3;
        var resources = new PdfDictionary();
        var content = new StringBuilder();
        content.Append(Invariant($"q 0.55 0.1 0.1 RG 0.8 w 0.4 0.4 {width - 0.8:0.##} {height - 0.8:0.##} re S Q\n"));
        var textLeft = margin + 2;
        if (seal is not null)
        {
            var (image, pixelWidth, pixelHeight) = Image(update, seal);
            resources["XObject"] = new PdfDictionary { ["Seal"] = image };
            var side = height - 2 * margin;
            var scale = Math.Min(side / pixelWidth, side / pixelHeight);
            double w = pixelWidth * scale, h = pixelHeight * scale;
            content.Append(Invariant($"q {w:0.###} 0 0 {h:0.###} {margin:0.###} {(height - h) / 2:0.###} cm /Seal Do Q\n"));
            textLeft = margin + side + 4;
        }
        var glyphLines = lines.Select(line => line.EnumerateRunes().Select(r => (Rune: r, Glyph: font.GlyphOf(r.Value))).ToList()).ToList();
        var missing = glyphLines.SelectMany(l => l).FirstOrDefault(g => g.Glyph == 0);
        if (missing.Rune.Value != 0)
            throw new SigningException("displayName", $"'{missing.Rune}' (U+{missing.Rune.Value:X4}) has no glyph in the signature font");
        var available = width - textLeft - margin;
        var widest = glyphLines.Max(l => l.Sum(g => font.Width(g.Glyph)) / 1000.0);
        var size = Math.Min((height - 2 * margin) / (lines.Count * 1.25), widest > 0 ? available / widest : 12);
        size = Math.Min(size, 14);
        if (size < 4)
            throw new SigningException("rectangle", $"too small for the signature text ({width:0}×{height:0} pt)");
        var (fontReference, newGlyphs) = Font(update, font, glyphLines.SelectMany(l => l).DistinctBy(g => g.Glyph).ToList());
        resources["Font"] = new PdfDictionary { ["F1"] = fontReference };
        // The lines centred vertically; a line's ink sits between the baseline and about 0.8 em above it.
        var block = size * (1.25 * (lines.Count - 1) + 0.8);
        var baseline = (height + block) / 2 - 0.8 * size;
        foreach (var line in glyphLines)
        {
            var hex = string.Concat(line.Select(g => newGlyphs[g.Glyph].ToString("X4", CultureInfo.InvariantCulture)));
            content.Append(Invariant($"BT 0.1 0.1 0.1 rg /F1 {size:0.##} Tf {textLeft:0.##} {baseline:0.##} Td <{hex}> Tj ET\n"));
            baseline -= size * 1.25;
        }
        var form = new PdfDictionary
        {
            ["Type"] = new PdfName("XObject"),
            ["Subtype"] = new PdfName("Form"),
            ["BBox"] = new PdfArray(new PdfNumber(0), new PdfNumber(0), new PdfNumber(width), new PdfNumber(height)),
            ["Resources"] = resources,
        };
        return update.Add(PdfStream.Deflated(form, Encoding.ASCII.GetBytes(content.ToString())));
    }

    // The font as Type0 over a CIDFontType2 whose CIDs are the subset's glyph indices (CIDToGIDMap Identity).
    private static (PdfReference Font, IReadOnlyDictionary<int, int> NewGlyphs) Font(IncrementalUpdate update, TrueTypeFont font, List<(Rune Rune, int Glyph)> used)
    {
        var glyphs = used.Select(u => u.Glyph).Order().ToList();
        // A subset font's name starts with six capitals and '+' (§9.6.4), here drawn from the glyphs it holds.
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(string.Join(",", glyphs)));
        var tag = new string(hash.Take(6).Select(b => (char)('A' + b % 26)).ToArray());
        var name = new PdfName(tag + "+WenQuanYiMicroHei");
        var (program, newGlyphs) = font.Subset(glyphs);
        var file = PdfStream.Deflated(new PdfDictionary { ["Length1"] = new PdfNumber(program.Length) }, program);
        double Scale(int v) => Math.Round(v * 1000.0 / font.UnitsPerEm);
        var descriptor = update.Add(new PdfDictionary
        {
            ["Type"] = new PdfName("FontDescriptor"),
            ["FontName"] = name,
            ["Flags"] = new PdfNumber(4),
            ["FontBBox"] = new PdfArray(font.BoundingBox.Select(v => (PdfObject)new PdfNumber(Scale(v))).ToList()),
            ["ItalicAngle"] = new PdfNumber(0),
            ["Ascent"] = new PdfNumber(Scale(font.Ascent)),
            ["Descent"] = new PdfNumber(Scale(font.Descent)),
            ["CapHeight"] = new PdfNumber(Scale(font.CapHeight)),
            ["StemV"] = new PdfNumber(80),
            ["FontFile2"] = update.Add(file),
        });
        var widths = new PdfArray();
        foreach (var glyph in glyphs)
        {
            widths.Items.Add(new PdfNumber(newGlyphs[glyph]));
            widths.Items.Add(new PdfArray(new PdfNumber(font.Width(glyph))));
        }
        var cid = update.Add(new PdfDictionary
        {
            ["Type"] = new PdfName("Font"),
            ["Subtype"] = new PdfName("CIDFontType2"),
            ["BaseFont"] = name,
            ["CIDSystemInfo"] = new PdfDictionary { ["Registry"] = PdfString.Text("Adobe"), ["Ordering"] = PdfString.Text("Identity"), ["Supplement"] = new PdfNumber(0) },
            ["FontDescriptor"] = descriptor,
            ["DW"] = new PdfNumber(1000),
            ["W"] = widths,
            ["CIDToGIDMap"] = new PdfName("Identity"),
        });
        var cmap = new StringBuilder("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n");
        cmap.Append("/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n");
        cmap.Append("1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
        foreach (var chunk in used.Chunk(100))
        {
            cmap.Append(Invariant($"{chunk.Length} beginbfchar\n"));
            foreach (var (rune, glyph) in chunk)
            {
                var utf16 = new char[2];
                var count = rune.EncodeToUtf16(utf16);
                cmap.Append(Invariant($"<{newGlyphs[glyph]:X4}> <{string.Concat(utf16.Take(count).Select(c => ((int)c).ToString("X4", CultureInfo.InvariantCulture)))}>\n"));
            }
            cmap.Append("endbfchar\n");
        }
        cmap.Append("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        var toUnicode = update.Add(PdfStream.Deflated(new PdfDictionary(), Encoding.ASCII.GetBytes(cmap.ToString())));
        return (update.Add(new PdfDictionary
        {
            ["Type"] = new PdfName("Font"),
            ["Subtype"] = new PdfName("Type0"),
            ["BaseFont"] = name,
            ["Encoding"] = new PdfName("Identity-H"),
            ["DescendantFonts"] = new PdfArray(cid),
            ["ToUnicode"] = toUnicode,
        }), newGlyphs);
    }

    private static (PdfReference Image, int Width, int Height) Image(IncrementalUpdate update, byte[] seal)
    {
        var info = SixLabors.ImageSharp.Image.Identify(seal);
        if (info is null)
            throw new SigningException("sealImage", "is not a PNG or JPEG image");
        if (info.Width > MaxSealPixels || info.Height > MaxSealPixels || info.Width < 1 || info.Height < 1)
            throw new SigningException("sealImage", $"is {info.Width}×{info.Height} pixels; at most {MaxSealPixels}×{MaxSealPixels}");
        using var image = SixLabors.ImageSharp.Image.Load<Rgba32>(seal);
        var pixels = new Rgba32[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        var rgb = new byte[pixels.Length * 3];
        var alpha = new byte[pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            rgb[3 * i] = pixels[i].R;
            rgb[3 * i + 1] = pixels[i].G;
            rgb[3 * i + 2] = pixels[i].B;
            alpha[i] = pixels[i].A;
        }
        PdfDictionary ImageDictionary(string colorSpace) => new()
        {
            ["Type"] = new PdfName("XObject"),
            ["Subtype"] = new PdfName("Image"),
            ["Width"] = new PdfNumber(image.Width),
            ["Height"] = new PdfNumber(image.Height),
            ["ColorSpace"] = new PdfName(colorSpace),
            ["BitsPerComponent"] = new PdfNumber(8),
        };
        var dictionary = ImageDictionary("DeviceRGB");
        // A seal is usually red ink on transparency: keep the alpha as a soft mask (§11.6.5.3).
        if (alpha.Any(a => a != 255))
            dictionary["SMask"] = update.Add(PdfStream.Deflated(ImageDictionary("DeviceGray"), alpha));
        return (update.Add(PdfStream.Deflated(dictionary, rgb)), image.Width, image.Height);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace AgriInsure.Underwriting.Contracts;

/// <summary>Flows a contract down A4 pages: text wrapped to its column (between any two Chinese characters, at spaces and
/// after hyphens and slashes, and inside a run too long for the column), blocks kept whole and moved to a new page when
/// they do not fit, page numbers written on every page once the count is known. Coordinates here are PDFsharp's (points,
/// origin top-left); <see cref="ToPdf"/> turns a box into PDF user space.</summary>
internal sealed class PageLayout : IDisposable
{
    public const double PageWidth = 595.28, PageHeight = 841.89;
    public const double Margin = 50;
    public const double Width = PageWidth - 2 * Margin;

    /// <summary>Where the flow stops: room below is the footer's.</summary>
    private const double Bottom = PageHeight - 60;

    private readonly PdfDocument _document;
    private XGraphics? _g;

    public PageLayout(PdfDocument document)
    {
        _document = document;
        var options = new XPdfFontOptions(PdfSharp.Pdf.PdfFontEncoding.Unicode);
        Title = new XFont(ContractFonts.Family, 16, XFontStyleEx.Regular, options);
        Heading = new XFont(ContractFonts.Family, 11, XFontStyleEx.Regular, options);
        Body = new XFont(ContractFonts.Family, 8.5, XFontStyleEx.Regular, options);
        Small = new XFont(ContractFonts.Family, 7.5, XFontStyleEx.Regular, options);
        NewPage();
    }

    public XFont Title { get; }
    public XFont Heading { get; }
    public XFont Body { get; }
    public XFont Small { get; }

    /// <summary>The flow's position on the current page, from its top.</summary>
    public double Y { get; set; }

    public XGraphics G => _g!;

    public int PageIndex => _document.PageCount - 1;

    public static double LineHeight(XFont font) => font.Size * 1.4;

    public void NewPage()
    {
        _g?.Dispose();
        var page = _document.AddPage();
        page.Size = PageSize.A4;
        _g = XGraphics.FromPdfPage(page);
        Y = Margin;
    }

    /// <summary>Moves to a new page unless <paramref name="height"/> points fit below the flow.</summary>
    public void Keep(double height)
    {
        if (Y + height > Bottom)
            NewPage();
    }

    /// <summary>The lines <paramref name="text"/> takes in a column <paramref name="width"/> points wide.</summary>
    public IReadOnlyList<string> Wrap(string text, XFont font, double width)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.Split('\n'))
        {
            var line = "";
            foreach (var token in Tokens(paragraph))
            {
                var candidate = line + token;
                if (G.MeasureString(candidate, font).Width <= width)
                {
                    line = candidate;
                    continue;
                }
                // A closing mark never starts a line (the kinsoku rule of CJK typesetting): it takes the character before it along.
                if (token.Length == 1 && ClosingMarks.Contains(token[0]) && line.Length > 1)
                {
                    lines.Add(line[..^1].TrimEnd());
                    line = line[^1..] + token;
                    continue;
                }
                if (line.Length > 0)
                    lines.Add(line.TrimEnd());
                line = token.TrimStart();
                // A run wider than the column alone (a long id, a Latin word) is broken between characters.
                while (G.MeasureString(line, font).Width > width && line.Length > 1)
                {
                    var fit = 1;
                    while (fit < line.Length && G.MeasureString(line[..(fit + 1)], font).Width <= width)
                        fit++;
                    lines.Add(line[..fit]);
                    line = line[fit..];
                }
            }
            lines.Add(line.TrimEnd());
        }
        return lines;
    }

    private const string ClosingMarks = "）)》」』】〕，。、；：！？,.;:!?";

    /// <summary>Breakable pieces: each CJK character alone, a Latin run with the spaces after it, a hyphen or slash ending
    /// its piece.</summary>
    private static IEnumerable<string> Tokens(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (IsCjk(c) || char.IsHighSurrogate(c))
            {
                if (i > start)
                    yield return text[start..i];
                var length = char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1;
                yield return text.Substring(i, length);
                i += length - 1;
                start = i + 1;
            }
            else if ((c == ' ' && (i + 1 == text.Length || text[i + 1] != ' ')) || c is '-' or '/' or '，' or '、')
            {
                yield return text[start..(i + 1)];
                start = i + 1;
            }
        }
        if (start < text.Length)
            yield return text[start..];
    }

    private static bool IsCjk(char c) => c >= '\u2E80' && c is < '\uD800' or > '\uF8FF';

    /// <summary>Draws wrapped text at (<paramref name="x"/>, <paramref name="y"/>) in a column <paramref name="width"/>
    /// wide; returns the height used.</summary>
    public double Text(string text, XFont font, double x, double y, double width, XBrush? brush = null)
    {
        var lines = Wrap(text, font, width);
        var step = LineHeight(font);
        for (var i = 0; i < lines.Count; i++)
            G.DrawString(lines[i], font, brush ?? XBrushes.Black, new XRect(x, y + i * step, width, step), XStringFormats.TopLeft);
        return lines.Count * step;
    }

    public double TextHeight(string text, XFont font, double width) => Wrap(text, font, width).Count * LineHeight(font);

    /// <summary>A paragraph in the flow, across pages line by line.</summary>
    public void Paragraph(string text, XFont font, double indent = 0, XBrush? brush = null)
    {
        var step = LineHeight(font);
        foreach (var line in Wrap(text, font, Width - indent))
        {
            Keep(step);
            G.DrawString(line, font, brush ?? XBrushes.Black, new XRect(Margin + indent, Y, Width - indent, step), XStringFormats.TopLeft);
            Y += step;
        }
    }

    /// <summary>A section heading, Chinese then English, kept with room for a few lines after it.</summary>
    public void Section(string zh, string en)
    {
        Keep(LineHeight(Heading) + 4 * LineHeight(Body) + 8);
        Y += 8;
        G.DrawString($"{zh}  {en}", Heading, XBrushes.Black, new XRect(Margin, Y, Width, LineHeight(Heading)), XStringFormats.TopLeft);
        Y += LineHeight(Heading);
        G.DrawLine(new XPen(XColors.Gray, 0.5), Margin, Y, Margin + Width, Y);
        Y += 4;
    }

    /// <summary>A labelled row: the bilingual label in a column of its own, the value wrapped beside it; kept whole.</summary>
    public void Field(string label, string value)
    {
        const double labelWidth = 150;
        var height = Math.Max(TextHeight(label, Small, labelWidth - 6), TextHeight(value, Body, Width - labelWidth));
        Keep(height + 2);
        Text(label, Small, Margin, Y + 1, labelWidth - 6, XBrushes.DimGray);
        Text(value, Body, Margin + labelWidth, Y, Width - labelWidth);
        Y += height + 2;
    }

    /// <summary>Writes "第 i 页 / 共 N 页 · Page i of N" and <paramref name="reference"/> on every page.</summary>
    public void NumberPages(string reference)
    {
        _g?.Dispose();
        _g = null;
        var count = _document.PageCount;
        for (var i = 0; i < count; i++)
        {
            using var g = XGraphics.FromPdfPage(_document.Pages[i], XGraphicsPdfPageOptions.Append);
            var footer = new XRect(Margin, PageHeight - 40, Width, LineHeight(Small));
            g.DrawLine(new XPen(XColors.Gray, 0.5), Margin, footer.Top - 4, Margin + Width, footer.Top - 4);
            g.DrawString(reference, Small, XBrushes.DimGray, footer, XStringFormats.TopLeft);
            g.DrawString(string.Create(CultureInfo.InvariantCulture, $"第 {i + 1} 页 / 共 {count} 页 · Page {i + 1} of {count}"), Small, XBrushes.DimGray, footer, XStringFormats.TopRight);
        }
    }

    /// <summary>A box in PDFsharp's page coordinates as a rectangle in PDF user space.</summary>
    public static PdfRectangle ToPdf(XRect box) => new(box.X, PageHeight - box.Y - box.Height, box.Width, box.Height);

    public void Dispose() => _g?.Dispose();
}

using System.Diagnostics;
using System.Security.Cryptography;
using AgriInsure.Tests;
using AgriInsure.Underwriting.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;
using static AgriInsure.Underwriting.Tests.ContractFixtures;

namespace AgriInsure.Underwriting.Tests;

public sealed class ContractDocumentTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The most a 20-head contract may weigh. Measured: 139 KB in 3 pages (the Chinese font subset about 70 KB,
    /// each face thumbnail about 3 KB); the bound leaves room for longer names and other faces, not for the photos as given
    /// (355 KB for these 20 small crops, several MB for camera photos).</summary>
    private const int TwentyHeadBound = 200_000;

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Save(ContractPdf pdf, string name = "contract.pdf")
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, pdf.Bytes);
        return path;
    }

    private static string Squeezed(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    [Fact]
    public void Chinese_names_are_embedded_read_back_exactly_and_drawn_as_glyphs_not_empty_boxes()
    {
        var path = Save(Writer.Livestock(Livestock(3)).Value);

        var text = Poppler.Text(path);
        Assert.Contains(Name, text);
        Assert.Contains(Region, text);
        Assert.Contains("中原农业保险股份有限公司", text);
        Assert.Matches(@"第 1 页 / 共 \d 页", text);
        var fonts = Poppler.Run("pdffonts", path);
        Assert.Matches(@"[A-Z]{6}\+WenQuanYi Micro Hei\s+CID TrueType\s+Identity-H\s+yes yes yes", fonts);

        // Each character of the name drawn is ink of its own shape: a missing glyph would be the same empty box each time.
        var word = Poppler.Words(path).First(w => w.Text == Name);
        const int dpi = 200;
        var (width, _, pixels) = Poppler.Render(path, 0, dpi);
        var cells = Enumerable.Range(0, Name.Length).Select(i =>
        {
            var cellWidth = (word.XMax - word.XMin) / Name.Length;
            var (x0, x1) = ((int)((word.XMin + i * cellWidth) * dpi / 72), (int)((word.XMin + (i + 1) * cellWidth) * dpi / 72));
            var (y0, y1) = ((int)(word.YMin * dpi / 72), (int)(word.YMax * dpi / 72));
            return Enumerable.Range(y0, y1 - y0).SelectMany(y => Enumerable.Range(x0, x1 - x0).Select(x => pixels[y * width + x] < 128)).ToArray();
        }).ToList();
        Assert.All(cells, cell => Assert.InRange(cell.Count(dark => dark), cell.Length / 20, cell.Length / 2));
        for (var i = 0; i < cells.Count; i++)
        {
            for (var j = i + 1; j < cells.Count; j++)
                Assert.True(cells[i].Zip(cells[j]).Count(p => p.First != p.Second) > cells[i].Length / 20, $"characters {i} and {j} are drawn alike");
        }
    }

    [Fact]
    public void The_same_policy_gives_the_same_bytes_and_its_sha256_with_the_issue_time_as_creation_date()
    {
        var first = Writer.Livestock(Livestock(4)).Value;
        var second = Writer.Livestock(Livestock(4)).Value;

        Assert.Equal(first.Bytes, second.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first.Bytes)), first.Sha256.Hex);
        Assert.NotEqual(first.Sha256, Writer.Livestock(Livestock(4, issued: Issued.AddMinutes(1))).Value.Sha256);
        Assert.Contains("CreationDate:    Sun Mar 15 02:30:00 2026 UTC", Poppler.Run("pdfinfo", Save(first)));
    }

    [Fact]
    public void A_herd_of_20_stays_small_and_the_faces_go_in_as_thumbnails()
    {
        var request = Livestock(20);
        var started = Stopwatch.GetTimestamp();
        var pdf = Writer.Livestock(request).Value;
        var elapsed = Stopwatch.GetElapsedTime(started);
        output.WriteLine($"20 head: {pdf.Bytes.Length:N0} bytes, {pdf.Pages} pages, {elapsed.TotalMilliseconds:0} ms; the photos given: {request.Herd.Sum(a => a.FaceJpeg.Length):N0} bytes");

        Assert.InRange(pdf.Bytes.Length, 1, TwentyHeadBound);
        var images = Poppler.Run("pdfimages", "-list", Save(pdf)).Split('\n').Skip(2).Where(l => l.Trim().Length > 0).ToList();
        Assert.Equal(20, images.Count);
        Assert.All(images, line => Assert.Matches(@"^\s*\d+\s+\d+\s+image\s+96\s+96\s+gray|^\s*\d+\s+\d+\s+image\s+96\s+96\s+rgb\s+3\s+8\s+jpeg", line));
    }

    [Fact]
    public void A_long_chinese_name_and_address_wrap_inside_the_margins()
    {
        var name = string.Concat(Enumerable.Repeat("欧阳慕容司马上官", 25));
        var region = string.Concat(Enumerable.Repeat("内蒙古自治区呼伦贝尔市鄂温克族自治旗巴彦托海镇", 9))[..200];
        var path = Save(Writer.Livestock(Livestock(2, name, region)).Value);

        var words = Poppler.Words(path);
        Assert.All(words, w => Assert.InRange(w.XMin, PageLayout.Margin - 1, PageLayout.PageWidth - PageLayout.Margin + 1));
        Assert.All(words, w => Assert.InRange(w.XMax, PageLayout.Margin - 1, PageLayout.PageWidth - PageLayout.Margin + 1));
        var text = Squeezed(Poppler.Text(path));
        Assert.Contains(name, text);
        Assert.Contains(region, text);
    }

    [Fact]
    public void A_herd_of_200_runs_over_pages_each_numbered_with_every_animal_and_the_signatures_on_the_last()
    {
        var pdf = Writer.Livestock(Livestock(200)).Value;
        var path = Save(pdf);
        var pages = Poppler.Text(path).Split('\f').Where(p => p.Trim().Length > 0).ToList();

        Assert.InRange(pdf.Pages, 8, 20);
        Assert.Equal(pdf.Pages, pages.Count);
        for (var i = 0; i < pages.Count; i++)
            Assert.Contains($"第 {i + 1} 页 / 共 {pdf.Pages} 页", pages[i]);
        var all = string.Concat(pages);
        Assert.All(Enumerable.Range(1, 200), i => Assert.Contains(AnimalId(i), all));
        Assert.Equal((pdf.Pages - 1, pdf.Pages - 1), (pdf.Farmer.PageIndex, pdf.Insurer.PageIndex));
        Assert.Contains("Policyholder's signature", pages[^1]);
    }

    [Fact]
    public void The_signature_fields_are_in_pdf_user_space_blank_inside_and_framed()
    {
        var pdf = Writer.Livestock(Livestock(5)).Value;
        var path = Save(pdf);
        var (f, i) = (pdf.Farmer.Rectangle, pdf.Insurer.Rectangle);
        Assert.Equal((230, 90), (f.Width, f.Height));
        Assert.True(f.X + f.Width < i.X, "the farmer's field is left of the insurer's");
        Assert.Equal(f.Y, i.Y);

        const int dpi = 100;
        var (width, height, pixels) = Poppler.Render(path, pdf.Farmer.PageIndex, dpi);
        Assert.InRange(height, (int)(PageLayout.PageHeight * dpi / 72), (int)(PageLayout.PageHeight * dpi / 72) + 1);
        foreach (var r in new[] { f, i })
        {
            // PDF user space grows upwards from the bottom; the raster's rows run downwards from the top.
            int Row(double y) => (int)Math.Round((PageLayout.PageHeight - y) * dpi / 72);
            int Column(double x) => (int)Math.Round(x * dpi / 72);
            var inside = Enumerable.Range(Row(r.Y + r.Height) + 3, Row(r.Y) - Row(r.Y + r.Height) - 6)
                .SelectMany(y => Enumerable.Range(Column(r.X) + 3, Column(r.X + r.Width) - Column(r.X) - 6).Select(x => pixels[y * width + x]));
            Assert.All(inside, p => Assert.Equal(255, p));
            var top = Enumerable.Range(Column(r.X), Column(r.X + r.Width) - Column(r.X)).Select(x => pixels[Row(r.Y + r.Height) * width + x]);
            Assert.True(top.Count(p => p < 200) > 50, "the field's top edge is drawn where it is reported");
        }
        Assert.DoesNotContain(Poppler.Words(path), w => w.Page == pdf.Farmer.PageIndex
            && w.XMin < f.X + f.Width && w.XMax > f.X && PageLayout.PageHeight - w.YMax < f.Y + f.Height && PageLayout.PageHeight - w.YMin > f.Y);
    }

    [Fact]
    public void A_crop_contract_shows_the_measured_area_in_three_units_and_its_map_or_outline()
    {
        var outlined = Writer.Crop(Crop()).Value;
        var text = Poppler.Text(Save(outlined, "outline.pdf"));
        Assert.Contains("55,432.17 m² · 83.148 亩 mu · 5.5432 公顷 ha", text);
        Assert.Contains("玉米 maize", text);
        Assert.Contains("66,518.60 CNY（人民币元） = 800.00 CNY × 83.148 亩 mu", text);
        Assert.Contains("1,995.56 CNY（人民币元） = 24.00 CNY × 83.148 亩 mu", text);
        Assert.Contains("10% 地块面积", text);
        Assert.Contains("PL-DONGCHA-07", text);

        using var map = new Image<Rgba32>(2000, 1500, new Rgba32(30, 120, 40, 255));
        using var png = new MemoryStream();
        map.SaveAsPng(png);
        var mapped = Writer.Crop(Crop(png.ToArray())).Value;
        var images = Poppler.Run("pdfimages", "-list", Save(mapped, "map.pdf"));
        Assert.Matches(@"image\s+1000\s+750\s+rgb", images);
        Assert.NotEqual(outlined.Sha256, mapped.Sha256);
    }

    [Fact]
    public void Bad_requests_are_refused_naming_the_field()
    {
        var request = Livestock(3);
        Assert.Equal("herd", Writer.Livestock(request with { Herd = request.Herd.Take(2).ToList() }).Error!.Field);
        Assert.Equal("herd", Writer.Livestock(request with { Herd = [.. request.Herd, request.Herd[0]] }).Error!.Field);
        Assert.Equal("herd[1].faceJpeg", Writer.Livestock(request with { Herd = [request.Herd[0], request.Herd[1] with { FaceJpeg = [1, 2, 3] }, request.Herd[2]] }).Error!.Field);
        var huge = Writer.Livestock(request with { Herd = [request.Herd[0] with { FaceJpeg = Face(1, 9000, 8) }, request.Herd[1], request.Herd[2]] }).Error!;
        Assert.Equal(("herd[0].faceJpeg", "is 9000×8 px; at most 8000 px a side"), (huge.Field, huge.Reason));
        Assert.Equal("farmer.id", Writer.Livestock(request with { Farmer = AgriInsure.Domain.Farmer.Create("t1", "F-9", Name, Region).Value }).Error!.Field);
        Assert.Equal("insurerName", Writer.Livestock(request with { InsurerName = " " }).Error!.Field);
        Assert.Equal("mapPng", Writer.Crop(Crop(Face(1))).Error!.Field);
    }

    [Fact]
    public void A_missing_font_is_an_error_naming_the_debian_package()
    {
        var missing = ContractFonts.Load(_dir.File("wqy-microhei.ttc")).Error!;
        Assert.Equal("font", missing.Field);
        Assert.Contains("install the Debian package fonts-wqy-microhei", missing.Reason);
        File.WriteAllText(_dir.File("not-a-font.ttc"), "hello");
        Assert.Equal("font", ContractFonts.Load(_dir.File("not-a-font.ttc")).Error!.Field);
        Assert.Null(ContractFonts.FaceOf([0x74, 0x74, 0x63, 0x66, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0xFF, 0xFF]));
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AgriInsure.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace AgriInsure.Underwriting.Contracts;

/// <summary>Draws the insurance contract of a policy as a PDF (PDFsharp 6.2.4): parties, cover, sums in CNY, the herd or
/// the plot, the terms in Chinese and English, page numbers, and two signature fields on the last page for the signing
/// engine. The same request gives byte-identical PDFs (a fixed document id and dates from the issue time, font subset
/// tags and XMP ids derived from the policy instead of drawn at random), so the SHA-256 the parties sign and the ledger
/// anchors can be reproduced from the policy. Byte identity holds for one PDFsharp version and one font file.</summary>
public sealed partial class ContractWriter(ContractFonts fonts, ILogger<ContractWriter>? log = null)
{
    private const double FaceSize = 40;

    private readonly ILogger _log = log ?? NullLogger<ContractWriter>.Instance;

    /// <summary>The livestock contract. Errors (typed, nothing drawn): <c>insurerName</c> (empty, over 200 characters or
    /// with control characters), <c>farmer.id</c> (not the policy's farmer), <c>herd</c> (an animal missing, repeated or
    /// not on the policy), <c>herd[i].faceJpeg</c> (not a JPEG, or over 8000 px a side), <c>font</c> (see
    /// <see cref="ContractFonts"/>).</summary>
    public Result<ContractPdf> Livestock(LivestockContractRequest request)
    {
        var policy = request.Policy;
        if (Parties(request.InsurerName, request.Farmer, policy.FarmerId) is { } bad)
            return bad;
        var herd = new Dictionary<string, (HerdAnimal Animal, int Index)>();
        for (var i = 0; i < request.Herd.Count; i++)
        {
            var animal = request.Herd[i];
            if (!policy.AnimalIds.Contains(animal.AnimalId))
                return new ValidationError("herd", $"animal '{animal.AnimalId}' is not on policy {policy.Id}");
            if (!herd.TryAdd(animal.AnimalId, (animal, i)))
                return new ValidationError("herd", $"lists animal '{animal.AnimalId}' twice");
        }
        if (policy.AnimalIds.FirstOrDefault(a => !herd.ContainsKey(a)) is { } missing)
            return new ValidationError("herd", $"lacks animal '{missing}' of policy {policy.Id}");
        var faces = new List<byte[]>();
        foreach (var id in policy.AnimalIds)
        {
            var (animal, index) = herd[id];
            var face = Pictures.Face(animal.FaceJpeg, $"herd[{index}].faceJpeg");
            if (!face.IsOk)
                return face.Error;
            faces.Add(face.Value);
        }

        var n = policy.AnimalIds.Count;
        var perHead = policy.Premium.Times(1m / n);
        return Draw(policy.Id, request.IssuedAt, request.InsurerName, request.Farmer, "养殖业保险合同", "Livestock insurance contract", layout =>
        {
            layout.Section("保险期间与金额", "Cover and sums");
            layout.Field("保险期间\nPeriod of cover", Cover(policy.Coverage));
            layout.Field("保险数量\nAnimals insured", $"{n} 头 head");
            layout.Field("每头保险金额\nSum insured per head", Amount(policy.SumInsuredPerHead));
            layout.Field("保险金额合计\nTotal sum insured", Amount(policy.SumInsuredPerHead.Times(n)));
            layout.Field("每头保险费\nPremium per head", (perHead.Times(n) == policy.Premium ? "" : "≈ ") + Amount(perHead));
            layout.Field("保险费合计\nTotal premium", Amount(policy.Premium));
            HerdTable(layout, policy.AnimalIds.Select((id, i) => (id, herd[id].Animal.EarTag, faces[i])).ToList());
            Terms(layout, ContractTerms.Livestock);
        });
    }

    /// <summary>The crop contract. Errors (typed, nothing drawn): <c>insurerName</c>, <c>farmer.id</c> (as for
    /// livestock), <c>plot.id</c> (not the policy's plot), <c>plot.farmerId</c> (another farmer's plot), <c>mapPng</c>
    /// (not a PNG, or over 8000 px a side), <c>font</c>.</summary>
    public Result<ContractPdf> Crop(CropContractRequest request)
    {
        var policy = request.Policy;
        if (Parties(request.InsurerName, request.Farmer, policy.FarmerId) is { } bad)
            return bad;
        if (request.Plot.Id != policy.PlotId)
            return new ValidationError("plot.id", $"is '{request.Plot.Id}'; policy {policy.Id} covers plot '{policy.PlotId}'");
        if (request.Plot.FarmerId != policy.FarmerId)
            return new ValidationError("plot.farmerId", $"is '{request.Plot.FarmerId}'; policy {policy.Id} is farmer '{policy.FarmerId}''s");
        byte[]? map = null;
        if (request.MapPng is not null)
        {
            var converted = Pictures.Map(request.MapPng, "mapPng");
            if (!converted.IsOk)
                return converted.Error;
            map = converted.Value;
        }

        var acreage = policy.Acreage;
        var terms = policy.Terms;
        return Draw(policy.Id, request.IssuedAt, request.InsurerName, request.Farmer, "种植业保险合同", "Crop insurance contract", layout =>
        {
            layout.Section("地块与实测面积", "Plot and measured area");
            layout.Field("地块编号\nPlot", acreage.PlotId);
            layout.Field("作物\nCrop", terms.Crop);
            layout.Field("实测面积\nMeasured area", string.Create(CultureInfo.InvariantCulture,
                $"{acreage.Measured.SquareMetres:N2} m² · {acreage.Measured.Mu:N3} 亩 mu · {acreage.Measured.Hectares:N4} 公顷 ha"));
            layout.Field("测量质量\nMeasurement quality", $"{acreage.Quality.Name()}（{(acreage.Quality == PlotQuality.Ok ? "合格" : "不合格")}）");
            layout.Field("测量时间\nMeasured at", acreage.MeasuredAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
            layout.Field("测量证据 SHA-256\nMeasurement evidence", acreage.Evidence.Hex);
            PlotMap(layout, request.Plot, map);
            layout.Section("保险期间与金额", "Cover and sums");
            layout.Field("保险期间\nPeriod of cover", Cover(terms.Coverage));
            layout.Field("每亩保险金额\nSum insured per mu", Amount(terms.SumInsuredPerMu));
            layout.Field("保险金额合计\nTotal sum insured", $"{Amount(policy.SumInsured)} = {Plain(terms.SumInsuredPerMu)} × {acreage.Measured.Mu.ToString("N3", CultureInfo.InvariantCulture)} 亩 mu");
            layout.Field("每亩保险费\nPremium per mu", Amount(terms.RatePerMu));
            layout.Field("保险费合计\nTotal premium", $"{Amount(policy.Premium)} = {Plain(terms.RatePerMu)} × {acreage.Measured.Mu.ToString("N3", CultureInfo.InvariantCulture)} 亩 mu");
            layout.Field("免赔比例\nDeductible", string.Create(CultureInfo.InvariantCulture, $"{terms.Deductible * 100m:0.##}% 地块面积 of the plot"));
            Terms(layout, ContractTerms.Crop);
        });
    }

    private static ValidationError? Parties(string insurerName, Farmer farmer, string policyFarmerId)
    {
        if (string.IsNullOrWhiteSpace(insurerName))
            return new ValidationError("insurerName", "is empty");
        if (insurerName.Length > 200)
            return new ValidationError("insurerName", "is longer than 200 characters");
        if (insurerName.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format))
            return new ValidationError("insurerName", "holds an invisible or control character");
        return farmer.Id == policyFarmerId ? null : new ValidationError("farmer.id", $"is '{farmer.Id}'; the policy is farmer '{policyFarmerId}''s");
    }

    private Result<ContractPdf> Draw(string policyId, DateTimeOffset issuedAt, string insurer, Farmer farmer, string titleZh, string titleEn, Action<PageLayout> body)
    {
        if (fonts.Install() is { } fontError)
            return fontError;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes($"{policyId}|{issuedAt.UtcTicks}"));
        var document = new PdfDocument();
        var issued = issuedAt.UtcDateTime;
        document.Info.CreationDate = issued;
        document.Info.ModificationDate = issued;
        document.Info.Title = $"{titleZh} {titleEn} {policyId}";
        document.Info.Creator = "AgriInsure";
        document.Internals.FirstDocumentID = string.Concat(seed.Take(16).Select(b => (char)b));
        document.Internals.SecondDocumentID = document.Internals.FirstDocumentID;
        document.Options.UseFlateDecoderForJpegImages = PdfUseFlateDecoderForJpegImages.Never;
        document.Options.CompressContentStreams = true;

        SignatureField farmerField, insurerField;
        using (var layout = new PageLayout(document))
        {
            layout.G.DrawString(titleZh, layout.Title, XBrushes.Black, new XRect(PageLayout.Margin, layout.Y, PageLayout.Width, 22), XStringFormats.TopCenter);
            layout.Y += 22;
            layout.G.DrawString(titleEn, layout.Heading, XBrushes.Black, new XRect(PageLayout.Margin, layout.Y, PageLayout.Width, 16), XStringFormats.TopCenter);
            layout.Y += 20;
            layout.Paragraph($"保单号 Policy {policyId} · 签发时间 Issued {issued.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}", layout.Small, brush: XBrushes.DimGray);
            layout.Section("合同双方", "Parties");
            layout.Field("保险人\nInsurer", insurer);
            layout.Field("投保人（被保险人）\nPolicyholder (insured)", farmer.Name);
            layout.Field("地址\nAddress", farmer.Region);
            layout.Field("农户编号\nFarmer id", farmer.Id);
            body(layout);
            (farmerField, insurerField) = Signatures(layout, farmer.Name, insurer);
            layout.NumberPages($"{titleZh} {titleEn} · {policyId}");
        }
        var pages = document.PageCount;
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        var bytes = Deterministic(output.ToArray(), seed);
        var pdf = new ContractPdf(bytes, Digest.FromHex(Convert.ToHexStringLower(SHA256.HashData(bytes)), "sha256").Value, pages, farmerField, insurerField);
        _log.LogInformation("Contract of policy {PolicyId}: {Pages} pages, {Bytes} bytes, SHA-256 {Sha256}, drawn in {Ms:0} ms",
            policyId, pdf.Pages, bytes.Length, pdf.Sha256.Hex, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return Result<ContractPdf>.Ok(pdf);
    }

    private static void HerdTable(PageLayout layout, IReadOnlyList<(string Id, string? EarTag, byte[] Face)> herd)
    {
        layout.Section("承保牲畜清单", "Herd list");
        double[] columns = [32, 260, 130];
        var header = new[] { "序号\nNo.", "牲畜编号\nAnimal id", "耳标\nEar tag", "面部照片\nFace" };
        void Header()
        {
            var x = PageLayout.Margin;
            for (var c = 0; c < header.Length; c++)
            {
                layout.Text(header[c], layout.Small, x, layout.Y, c < columns.Length ? columns[c] - 4 : FaceSize + 10, XBrushes.DimGray);
                x += c < columns.Length ? columns[c] : 0;
            }
            layout.Y += 2 * PageLayout.LineHeight(layout.Small) + 2;
        }
        Header();
        for (var i = 0; i < herd.Count; i++)
        {
            var (id, tag, face) = herd[i];
            var height = Math.Max(FaceSize, layout.TextHeight(id, layout.Body, columns[1] - 4)) + 4;
            if (layout.Y + height > PageLayout.PageHeight - 60)
            {
                layout.NewPage();
                Header();
            }
            var x = PageLayout.Margin;
            layout.Text((i + 1).ToString(CultureInfo.InvariantCulture), layout.Body, x, layout.Y, columns[0] - 4);
            layout.Text(id, layout.Body, x += columns[0], layout.Y, columns[1] - 4);
            layout.Text(tag ?? "—", layout.Body, x += columns[1], layout.Y, columns[2] - 4);
            using (var image = XImage.FromStream(new MemoryStream(face)))
            {
                var scale = FaceSize / Math.Max(image.PixelWidth, image.PixelHeight);
                layout.G.DrawImage(image, x += columns[2], layout.Y, image.PixelWidth * scale, image.PixelHeight * scale);
            }
            layout.Y += height;
            layout.G.DrawLine(new XPen(XColors.LightGray, 0.3), PageLayout.Margin, layout.Y - 2, PageLayout.Margin + PageLayout.Width, layout.Y - 2);
        }
    }

    /// <summary>The plot's map as given, or its outline drawn from its WGS84 coordinates (an equirectangular projection
    /// about the plot's centre, good to a fraction of a percent over a field) with north up and a scale bar.</summary>
    private static void PlotMap(PageLayout layout, Plot plot, byte[]? png)
    {
        const double maxHeight = 240;
        layout.Keep(maxHeight + 20);
        layout.Y += 6;
        var box = new XRect(PageLayout.Margin, layout.Y, PageLayout.Width, maxHeight);
        if (png is not null)
        {
            using var image = XImage.FromStream(new MemoryStream(png));
            var scale = Math.Min(box.Width / image.PixelWidth, box.Height / image.PixelHeight);
            var (w, h) = (image.PixelWidth * scale, image.PixelHeight * scale);
            layout.G.DrawImage(image, box.X + (box.Width - w) / 2, box.Y, w, h);
            layout.Y += h + 4;
        }
        else
        {
            var lat0 = plot.Outline.Average(p => p.Latitude);
            var lon0 = plot.Outline.Average(p => p.Longitude);
            var metresPerDegree = Math.PI / 180 * GeoPoint.MeanEarthRadiusMetres;
            var points = plot.Outline.Select(p => (X: (p.Longitude - lon0) * metresPerDegree * Math.Cos(lat0 * Math.PI / 180), Y: (p.Latitude - lat0) * metresPerDegree)).ToList();
            var (minX, maxX, minY, maxY) = (points.Min(p => p.X), points.Max(p => p.X), points.Min(p => p.Y), points.Max(p => p.Y));
            var inner = new XRect(box.X + 20, box.Y + 10, box.Width - 40, box.Height - 40);
            var scale = Math.Min(inner.Width / Math.Max(maxX - minX, 1e-6), inner.Height / Math.Max(maxY - minY, 1e-6));
            var offsetX = inner.X + (inner.Width - (maxX - minX) * scale) / 2;
            var drawn = points.Select(p => new XPoint(offsetX + (p.X - minX) * scale, inner.Y + (maxY - p.Y) * scale)).ToArray();
            layout.G.DrawRectangle(new XPen(XColors.LightGray, 0.5), box);
            layout.G.DrawPolygon(new XPen(XColors.DarkGreen, 1.2), new XSolidBrush(XColor.FromArgb(60, 34, 139, 34)), drawn, XFillMode.Alternate);
            layout.G.DrawString("↑ 北 N", layout.Small, XBrushes.Black, new XRect(box.Right - 50, box.Y + 4, 46, 12), XStringFormats.TopRight);
            var barMetres = NiceLength((maxX - minX) / 3);
            var bar = barMetres * scale;
            var barY = box.Bottom - 14;
            layout.G.DrawLine(new XPen(XColors.Black, 1), box.X + 10, barY, box.X + 10 + bar, barY);
            layout.G.DrawString(string.Create(CultureInfo.InvariantCulture, $"{barMetres:0.##} m"), layout.Small, XBrushes.Black, new XRect(box.X + 14 + bar, barY - 6, 80, 12), XStringFormats.TopLeft);
            layout.Y += box.Height + 4;
        }
        layout.Paragraph("地块边界（WGS84）Plot boundary (WGS84)", layout.Small, brush: XBrushes.DimGray);
    }

    /// <summary>1, 2 or 5 times a power of ten, at most <paramref name="metres"/> (at least 1 m).</summary>
    private static double NiceLength(double metres)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(metres, 1))));
        return new[] { 5, 2, 1 }.Select(k => k * power).First(l => l <= Math.Max(metres, 1));
    }

    private static void Terms(PageLayout layout, (string Zh, string En)[] clauses)
    {
        layout.Section("合同条款", "Terms");
        for (var i = 0; i < clauses.Length; i++)
        {
            layout.Keep(3 * PageLayout.LineHeight(layout.Body));
            layout.Paragraph($"{i + 1}. {clauses[i].Zh}", layout.Body);
            layout.Paragraph(clauses[i].En, layout.Small, indent: 10, brush: XBrushes.DimGray);
            layout.Y += 3;
        }
    }

    /// <summary>Two empty fields side by side, labelled, kept together at the end of the last page.</summary>
    private static (SignatureField Farmer, SignatureField Insurer) Signatures(PageLayout layout, string farmer, string insurer)
    {
        const double width = 230, height = 90;
        var nameHeight = Math.Max(layout.TextHeight(farmer, layout.Small, width), layout.TextHeight(insurer, layout.Small, width));
        layout.Section("签署", "Signatures");
        layout.Keep(2 * PageLayout.LineHeight(layout.Small) + height + nameHeight + 8);
        var left = PageLayout.Margin;
        var right = PageLayout.Margin + PageLayout.Width - width;
        layout.Text("投保人签名\nPolicyholder's signature", layout.Small, left, layout.Y, width, XBrushes.DimGray);
        layout.Text("保险人签章\nInsurer's signature and seal", layout.Small, right, layout.Y, width, XBrushes.DimGray);
        layout.Y += 2 * PageLayout.LineHeight(layout.Small) + 2;
        var farmerBox = new XRect(left, layout.Y, width, height);
        var insurerBox = new XRect(right, layout.Y, width, height);
        var pen = new XPen(XColors.Gray, 0.6) { DashStyle = XDashStyle.Dash };
        layout.G.DrawRectangle(pen, farmerBox);
        layout.G.DrawRectangle(pen, insurerBox);
        layout.Y += height + 4;
        layout.Text(farmer, layout.Small, left, layout.Y, width);
        layout.Text(insurer, layout.Small, right, layout.Y, width);
        layout.Y += nameHeight;
        return (new SignatureField(layout.PageIndex, PageLayout.ToPdf(farmerBox)), new SignatureField(layout.PageIndex, PageLayout.ToPdf(insurerBox)));
    }

    private static string Cover(Coverage cover) =>
        $"{cover.Start:yyyy-MM-dd} 至 to {cover.End:yyyy-MM-dd}（含首尾两日 both days included）";

    private static string Amount(Money money) => Plain(money) + (money.Currency == "CNY" ? "（人民币元）" : "");

    private static string Plain(Money money) => string.Create(CultureInfo.InvariantCulture, $"{money.Amount:N2} {money.Currency}");

    /// <summary>Replaces what PDFsharp draws at random on each save with values from <paramref name="seed"/>, byte for
    /// byte in place (same lengths, so the cross-reference offsets hold): each font subset's six-letter tag (ISO 32000-1
    /// §9.6.4) and the XMP document and instance ids.</summary>
    internal static byte[] Deterministic(byte[] pdf, byte[] seed)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var tags = SubsetTag().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
        for (var i = 0; i < tags.Count; i++)
        {
            var derived = SHA256.HashData([.. seed, (byte)'t', (byte)i]);
            var tag = string.Concat(derived.Take(6).Select(b => (char)('A' + b % 26)));
            text = text.Replace(tags[i] + "+", tag + "+", StringComparison.Ordinal);
        }
        var count = 0;
        text = XmpUuid().Replace(text, _ =>
        {
            var derived = SHA256.HashData([.. seed, (byte)'u', (byte)count++]);
            return "uuid:" + new Guid(derived.AsSpan(0, 16)).ToString("D");
        });
        return Encoding.Latin1.GetBytes(text);
    }

    [GeneratedRegex(@"/(?:FontName|BaseFont)/([A-Z]{6})\+")]
    private static partial Regex SubsetTag();

    [GeneratedRegex(@"uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex XmpUuid();
}

using SkiaSharp;

namespace AgriInsure.Imagery.Rendering.Tests;

public class ClaimMapTextTests
{
    private static IEnumerable<(string Name, string Value)> Strings(ClaimMapText text) =>
        typeof(ClaimMapText).GetProperties().Where(p => p.PropertyType == typeof(string) && p.GetIndexParameters().Length == 0)
            .Select(p => (p.Name, (string)p.GetValue(text)!));

    [Fact]
    public void Every_chinese_word_has_a_glyph_in_dejavu_or_the_installed_cjk_font()
    {
        var fonts = FontSet.System;
        Assert.True(fonts.Fallback is not null, "no CJK font: install fonts-wqy-microhei (tools/setup does)");
        using var dejaVu = new SKFont(fonts.Regular);
        using var cjk = new SKFont(fonts.Fallback);

        var missing = Strings(ClaimMapText.Chinese)
            .SelectMany(s => s.Value.EnumerateRunes().Where(r => !dejaVu.ContainsGlyph(r.Value) && !cjk.ContainsGlyph(r.Value)).Select(r => $"{s.Name}: {r}"))
            .ToList();

        Assert.Empty(missing);
        // The Chinese captions do need the fallback: DejaVu alone would draw its missing-glyph box.
        Assert.False(ClaimMapText.Chinese.Legend.EnumerateRunes().All(r => dejaVu.ContainsGlyph(r.Value)));
    }

    [Fact]
    public void The_two_tables_word_every_caption_differently_and_share_their_placeholders()
    {
        var english = Strings(ClaimMapText.English).ToDictionary(s => s.Name, s => s.Value);
        foreach (var (name, chinese) in Strings(ClaimMapText.Chinese))
        {
            // Number formats (not words) are the same in both; every template takes the same values.
            Assert.Equal(Placeholders(english[name]), Placeholders(chinese));
            if (name is not ("Shares" or "Money"))
                Assert.NotEqual(english[name], chinese);
        }
    }

    private static string Placeholders(string template) =>
        string.Join(",", System.Text.RegularExpressions.Regex.Matches(template, @"\{(\d+)(:[^}]*)?\}").Select(m => m.Groups[1].Value).Order());

    [Theory]
    [InlineData("en", "en")]
    [InlineData("zh-CN", "zh-CN")]
    [InlineData("ZH-cn", "zh-CN")]
    [InlineData("EN", "en")]
    [InlineData("zh", null)]
    [InlineData("fr", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void A_language_tag_chooses_a_table_without_regard_to_case(string? tag, string? expected) =>
        Assert.Equal(expected, ClaimMapText.For(tag)?.Language);

    [Fact]
    public void Chinese_writes_percentages_without_a_space_and_english_as_before()
    {
        Assert.Equal("24.8 % / 75.2 %", ClaimMapText.English.Format(ClaimMapText.English.Shares, 0.248, 0.752));
        Assert.Equal("24.8% / 75.2%", ClaimMapText.Chinese.Format(ClaimMapText.Chinese.Shares, 0.248, 0.752));
        Assert.Equal("12,345.6 m²（18.52 亩）", ClaimMapText.Chinese.Format(ClaimMapText.Chinese.Area, 12_345.6, 18.5184));
        Assert.Equal("1,234.50 CNY", ClaimMapText.Chinese.Format(ClaimMapText.Chinese.Money, 1234.5m, "CNY"));
    }

    [Fact]
    public void The_captions_fit_their_columns_in_both_languages()
    {
        using var heading = FontSet.System.Style(14, bold: true);
        using var body = FontSet.System.Style(ClaimMap.BodySize);
        using var small = FontSet.System.Style(11);
        foreach (var text in new[] { ClaimMapText.English, ClaimMapText.Chinese })
        {
            foreach (var caption in new[] { text.BeforePanel, text.AfterPanel, text.AssessmentPanel })
                Assert.InRange(heading.Measure(caption), 1, ClaimMapLayout.MinSlot);
            var legendRight = new[] { text.LegendDamaged, text.LegendHidden, text.LegendClear, text.LegendOutside, text.LegendBoundary }
                .Max(row => ClaimMapLayout.SwatchWidth + 10 + body.Measure(row));
            legendRight = Math.Max(legendRight, body.Measure(text.ColourBar));
            Assert.InRange(legendRight, 1, ClaimMapLayout.LegendWidth - 16);
            Assert.InRange(heading.Measure(text.Scale), 1, ClaimMapLayout.ScaleWidth - 16);
            // The north caption is centred 100 px into its column: it may reach back over the legend's margin, not its words.
            var north = small.Measure(text.Format(text.NorthTurned, -12.3)) / 2;
            Assert.InRange(ClaimMapLayout.LegendWidth + 100 - north, legendRight + 16, ClaimMapLayout.LegendWidth + 100);
            Assert.InRange(100 + north, 100, ClaimMapLayout.ScaleWidth);
        }
    }

    [Fact]
    public void A_chinese_map_draws_its_captions_with_the_cjk_font_and_an_english_map_needs_none()
    {
        var withCjk = FontSet.System;
        var dejaVuOnly = FontSet.Load(FontSet.DejaVuDirectory, []);
        var english = Requests.Claim(12, 8, (c, r) => c < 3 ? MapCell.Damaged : MapCell.Clear);
        var chinese = english with { Text = ClaimMapText.Chinese };

        var layout = ClaimMapLayout.Of(chinese, withCjk);
        // The caption over the assessment panel, and the legend's heading.
        var caption = new SKRectI(layout.AssessmentPanel.Left, layout.AssessmentPanel.Top - 26, layout.AssessmentPanel.Left + 160, layout.AssessmentPanel.Top - 2);
        var legend = new SKRectI((int)layout.LegendOrigin.X, (int)layout.LegendOrigin.Y, (int)layout.LegendOrigin.X + 120, (int)layout.LegendOrigin.Y + 22);
        using var chineseMap = Render(chinese, withCjk);
        using var chineseBoxes = Render(chinese, dejaVuOnly);
        using var englishMap = Render(english, withCjk);
        using var englishDejaVu = Render(english, dejaVuOnly);
        foreach (var area in new[] { caption, legend })
        {
            Assert.NotEqual(Crop(chineseMap, area), Crop(chineseBoxes, area));
            Assert.NotEqual(Crop(chineseMap, area), Crop(englishMap, area));
            Assert.Equal(Crop(englishMap, area), Crop(englishDejaVu, area));
            Assert.True(Crop(chineseMap, area).Any(p => p.Red + p.Green + p.Blue < 3 * 100), "the Chinese caption is drawn");
        }
    }

    [Fact]
    public void Long_chinese_figures_wrap_inside_their_column_and_the_map_grows_to_hold_them()
    {
        var note = ClaimMapText.Chinese.Format(ClaimMapText.Chinese.QualityWithNote, ClaimMapText.Chinese.QualityNeedsClearImage,
            ClaimMapText.Chinese.Format(ClaimMapText.Chinese.NoteNeedsClearImage, 0.357, 0.2) + "；" + string.Concat(Enumerable.Repeat("遮挡像元不参与评估", 30)));
        var request = Requests.Claim(40, 30, (_, _) => MapCell.Clear) with
        {
            Text = ClaimMapText.Chinese,
            Figures = [.. Requests.Figures, ("影像质量", note)],
        };
        var fonts = FontSet.System;
        var layout = ClaimMapLayout.Of(request, fonts);
        var single = ClaimMapLayout.Of(request with { Figures = [.. Requests.Figures, ("影像质量", "清晰")] }, fonts);
        using var body = fonts.Style(ClaimMap.BodySize);

        var quality = layout.FigureRows[^1];
        Assert.True(quality.Value.Count >= 3, $"{quality.Value.Count} lines");
        Assert.Equal(note, string.Concat(quality.Value));
        Assert.All(quality.Value, line => Assert.InRange(body.Measure(line), 1, layout.FiguresWidth - layout.FigureValueOffset));
        Assert.All(quality.Value.Skip(1), line => Assert.False("，。；：）%".Contains(line[0]), $"a line starts with '{line[0]}'"));
        Assert.Equal(ClaimMapLayout.FigureRow, layout.FigureRows[0].Height);
        Assert.True(layout.FiguresOrigin.X + layout.FiguresWidth <= layout.Width);
        using var image = Png.Decode(Png.Render(request));
        Assert.True(image.Height > single.Height, $"{image.Height} px, {single.Height} px with a one-line quality");
        Assert.Equal(layout.Height, image.Height);
    }

    [Theory]
    [InlineData("the plot lies outside the raster", 120)]
    [InlineData("a  b c", 5)]
    [InlineData("Provenance: claim: C-1 · policy: P-7 · rule: damaged where NDVI before - after >= 0.2", 150)]
    public void English_wraps_at_spaces_as_before(string text, float width)
    {
        using var style = FontSet.System.Style(12);
        var expected = new List<string>();
        var line = "";
        foreach (var word in text.Split(' '))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (line.Length > 0 && style.Measure(candidate) > width)
                (expected, line) = ([.. expected, line], word);
            else
                line = candidate;
        }

        Assert.Equal([.. expected, line], style.Wrap(text, width));
    }

    [Fact]
    public void Chinese_breaks_between_characters_but_not_before_closing_or_after_opening_marks()
    {
        using var style = FontSet.System.Style(12);
        const string text = "块内任一像元受损即显示为受损，否则任一像元被遮挡即显示为遮挡（云、无数据），否则显示为未受损。";

        var lines = style.Wrap(text, 60);

        Assert.True(lines.Count > 4);
        Assert.Equal(text, string.Concat(lines));
        Assert.All(lines, l => Assert.True(style.Measure(l) <= 60, $"'{l}' is {style.Measure(l)} px"));
        Assert.All(lines.Skip(1), l => Assert.DoesNotContain(l[0], "，。、）"));
        Assert.All(lines, l => Assert.NotEqual('（', l[^1]));
    }

    private static SKColor[] Crop(SKBitmap image, SKRectI area)
    {
        var pixels = new List<SKColor>();
        for (var y = area.Top; y < area.Bottom; y++)
            for (var x = area.Left; x < area.Right; x++)
                pixels.Add(image.GetPixel(x, y));
        return [.. pixels];
    }

    private static SKBitmap Render(ClaimMapRequest request, FontSet fonts)
    {
        using var stream = new MemoryStream();
        ClaimMap.Write(request, stream, () => fonts);
        return Png.Decode(stream.ToArray());
    }
}

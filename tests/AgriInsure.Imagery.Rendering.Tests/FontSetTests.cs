namespace AgriInsure.Imagery.Rendering.Tests;

public class FontSetTests
{
    [Fact]
    public void A_missing_dejavu_font_is_a_typed_error_naming_the_debian_package()
    {
        var error = Assert.Throws<FontMissingException>(() => FontSet.Load("/nonexistent/fonts/dejavu", []));

        Assert.Equal("fonts-dejavu-core", error.Package);
        Assert.Equal("/nonexistent/fonts/dejavu/DejaVuSans.ttf", error.FontPath);
        Assert.Contains("apt-get install -y fonts-dejavu-core", error.Message);
    }

    [Fact]
    public void Without_a_cjk_font_chinese_text_still_measures_and_draws()
    {
        var fonts = FontSet.Load(FontSet.DejaVuDirectory, ["/nonexistent/cjk.ttc"]);
        using var style = fonts.Style(14);
        using var bitmap = new SkiaSharp.SKBitmap(200, 40);
        using var canvas = new SkiaSharp.SKCanvas(bitmap);

        Assert.Null(fonts.Fallback);
        Assert.True(style.Measure("地块 P-0042") > style.Measure("P-0042"));
        style.Draw(canvas, "地块 P-0042", 4, 24, Palette.Ink);
    }

    [Fact]
    public void An_installed_cjk_font_draws_the_chinese_and_dejavu_the_latin()
    {
        var installed = FontSet.CjkCandidates.Where(File.Exists).ToList();
        var fonts = FontSet.Load(FontSet.DejaVuDirectory, installed);
        var dejaVuOnly = FontSet.Load(FontSet.DejaVuDirectory, []);
        using var mixed = fonts.Style(14);
        using var latin = dejaVuOnly.Style(14);

        Assert.Equal(installed.Count > 0, fonts.Fallback is not null);
        Assert.Equal(latin.Measure("P-0042"), mixed.Measure("P-0042"));
        // With a CJK face, 张伟 takes its advances, not DejaVu's missing-glyph box.
        Assert.Equal(installed.Count > 0, latin.Measure("张伟") != mixed.Measure("张伟"));
    }
}

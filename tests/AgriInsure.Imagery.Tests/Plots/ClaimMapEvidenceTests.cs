using System.Globalization;
using System.Text.RegularExpressions;
using AgriInsure.Domain;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Rendering;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Tests;

namespace AgriInsure.Imagery.Tests.Plots;

/// <summary>The eo-learn fields from summer to winter: plots the map pays and plots partly off the raster.</summary>
public sealed class SummerToWinter : IDisposable
{
    public SummerToWinter()
    {
        var folder = Path.Combine(Repo.SharedData, "imagery", "eo-learn");
        Assert.True(GdalRaster.TryOpen(Path.Combine(folder, "ndvi_stack.tif"), out var stack, out var error), error?.ToString());
        Assert.True(PlotReader.TryRead(Path.Combine(folder, "lulc.geojson"), out var plots, out var plotError), plotError?.ToString());
        Stack = stack;
        Plots = plots.ToDictionary(p => p.Id);
        Before = new RasterBand(stack, stack.BandForDate("2017-07-15"));
        After = new RasterBand(stack, stack.BandForDate("2017-12-22"));
        var terms = ClaimTerms.Create(0.2, Money.Create(10_000m, "CNY").Value, 0.1m, maxHiddenShare: 0.05).Value;
        var windows = new List<ClaimMapWindow>();
        ClaimByMap.Assess(Before, After, plots, terms, map: w => { lock (windows) windows.Add(w); });
        Windows = windows;
    }

    public GdalRaster Stack { get; }
    public IReadOnlyDictionary<string, PlotFeature> Plots { get; }
    public RasterBand Before { get; }
    public RasterBand After { get; }
    public IReadOnlyList<ClaimMapWindow> Windows { get; }

    public void Dispose() => Stack.Dispose();
}

public class ClaimMapEvidenceTests(SummerToWinter data) : IClassFixture<SummerToWinter>
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private ClaimMapWindow Paid => data.Windows.Where(w => w.Assessment.Quality == PlotQuality.Ok).MaxBy(w => w.Assessment.Indemnity.Amount)!;

    private ClaimMapWindow Partly => data.Windows.First(w => w.Assessment.Quality == PlotQuality.PartlyOutsideRaster);

    [Fact]
    public void English_figures_read_as_the_map_has_always_printed_them()
    {
        foreach (var window in new[] { Paid, Partly })
        {
            var a = window.Assessment;
            var centre = data.Plots[a.Id].Outline.Centroid;
            // What the figures were before the text table, written out here as the reference.
            (string, string)[] expected =
            [
                ("location", string.Create(Invariant, $"{Math.Abs(centre.Y):0.00000}° {(centre.Y >= 0 ? "N" : "S")}, {Math.Abs(centre.X):0.00000}° {(centre.X >= 0 ? "E" : "W")} (centroid, WGS84)")),
                ("plot area", string.Create(Invariant, $"{a.PlotM2:N1} m² ({a.PlotM2 / Area.SquareMetresPerMu:N2} mu)")),
                ("inside the images / beyond their edge", string.Create(Invariant, $"{a.CoveredFraction:P1} / {1 - a.CoveredFraction:P1}")),
                ("damaged", string.Create(Invariant, $"{a.DamagedM2:N1} m² ({a.DamageFraction:P2} of the plot)")),
                ("hidden by cloud or no data / invalid NDVI", string.Create(Invariant, $"{a.NodataFraction:P1} / {a.InvalidFraction:P1}")),
                ("quality", a.Note.Length == 0 ? a.Quality.Name() : $"{a.Quality.Name()}: {a.Note}"),
                ("indemnity", $"{a.Indemnity.Amount.ToString("N2", Invariant)} {a.Indemnity.Currency}"),
            ];

            Assert.Equal(expected, ClaimMapEvidence.Figures(window, data.Plots[a.Id], ClaimMapText.English));
        }
    }

    [Fact]
    public void Chinese_figures_give_latitude_and_longitude_mu_and_the_quality_in_chinese()
    {
        var paid = ClaimMapEvidence.Figures(Paid, data.Plots[Paid.Assessment.Id], ClaimMapText.Chinese);
        var partly = ClaimMapEvidence.Figures(Partly, data.Plots[Partly.Assessment.Id], ClaimMapText.Chinese);
        var english = ClaimMapEvidence.Figures(Paid, data.Plots[Paid.Assessment.Id], ClaimMapText.English);

        Assert.Equal(["位置", "地块面积", "影像内 / 超出影像边缘", "受损面积", "云遮或无数据 / NDVI 无效", "影像质量", "赔款"], paid.Select(f => f.Label));
        // The eo-learn fields lie in the northern and eastern hemispheres (Slovenia).
        Assert.Matches(@"^北纬 \d+\.\d{5}°，东经 \d+\.\d{5}°（质心，WGS84）$", paid[0].Value);
        Assert.Matches(@"^[\d,]+\.\d m²（[\d,]+\.\d\d 亩）$", paid[1].Value);
        Assert.Matches(@"^[\d,]+\.\d m²（占地块 \d+\.\d\d%）$", paid[3].Value);
        Assert.Equal("清晰", paid[5].Value);
        Assert.Equal(english[6].Value, paid[6].Value);
        Assert.Matches(@"^\d[\d,]*\.\d\d CNY$", paid[6].Value);
        Assert.Matches(@"^部分位于影像外：地块仅有 \d+\.\d% 位于影像内$", partly[5].Value);
        Assert.Equal("0.00 CNY", partly[6].Value);
        // Nothing in English but the abbreviations a Chinese reader reads as such.
        var words = paid.Concat(partly).SelectMany(f => Regex.Matches(f.Label + " " + f.Value, "[A-Za-z]{3,}").Select(m => m.Value)).Distinct();
        Assert.All(words, w => Assert.Contains(w, new[] { "NDVI", "WGS", "CNY" }));
    }

    [Fact]
    public void A_plot_that_needs_a_clearer_image_says_how_much_is_hidden_over_the_allowed_share_in_either_language()
    {
        // The plot's assessment as the terms' 5 % judged it, seen again with a cloud over 30 % of it.
        var window = Paid with
        {
            Assessment = Paid.Assessment with { Quality = PlotQuality.NeedsClearImage, NodataFraction = 0.25, InvalidFraction = 0.05, Note = PlotQualities.Explain(PlotQuality.NeedsClearImage, 1, 0.3, 0.05) },
        };

        Assert.Equal($"needs-clear-image: {window.Assessment.Note}", ClaimMapEvidence.Figures(window, data.Plots[window.Assessment.Id], ClaimMapText.English)[5].Value);
        Assert.Equal("需要更清晰的影像：地块的 30.0% 被遮挡或无效，超过允许的 5%", ClaimMapEvidence.Figures(window, data.Plots[window.Assessment.Id], ClaimMapText.Chinese)[5].Value);
    }

    [Fact]
    public void The_request_carries_its_language_and_the_same_provenance_in_both()
    {
        (string, string)[] provenance = [("claim", "C-1"), ("rule", "damaged where NDVI before - after >= 0.2")];
        var plot = data.Plots[Paid.Assessment.Id];

        var english = ClaimMapEvidence.Request(Paid, plot, data.Before, data.After, provenance, ClaimMapText.English);
        var chinese = ClaimMapEvidence.Request(Paid, plot, data.Before, data.After, provenance, ClaimMapText.Chinese);

        Assert.Equal((ClaimMapText.English, ClaimMapText.Chinese), (english.Text, chinese.Text));
        Assert.Equal([.. provenance, ("plot", Paid.Assessment.Id)], chinese.Provenance);
        Assert.Equal(english.Provenance, chinese.Provenance);
        Assert.Equal(english.BeforeLabel, chinese.BeforeLabel); // the stack's band says when it was taken
        Assert.NotEqual(english.Figures, chinese.Figures);
    }
}

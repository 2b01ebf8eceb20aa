using AgriInsure.Domain;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Tests;
using static AgriInsure.Imagery.Tests.Fixtures;
using static AgriInsure.Imagery.Tests.Zonal.FieldInputTests;

namespace AgriInsure.Imagery.Tests.Plots;

public class SeasonMonitorTests
{
    private static readonly DateTimeOffset[] Days = Enumerable.Range(0, 6).Select(i => new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.Zero).AddDays(10 * i)).ToArray();

    /// <summary>Five 200 m fields in a row on a UTM grid; NDVI 0.7 everywhere, except that "failing" falls
    /// to 0.3 from the third date on; on the fourth date a cloud covers "failing".</summary>
    private static (GdalRaster Ndvi, GdalRaster Clouds, IReadOnlyList<PlotFeature> Plots) Season(TempFolder dir)
    {
        var grid = new Grid(500_000, 5_000_400, 10, 10, 120, 40);
        bool InFailing(int row, int column) => row is >= 10 and < 30 && column is >= 10 and < 30;
        var ndvi = dir.File("ndvi.tif");
        var clouds = dir.File("clouds.tif");
        using (var n = GeoTiffWriter.Create(ndvi, grid, "EPSG:32633", Days.Length, nodata: -9999))
        using (var c = GeoTiffWriter.Create(clouds, grid, "EPSG:32633", Days.Length, nodata: 255))
        {
            for (var d = 0; d < Days.Length; d++)
            {
                n.Write(d + 1, 0, Enumerable.Range(0, 120 * 40).Select(i => d >= 2 && InFailing(i / 120, i % 120) ? 0.3f : 0.7f).ToArray());
                c.Write(d + 1, 0, Enumerable.Range(0, 120 * 40).Select(i => d == 3 && InFailing(i / 120, i % 120) ? 1f : 0f).ToArray());
                n.Describe(d + 1, $"{Days[d]:yyyy-MM-ddTHH:mm:ss}");
                c.Describe(d + 1, $"{Days[d]:yyyy-MM-ddTHH:mm:ss}");
            }
        }
        var names = new[] { "failing", "b", "c", "d", "e" };
        var features = names.Select((name, k) => Feature(name, UtmSquare(500_100 + 200 * k, 5_000_100, 200))).ToArray();
        return (Open(ndvi), Open(clouds), ReadPlots(Collection(dir, "fields.geojson", features)));
    }

    [Fact]
    public void A_field_below_its_neighbours_on_consecutive_clear_dates_raises_one_alert_and_a_cloudy_date_is_skipped()
    {
        using var dir = new TempFolder();
        var (ndvi, clouds, plots) = Season(dir);
        using (ndvi)
        using (clouds)
        {
            var season = Days.Select((t, d) => new Acquisition(t, new RasterBand(ndvi, d + 1), new RasterBand(clouds, d + 1))).ToList();
            var results = SeasonMonitor.Watch(season, plots, new MonitorOptions());
            var failing = results.Single(r => r.Id == "failing");
            var alert = Assert.Single(failing.Alerts);
            Assert.Equal((Days[2], Days[5], 3), (alert.First, alert.Last, alert.Dates));
            Assert.Equal(-0.4, alert.WorstGap, 1e-6);
            Assert.False(failing.Dates[3].Clear);
            // Only slivers of boundary cells (the outline's round trip through UTM) escape the cloud.
            Assert.True(failing.Dates[3].ValidShare < 1e-6);
            Assert.Equal([false, false, true, false, true, true], failing.Dates.Select(d => d.Alert));
            Assert.All(results.Where(r => r.Id != "failing"), r => Assert.Empty(r.Alerts));
            foreach (var date in results.Single(r => r.Id == "b").Dates)
            {
                Assert.Equal(0.7, date.Mean!.Value, 1e-6);
                Assert.Equal(0.7, date.Median!.Value, 5e-4);
                Assert.Equal(1, date.ValidShare, 1e-6);
                Assert.Equal(0.7, date.Neighbours!.Value, 1e-6);
            }
            Assert.All(results, r => Assert.Equal(PlotQuality.Ok, r.Quality));
        }
    }

    [Fact]
    public void Too_few_clear_neighbours_means_no_comparison_and_no_alert()
    {
        using var dir = new TempFolder();
        var (ndvi, clouds, plots) = Season(dir);
        using (ndvi)
        using (clouds)
        {
            var season = Days.Select((t, d) => new Acquisition(t, new RasterBand(ndvi, d + 1), null)).ToList();
            var results = SeasonMonitor.Watch(season, plots, new MonitorOptions(MinNeighbours: 5));
            Assert.All(results, r => Assert.Empty(r.Alerts));
            Assert.All(results.SelectMany(r => r.Dates), d => Assert.Null(d.Neighbours));
        }
    }

    [Fact]
    public void On_the_eo_learn_stack_the_summer_of_2017_flags_the_shrubland_plot_that_claims_by_map_pays_most()
    {
        var eo = (string f) => Path.Combine(Repo.SharedData, "imagery", "eo-learn", f);
        using var ndvi = Open(eo("ndvi_stack.tif"));
        using var clouds = Open(eo("clouds_stack.tif"));
        var plots = ReadPlots(eo("lulc.geojson"));
        var season = Enumerable.Range(1, ndvi.Bands).Select(b => (Band: b, Time: DateTimeOffset.Parse(ndvi.Description(b) + "Z", System.Globalization.CultureInfo.InvariantCulture)))
            .Where(x => x.Time.Year == 2017).Select(x => new Acquisition(x.Time, new RasterBand(ndvi, x.Band), new RasterBand(clouds, x.Band))).ToList();
        var results = SeasonMonitor.Watch(season, plots, new MonitorOptions(GroupBy: "LULC_NAME"));
        var summer = results.Where(r => r.Alerts.Any(a => a.First.Month is 7 or 8)).ToList();
        var plot = Assert.Single(summer);
        Assert.Equal(("22", "schrubland"), (plot.Id, plot.Group));
        Assert.Equal(5, plot.Alerts.Single(a => a.First.Month is 7).Dates);
    }
}

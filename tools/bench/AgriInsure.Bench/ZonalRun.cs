using AgriInsure.Imagery.Zonal;
using AgriInsure.Domain;
using System.Diagnostics;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;

namespace AgriInsure.Bench;

/// <summary>Goal (imagery issue): exact-coverage zonal area of 1,000 fields over a 10000×10000 float32 UTM
/// raster on one core and two, in under 500 MB peak RSS, then one field over nearly the whole raster (the
/// memory worst case). One run per process, so the peak is this run's. Also opens the case for
/// <see cref="ZonalSideBySide"/>'s modes.</summary>
internal static class ZonalRun
{
    /// <summary>The rule both zonal benchmarks measure with: NDVI at or above 0.3.</summary>
    public static readonly CellRule Rule = new CellRule.BandAtLeast(1, 0.3);

    public static int Run(string[] args)
    {
        var dir = Option(args, "--dir") ?? Path.Combine(EdgePipelineBench.RepoRoot(), ".agri", "bench", "zonal");
        var size = int.Parse(Option(args, "--size") ?? "10000");
        var plots = int.Parse(Option(args, "--plots") ?? "1000");
        if (args[0] == "zonal-data")
        {
            var watch = Stopwatch.StartNew();
            Console.WriteLine($"{ZonalCase.Ensure(dir, size, plots)} in {watch.Elapsed.TotalSeconds:N1} s");
            return 0;
        }
        var workers = int.Parse(Option(args, "--workers") ?? "1");
        if (!GdalRaster.TryOpen(ZonalCase.RasterPath(dir, size), out var raster, out var error))
        {
            Console.Error.WriteLine($"{error} (run zonal-data first)");
            return 2;
        }
        using (raster)
        {
            if (!PlotReader.TryRead(ZonalCase.PlotsPath(dir, size, plots), out var fields, out var plotError))
            {
                Console.Error.WriteLine(plotError);
                return 2;
            }
            return args[0] switch
            {
                "zonal-measure" => ZonalSideBySide.Measure(raster, fields, workers, args.Contains("--ceiling")),
                "zonal-count" => ZonalSideBySide.Count(raster, fields, Required(args, "--out"), Required(args, "--against")),
                "zonal-shapes" => ZonalSideBySide.Shapes(raster, fields, Required(args, "--out")),
                _ => Passes(raster, fields, dir, size, workers),
            };
        }
    }

    /// <summary>Two timed passes over the fields, then one over the whole raster.</summary>
    private static int Passes(GdalRaster raster, IReadOnlyList<PlotFeature> fields, string dir, int size, int workers)
    {
        var options = new MeasureOptions { Zonal = new ZonalOptions { Workers = workers } };
        // The first pass pays for JIT compilation and a cold page cache; the second is the steady state.
        var passes = new List<(string Pass, double Seconds, IReadOnlyList<PlotMeasurement> Results)>();
        foreach (var pass in new[] { "first pass", "second pass" })
        {
            var watch = Stopwatch.StartNew();
            var results = AcreageMeasurement.Measure(raster, fields, Rule, null, options);
            passes.Add((pass, watch.Elapsed.TotalSeconds, results));
        }
        // Cells under the fields, counted from exact coverage after the timed passes: the measured areas
        // are ground areas, and dividing them by the grid's planar cell area would be off by the
        // projection's areal scale (0.08 % on UTM's central meridian).
        var covered = CoveredMegapixels(raster, fields, options.Zonal);
        foreach (var (pass, seconds, results) in passes)
        {
            Console.WriteLine($"zonal area, {results.Count} fields over {size}×{size} float32, {workers} worker(s), {pass}: {seconds:N3} s, " +
                $"{results.Count / seconds:N0} polygons/s, {covered / seconds:N1} MP/s of the {covered:N2} MP under fields; " +
                $"measured {results.Sum(r => r.MeasuredM2) / 1e4:N1} ha, {results.Count(r => r.Quality != PlotQuality.Ok)} flagged (cloud)");
        }
        if (PlotReader.TryRead(ZonalCase.WholePath(dir, size), out var whole, out _))
        {
            var watch = Stopwatch.StartNew();
            AcreageMeasurement.Measure(raster, whole, Rule, null, options);
            var seconds = watch.Elapsed.TotalSeconds;
            var cells = CoveredMegapixels(raster, whole, options.Zonal);
            Console.WriteLine($"one field over the raster less 1 km, {workers} worker(s): {seconds:N3} s, {cells / seconds:N1} MP/s of {cells:N1} MP");
        }
        Console.WriteLine($"peak RSS {PeakRssMiB():N0} MiB");
        return 0;
    }

    /// <summary>Millions of cells under <paramref name="plots"/>, whatever their value.</summary>
    private static double CoveredMegapixels(GdalRaster raster, IReadOnlyList<PlotFeature> plots, ZonalOptions options) =>
        ZonalProcessor.Run(new CoveredCells(raster, validOnly: false), plots, options).Sum(c => c.Cells) / 1e6;

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string Required(string[] args, string name) =>
        Option(args, name) ?? throw new ArgumentException($"{args[0]} needs {name} FILE");

    /// <summary>VmHWM: the most resident memory this process has held.</summary>
    private static double PeakRssMiB() =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024).Single();
}

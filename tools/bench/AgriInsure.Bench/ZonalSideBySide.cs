using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Text;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Zonal;
using NetTopologySuite.Geometries;

namespace AgriInsure.Bench;

/// <summary>Our side of tools/bench/zonal-vs-exactextract, on the case <see cref="ZonalCase"/> makes
/// (opened by <see cref="ZonalRun"/>).
/// <c>zonal-measure</c>: one <see cref="AcreageMeasurement.Measure"/> of the fields, as <c>plots measure</c>
/// runs it, alone in its process so that the process's wall time and peak RSS are the measure's.
/// <c>zonal-count</c>: each plot's covered cell count (nodata skipped, as exactextract's <c>count</c>
/// skips it), written to CSV and held against exactextract's CSV.</summary>
internal static class ZonalSideBySide
{
    /// <summary><paramref name="ceiling"/>: then <see cref="Ceiling"/>, which the timed single-core runs leave
    /// out, as their process wall time is the measure's.</summary>
    public static int Measure(GdalRaster raster, IReadOnlyList<PlotFeature> fields, int workers, bool ceiling)
    {
        var (collections, allocated) = (GC.CollectionCount(0), GC.GetTotalAllocatedBytes(precise: true));
        var (compiled, cpu) = (JitInfo.GetCompiledMethodCount(), Process.GetCurrentProcess().TotalProcessorTime);
        var watch = Stopwatch.StartNew();
        var results = AcreageMeasurement.Measure(raster, fields, ZonalRun.Rule, null, new MeasureOptions { Zonal = new ZonalOptions { Workers = workers } });
        var seconds = watch.Elapsed.TotalSeconds;
        // CPU of every thread of the process, the JIT's and the collector's too: what the workers' cores also had to run.
        var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        // The script reads "in S s," and "; N collections": keep those parts of the line as they are.
        // Collections stop every worker, and the garbage that sets them off is work of its own.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"measured {results.Count} plots with {workers} worker(s) in {seconds:F3} s, {results.Sum(r => r.MeasuredM2) / 1e4:F1} ha; " +
            $"{GC.CollectionCount(0) - collections} collections, {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1e6:F1} MB allocated in the call; " +
            $"process CPU {used:F3} s, {JitInfo.GetCompiledMethodCount() - compiled} methods compiled"));
        if (ceiling)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ceiling: the same arithmetic on {workers} thread(s) in {Ceiling(workers):F3} s"));
        return 0;
    }

    /// <summary>Iterations of <see cref="Spin"/> in all: about a second on one core of the 2-core VM, as long
    /// as one worker's Measure call.</summary>
    private const long CeilingIterations = 1L << 29;

    /// <summary>Seconds for <see cref="CeilingIterations"/> of arithmetic split evenly over
    /// <paramref name="threads"/> threads, right after the Measure call: two threads' speed-up on it is the
    /// most two workers could show at that moment, as other processes on a shared machine take cores from
    /// both alike. The script divides ours by it.</summary>
    private static double Ceiling(int threads)
    {
        var watch = Stopwatch.StartNew();
        var spinners = Enumerable.Range(0, threads).Select(_ => new Thread(() => Spin(CeilingIterations / threads))).ToList();
        spinners.ForEach(t => t.Start());
        spinners.ForEach(t => t.Join());
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>A xorshift generator summed: no memory traffic, nothing to share between threads, and a
    /// result kept so that the loop is not optimised away.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static ulong Spin(long iterations)
    {
        ulong x = 88172645463325252UL, sum = 0;
        for (long i = 0; i < iterations; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            sum += x;
        }
        return sum;
    }

    public static int Count(GdalRaster raster, IReadOnlyList<PlotFeature> fields, string outPath, string againstPath)
    {
        var ours = ZonalProcessor.Run(new CoveredCells(raster, validOnly: true), fields);
        var csv = new StringBuilder("id,count\n");
        for (var i = 0; i < fields.Count; i++)
            csv.Append(CultureInfo.InvariantCulture, $"{fields[i].Id},{ours[i].Cells:R}\n");
        File.WriteAllText(outPath, csv.ToString());

        var theirs = new Dictionary<string, double>();
        foreach (var line in File.ReadLines(againstPath).Skip(1).Where(l => l.Length > 0))
        {
            // Our ids hold no commas; the count is the last column.
            var comma = line.LastIndexOf(',');
            theirs[line[..comma].Trim('"')] = double.Parse(line[(comma + 1)..], CultureInfo.InvariantCulture);
        }
        var missing = fields.Where(f => !theirs.ContainsKey(f.Id)).Select(f => f.Id).ToList();
        if (missing.Count > 0 || theirs.Count != fields.Count)
        {
            Console.Error.WriteLine($"{againstPath} holds {theirs.Count} plots for our {fields.Count}; missing: {string.Join(", ", missing.Take(5))}");
            return 1;
        }
        var exact = new Worst();
        var relative = new Worst();
        var (singleHoled, singleSimple) = (new Worst(), new Worst());
        var (emulatedHoled, emulatedSimple) = (new Worst(), new Worst());
        var outside = new List<string>();
        for (var i = 0; i < fields.Count; i++)
        {
            var (id, t) = (fields[i].Id, theirs[fields[i].Id]);
            var diff = Math.Abs(ours[i].Cells - t);
            exact.Take(diff, id);
            // A plot wholly under cloud counts zero on both sides; its relative difference is its absolute one.
            relative.Take(t > 0 ? diff / t : diff, id);
            (HasHoles(fields[i]) ? singleHoled : singleSimple).Take(Math.Abs(ours[i].CellsAsSingle - t), id);
            (HasHoles(fields[i]) ? emulatedHoled : emulatedSimple).Take(Math.Abs(ours[i].CellsAsExactextract - t), id);
            // exactextract writes 15 significant digits: 1e-10 of a count under 1e5 cells.
            if (t < ours[i].Low - 1e-10 || t > ours[i].High + 1e-10)
                outside.Add(id);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"coverage: {fields.Count} plots, {ours.Sum(c => c.Cells):F3} valid cells ours, {theirs.Values.Sum():F3} exactextract; worst absolute {exact}, worst relative {relative}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"float32: our fractions rounded to float32 as exactextract stores them: worst absolute {singleSimple} on plots without holes, {singleHoled} on plots with holes"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"emulated: our coverage in exactextract's float32 arithmetic, ring by ring: worst absolute {emulatedSimple} on plots without holes, {emulatedHoled} on plots with holes; " +
            $"its count within the float32 rounding of fractions {CoveredCells.Slack:0E+0} apart on {fields.Count - outside.Count} of {fields.Count} plots{(outside.Count == 0 ? "" : $" (not on {string.Join(", ", outside.Take(5))})")}"));
        return 0;
    }

    /// <summary><c>zonal-shapes</c>: the fields as our zonal processor covers them (in the raster's CRS,
    /// edges cut along geodesics), as GeoJSON coordinates, so that exactextract's coverage can be held
    /// against ours on the very same polygons; the timed runs give it the fields projected vertex by vertex.</summary>
    public static int Shapes(GdalRaster raster, IReadOnlyList<PlotFeature> fields, string outPath)
    {
        var json = new StringBuilder("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for (var i = 0; i < fields.Count; i++)
        {
            var parts = ZonalProcessor.Locate(raster, fields[i]).Parts;
            json.Append(i == 0 ? "" : ",\n").Append("{\"type\":\"Feature\",\"properties\":{\"id\":\"").Append(fields[i].Id).Append("\"},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[");
            json.AppendJoin(',', parts.Select(part => "[" + string.Join(',', part.Rings.Select(Ring)) + "]"));
            json.Append("]}}");
        }
        File.WriteAllText(outPath, json.Append("\n]}\n").ToString());
        return 0;

        static string Ring(double[] xy) =>
            "[" + string.Join(',', Enumerable.Range(0, xy.Length / 2).Select(k => string.Create(CultureInfo.InvariantCulture, $"[{xy[2 * k]:R},{xy[2 * k + 1]:R}]"))) + "]";
    }

    private static bool HasHoles(PlotFeature plot) =>
        Enumerable.Range(0, plot.Outline.NumGeometries).Any(i => ((Polygon)plot.Outline.GetGeometryN(i)).NumInteriorRings > 0);

    /// <summary>The largest difference seen and the plot it was seen on.</summary>
    private sealed class Worst
    {
        private double _value;
        private string _id = "none";

        public void Take(double value, string id)
        {
            if (value > _value || _id == "none")
                (_value, _id) = (value, id);
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_value:0.00E+00} ({_id})");
    }
}

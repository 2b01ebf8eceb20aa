using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Geodesy;
using AgriInsure.Imagery.Rasters;

namespace AgriInsure.Imagery.Plots;

/// <summary>Which cells count as insured crop: a band's value at or above a minimum, a band's class in a
/// list, or NDVI from a red and a near-infrared band at or above a minimum.</summary>
public abstract record CellRule
{
    public sealed record BandAtLeast(int Band, double Min) : CellRule;

    public sealed record BandInClasses(int Band, IReadOnlySet<int> Classes) : CellRule;

    public sealed record NdviAtLeast(int Red, int Nir, double Min) : CellRule;
}

public sealed record PlotMeasurement(
    string Id,
    double AreaM2,
    double MeasuredM2,
    double MeasuredMu,
    double MeasuredHa,
    double CoveredFraction,
    double NodataFraction,
    string Crs,
    string? Date,
    string Quality);

public sealed record MeasureOptions
{
    /// <summary>A plot hidden (nodata or cloud) over this share of its cells is flagged, not trusted.</summary>
    public double MaxHiddenShare { get; init; } = 0.2;

    /// <summary>A cloud mask on the raster's grid, non-zero where a cloud hides the ground.</summary>
    public RasterBand? Clouds { get; init; }

    /// <summary>Threads, each with its own GDAL handles.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Told the number of plots done so far, after each plot.</summary>
    public IProgress<int>? Progress { get; init; }

    /// <summary>Rows read at once, rounded to whole blocks of the raster: bounds memory on large plots.</summary>
    public int BandRows { get; init; } = 256;
}

/// <summary>Insured acreage measured from a raster: for each plot, the exact covered share of every cell
/// (after moving the outline into the raster's CRS) times the cell's area, summed over the cells that
/// meet the rule. Cells of longitude/latitude rasters are measured on the ellipsoid row by row. A plot is
/// read in bands of whole raster blocks, so memory depends on the band, not on the plot or the raster.</summary>
public static class AcreageMeasurement
{
    private const int RunLength = 64;

    public static IReadOnlyList<PlotMeasurement> Measure(GdalRaster raster, IReadOnlyList<PlotFeature> plots, CellRule rule, string? date, MeasureOptions? options = null)
    {
        options ??= new MeasureOptions();
        options.Clouds?.RequireGridOf(raster);
        var results = new PlotMeasurement[plots.Count];
        var order = SpatialOrder(plots);
        var next = -1;
        var done = 0;
        void Work(GdalRaster r, RasterBand? c)
        {
            using var worker = new Worker(r, c, rule, date, options);
            // Runs of neighbouring plots, so that two workers do not decode the same blocks side by side.
            for (var run = Interlocked.Increment(ref next); run * RunLength < plots.Count; run = Interlocked.Increment(ref next))
            {
                for (var k = run * RunLength; k < Math.Min(plots.Count, (run + 1) * RunLength); k++)
                {
                    var i = order[k];
                    results[i] = worker.Measure(plots[i]);
                    options.Progress?.Report(Interlocked.Increment(ref done));
                }
            }
        }
        var workers = Math.Clamp(options.Workers, 1, Math.Max(1, plots.Count));
        if (workers == 1)
        {
            Work(raster, options.Clouds);
            return results;
        }
        var threads = Enumerable.Range(0, workers).Select(_ => Task.Run(() =>
        {
            using var own = raster.Reopen();
            using var ownClouds = options.Clouds?.Raster.Reopen();
            Work(own, ownClouds is null ? null : options.Clouds! with { Raster = ownClouds });
        })).ToArray();
        try
        {
            Task.WaitAll(threads);
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is RasterException) is RasterException first)
        {
            throw new RasterException(first.Error);
        }
        return results;
    }

    /// <summary>Plot indices along a Z-order curve of their centres: neighbours are measured one after
    /// another, so the raster blocks one plot decoded are still in GDAL's cache for the next (on 10,000
    /// random fields over a 400 MB raster, most reads were cache misses in file order).</summary>
    private static int[] SpatialOrder(IReadOnlyList<PlotFeature> plots)
    {
        var centres = plots.Select(p => p.Outline.EnvelopeInternal.Centre).ToArray();
        double minX = centres.Min(c => c.X), maxX = centres.Max(c => c.X), minY = centres.Min(c => c.Y), maxY = centres.Max(c => c.Y);
        static ulong Spread(uint v)
        {
            ulong x = v;
            x = (x | (x << 16)) & 0x0000FFFF0000FFFF;
            x = (x | (x << 8)) & 0x00FF00FF00FF00FF;
            x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0F;
            x = (x | (x << 2)) & 0x3333333333333333;
            return (x | (x << 1)) & 0x5555555555555555;
        }
        uint Scale(double v, double lo, double hi) => hi > lo ? (uint)((v - lo) / (hi - lo) * uint.MaxValue) : 0;
        var keys = centres.Select(c => Spread(Scale(c.X, minX, maxX) >> 16) | Spread(Scale(c.Y, minY, maxY) >> 16) << 1).ToArray();
        var order = Enumerable.Range(0, plots.Count).ToArray();
        Array.Sort(keys, order);
        return order;
    }

    /// <summary>One thread's handles and caches.</summary>
    private sealed class Worker(GdalRaster raster, RasterBand? clouds, CellRule rule, string? date, MeasureOptions options) : IDisposable
    {
        private readonly CoordinateTransform _transform = PlotProjection.ToRaster(raster);
        private readonly Dictionary<int, double> _rowAreas = [];
        private readonly string _crs = raster.Epsg ?? "custom CRS (see the raster's WKT)";
        private readonly int _bandRows = BandRows(raster, rule, options.BandRows);

        // Reused from band to band and plot to plot: a large plot allocates nothing per band.
        private readonly CoverageBuffers _coverage = new();
        private double[] _first = [];
        private double[] _second = [];
        private double[] _cloud = [];
        private sbyte[] _states = [];

        public PlotMeasurement Measure(PlotFeature plot)
        {
            var parts = PlotProjection.Parts(plot.Outline);
            var geodesic = parts.Sum(p => GeodesicArea.OfPolygon(p.Select(r => (IReadOnlyList<(double, double)>)r.Select(c => (c.X, c.Y)).ToList()).ToList()));
            var projected = PlotProjection.Project(_transform, plot.Id, parts);
            var planar = projected.Sum(p => p.Rings.Select((r, k) => (k == 0 ? 1 : -1) * Math.Abs(ExactCoverage.SignedArea(r))).Sum());
            var total = raster.IsGeographic ? geodesic : planar;
            double inside = 0, hidden = 0, measured = 0;
            if (ExactCoverage.Window(raster.Grid, projected) is { } range)
            {
                var end = range.FirstRow + range.Rows;
                // Bands start on block boundaries, so each block is decoded once per plot.
                for (var first = range.FirstRow; first < end; first = (first / _bandRows + 1) * _bandRows)
                {
                    var band = range with { FirstRow = first, Rows = Math.Min(end, (first / _bandRows + 1) * _bandRows) - first };
                    var window = ExactCoverage.Compute(raster.Grid, projected, band, _coverage);
                    var states = CellStates(window);
                    for (var r = 0; r < window.Rows; r++)
                    {
                        var cellArea = CellArea(window.FirstRow + r);
                        for (int c = 0, i = r * window.Columns; c < window.Columns; c++, i++)
                        {
                            var f = window.Fractions[i];
                            if (f == 0)
                                continue;
                            inside += f * cellArea;
                            if (states[i] == Hidden)
                                hidden += f * cellArea;
                            else if (states[i] == Meets)
                                measured += f * cellArea;
                        }
                    }
                }
            }
            var covered = total > 0 ? Math.Min(1, inside / total) : 0;
            var nodata = inside > 0 ? hidden / inside : 0;
            var quality = inside == 0 ? "outside-raster"
                : hidden >= inside ? "all-nodata (no cell under the plot can be seen)"
                : covered < 0.999 ? $"partly-outside-raster ({covered:P1} inside)"
                : nodata > options.MaxHiddenShare ? $"hidden ({nodata:P1} nodata or cloud, over {options.MaxHiddenShare:P0})"
                : "ok";
            return new PlotMeasurement(plot.Id, geodesic, measured, measured / AgriInsure.Domain.Area.SquareMetresPerMu, measured / AgriInsure.Domain.Area.SquareMetresPerHectare, covered, nodata, _crs, date, quality);
        }

        public void Dispose() => _transform.Dispose();

        private double CellArea(int row)
        {
            if (!raster.IsGeographic)
                return raster.Grid.CellArea;
            if (!_rowAreas.TryGetValue(row, out var area))
            {
                var g = raster.Grid;
                var (left, top) = (g.Left, g.RowTop(row));
                _rowAreas[row] = area = GeodesicArea.OfRing([(left, top), (left + g.CellWidth, top), (left + g.CellWidth, top - g.CellHeight), (left, top - g.CellHeight)]);
            }
            return area;
        }

        private const sbyte Fails = 0, Meets = 1, Hidden = -1;

        /// <summary>Per cell of the window: whether it meets the rule, or is hidden by nodata or cloud.</summary>
        private sbyte[] CellStates(CoverageWindow w)
        {
            var n = w.Rows * w.Columns;
            if (_states.Length < n)
                _states = new sbyte[n];
            double[] Read(int band, ref double[] buffer) => buffer = raster.ReadInto(band, w.FirstColumn, w.FirstRow, w.Columns, w.Rows, buffer);
            switch (rule)
            {
                case CellRule.BandAtLeast b:
                {
                    var v = Read(b.Band, ref _first);
                    for (var i = 0; i < n; i++)
                        _states[i] = double.IsNaN(v[i]) ? Hidden : v[i] >= b.Min ? Meets : Fails;
                    break;
                }
                case CellRule.BandInClasses b:
                {
                    var v = Read(b.Band, ref _first);
                    for (var i = 0; i < n; i++)
                        _states[i] = double.IsNaN(v[i]) ? Hidden : b.Classes.Contains((int)v[i]) ? Meets : Fails;
                    break;
                }
                case CellRule.NdviAtLeast ndvi:
                {
                    var red = Read(ndvi.Red, ref _first);
                    var nir = Read(ndvi.Nir, ref _second);
                    for (var i = 0; i < n; i++)
                    {
                        var sum = nir[i] + red[i];
                        _states[i] = double.IsNaN(sum) || sum == 0 ? Hidden : (nir[i] - red[i]) / sum >= ndvi.Min ? Meets : Fails;
                    }
                    break;
                }
            }
            if (clouds is not null)
            {
                var cloudy = clouds.Raster.ReadInto(clouds.Band, w.FirstColumn, w.FirstRow, w.Columns, w.Rows, _cloud);
                _cloud = cloudy;
                for (var i = 0; i < n; i++)
                {
                    if (RasterBand.IsCloud(cloudy[i]))
                        _states[i] = Hidden;
                }
            }
            return _states;
        }

        private static int BandRows(GdalRaster raster, CellRule rule, int wanted)
        {
            var band = rule switch
            {
                CellRule.BandAtLeast b => b.Band,
                CellRule.BandInClasses b => b.Band,
                CellRule.NdviAtLeast n => n.Red,
                _ => 1,
            };
            var blockRows = band >= 1 && band <= raster.Bands ? Math.Max(1, raster.BlockSize(band).Rows) : 1;
            return Math.Max(blockRows, wanted / blockRows * blockRows);
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Geodesy;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using NetTopologySuite.Geometries;

namespace AgriInsure.Imagery.Zonal;

/// <summary>One band of one raster at one acquisition.</summary>
public sealed record RasterBand(GdalRaster Raster, int Band)
{
    /// <summary>Origins and cell sizes closer than this share of a cell are the same grid: files written by
    /// different tools round a geotransform differently (1e-9 m is common), which is not a mismatch.</summary>
    public const double GridTolerance = 1e-3;

    /// <summary>Refuses a band that is not on <paramref name="reference"/>'s grid and CRS, naming what
    /// differs: resampling would blur the edges being measured.</summary>
    internal void RequireGridOf(GdalRaster reference)
    {
        // The CRS first: in another CRS the size and origin differ too, but only as a consequence.
        string?[] differences = [Raster.SameCrs(reference) ? null : $"CRS {Raster.Epsg ?? "custom"} vs {reference.Epsg ?? "custom"}", Raster.Grid.Mismatch(reference.Grid, GridTolerance)];
        if (differences.Any(d => d is not null))
            throw new RasterException(new RasterError(RasterError.GridMismatch, $"{Raster.Path} and {reference.Path} are not on the same grid: {string.Join("; ", differences.OfType<string>())}"));
    }

    /// <summary>A cloud-mask value hides the ground when it is non-zero or not valid.</summary>
    internal static bool IsCloud(double maskValue) => double.IsNaN(maskValue) || maskValue != 0;
}

/// <summary>Threads, row bands, progress and cancellation of a zonal run.</summary>
public sealed record ZonalOptions
{
    /// <summary>Threads, each with its own GDAL handles.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Rows read at once, rounded to whole blocks of the raster: bounds memory on large plots.</summary>
    public int BandRows { get; init; } = 256;

    /// <summary>Told the number of plots done so far, after each plot.</summary>
    public IProgress<int>? Progress { get; init; }

    public CancellationToken Cancellation { get; init; }
}

/// <summary>A plot's whole-plot figures, known before any cell is read.</summary>
/// <param name="AreaM2">Geodesic area of the whole plot on the WGS84 ellipsoid (m²).</param>
public sealed record ZonalPlot(PlotFeature Feature, double AreaM2);

/// <summary>Cells of one band of rows under one plot. Arrays are row-major over the window and valid only
/// during the call that receives them.</summary>
/// <param name="Fractions">Exact covered share of each cell, 0..1.</param>
/// <param name="CellAreas">Ground area of each cell on the WGS84 ellipsoid, m².</param>
/// <param name="Layers">Per layer of the operation, each cell's value with scale and offset applied; NaN
/// where GDAL's mask says the cell is not valid.</param>
public sealed record ZonalBlock(int FirstRow, int FirstColumn, int Rows, int Columns, double[] Fractions, double[] CellAreas, double[][] Layers);

/// <summary>An operation on the zonal processor (acreage, claims by map, season monitoring): which bands
/// it reads, and what it makes of each plot's cells.</summary>
public interface IZonalOperation<out TResult>
{
    /// <summary>The bands read, all on one grid; the first sets the grid.</summary>
    IReadOnlyList<RasterBand> Layers { get; }

    /// <summary>A fresh accumulator for one plot, used by one thread.</summary>
    IZonalAccumulator<TResult> Begin(ZonalPlot plot, PlotCells cells);
}

public interface IZonalAccumulator<out TResult>
{
    void Add(ZonalBlock block);

    /// <summary><paramref name="insideM2"/>: ground area of the part of the plot inside the raster.</summary>
    TResult End(double insideM2);
}

/// <summary>A plot as the processor sees it: its parts in the raster's CRS (shell then holes, as flat
/// x, y arrays) and the cells under its bounding box (null when it misses the raster).</summary>
public sealed record PlotCells(IReadOnlyList<PolygonRings> Parts, CellRange? Window);

/// <summary>The one zonal processor: plots are moved into the raster's CRS once, then each plot is read
/// in bands of whole raster blocks (memory depends on the band, not on the plot or the raster), its exact
/// coverage fractions and cell ground areas computed, and the operation handed the cells. Workers each
/// open their own GDAL handles. Modelled on exactextract's split of processor and operations.</summary>
public static class ZonalProcessor
{
    private const int RunLength = 64;

    /// <summary>Runs <paramref name="operation"/> over <paramref name="plots"/>; results in plot order.
    /// Errors: <see cref="RasterException"/> for layers on different grids (<see cref="RasterError.GridMismatch"/>),
    /// a plot that cannot be moved into the raster's CRS (<see cref="RasterError.BadCrs"/>), plots that
    /// all miss the raster but would fall inside it read as latitude, longitude
    /// (<see cref="RasterError.SwappedCoordinates"/>); <see cref="OperationCanceledException"/>.</summary>
    public static TResult[] Run<TResult>(IZonalOperation<TResult> operation, IReadOnlyList<PlotFeature> plots, ZonalOptions? options = null)
    {
        options ??= new ZonalOptions();
        var layers = operation.Layers;
        if (layers.Count == 0)
            throw new ArgumentException("an operation reads at least one band", nameof(operation));
        var reference = layers[0].Raster;
        foreach (var layer in layers.Skip(1))
            layer.RequireGridOf(reference);
        Gdal.SizeCache(layers.Sum(l => l.Raster.BlockBytes(l.Band)));
        var results = new TResult[plots.Count];
        var order = SpatialOrder(plots);
        var workers = Math.Clamp(options.Workers, 1, Math.Max(1, (plots.Count + RunLength - 1) / RunLength));
        var shares = new Shares((plots.Count + RunLength - 1) / RunLength, workers);
        var done = 0;
        var seen = 0;
        void Work(int index, IReadOnlyList<RasterBand> own)
        {
            using var worker = new Worker(own, options);
            // Each worker also moves its own plots into the raster's CRS, so that this runs in parallel too.
            for (var run = shares.Next(index); run >= 0; run = shares.Next(index))
            {
                for (var k = run * RunLength; k < Math.Min(plots.Count, (run + 1) * RunLength); k++)
                {
                    options.Cancellation.ThrowIfCancellationRequested();
                    var i = order[k];
                    var (cells, area) = worker.Project(plots[i]);
                    if (cells.Window is not null)
                        Volatile.Write(ref seen, 1);
                    results[i] = worker.Measure(operation, new ZonalPlot(plots[i], area), cells);
                    options.Progress?.Report(Interlocked.Increment(ref done));
                }
            }
        }
        Execute(layers, workers, Work);
        if (plots.Count > 0 && seen == 0 && PlotGeometry.LooksSwapped(reference, plots))
            throw new RasterException(new RasterError(RasterError.SwappedCoordinates,
                "every plot lies outside the raster, and read as latitude, longitude they fall inside it: the file gives latitude first, where GeoJSON is longitude, latitude (RFC 7946 §3.1.1)"));
        return results;
    }

    /// <summary>Runs <paramref name="work"/> (told its worker's index) on <paramref name="workers"/> threads:
    /// worker 0 on this thread with the caller's handles, which nothing else reads meanwhile, the others
    /// each with GDAL handles of their own. Worker 0 so starts at once, while the others open theirs (a
    /// dataset, and PROJ's database for each new thread's transforms: 40–50 ms on the 10,000-field case,
    /// when every worker waited for its own before the first plot).</summary>
    private static void Execute(IReadOnlyList<RasterBand> layers, int workers, Action<int, IReadOnlyList<RasterBand>> work)
    {
        var others = Enumerable.Range(1, workers - 1).Select(index => Task.Run(() =>
        {
            var opened = new Dictionary<GdalRaster, GdalRaster>();
            try
            {
                var own = layers.Select(l => l with { Raster = opened.TryGetValue(l.Raster, out var r) ? r : opened[l.Raster] = l.Raster.Reopen() }).ToList();
                work(index, own);
            }
            finally
            {
                foreach (var r in opened.Values)
                    r.Dispose();
            }
        })).ToArray();
        var failures = new List<Exception>();
        try
        {
            work(0, layers);
        }
        catch (Exception e)
        {
            failures.Add(e);
        }
        try
        {
            Task.WaitAll(others);
        }
        catch (AggregateException e)
        {
            failures.AddRange(e.InnerExceptions);
        }
        // The first failure as itself (a raster error, a cancellation, an output the operation could not
        // write), not wrapped: callers handle each kind.
        if (failures.Count > 0)
            ExceptionDispatchInfo.Capture(failures.FirstOrDefault(x => x is not OperationCanceledException) ?? failures[0]).Throw();
    }

    /// <summary>Where <paramref name="plot"/> falls on <paramref name="raster"/>: its parts in the raster's
    /// CRS, edges following geodesics, exactly as every operation covers them, and the cells under it.
    /// Errors: <see cref="RasterException"/> (<see cref="RasterError.BadCrs"/>).</summary>
    public static PlotCells Locate(GdalRaster raster, PlotFeature plot)
    {
        using var transform = PlotGeometry.ToRaster(raster);
        return PlotGeometry.Cells(raster, plot, transform, new ProjectionBuffers()).Cells;
    }

    /// <summary>Plot indices along a Z-order curve of their centres: neighbours are measured one after
    /// another, so the raster blocks one plot decoded are still in GDAL's cache for the next (on 10,000
    /// random fields over a 400 MB raster, most reads were cache misses in file order).</summary>
    private static int[] SpatialOrder(IReadOnlyList<PlotFeature> plots)
    {
        if (plots.Count == 0)
            return [];
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

    /// <summary>Runs of plots in spatial order, dealt out to workers. Each worker owns one contiguous share
    /// of the order and takes runs from its front; one whose share is done takes runs from the back of the
    /// largest share left, so that workers finish together. Dealing runs out alternately put two workers on
    /// neighbouring plots, each decoding the same blocks into its own dataset's cache: on the 10,000-field
    /// case two workers read 1,848 blocks from the file that way and 1,407 with a share each (one worker
    /// reads 1,765 of the raster's 1,600).</summary>
    private sealed class Shares
    {
        // Per share, the next run from the front (high 32 bits) and one past the last (low 32 bits): one
        // compare-and-swap moves either end.
        private readonly long[] _ends;

        public Shares(int runs, int workers)
        {
            _ends = new long[workers];
            for (var w = 0; w < workers; w++)
                _ends[w] = Pack((int)((long)runs * w / workers), (int)((long)runs * (w + 1) / workers));
        }

        /// <summary>The next run for worker <paramref name="index"/>, or −1 when every run is taken.</summary>
        public int Next(int index)
        {
            while (true)
            {
                var own = Volatile.Read(ref _ends[index]);
                var (front, back) = Unpack(own);
                if (front < back)
                {
                    if (Interlocked.CompareExchange(ref _ends[index], Pack(front + 1, back), own) == own)
                        return front;
                    continue;
                }
                var (victim, left) = (-1, 0);
                for (var w = 0; w < _ends.Length; w++)
                {
                    var (f, b) = Unpack(Volatile.Read(ref _ends[w]));
                    if (b - f > left)
                        (victim, left) = (w, b - f);
                }
                if (victim < 0)
                    return -1;
                var theirs = Volatile.Read(ref _ends[victim]);
                var (vf, vb) = Unpack(theirs);
                if (vf < vb && Interlocked.CompareExchange(ref _ends[victim], Pack(vf, vb - 1), theirs) == theirs)
                    return vb - 1;
            }
        }

        private static long Pack(int front, int back) => ((long)front << 32) | (uint)back;

        private static (int Front, int Back) Unpack(long ends) => ((int)(ends >> 32), (int)ends);
    }

    /// <summary>One thread's handles and buffers, reused from band to band and plot to plot.</summary>
    private sealed class Worker(IReadOnlyList<RasterBand> layers, ZonalOptions options) : IDisposable
    {
        private readonly GdalRaster _raster = layers[0].Raster;
        private readonly CellAreas _cellAreas = CellAreas.For(layers[0].Raster);
        private readonly int _blockRows = Math.Max(1, layers[0].Raster.BlockSize(layers[0].Band).Rows);
        private readonly int _bandRows = options.BandRows;
        private readonly CoverageBuffers _coverage = new();
        private readonly double[][] _values = new double[layers.Count][];
        private readonly CoordinateTransform _toRaster = PlotGeometry.ToRaster(layers[0].Raster);
        private readonly ProjectionBuffers _projection = new();
        private readonly int _subRows = SubRows(layers[0].Raster);
        private double[] _areas = [];
        private double[] _fractions = [];

        public (PlotCells Cells, double AreaM2) Project(PlotFeature plot) => PlotGeometry.Cells(_raster, plot, _toRaster, _projection);

        /// <summary>Coverage is exact in the grid's own plane, but on a longitude/latitude grid the ground
        /// under a cell thins towards the pole, by Δφ · tan φ from its southern edge to its northern one: a
        /// cell half covered along an east-west edge holds more or less than half its ground area. The error
        /// per such cell is at most an eighth of that, and falls with the square of the row height; so rows
        /// are split into k sub-rows where Δφ · tan φ exceeds 1e-5 (k = ⌈√(Δφ · tan φ / 1e-5)⌉, at most 32),
        /// each measured exactly. At 50° on a 0.0001° grid k = 1; on a 0.01° grid at 89.5° k = 15, which
        /// brings a wedge up to the pole from 4e-5 to within 1e-6 of its geodesic area.</summary>
        private static int SubRows(GdalRaster raster)
        {
            if (!raster.IsGeographic)
                return 1;
            var g = raster.Grid;
            var latitude = Math.Min(89.999, Math.Max(Math.Abs(g.Top), Math.Abs(g.Bottom)));
            var thinning = g.CellHeight * Math.PI / 180 * Math.Tan(latitude * Math.PI / 180);
            return (int)Math.Clamp(Math.Ceiling(Math.Sqrt(thinning / 1e-5)), 1, 32);
        }

        /// <summary>The window's fractions and the ground area of each cell's covered part (as fraction ×
        /// area, so operations need not know), from coverage on rows split <see cref="_subRows"/> ways;
        /// returns the window and the covered ground area.</summary>
        private (CoverageWindow Window, double Inside) Subdivided(IReadOnlyList<PolygonRings> parts, CellRange band)
        {
            var k = _subRows;
            var grid = _raster.Grid;
            var fine = new Grid(grid.Left, grid.Top, grid.CellWidth, grid.CellHeight / k, grid.Columns, grid.Rows * k);
            var sub = ExactCoverage.Compute(fine, parts, band with { FirstRow = band.FirstRow * k, Rows = band.Rows * k }, _coverage);
            var n = band.Rows * band.Columns;
            if (_fractions.Length < n)
            {
                var length = Buffers.Grown(_fractions.Length, n);
                (_fractions, _areas) = (new double[length], new double[length]);
            }
            double inside = 0;
            for (var r = 0; r < band.Rows; r++)
            {
                for (var c = 0; c < band.Columns; c++)
                {
                    double f = 0, ground = 0;
                    for (var j = 0; j < k; j++)
                    {
                        var part = sub.Fractions[(r * k + j) * band.Columns + c];
                        if (part == 0)
                            continue;
                        var row = (band.FirstRow + r) * k + j;
                        f += part;
                        ground += part * GeographicCellAreas.Of(fine.RowTop(row), fine.RowTop(row + 1), grid.CellWidth);
                    }
                    var i = r * band.Columns + c;
                    _fractions[i] = f / k;
                    _areas[i] = f > 0 ? ground / (f / k) : 0;
                    inside += ground;
                }
            }
            return (new CoverageWindow(band.FirstRow, band.FirstColumn, band.Rows, band.Columns, _fractions), inside);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public TResult Measure<TResult>(IZonalOperation<TResult> operation, ZonalPlot plot, PlotCells cells)
        {
            var accumulator = operation.Begin(plot, cells);
            double inside = 0;
            if (cells.Window is { } range)
            {
                var end = range.FirstRow + range.Rows;
                var rows = RowsPerBand(range.Columns);
                // Bands start on block boundaries, so each block is decoded once per plot.
                for (var first = range.FirstRow; first < end; first = (first / rows + 1) * rows)
                {
                    var band = range with { FirstRow = first, Rows = Math.Min(end, (first / rows + 1) * rows) - first };
                    CoverageWindow window;
                    if (_subRows > 1)
                    {
                        (window, var covered) = Subdivided(cells.Parts, band);
                        inside += covered;
                    }
                    else
                    {
                        window = ExactCoverage.Compute(_raster.Grid, cells.Parts, band, _coverage);
                        if (_areas.Length < window.Rows * window.Columns)
                            _areas = new double[Buffers.Grown(_areas.Length, window.Rows * window.Columns)];
                        inside += GroundAreas(window);
                    }
                    for (var l = 0; l < layers.Count; l++)
                        _values[l] = layers[l].Raster.ReadInto(layers[l].Band, window.FirstColumn, window.FirstRow, window.Columns, window.Rows, _values[l]);
                    accumulator.Add(new ZonalBlock(window.FirstRow, window.FirstColumn, window.Rows, window.Columns, window.Fractions, _areas, _values));
                }
            }
            return accumulator.End(inside);
        }

        /// <summary>Fills the ground area of every covered cell of the window (a star-shaped field leaves a
        /// third of its bounding box uncovered; those cells keep stale areas, which nobody reads as their
        /// fraction is 0) and returns the covered ground area.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private double GroundAreas(CoverageWindow window)
        {
            double inside = 0;
            var fractions = window.Fractions;
            for (var r = 0; r < window.Rows; r++)
            {
                var start = r * window.Columns;
                int first = 0, last = window.Columns - 1;
                while (first <= last && fractions[start + first] == 0)
                    first++;
                while (last >= first && fractions[start + last] == 0)
                    last--;
                if (first > last)
                    continue;
                var areas = _areas.AsSpan(start + first, last - first + 1);
                _cellAreas.Row(window.FirstRow + r, window.FirstColumn + first, areas);
                for (var c = 0; c < areas.Length; c++)
                    inside += fractions[start + first + c] * areas[c];
            }
            return inside;
        }

        public void Dispose()
        {
            _cellAreas.Dispose();
            _toRaster.Dispose();
        }

        /// <summary>Values held at once across all layers: with many layers (a season of 68 dates and their
        /// cloud masks) the band of rows shrinks, down to one block, so memory stays near 8 bytes × this.</summary>
        private const long ValueBudget = 4 << 20;

        /// <summary>Whole blocks of rows per band for a window this many columns wide.</summary>
        private int RowsPerBand(int columns)
        {
            var affordable = (int)Math.Min(int.MaxValue, ValueBudget / ((long)layers.Count * columns));
            return Math.Max(_blockRows, Math.Min(_bandRows, affordable) / _blockRows * _blockRows);
        }
    }
}

/// <summary>Plot outlines on the ellipsoid and in a raster's CRS.</summary>
internal static class PlotGeometry
{
    /// <summary>Each polygon of the outline as its shell followed by its holes.</summary>
    public static List<List<Coordinate[]>> Parts(Geometry outline)
    {
        var parts = new List<List<Coordinate[]>>(outline.NumGeometries);
        for (var i = 0; i < outline.NumGeometries; i++)
        {
            var polygon = (Polygon)outline.GetGeometryN(i);
            var rings = new List<Coordinate[]>(1 + polygon.NumInteriorRings) { polygon.ExteriorRing.Coordinates };
            for (var h = 0; h < polygon.NumInteriorRings; h++)
                rings.Add(polygon.GetInteriorRingN(h).Coordinates);
            parts.Add(rings);
        }
        return parts;
    }

    /// <summary>The plot in the raster's CRS, with the cells under it, and its geodesic area (m²). On a
    /// longitude/latitude raster each part is moved by whole turns (±360°) to where the grid is, so that
    /// grids in 0–360° or across 180° find fields given in −180–180°, and the two halves of a field split
    /// at the antimeridian land side by side. <paramref name="transform"/> (from <see cref="ToRaster"/>) and
    /// <paramref name="buffers"/>: used by one thread.</summary>
    public static (PlotCells Cells, double AreaM2) Cells(GdalRaster raster, PlotFeature plot, CoordinateTransform transform, ProjectionBuffers buffers)
    {
        var (parts, area) = Project(transform, plot.Id, Parts(plot.Outline), raster, buffers);
        return (Cells(raster, parts), area);
    }

    /// <summary>True when the plots read as latitude, longitude would reach the raster.</summary>
    public static bool LooksSwapped(GdalRaster raster, IReadOnlyList<PlotFeature> plots)
    {
        using var transform = ToRaster(raster);
        var buffers = new ProjectionBuffers();
        foreach (var plot in plots)
        {
            var swapped = Parts(plot.Outline).Select(part => part.Select(ring => ring.Select(c => new Coordinate(c.Y, c.X)).ToArray()).ToList()).ToList();
            if (swapped.Any(part => part.Any(ring => ring.Any(c => Math.Abs(c.Y) > 90))))
                continue;
            try
            {
                if (Cells(raster, Project(transform, plot.Id, swapped, raster, buffers).Parts).Window is not null)
                    return true;
            }
            catch (RasterException)
            {
                // A swapped point outside the raster CRS's domain: that plot says nothing.
            }
        }
        return false;
    }

    private static PlotCells Cells(GdalRaster raster, List<PolygonRings> parts) => new(parts, ExactCoverage.Window(raster.Grid, parts));

    private static (List<PolygonRings> Parts, double AreaM2) Project(CoordinateTransform transform, string id, List<List<Coordinate[]>> parts, GdalRaster raster, ProjectionBuffers buffers)
    {
        var projected = new List<PolygonRings>(parts.Count);
        double total = 0;
        foreach (var part in parts)
        {
            var (area, perimeter) = GeodesicArea.Measure(buffers.LonLatOf(part[0]));
            total += area;
            for (var h = 1; h < part.Count; h++)
                total -= GeodesicArea.Measure(buffers.LonLatOf(part[h])).Area;
            // Chord-to-arc slivers of at most this many metres keep the coverage polygon's area within about
            // 1e-7 of the geodesic one: each sliver is about ⅔ · length · bend, summed along the perimeter.
            var tolerance = perimeter > 0 ? 1e-7 * area / perimeter : 0;
            var rings = new List<double[]>(part.Count);
            foreach (var ring in part)
                rings.Add(FollowGeodesics(ring, transform, id, raster.IsGeographic, tolerance, buffers));
            if (raster.IsGeographic)
                WrapToGrid(rings, raster.Grid);
            projected.Add(new PolygonRings(rings));
        }
        return (projected, total);
    }

    /// <summary>A closed WGS84 ring in the raster's CRS, its edges following geodesics: an edge is a
    /// geodesic on the ellipsoid (as <see cref="GeodesicArea"/> measures the plot), and its image in the
    /// raster's CRS bends away from the straight chord (by about L² · tan φ / 8R on a longitude/latitude
    /// grid: 2.4 cm on a 1 km east-west edge at 50°). Where the image of a piece's geodesic midpoint lies
    /// more than <paramref name="tolerance"/> metres from the chord's midpoint, the piece is cut into
    /// √(bend / tolerance) pieces (at least two) at points along the geodesic, and the new pieces are
    /// checked again, round after round, so that the rule holds even where the bend does not fall with
    /// the square of the length (near a pole). Projections of small curvature (UTM, Gauss-Krüger) rarely
    /// cut anything.</summary>
    private static double[] FollowGeodesics(Coordinate[] ring, CoordinateTransform transform, string id, bool geographic, double tolerance, ProjectionBuffers buffers)
    {
        void Transform(Span<double> points)
        {
            if (!transform.TryTransform(points, out var error))
                throw new RasterException(error with { Reason = $"plot {id}: {error.Reason}" });
        }
        var xy = new double[2 * ring.Length];
        for (var i = 0; i < ring.Length; i++)
            (xy[2 * i], xy[2 * i + 1]) = (ring[i].X, ring[i].Y);
        Transform(xy);
        if (ring.Length < 2 || tolerance <= 0)
            return xy;
        // The ring on the ellipsoid and in the raster's CRS, and the pieces (by start index) yet to be checked.
        var (lonLat, projected) = (buffers.LonLat, buffers.Projected);
        var (nextLonLat, nextProjected) = (buffers.NextLonLat, buffers.NextProjected);
        lonLat.Clear();
        projected.Clear();
        for (var i = 0; i < ring.Length; i++)
        {
            lonLat.Add((ring[i].X, ring[i].Y));
            projected.Add((xy[2 * i], xy[2 * i + 1]));
        }
        var open = buffers.Open;
        open.Clear();
        for (var i = 0; i < ring.Length - 1; i++)
            open.Add(i);
        var cuts = buffers.Cuts;
        var cutAny = false;
        for (var round = 0; round < 8 && open.Count > 0; round++)
        {
            var geodesics = buffers.Geodesics(open.Count);
            var middles = buffers.Middles(2 * open.Count);
            for (var k = 0; k < open.Count; k++)
            {
                var (a, b) = (lonLat[open[k]], lonLat[open[k] + 1]);
                geodesics[k] = GeodesicArea.Inverse(a.Lon, a.Lat, b.Lon, b.Lat);
                (middles[2 * k], middles[2 * k + 1]) = GeodesicArea.Direct(a.Lon, a.Lat, geodesics[k].Azimuth, geodesics[k].Length / 2);
            }
            Transform(middles);
            // Each cut as the index of the piece it cuts and how many of the points (lon, lat pairs, then
            // their images in place) are its.
            cuts.Clear();
            var points = 0;
            for (var k = 0; k < open.Count; k++)
            {
                var i = open[k];
                var bend = Bend(lonLat[i], projected[i], projected[i + 1], (middles[2 * k], middles[2 * k + 1]), geodesics[k].Length, geographic);
                if (bend <= tolerance)
                    continue;
                var pieces = (int)Math.Min(4096, Math.Max(2, Math.Ceiling(Math.Sqrt(bend / tolerance))));
                var cut = buffers.Points(2 * (points + pieces - 1));
                for (var j = 1; j < pieces; j++, points++)
                    (cut[2 * points], cut[2 * points + 1]) = GeodesicArea.Direct(lonLat[i].Lon, lonLat[i].Lat, geodesics[k].Azimuth, geodesics[k].Length * j / pieces);
                cuts.Add((i, pieces - 1));
            }
            if (cuts.Count == 0)
                break;
            cutAny = true;
            var lonLats = buffers.Points(2 * points);
            var images = buffers.Images(2 * points);
            lonLats.CopyTo(images);
            Transform(images);
            // The ring again with each cut's points after its start (cuts are in ring order), and the new
            // pieces to check next round at their new indices.
            nextLonLat.Clear();
            nextProjected.Clear();
            open.Clear();
            var (c, offset) = (0, 0);
            for (var i = 0; i < lonLat.Count; i++)
            {
                nextLonLat.Add(lonLat[i]);
                nextProjected.Add(projected[i]);
                if (c == cuts.Count || cuts[c].Index != i)
                    continue;
                open.Add(nextLonLat.Count - 1);
                for (var j = 0; j < cuts[c].Points; j++, offset += 2)
                {
                    open.Add(nextLonLat.Count);
                    nextLonLat.Add((lonLats[offset], lonLats[offset + 1]));
                    nextProjected.Add((images[offset], images[offset + 1]));
                }
                c++;
            }
            (lonLat, nextLonLat) = (nextLonLat, lonLat);
            (projected, nextProjected) = (nextProjected, projected);
        }
        if (!cutAny)
            return xy;
        var result = new double[2 * projected.Count];
        for (var i = 0; i < projected.Count; i++)
            (result[2 * i], result[2 * i + 1]) = projected[i];
        return result;
    }

    /// <summary>How far (m on the ground) the image of a geodesic's midpoint lies from its chord's midpoint.</summary>
    private static double Bend((double Lon, double Lat) start, (double X, double Y) a, (double X, double Y) b, (double X, double Y) middle, double length, bool geographic)
    {
        var (dx, dy) = (middle.X - (a.X + b.X) / 2, middle.Y - (a.Y + b.Y) / 2);
        if (geographic)
        {
            var (m, n) = CellAreas.Radii(start.Lat);
            return Math.Sqrt(Math.Pow(dx * n * Math.Cos(start.Lat * Math.PI / 180) * Math.PI / 180, 2) + Math.Pow(dy * m * Math.PI / 180, 2));
        }
        var chord = Math.Sqrt((b.X - a.X) * (b.X - a.X) + (b.Y - a.Y) * (b.Y - a.Y));
        return chord > 0 ? Math.Sqrt(dx * dx + dy * dy) * length / chord : 0;
    }

    private static void WrapToGrid(List<double[]> rings, Grid grid)
    {
        var shell = rings[0];
        double min = double.MaxValue, max = double.MinValue;
        for (var i = 0; i < shell.Length; i += 2)
            (min, max) = (Math.Min(min, shell[i]), Math.Max(max, shell[i]));
        var turns = Math.Round(((grid.Left + grid.Right) / 2 - (min + max) / 2) / 360);
        if (turns == 0)
            return;
        foreach (var ring in rings)
        {
            for (var i = 0; i < ring.Length; i += 2)
                ring[i] += turns * 360;
        }
    }

    public static CoordinateTransform ToRaster(GdalRaster raster) =>
        CoordinateTransform.TryCreate("EPSG:4326", raster.ProjectionWkt, out var transform, out var error) ? transform : throw new RasterException(error);
}

/// <summary>Lists and arrays one thread reuses from plot to plot while moving plots into a raster's CRS,
/// which <see cref="PlotGeometry"/> would otherwise allocate anew for every ring: on the 10,000-field case
/// that was 4 kB a plot, two thirds of all the measure allocated, and it set off most of its collections.</summary>
internal sealed class ProjectionBuffers
{
    private readonly List<(double Longitude, double Latitude)> _ring = [];
    private (double Length, double Azimuth)[] _geodesics = [];
    private double[] _middles = [];
    private double[] _points = [];
    private double[] _images = [];

    public List<(double Lon, double Lat)> LonLat { get; } = [];
    public List<(double Lon, double Lat)> NextLonLat { get; } = [];
    public List<(double X, double Y)> Projected { get; } = [];
    public List<(double X, double Y)> NextProjected { get; } = [];
    public List<int> Open { get; } = [];
    public List<(int Index, int Points)> Cuts { get; } = [];

    /// <summary>The ring as longitude, latitude pairs, valid until the next call.</summary>
    public IReadOnlyList<(double Longitude, double Latitude)> LonLatOf(Coordinate[] ring)
    {
        _ring.Clear();
        foreach (var c in ring)
            _ring.Add((c.X, c.Y));
        return _ring;
    }

    public Span<(double Length, double Azimuth)> Geodesics(int count) => Sized(ref _geodesics, count);

    public Span<double> Middles(int count) => Sized(ref _middles, count);

    /// <summary>The first <paramref name="count"/> cut points' coordinates: what was written before a
    /// call is kept when it grows.</summary>
    public Span<double> Points(int count) => Sized(ref _points, count);

    public Span<double> Images(int count) => Sized(ref _images, count);

    private static Span<T> Sized<T>(ref T[] array, int count)
    {
        if (array.Length < count)
            Array.Resize(ref array, Math.Max(count, 2 * array.Length));
        return array.AsSpan(0, count);
    }
}

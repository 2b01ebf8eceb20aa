using System.Runtime.CompilerServices;
using AgriInsure.Domain;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rendering;
using AgriInsure.Imagery.Zonal;

namespace AgriInsure.Imagery.Plots;

/// <summary>The terms a claim by map is assessed on.</summary>
/// <param name="Drop">NDVI fall (before − after) from which a cell counts as damaged, in (0, 2].</param>
/// <param name="Deductible">Share of the plot's damage the farmer bears, in [0, 1).</param>
/// <param name="MaxHiddenShare">The most of a plot that may be hidden or invalid in either image.</param>
public sealed record ClaimTerms(double Drop, Money SumInsured, decimal Deductible, double MaxHiddenShare)
{
    /// <summary>Checked terms, or the field that is wrong and why.</summary>
    public static Result<ClaimTerms> Create(double drop, Money sumInsured, decimal deductible, double maxHiddenShare = 0.2)
    {
        if (!(drop > 0 && drop <= 2))
            return Result<ClaimTerms>.Fail("drop", $"{drop} is not an NDVI fall in (0, 2]: NDVI lies in [−1, 1]");
        if (!sumInsured.IsPositive)
            return Result<ClaimTerms>.Fail("sumInsured", "must be positive");
        if (deductible is < 0 or >= 1)
            return Result<ClaimTerms>.Fail("deductible", $"{deductible} is not a share in [0, 1)");
        if (!(maxHiddenShare is >= 0 and <= 1))
            return Result<ClaimTerms>.Fail("maxHiddenShare", $"{maxHiddenShare} is not a share in [0, 1]");
        return Result<ClaimTerms>.Ok(new ClaimTerms(drop, sumInsured, deductible, maxHiddenShare));
    }
}

/// <summary>The decision for one plot. Areas are ground areas on the WGS84 ellipsoid; shares are of the
/// whole plot. A plot partly outside the images, or hidden over the allowed share, is not paid from the
/// map: <see cref="Quality"/> says why and the indemnity is 0 until a full, clear image is found.</summary>
/// <param name="PlotM2">Geodesic area of the whole plot (m²).</param>
/// <param name="CoveredFraction">Share of the plot inside the images.</param>
/// <param name="DamagedM2">Ground area of the cells whose NDVI fell by at least the drop.</param>
/// <param name="DamageFraction">DamagedM2 over PlotM2.</param>
/// <param name="NodataFraction">Share hidden by nodata, masks or cloud in either image.</param>
/// <param name="InvalidFraction">Share with an NDVI outside [−1, 1] in either image.</param>
public sealed record ClaimAssessment(string Id, double PlotM2, double CoveredFraction, double DamagedM2, double DamageFraction, Money Indemnity,
    double NodataFraction, double InvalidFraction, PlotQuality Quality, string Note);

/// <summary>A plot's cells as the claims map draws them, row-major from the window's north-west corner,
/// each map cell standing for Factor × Factor raster cells (1 unless the plot is over
/// <see cref="ClaimByMap.MapCells"/> cells a side).</summary>
/// <param name="Cells">Per map cell; invalid values count as hidden. A downsampled map cell takes the most
/// telling of its cells (damaged, then hidden, then clear).</param>
/// <param name="Outline">The plot's rings in map cell units from the window's north-west corner.</param>
/// <param name="MaxHiddenShare">The most of the plot the terms let be hidden or invalid (<see cref="ClaimTerms.MaxHiddenShare"/>),
/// so the map can say why a plot needs a clearer image in its own words.</param>
public sealed record ClaimMapWindow(ClaimAssessment Assessment, int FirstRow, int FirstColumn, int Columns, int Rows, int Factor, float[] Before, float[] After, MapCell[] Cells,
    IReadOnlyList<IReadOnlyList<(double Column, double Row)>> Outline, double MaxHiddenShare);

/// <summary>A crop loss verified by map, an operation on the <see cref="ZonalProcessor"/>: cells whose NDVI
/// fell by at least the drop between the pre- and post-event images, weighted by exact coverage and
/// ground area. Indemnity = sum insured × max(0, damage share of the whole plot − deductible). The images
/// (and cloud masks) must be on one grid: resampling one onto the other would blur the very edges being
/// measured, so it is refused rather than done silently.</summary>
public static class ClaimByMap
{
    /// <summary>Map windows wider or taller than this many cells are downsampled by a whole factor.</summary>
    public const int MapCells = 1024;

    /// <summary><paramref name="cloudsBefore"/>/<paramref name="cloudsAfter"/>: optional masks on the same
    /// grid, non-zero where a cloud hides the ground; such cells count as hidden, never as damage.
    /// <paramref name="map"/>: when given, called once per plot (on a worker thread) with its map window.</summary>
    public static IReadOnlyList<ClaimAssessment> Assess(RasterBand before, RasterBand after, IReadOnlyList<PlotFeature> plots, ClaimTerms terms,
        RasterBand? cloudsBefore = null, RasterBand? cloudsAfter = null, Action<ClaimMapWindow>? map = null, ZonalOptions? options = null) =>
        ZonalProcessor.Run(new Operation(before, after, cloudsBefore, cloudsAfter, terms, map), plots, options);

    private sealed class Operation(RasterBand before, RasterBand after, RasterBand? cloudsBefore, RasterBand? cloudsAfter, ClaimTerms terms, Action<ClaimMapWindow>? map)
        : IZonalOperation<ClaimAssessment>
    {
        private readonly bool _cloudsBefore = cloudsBefore is not null, _cloudsAfter = cloudsAfter is not null;
        private readonly ClaimTerms _terms = terms;
        private readonly Action<ClaimMapWindow>? _map = map;
        private readonly Grid _grid = after.Raster.Grid;

        public IReadOnlyList<RasterBand> Layers { get; } = new[] { after, before, cloudsBefore, cloudsAfter }.OfType<RasterBand>().ToList();

        public IZonalAccumulator<ClaimAssessment> Begin(ZonalPlot plot, PlotCells cells) => new Accumulator(this, plot, cells);

        private sealed class Accumulator : IZonalAccumulator<ClaimAssessment>
        {
            private readonly Operation _op;
            private readonly ZonalPlot _plot;
            private readonly PlotCells _cells;
            private readonly MapBuilder? _map;
            private double _damaged, _hidden, _invalid;

            public Accumulator(Operation op, ZonalPlot plot, PlotCells cells)
            {
                (_op, _plot, _cells) = (op, plot, cells);
                if (op._map is not null && cells.Window is { } w)
                    _map = new MapBuilder(w, op._grid, cells.Parts);
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public void Add(ZonalBlock block)
            {
                var post = block.Layers[0];
                var pre = block.Layers[1];
                var k = 2;
                var cloudPre = !_op._cloudsBefore ? null : block.Layers[k++];
                var cloudPost = !_op._cloudsAfter ? null : block.Layers[k];
                var n = block.Rows * block.Columns;
                for (var i = 0; i < n; i++)
                {
                    var f = block.Fractions[i];
                    if (f == 0)
                    {
                        // Cells around the plot are drawn for context, never assessed.
                        _map?.Set(block.FirstRow + i / block.Columns, block.FirstColumn + i % block.Columns, MapCell.Outside, pre[i], post[i]);
                        continue;
                    }
                    var a = f * block.CellAreas[i];
                    MapCell state;
                    if (double.IsNaN(pre[i]) || double.IsNaN(post[i]) || (cloudPre is not null && RasterBand.IsCloud(cloudPre[i])) || (cloudPost is not null && RasterBand.IsCloud(cloudPost[i])))
                    {
                        _hidden += a;
                        state = MapCell.Hidden;
                    }
                    else if (!Ndvi.IsValid(pre[i]) || !Ndvi.IsValid(post[i]))
                    {
                        _invalid += a;
                        state = MapCell.Hidden;
                    }
                    else if (pre[i] - post[i] >= _op._terms.Drop)
                    {
                        _damaged += a;
                        state = MapCell.Damaged;
                    }
                    else
                    {
                        state = MapCell.Clear;
                    }
                    _map?.Set(block.FirstRow + i / block.Columns, block.FirstColumn + i % block.Columns, state, pre[i], post[i]);
                }
            }

            public ClaimAssessment End(double insideM2)
            {
                var whole = _plot.AreaM2;
                double Share(double m2) => whole > 0 ? Math.Min(1, m2 / whole) : 0;
                var (inside, hidden, invalid, damage) = (Share(insideM2), Share(_hidden), Share(_invalid), Share(_damaged));
                var terms = _op._terms;
                var quality = PlotQualities.Judge(inside, hidden + invalid, terms.MaxHiddenShare);
                // The damage share is of the whole plot, and only a whole, clear plot is paid from the map.
                var indemnity = quality == PlotQuality.Ok ? CropIndemnity.Compute(terms.SumInsured, damage, terms.Deductible) : Money.Zero(terms.SumInsured.Currency);
                var assessment = new ClaimAssessment(_plot.Feature.Id, whole, inside, _damaged, damage, indemnity, hidden, invalid, quality,
                    PlotQualities.Explain(quality, inside, hidden + invalid, terms.MaxHiddenShare));
                if (_map is not null)
                    _op._map?.Invoke(_map.Build(assessment, _cells, terms.MaxHiddenShare));
                return assessment;
            }
        }
    }

    /// <summary>Raster cells of a plot's whole box (past the raster's edge) at most, for the map to show
    /// the part of a plot the images miss; larger boxes are drawn clipped to the raster.</summary>
    private const long BeyondEdgeCells = 1 << 20;

    /// <summary>The map window of one plot, at most <see cref="MapCells"/> cells a side. Where the plot
    /// reaches past the raster (and its box is not huge), the window takes in its whole box, and the part
    /// the images miss is drawn as hidden: not assessed, and plainly so.</summary>
    private sealed class MapBuilder
    {
        private readonly CellRange _window;
        private readonly Grid _grid;
        private readonly IReadOnlyList<PolygonRings> _parts;
        private readonly int _factor, _columns, _rows;
        private readonly double[] _before, _after;
        private readonly int[] _counts;
        private readonly MapCell[] _cells;

        public MapBuilder(CellRange inside, Grid grid, IReadOnlyList<PolygonRings> parts)
        {
            var window = ExactCoverage.Bounds(grid, parts) is { } box && box != inside && box.Cells <= BeyondEdgeCells ? box : inside;
            (_window, _grid, _parts) = (window, grid, parts);
            _factor = Math.Max(1, (Math.Max(window.Columns, window.Rows) + MapCells - 1) / MapCells);
            _columns = (window.Columns + _factor - 1) / _factor;
            _rows = (window.Rows + _factor - 1) / _factor;
            var n = _columns * _rows;
            (_before, _after, _counts, _cells) = (new double[n], new double[n], new int[n], new MapCell[n]);
        }

        public void Set(int row, int column, MapCell state, double before, double after)
        {
            var i = (row - _window.FirstRow) / _factor * _columns + (column - _window.FirstColumn) / _factor;
            if (Rank(state) > Rank(_cells[i]))
                _cells[i] = state;
            if (!double.IsNaN(before) && !double.IsNaN(after))
            {
                _before[i] += before;
                _after[i] += after;
                _counts[i]++;
            }
        }

        /// <summary>Cells of the plot past the raster's edge count as hidden on the map.</summary>
        private void MarkBeyondEdge()
        {
            var w = _window;
            if (w.FirstRow >= 0 && w.FirstColumn >= 0 && w.FirstRow + w.Rows <= _grid.Rows && w.FirstColumn + w.Columns <= _grid.Columns)
                return;
            var coverage = ExactCoverage.Compute(_grid, _parts, w);
            for (var r = 0; r < w.Rows; r++)
            {
                var row = w.FirstRow + r;
                for (var c = 0; c < w.Columns; c++)
                {
                    var column = w.FirstColumn + c;
                    var beyond = row < 0 || column < 0 || row >= _grid.Rows || column >= _grid.Columns;
                    if (beyond && coverage.Fractions[r * w.Columns + c] > 0)
                    {
                        var i = r / _factor * _columns + c / _factor;
                        if (Rank(MapCell.Hidden) > Rank(_cells[i]))
                            _cells[i] = MapCell.Hidden;
                    }
                }
            }
        }

        private static int Rank(MapCell state) => state switch { MapCell.Damaged => 3, MapCell.Hidden => 2, MapCell.Clear => 1, _ => 0 };

        public ClaimMapWindow Build(ClaimAssessment assessment, PlotCells cells, double maxHiddenShare)
        {
            MarkBeyondEdge();
            var n = _cells.Length;
            var before = new float[n];
            var after = new float[n];
            for (var i = 0; i < n; i++)
            {
                before[i] = _counts[i] > 0 ? (float)(_before[i] / _counts[i]) : float.NaN;
                after[i] = _counts[i] > 0 ? (float)(_after[i] / _counts[i]) : float.NaN;
            }
            return new ClaimMapWindow(assessment, _window.FirstRow, _window.FirstColumn, _columns, _rows, _factor, before, after, _cells, Outline(cells), maxHiddenShare);
        }

        /// <summary>The rings in map cell units: the grid's own cell units less the window's corner, over the factor.</summary>
        private List<IReadOnlyList<(double, double)>> Outline(PlotCells cells) =>
            cells.Parts.SelectMany(p => p.Rings).Select(ring => (IReadOnlyList<(double, double)>)Enumerable.Range(0, ring.Length / 2)
                .Select(i => (((ring[2 * i] - _grid.Left) / _grid.CellWidth - _window.FirstColumn) / _factor, ((_grid.Top - ring[2 * i + 1]) / _grid.CellHeight - _window.FirstRow) / _factor))
                .ToList()).ToList();
    }
}

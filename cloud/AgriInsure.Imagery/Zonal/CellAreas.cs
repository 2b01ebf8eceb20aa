using System.Runtime.CompilerServices;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rasters;

namespace AgriInsure.Imagery.Zonal;

/// <summary>The ground area of each cell of a raster on the WGS84 ellipsoid, in m², whatever the
/// raster's CRS and units: the one cell-area policy every zonal operation shares (exactextract keeps its
/// own in <c>raster_area.h</c>). Not thread-safe: each worker makes its own.</summary>
public abstract class CellAreas : IDisposable
{
    /// <summary>WGS84 (EPSG:7030): semi-major axis in metres and flattening.</summary>
    internal const double SemiMajor = 6_378_137.0;
    internal const double Flattening = 1 / 298.257223563;
    internal static readonly double E2 = Flattening * (2 - Flattening);

    /// <summary>WGS84's radii of curvature at <paramref name="latitude"/> (degrees), in metres: M along the
    /// meridian, N along the prime vertical; a small step of dφ north is M·dφ, of dλ east N·cos φ·dλ.</summary>
    internal static (double Meridian, double PrimeVertical) Radii(double latitude)
    {
        var s = Math.Sin(latitude * Math.PI / 180);
        var w2 = 1 - E2 * s * s;
        return (SemiMajor * (1 - E2) / (w2 * Math.Sqrt(w2)), SemiMajor / Math.Sqrt(w2));
    }

    /// <summary>The policy for <paramref name="raster"/>'s grid: exact per row for longitude/latitude grids,
    /// the projection's areal scale on a lattice for projected ones. Errors: <see cref="RasterException"/>
    /// (<see cref="RasterError.BadCrs"/>) when the CRS cannot be related to WGS84.</summary>
    public static CellAreas For(GdalRaster raster) =>
        raster.IsGeographic ? new GeographicCellAreas(raster.Grid) : new ProjectedCellAreas(raster.Grid, raster.ProjectionWkt);

    /// <summary>Fills <paramref name="areas"/> with the ground areas (m²) of the cells of row
    /// <paramref name="row"/> from column <paramref name="firstColumn"/> on, one per element.</summary>
    public abstract void Row(int row, int firstColumn, Span<double> areas);

    public virtual void Dispose()
    {
    }
}

/// <summary>Cells of a longitude/latitude grid are bounded by two meridians and two parallels, so each
/// row's area is exact in closed form: Δλ · (A(φ_top) − A(φ_bottom)), where A(φ) = b²/2 · (sin φ / (1 −
/// e² sin² φ) + artanh(e sin φ) / e) is the ellipsoid's area from the equator to latitude φ per radian of
/// longitude (Snyder, Map Projections — A Working Manual, USGS PP 1395, eq. 3-12 and 14-15). The grid's
/// own datum is taken as WGS84: a datum shift moves cells by metres, it does not scale them.</summary>
internal sealed class GeographicCellAreas(Grid grid) : CellAreas
{
    private readonly Dictionary<int, double> _rows = [];

    public override void Row(int row, int firstColumn, Span<double> areas)
    {
        if (!_rows.TryGetValue(row, out var area))
            _rows[row] = area = Of(grid.RowTop(row), grid.RowTop(row + 1), grid.CellWidth);
        areas.Fill(area);
    }

    /// <summary>Area in m² between latitudes <paramref name="north"/> and <paramref name="south"/> over
    /// <paramref name="widthDegrees"/> of longitude; latitudes past the poles are clamped to them.</summary>
    internal static double Of(double north, double south, double widthDegrees) =>
        Math.Abs(widthDegrees * Math.PI / 180 * (Zone(Math.Clamp(north, -90, 90)) - Zone(Math.Clamp(south, -90, 90))));

    private static double Zone(double latitude)
    {
        var s = Math.Sin(latitude * Math.PI / 180);
        var e = Math.Sqrt(E2);
        var b2 = SemiMajor * SemiMajor * (1 - E2);
        return b2 / 2 * (s / (1 - E2 * s * s) + Math.Atanh(e * s) / e);
    }
}

/// <summary>Cells of a projected grid: planar cell area (in the CRS's units, metres, feet or other) ×
/// g, where g = M·N·cos φ / |det J| is the ground area per unit² at that point: M and N are WGS84's radii
/// of curvature, J the Jacobian of the projection (x, y) by (λ, φ), taken by central differences through
/// the same coordinate operation the plots go through (so datum shifts and units are included). g is
/// computed exactly at the nodes of a lattice about <see cref="LatticeMetres"/> apart on the ground and
/// interpolated bilinearly to each cell's centre. Bilinear interpolation errs by at most L²/8 · |g''|;
/// for map projections g varies on the scale of the Earth's radius R, so the relative error is of order
/// (L/R)²: about 3e-8 at L = 1 km (the tests check 1e-7 in UTM, Web Mercator at 70°, a US state plane in
/// feet, Gauss-Krüger CGCS2000 and polar stereographic).</summary>
internal sealed class ProjectedCellAreas : CellAreas
{
    public const double LatticeMetres = 1000;

    /// <summary>The Jacobian's step in degrees: about 11 m, where rounding of metre-scale coordinates
    /// (1e-9 m) costs 1e-10 and the truncation of central differences 1e-12.</summary>
    private const double Step = 1e-4;

    private readonly Grid _grid;
    private readonly CoordinateTransform _toLonLat;
    private readonly CoordinateTransform _fromLonLat;
    private readonly int _spacing;
    /// <summary>Lattice rows by index, each node NaN until computed: one lookup per row of cells.</summary>
    private readonly Dictionary<int, double[]> _lattice = [];
    private readonly int _latticeColumns;
    private double[] _rowNodes = [];

    public ProjectedCellAreas(Grid grid, string wkt)
    {
        _grid = grid;
        if (!CoordinateTransform.TryCreate(wkt, "EPSG:4326", out var to, out var error))
            throw new RasterException(error);
        _toLonLat = to;
        if (!CoordinateTransform.TryCreate("EPSG:4326", wkt, out var from, out error))
        {
            to.Dispose();
            throw new RasterException(error);
        }
        _fromLonLat = from;
        try
        {
            var centre = Factor(grid.Left + grid.Columns * grid.CellWidth / 2, grid.Top - grid.Rows * grid.CellHeight / 2);
            _spacing = (int)Math.Clamp(Math.Round(LatticeMetres / Math.Sqrt(centre * grid.CellArea)), 1, 1 << 20);
            _latticeColumns = grid.Columns / _spacing + 2;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Cells between lattice nodes (for tests of the interpolation bound).</summary>
    internal int Spacing => _spacing;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Row(int row, int firstColumn, Span<double> areas)
    {
        var v = (row + 0.5) / _spacing;
        var j = (int)Math.Floor(v);
        var t = v - j;
        var firstNode = (int)Math.Floor((firstColumn + 0.5) / _spacing);
        var lastNode = (int)Math.Floor((firstColumn + areas.Length - 0.5) / _spacing) + 1;
        var count = lastNode - firstNode + 1;
        if (_rowNodes.Length < count)
            _rowNodes = new double[count];
        var (above, below) = (LatticeRow(j), LatticeRow(j + 1));
        var cell = _grid.CellArea;
        for (var k = 0; k < count; k++)
            _rowNodes[k] = cell * ((1 - t) * Node(above, firstNode + k, j) + t * Node(below, firstNode + k, j + 1));
        // Between two nodes the interpolation is linear in the column: one multiply-add per cell rather than
        // a division and a floor, as every cell under every plot passes through here.
        for (var c = 0; c < areas.Length;)
        {
            var node = (int)Math.Floor((firstColumn + c + 0.5) / _spacing);
            var (left, right) = (_rowNodes[node - firstNode], _rowNodes[node - firstNode + 1]);
            var slope = (right - left) / _spacing;
            var end = Math.Min(areas.Length, (node + 1) * _spacing - firstColumn);
            for (var offset = firstColumn + c + 0.5 - (double)node * _spacing; c < end; c++, offset++)
                areas[c] = left + slope * offset;
        }
    }

    private double[] LatticeRow(int j)
    {
        if (!_lattice.TryGetValue(j, out var row))
        {
            _lattice[j] = row = new double[_latticeColumns];
            Array.Fill(row, double.NaN);
        }
        return row;
    }

    /// <summary>Ground m² per CRS unit² at lattice node (i, j), <paramref name="row"/> being lattice row j.</summary>
    private double Node(double[] row, int i, int j)
    {
        // Nodes off the grid (a map's window may reach past it) are computed, not kept.
        if (i < 0 || i >= row.Length)
            return Factor(_grid.Left + (double)i * _spacing * _grid.CellWidth, _grid.Top - (double)j * _spacing * _grid.CellHeight);
        var g = row[i];
        if (double.IsNaN(g))
            row[i] = g = Factor(_grid.Left + (double)i * _spacing * _grid.CellWidth, _grid.Top - (double)j * _spacing * _grid.CellHeight);
        return g;
    }

    /// <summary>Ground m² per CRS unit² at (x, y) in the grid's CRS.</summary>
    internal double Factor(double x, double y)
    {
        // On the stack: a worker computes thousands of nodes, and garbage brings collections that stop all workers.
        Span<double> point = [x, y];
        if (!_toLonLat.TryTransform(point, out var error))
            throw new RasterException(error with { Reason = $"the ground area of cells near ({x}, {y}) cannot be computed: {error.Reason}" });
        var (lon, lat) = (point[0], Math.Clamp(point[1], -90 + 2 * Step, 90 - 2 * Step));
        Span<double> around = [lon + Step, lat, lon - Step, lat, lon, lat + Step, lon, lat - Step];
        if (!_fromLonLat.TryTransform(around, out error))
            throw new RasterException(error with { Reason = $"the ground area of cells near ({x}, {y}) cannot be computed: {error.Reason}" });
        var h = 2 * Step * Math.PI / 180;
        var dxdl = (around[0] - around[2]) / h;
        var dydl = (around[1] - around[3]) / h;
        var dxdp = (around[4] - around[6]) / h;
        var dydp = (around[5] - around[7]) / h;
        var det = Math.Abs(dxdl * dydp - dxdp * dydl);
        var (m, n) = Radii(lat);
        var g = m * n * Math.Cos(lat * Math.PI / 180) / det;
        return double.IsFinite(g) && g > 0
            ? g
            : throw new RasterException(new RasterError(RasterError.BadCrs, $"the ground area of cells near ({x}, {y}) cannot be computed: the projection is singular there"));
    }

    public override void Dispose()
    {
        _toLonLat.Dispose();
        _fromLonLat.Dispose();
    }
}

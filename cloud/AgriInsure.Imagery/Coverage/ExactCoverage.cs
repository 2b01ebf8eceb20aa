using System.Runtime.CompilerServices;
namespace AgriInsure.Imagery.Coverage;

/// <summary>A polygon as coordinate rings: the first is the shell, the rest are holes. Each ring is
/// x0, y0, x1, y1, … in the grid's CRS; closing the ring (repeating the first point) is optional.</summary>
public sealed record PolygonRings(IReadOnlyList<double[]> Rings);

/// <summary>A rectangle of cells: rows FirstRow … FirstRow + Rows − 1, likewise for columns.</summary>
public readonly record struct CellRange(int FirstRow, int FirstColumn, int Rows, int Columns)
{
    public long Cells => (long)Rows * Columns;
}

/// <summary>The exact share of each grid cell that a polygon covers: not centre sampling.
/// By Green's theorem the area of a region inside one cell is the boundary integral ∮ h(u) dv, where u, v
/// are column and row coordinates, h(u) = clamp(u − column, 0, 1) inside the cell's row and 0 outside it.
/// Each ring edge is cut where it crosses a row or column line; a piece inside column k adds its exact
/// trapezoid to cell k and its full height to every cell left of k (kept as a running sum per row). So the
/// work is one step per boundary crossing plus one addition per cell, as in exactextract, and no cell is
/// estimated from its centre. Σ fraction × cell area equals the polygon's planar area inside the grid, to
/// rounding.</summary>
public static class ExactCoverage
{
    public static CoverageWindow Compute(Grid grid, IReadOnlyList<PolygonRings> polygons) =>
        Window(grid, polygons) is { } range ? Compute(grid, polygons, range) : CoverageWindow.Empty;

    /// <summary>The cells under the polygons' bounding box, clipped to the grid; null when it misses the grid.</summary>
    public static CellRange? Window(Grid grid, IReadOnlyList<PolygonRings> polygons)
    {
        if (Bounds(grid, polygons) is not { } all)
            return null;
        var (c0, r0) = (Math.Max(0, all.FirstColumn), Math.Max(0, all.FirstRow));
        var c1 = Math.Min(grid.Columns - 1, all.FirstColumn + all.Columns - 1);
        var r1 = Math.Min(grid.Rows - 1, all.FirstRow + all.Rows - 1);
        return c0 > c1 || r0 > r1 ? null : new CellRange(r0, c0, r1 - r0 + 1, c1 - c0 + 1);
    }

    /// <summary>The cells under the polygons' bounding box in the grid's numbering, reaching past the grid
    /// where the polygons do (negative or beyond the last row or column); null for no points or a box
    /// too far out to number.</summary>
    public static CellRange? Bounds(Grid grid, IReadOnlyList<PolygonRings> polygons)
    {
        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        // Indexed rather than foreach: an interface's enumerator is an allocation, and this runs for every plot.
        for (var p = 0; p < polygons.Count; p++)
        {
            for (var r = 0; r < polygons[p].Rings.Count; r++)
            {
                var ring = polygons[p].Rings[r];
                for (var i = 0; i + 1 < ring.Length; i += 2)
                {
                    minX = Math.Min(minX, ring[i]);
                    maxX = Math.Max(maxX, ring[i]);
                    minY = Math.Min(minY, ring[i + 1]);
                    maxY = Math.Max(maxY, ring[i + 1]);
                }
            }
        }
        if (minX > maxX)
            return null;
        var (c0, c1) = (Math.Floor((minX - grid.Left) / grid.CellWidth), Math.Floor((maxX - grid.Left) / grid.CellWidth));
        var (r0, r1) = (Math.Floor((grid.Top - maxY) / grid.CellHeight), Math.Floor((grid.Top - minY) / grid.CellHeight));
        const double limit = int.MaxValue / 2;
        if (Math.Abs(c0) > limit || Math.Abs(c1) > limit || Math.Abs(r0) > limit || Math.Abs(r1) > limit || c1 - c0 + 1 > limit || r1 - r0 + 1 > limit)
            return null;
        return new CellRange((int)r0, (int)c0, (int)(r1 - r0 + 1), (int)(c1 - c0 + 1));
    }

    /// <summary>Fractions for the cells of <paramref name="range"/> only, so that a large polygon can be
    /// measured a band of rows at a time in bounded memory. With <paramref name="buffers"/> the window's
    /// fractions live in those arrays (longer than the window, valid until their next use), so that a
    /// thread measuring band after band allocates nothing per band.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static CoverageWindow Compute(Grid grid, IReadOnlyList<PolygonRings> polygons, CellRange range, CoverageBuffers? buffers = null)
    {
        var cells = (int)range.Cells;
        double[] partial, left;
        if (buffers is null)
        {
            (partial, left) = (new double[cells], new double[cells]);
        }
        else
        {
            (partial, left) = buffers.Take(cells);
        }
        // Indexed, as in Bounds: no enumerator allocated per band.
        for (var p = 0; p < polygons.Count; p++)
        {
            var polygon = polygons[p];
            for (var k = 0; k < polygon.Rings.Count; k++)
            {
                var ring = ToCellUnits(polygon.Rings[k], grid, buffers);
                var signed = PlanarArea(ring);
                if (ring.Length < 6 || signed == 0)
                    continue;
                // Shell counts positive and holes negative, whatever way each ring winds.
                var sign = (k == 0 ? 1 : -1) * Math.Sign(signed);
                var n = ring.Length / 2;
                for (var i = 0; i < n; i++)
                {
                    var j = (i + 1) % n;
                    Edge(ring[2 * i], ring[2 * i + 1], ring[2 * j], ring[2 * j + 1], sign, range, partial, left);
                }
            }
        }
        for (var r = 0; r < range.Rows; r++)
        {
            double run = 0;
            for (int c = 0, i = r * range.Columns; c < range.Columns; c++, i++)
            {
                run += left[i];
                partial[i] = Math.Clamp(partial[i] + run, 0, 1);
            }
        }
        return new CoverageWindow(range.FirstRow, range.FirstColumn, range.Rows, range.Columns, partial);
    }

    /// <summary>One edge from (ua, va) to (ub, vb) in cell units, cut at each row line inside the range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Edge(double ua, double va, double ub, double vb, int sign, CellRange range, double[] partial, double[] left)
    {
        if (va == vb)
            return;
        var (lo, hi) = va < vb ? (va, vb) : (vb, va);
        var first = Math.Max(range.FirstRow, (int)Math.Floor(lo));
        var last = Math.Min(range.FirstRow + range.Rows - 1, (int)Math.Ceiling(hi) - 1);
        var slope = (ub - ua) / (vb - va);
        for (var r = first; r <= last; r++)
        {
            var v0 = Math.Max(lo, r);
            var v1 = Math.Min(hi, r + 1.0);
            if (v1 <= v0)
                continue;
            // Walk the piece in the edge's own direction: the sign of dv carries its orientation.
            var (vs, ve) = va < vb ? (v0, v1) : (v1, v0);
            Row(At(vs), vs, At(ve), ve, sign, r - range.FirstRow, range, partial, left);
        }

        // The edge's own end points where the piece ends there, so that shared vertices meet exactly.
        double At(double v) => v == va ? ua : v == vb ? ub : ua + (v - va) * slope;
    }

    /// <summary>A piece inside one row, cut at each column line it crosses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row(double us, double vs, double ue, double ve, int sign, int row, CellRange range, double[] partial, double[] left)
    {
        var ks = (int)Math.Floor(us);
        var ke = (int)Math.Floor(ue);
        if (ks == ke || us == ue)
        {
            Piece(us, ue, ve - vs, ks, sign, row, range, partial, left);
            return;
        }
        var step = ke > ks ? 1 : -1;
        var dvdu = (ve - vs) / (ue - us);
        double u = us, v = vs;
        for (var k = ks; ; k += step)
        {
            var boundary = step > 0 ? k + 1.0 : k;
            var done = step > 0 ? ue <= boundary : ue >= boundary;
            var (un, vn) = done ? (ue, ve) : (boundary, vs + (boundary - us) * dvdu);
            Piece(u, un, vn - v, k, sign, row, range, partial, left);
            if (done)
                return;
            (u, v) = (un, vn);
        }
    }

    /// <summary>A piece inside column k: its trapezoid to cell k, its full height to every cell left of k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Piece(double u0, double u1, double dv, int k, int sign, int row, CellRange range, double[] partial, double[] left)
    {
        var c = k - range.FirstColumn;
        if (c < 0)
            return;
        var rowStart = row * range.Columns;
        left[rowStart] += sign * dv;
        if (c >= range.Columns)
            return;
        left[rowStart + c] -= sign * dv;
        partial[rowStart + c] += sign * ((u0 + u1) / 2 - k) * dv;
    }

    /// <summary>Shoelace area, positive for counter-clockwise rings. Coordinates are taken relative to the
    /// first vertex: with UTM eastings and northings in the millions the plain formula loses about
    /// a square centimetre per term to rounding, more than the 1e-9 this must keep.</summary>
    public static double SignedArea(IReadOnlyList<double> ring) => PlanarArea(ring is double[] array ? array : ring.ToArray());

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double PlanarArea(ReadOnlySpan<double> ring)
    {
        var n = ring.Length / 2;
        if (n < 3)
            return 0;
        double x0 = ring[0], y0 = ring[1], sum = 0;
        for (var i = 1; i < n - 1; i++)
        {
            double ax = ring[2 * i] - x0, ay = ring[2 * i + 1] - y0;
            double bx = ring[2 * i + 2] - x0, by = ring[2 * i + 3] - y0;
            sum += ax * by - bx * ay;
        }
        return sum / 2;
    }

    /// <summary>The ring, opened (no repeated closing point), in column and row units from the grid's corner;
    /// in <paramref name="buffers"/>' scratch when given.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Span<double> ToCellUnits(double[] ring, Grid grid, CoverageBuffers? buffers)
    {
        var n = ring.Length / 2;
        if (n >= 2 && ring[0] == ring[2 * n - 2] && ring[1] == ring[2 * n - 1])
            n--;
        var cells = buffers is null ? new double[2 * n] : buffers.Ring(2 * n);
        for (var i = 0; i < n; i++)
        {
            cells[2 * i] = (ring[2 * i] - grid.Left) / grid.CellWidth;
            cells[2 * i + 1] = (grid.Top - ring[2 * i + 1]) / grid.CellHeight;
        }
        return cells;
    }
}

/// <summary>The two arrays <see cref="ExactCoverage.Compute(Grid, IReadOnlyList{PolygonRings}, CellRange, CoverageBuffers?)"/>
/// works in, kept by one thread from call to call.</summary>
public sealed class CoverageBuffers
{
    private double[] _fractions = [];
    private double[] _left = [];
    private double[] _ring = [];

    internal Span<double> Ring(int length)
    {
        if (_ring.Length < length)
            _ring = new double[Buffers.Grown(_ring.Length, length)];
        return _ring.AsSpan(0, length);
    }

    internal (double[] Fractions, double[] Left) Take(int cells)
    {
        if (_fractions.Length < cells)
        {
            var length = Buffers.Grown(_fractions.Length, cells);
            (_fractions, _left) = (new double[length], new double[length]);
        }
        else
        {
            Array.Clear(_fractions, 0, cells);
            Array.Clear(_left, 0, cells);
        }
        return (_fractions, _left);
    }
}

/// <summary>How the scratch arrays a thread keeps from plot to plot grow.</summary>
internal static class Buffers
{
    /// <summary>The new length of a buffer of <paramref name="length"/> that must hold <paramref name="needed"/>:
    /// at least double, so that plots of ever larger windows (random sizes in random order) make a few
    /// arrays rather than one per new largest plot, which on the 10,000-field case was most of what the
    /// reads and coverage allocated, and every array a worker allocates brings the next collection nearer,
    /// which stops all workers.</summary>
    public static int Grown(int length, int needed) => (int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * length));
}

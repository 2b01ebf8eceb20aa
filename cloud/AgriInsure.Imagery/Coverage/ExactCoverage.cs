namespace AgriInsure.Imagery.Coverage;

/// <summary>A polygon as coordinate rings: the first is the shell, the rest are holes. Each ring is
/// x0, y0, x1, y1, … in the grid's CRS; closing the ring (repeating the first point) is optional.</summary>
public sealed record PolygonRings(IReadOnlyList<double[]> Rings);

/// <summary>The exact share of each grid cell that a polygon covers: not centre sampling. Each ring is
/// clipped to every row strip it crosses, then each strip piece to every cell of that row
/// (Sutherland–Hodgman against a rectangle, which keeps the area of a non-convex ring exact); the cell's
/// covered area is the shell's clipped area minus the holes'. Σ fraction × cell area therefore equals
/// the polygon's planar area inside the grid, to rounding.</summary>
public static class ExactCoverage
{
    public static CoverageWindow Compute(Grid grid, IReadOnlyList<PolygonRings> polygons)
    {
        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        foreach (var ring in polygons.SelectMany(p => p.Rings))
        {
            for (var i = 0; i + 1 < ring.Length; i += 2)
            {
                minX = Math.Min(minX, ring[i]);
                maxX = Math.Max(maxX, ring[i]);
                minY = Math.Min(minY, ring[i + 1]);
                maxY = Math.Max(maxY, ring[i + 1]);
            }
        }
        if (minX > maxX)
            return CoverageWindow.Empty;
        var c0 = Math.Max(0, (int)Math.Floor((minX - grid.Left) / grid.CellWidth));
        var c1 = Math.Min(grid.Columns - 1, (int)Math.Floor((maxX - grid.Left) / grid.CellWidth));
        var r0 = Math.Max(0, (int)Math.Floor((grid.Top - maxY) / grid.CellHeight));
        var r1 = Math.Min(grid.Rows - 1, (int)Math.Floor((grid.Top - minY) / grid.CellHeight));
        if (c0 > c1 || r0 > r1)
            return CoverageWindow.Empty;

        var rows = r1 - r0 + 1;
        var columns = c1 - c0 + 1;
        var area = new double[rows * columns];
        // Clip in coordinates relative to the grid's corner, which keeps the arithmetic at cell scale.
        var local = new Grid(0, 0, grid.CellWidth, grid.CellHeight, grid.Columns, grid.Rows);
        foreach (var polygon in polygons)
        {
            for (var k = 0; k < polygon.Rings.Count; k++)
            {
                var ring = Shift(Open(polygon.Rings[k]), grid);
                if (ring.Length < 6)
                    continue;
                // Shell counts positive and holes negative, whatever way each ring winds: the clipped
                // pieces are measured unsigned.
                if (SignedArea(ring) == 0)
                    continue;
                var sign = k == 0 ? 1 : -1;
                Accumulate(local, ring, sign, r0, r1, c0, c1, area);
            }
        }
        var fractions = new double[area.Length];
        for (var i = 0; i < area.Length; i++)
            fractions[i] = Math.Clamp(area[i] / grid.CellArea, 0, 1);
        return new CoverageWindow(r0, c0, rows, columns, fractions);
    }

    private static void Accumulate(Grid grid, double[] ring, int sign, int r0, int r1, int c0, int c1, double[] area)
    {
        var columns = c1 - c0 + 1;
        var strip = new List<double>(ring.Length + 16);
        var scratch = new List<double>(ring.Length + 16);
        var cell = new List<double>(64);
        for (var r = r0; r <= r1; r++)
        {
            var top = grid.RowTop(r);
            var bottom = top - grid.CellHeight;
            strip.Clear();
            strip.AddRange(ring);
            Clip(strip, scratch, axis: 1, bound: top, keepBelow: true);
            Clip(strip, scratch, axis: 1, bound: bottom, keepBelow: false);
            if (strip.Count < 6)
                continue;
            double sx0 = double.MaxValue, sx1 = double.MinValue;
            for (var i = 0; i < strip.Count; i += 2)
            {
                sx0 = Math.Min(sx0, strip[i]);
                sx1 = Math.Max(sx1, strip[i]);
            }
            var first = Math.Max(c0, (int)Math.Floor((sx0 - grid.Left) / grid.CellWidth));
            var last = Math.Min(c1, (int)Math.Floor((sx1 - grid.Left) / grid.CellWidth));
            for (var c = first; c <= last; c++)
            {
                var left = grid.ColumnLeft(c);
                cell.Clear();
                cell.AddRange(strip);
                Clip(cell, scratch, axis: 0, bound: left, keepBelow: false);
                Clip(cell, scratch, axis: 0, bound: left + grid.CellWidth, keepBelow: true);
                if (cell.Count >= 6)
                    area[(r - r0) * columns + (c - c0)] += sign * Math.Abs(SignedArea(cell));
            }
        }
    }

    /// <summary>One Sutherland–Hodgman pass against the half-plane coordinate[axis] ≤ bound (keepBelow)
    /// or ≥ bound, in place.</summary>
    private static void Clip(List<double> poly, List<double> scratch, int axis, double bound, bool keepBelow)
    {
        scratch.Clear();
        var n = poly.Count / 2;
        if (n == 0)
            return;
        for (var i = 0; i < n; i++)
        {
            var j = (i + 1) % n;
            double ax = poly[2 * i], ay = poly[2 * i + 1], bx = poly[2 * j], by = poly[2 * j + 1];
            var a = axis == 0 ? ax : ay;
            var b = axis == 0 ? bx : by;
            var aIn = keepBelow ? a <= bound : a >= bound;
            var bIn = keepBelow ? b <= bound : b >= bound;
            if (aIn)
            {
                scratch.Add(ax);
                scratch.Add(ay);
            }
            if (aIn != bIn)
            {
                var t = (bound - a) / (b - a);
                if (axis == 0)
                {
                    scratch.Add(bound);
                    scratch.Add(ay + t * (by - ay));
                }
                else
                {
                    scratch.Add(ax + t * (bx - ax));
                    scratch.Add(bound);
                }
            }
        }
        poly.Clear();
        poly.AddRange(scratch);
    }

    /// <summary>Shoelace area, positive for counter-clockwise rings. Coordinates are taken relative to the
    /// first vertex: with UTM eastings and northings in the millions the plain formula loses about
    /// a square centimetre per term to rounding, more than the 1e-9 this must keep.</summary>
    public static double SignedArea(IReadOnlyList<double> ring)
    {
        var n = ring.Count / 2;
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

    private static double[] Shift(double[] ring, Grid grid)
    {
        var shifted = new double[ring.Length];
        for (var i = 0; i < ring.Length; i += 2)
        {
            shifted[i] = ring[i] - grid.Left;
            shifted[i + 1] = ring[i + 1] - grid.Top;
        }
        return shifted;
    }

    private static double[] Open(double[] ring)
    {
        var n = ring.Length / 2;
        return n >= 2 && ring[0] == ring[2 * n - 2] && ring[1] == ring[2 * n - 1] ? ring[..(2 * n - 2)] : ring[..(2 * n)];
    }
}

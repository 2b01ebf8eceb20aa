using NetTopologySuite.Algorithm;
using NetTopologySuite.Geometries;

namespace AgriInsure.Imagery.Plots;

/// <summary>A quick proof that a hole-free polygon is valid, for the common small field: its shell is a
/// closed ring of at least three points not all on a line, and no two of its edges meet except neighbours
/// at their shared corner (no crossing, touching or overlap, no spike back along an edge). Orientation tests
/// are NetTopologySuite's robust ones. It only ever says "valid" or "not proven": anything it cannot prove
/// goes to <c>IsValidOp</c>, which also gives the reason, so a field is never accepted that IsValidOp would
/// refuse (a property test holds it to that). On 10,000 fields of 5–12 corners IsValidOp took 0.24–0.33 s,
/// mostly building its graphs for rings this small.</summary>
internal static class SimpleRing
{
    /// <summary>Rings with more corners go to IsValidOp (this test is quadratic in the corners).</summary>
    public const int MaxCorners = 256;

    public static bool ProvesValid(Polygon polygon)
    {
        if (polygon.NumInteriorRings > 0)
            return false;
        var seq = polygon.ExteriorRing.CoordinateSequence;
        var n = seq.Count;
        if (n < 4 || n > MaxCorners + 1 || !seq.GetCoordinate(0).Equals2D(seq.GetCoordinate(n - 1)))
            return false;
        // Repeated corners are harmless to IsValidOp but would read here as touching edges: not proven.
        var p = new Coordinate[n - 1];
        for (var i = 0; i < n - 1; i++)
        {
            p[i] = seq.GetCoordinate(i);
            if (i > 0 && p[i].Equals2D(p[i - 1]))
                return false;
        }
        var m = p.Length;
        if (m < 3 || p[m - 1].Equals2D(p[0]))
            return false;
        var turns = false;
        for (var i = 0; i < m; i++)
        {
            var (a, b, c) = (p[i], p[(i + 1) % m], p[(i + 2) % m]);
            var orientation = Orientation.Index(a, b, c);
            if (orientation != OrientationIndex.Collinear)
            {
                turns = true;
                continue;
            }
            // a, b, c on a line: a spike when c turns back over b towards a.
            if ((a.X - b.X) * (c.X - b.X) + (a.Y - b.Y) * (c.Y - b.Y) > 0)
                return false;
        }
        if (!turns)
            return false;
        for (var i = 0; i < m; i++)
        {
            var (a, b) = (p[i], p[(i + 1) % m]);
            for (var j = i + 2; j < m; j++)
            {
                if (i == 0 && j == m - 1)
                    continue;
                if (Meet(a, b, p[j], p[(j + 1) % m]))
                    return false;
            }
        }
        return true;
    }

    /// <summary>Whether segments ab and cd share any point (crossing, touching or overlapping).</summary>
    private static bool Meet(Coordinate a, Coordinate b, Coordinate c, Coordinate d)
    {
        if (Math.Max(a.X, b.X) < Math.Min(c.X, d.X) || Math.Max(c.X, d.X) < Math.Min(a.X, b.X)
            || Math.Max(a.Y, b.Y) < Math.Min(c.Y, d.Y) || Math.Max(c.Y, d.Y) < Math.Min(a.Y, b.Y))
            return false;
        var (o1, o2) = (Orientation.Index(a, b, c), Orientation.Index(a, b, d));
        var (o3, o4) = (Orientation.Index(c, d, a), Orientation.Index(c, d, b));
        // Any zero orientation with overlapping boxes is a touch or an overlap: not proven, IsValidOp decides.
        if (o1 == OrientationIndex.Collinear || o2 == OrientationIndex.Collinear || o3 == OrientationIndex.Collinear || o4 == OrientationIndex.Collinear)
            return true;
        return o1 != o2 && o3 != o4;
    }
}

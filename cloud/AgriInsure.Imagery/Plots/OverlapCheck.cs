using AgriInsure.Imagery.Geodesy;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace AgriInsure.Imagery.Plots;

/// <summary>A new plot that overlaps land already insured in the season, with the other plot, its policy
/// and the overlapping area measured on the ellipsoid.</summary>
public sealed record Overlap(string PlotId, string OtherPlotId, string? OtherPolicy, double OverlapM2, double ShareOfPlot);

/// <summary>Finds new plots that overlap insured ones by more than a tolerance, so the same land is not
/// insured twice. Insured outlines sit in an STR-tree; only plots whose envelopes meet are intersected.</summary>
public sealed class OverlapCheck
{
    private readonly STRtree<PlotFeature> _insured = new();

    public OverlapCheck(IEnumerable<PlotFeature> insured)
    {
        foreach (var plot in insured)
            _insured.Insert(plot.Outline.EnvelopeInternal, plot);
        _insured.Build();
    }

    /// <summary>Overlaps larger than <paramref name="toleranceShare"/> of the new plot's area (shared
    /// borders and digitising slivers stay below it).</summary>
    public IReadOnlyList<Overlap> Find(PlotFeature plot, double toleranceShare)
    {
        var area = Area(plot.Outline);
        var found = new List<Overlap>();
        foreach (var other in _insured.Query(plot.Outline.EnvelopeInternal))
        {
            if (!plot.Outline.Intersects(other.Outline))
                continue;
            var shared = Area(plot.Outline.Intersection(other.Outline));
            var share = area > 0 ? shared / area : 0;
            if (share > toleranceShare)
                found.Add(new Overlap(plot.Id, other.Id, other.Policy, shared, share));
        }
        return found.OrderByDescending(o => o.OverlapM2).ToList();
    }

    /// <summary>Geodesic area of the polygonal part of any geometry (an intersection may also hold lines and points).</summary>
    public static double Area(Geometry geometry)
    {
        double total = 0;
        for (var i = 0; i < geometry.NumGeometries; i++)
        {
            switch (geometry.GetGeometryN(i))
            {
                case Polygon p:
                    total += GeodesicArea.OfPolygon(new[] { p.ExteriorRing }.Concat(p.InteriorRings)
                        .Select(r => (IReadOnlyList<(double, double)>)r.Coordinates.Select(c => (c.X, c.Y)).ToList()).ToList());
                    break;
                case GeometryCollection nested:
                    total += Area(nested);
                    break;
            }
        }
        return total;
    }

    /// <summary>True when the two sets of plots lie apart but one of them, read as latitude, longitude,
    /// would fall where the other lies: a file written latitude first (RFC 7946 wants longitude first),
    /// which would otherwise pass the double-insurance check with no overlap found.</summary>
    public static bool LooksSwapped(IReadOnlyList<PlotFeature> plots, IReadOnlyList<PlotFeature> others)
    {
        static Envelope Around(IEnumerable<PlotFeature> ps)
        {
            var e = new Envelope();
            foreach (var p in ps)
                e.ExpandToInclude(p.Outline.EnvelopeInternal);
            return e;
        }
        static Envelope Swap(Envelope e) => new(e.MinY, e.MaxY, e.MinX, e.MaxX);
        if (plots.Count == 0 || others.Count == 0)
            return false;
        var (a, b) = (Around(plots), Around(others));
        return !a.Intersects(b) && (Swap(a).Intersects(b) || a.Intersects(Swap(b)));
    }
}

using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rasters;
using NetTopologySuite.Geometries;

namespace AgriInsure.Imagery.Plots;

/// <summary>Moves WGS84 plot outlines into a raster's CRS, part by part and ring by ring.</summary>
internal static class PlotProjection
{
    /// <summary>The <see cref="Parts"/> of plot <paramref name="id"/> in the transform's target CRS.</summary>
    public static List<PolygonRings> Project(CoordinateTransform transform, string id, List<List<Coordinate[]>> parts) =>
        parts.Select(part => new PolygonRings(part.Select(ring =>
        {
            var xy = ring.SelectMany(c => new[] { c.X, c.Y }).ToArray();
            return transform.TryTransform(xy, out var error) ? xy : throw new RasterException(error with { Reason = $"plot {id}: {error.Reason}" });
        }).ToList())).ToList();

    /// <summary>Each polygon of the outline as its shell followed by its holes.</summary>
    public static List<List<Coordinate[]>> Parts(Geometry outline) =>
        Enumerable.Range(0, outline.NumGeometries)
            .Select(i => (Polygon)outline.GetGeometryN(i))
            .Select(p => new[] { p.ExteriorRing.Coordinates }.Concat(p.InteriorRings.Select(h => h.Coordinates)).ToList())
            .ToList();

    public static CoordinateTransform ToRaster(GdalRaster raster) =>
        CoordinateTransform.TryCreate("EPSG:4326", raster.ProjectionWkt, out var transform, out var error) ? transform : throw new RasterException(error);
}

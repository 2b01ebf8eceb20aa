using System.Text.Json;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Tests;

namespace AgriInsure.Imagery.Tests.Rasters;

public class CoordinateTransformTests
{
    [Fact]
    public void The_eo_learn_polygons_return_to_their_utm_area_in_the_rasters_crs()
    {
        var data = Path.Combine(Repo.SharedData, "imagery", "eo-learn");
        Assert.True(GdalRaster.TryOpen(Path.Combine(data, "ndvi_stack.tif"), out var raster, out var openError), openError?.ToString());
        using (raster)
        {
            Assert.True(CoordinateTransform.TryCreate("EPSG:4326", raster.ProjectionWkt, out var transform, out var error), error?.ToString());
            using (transform)
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(data, "lulc.geojson")));
                double total = 0;
                var polygons = new List<PolygonRings>();
                foreach (var feature in doc.RootElement.GetProperty("features").EnumerateArray())
                {
                    var rings = feature.GetProperty("geometry").GetProperty("coordinates").EnumerateArray().ToList();
                    var transformed = new List<double[]>();
                    for (var k = 0; k < rings.Count; k++)
                    {
                        var xy = rings[k].EnumerateArray().SelectMany(p => new[] { p[0].GetDouble(), p[1].GetDouble() }).ToArray();
                        Assert.True(transform.TryTransform(xy, out var pointError), pointError?.ToString());
                        Assert.InRange(xy[0], 464_900, 467_400);
                        var area = Math.Abs(ExactCoverage.SignedArea(xy));
                        total += k == 0 ? area : -area;
                        transformed.Add(xy);
                    }
                    polygons.Add(new PolygonRings(transformed));
                }
                // ../shared/data/README.md: total planar (UTM 33N) area 2,093,569.7 m².
                Assert.Equal(2_093_569.7, total, 0.5);

                // The land-use polygons tile the patch, so their exact coverage of its grid adds up to the
                // patch: 999.48 m × 1009.74 m.
                var covered = polygons.Sum(p => ExactCoverage.Compute(raster.Grid, [p]).Fractions.Sum()) * raster.Grid.CellArea;
                var patch = raster.Grid.Columns * raster.Grid.CellWidth * raster.Grid.Rows * raster.Grid.CellHeight;
                Assert.True(Math.Abs(covered - patch) < 1e-6 * patch, $"covered {covered:0.000} m², patch {patch:0.000} m²");
            }
        }
    }

    [Fact]
    public void Unknown_crs_and_impossible_points_are_named_errors()
    {
        Assert.False(CoordinateTransform.TryCreate("EPSG:999999", "EPSG:4326", out _, out var unknown));
        Assert.Equal(RasterError.BadCrs, unknown.Code);
        Assert.False(CoordinateTransform.TryCreate("not a crs", "EPSG:4326", out _, out var junk));
        Assert.Equal(RasterError.BadCrs, junk.Code);
        Assert.True(CoordinateTransform.TryCreate("EPSG:4326", "EPSG:32633", out var t, out _));
        using (t)
        {
            Assert.False(t.TryTransform([14.5, 95.0], out var bad));
            Assert.Equal(RasterError.BadCrs, bad.Code);
        }
    }
}

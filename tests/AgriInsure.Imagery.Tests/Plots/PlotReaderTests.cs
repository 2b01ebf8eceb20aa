using AgriInsure.Imagery.Geodesy;
using AgriInsure.Imagery.Plots;
using AgriInsure.Tests;
using static AgriInsure.Imagery.Tests.Zonal.FieldInputTests;

namespace AgriInsure.Imagery.Tests.Plots;

public class PlotReaderTests
{
    private const string Ring = """{"type":"Polygon","coordinates":[[[14.6,46.0],[14.61,46.0],[14.61,46.01],[14.6,46.01],[14.6,46.0]]]}""";

    private static (IReadOnlyList<PlotFeature>? Plots, PlotError? Error) Read(string features)
    {
        using var dir = new TempFolder();
        var path = dir.File("plots.geojson");
        File.WriteAllText(path, $$"""{"type":"FeatureCollection","features":[{{features}}]}""");
        PlotReader.TryRead(path, out var plots, out var error);
        return (plots, error);
    }

    [Fact]
    public void A_file_that_is_not_json_is_named_as_not_geojson_with_the_way_to_convert_it()
    {
        using var dir = new TempFolder();
        var path = dir.File("fields.gpkg");
        File.WriteAllBytes(path, "SQLite format 3\0"u8.ToArray());
        Assert.False(PlotReader.TryRead(path, out _, out var error));
        Assert.Contains("is not GeoJSON", error!.Reason);
        Assert.Contains("ogr2ogr -f GeoJSON", error.Reason);
        Assert.DoesNotContain("Expected the literal", error.Reason);
    }

    [Fact]
    public void Results_are_keyed_by_the_rfc_7946_id_member_then_an_id_property_then_the_index()
    {
        var (plots, error) = Read($$"""
            {"type":"Feature","id":"KE-0417","properties":{},"geometry":{{Ring}}},
            {"type":"Feature","id":42,"properties":{"id":"ignored"},"geometry":{{Ring}}},
            {"type":"Feature","properties":{"id":"from-property"},"geometry":{{Ring}}},
            {"type":"Feature","properties":{},"geometry":{{Ring}}}
            """);
        Assert.Null(error);
        Assert.Equal(["KE-0417", "42", "from-property", "3"], plots!.Select(p => p.Id));
    }

    [Fact]
    public void Two_features_with_one_id_are_refused()
    {
        var (_, error) = Read($$"""{"type":"Feature","id":"A","properties":{},"geometry":{{Ring}}},{"type":"Feature","id":"A","properties":{},"geometry":{{Ring}}}""");
        Assert.Contains("2 features with id A", error!.Reason);
    }

    [Theory]
    [InlineData("""[[[14.6,46.0],[14.61,46.0],[14.61,46.01],[14.6,46.01]]]""", "not a valid GeoJSON feature")]
    [InlineData("""[[[14.6,46.0],[14.61,46.01],[14.61,46.0],[14.6,46.01],[14.6,46.0]]]""", "refused, not repaired")]
    [InlineData("""[[[46.0,14.6],[46.0,14.61],[146.01,94.61],[46.0,14.6]]]""", "not longitude, latitude")]
    public void A_bad_ring_is_refused_naming_the_feature(string coordinates, string reason)
    {
        var bad = $$$"""{"type":"Feature","id":"KE-0418","properties":{},"geometry":{"type":"Polygon","coordinates":{{{coordinates}}}}}""";
        var (plots, error) = Read($$"""{"type":"Feature","id":"ok","properties":{},"geometry":{{Ring}}},{{bad}}""");
        Assert.Null(plots);
        Assert.Equal("features[1] (id KE-0418)", error!.Field);
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void A_ring_across_the_antimeridian_is_split_into_two_parts_of_the_same_ground_area()
    {
        var ring = new[] { (179.999, -17.0), (-179.999, -17.0), (-179.999, -16.998), (179.999, -16.998), (179.999, -17.0) };
        var (plots, error) = Read(Feature("fiji", ring));
        Assert.Null(error);
        var outline = plots![0].Outline;
        Assert.Equal(2, outline.NumGeometries);
        Assert.All(outline.Coordinates, c => Assert.InRange(c.X, -180, 180));
        // geod_polygonarea follows the shorter way round, so the unsplit ring is the reference.
        Assert.Equal(GeodesicArea.OfRing(ring), OverlapCheck.Area(outline), GeodesicArea.OfRing(ring) * 1e-9);
    }
}

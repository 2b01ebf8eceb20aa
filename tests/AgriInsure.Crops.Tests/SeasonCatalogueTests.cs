using AgriInsure.Domain;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Tests;

namespace AgriInsure.Crops.Tests;

/// <summary>The season catalogue (seasons.json in the raster folder): seasons read with their settings, dated stacks
/// expanded between the season's days with their cloud masks matched by time, and every mistake named by its field.</summary>
public sealed class SeasonCatalogueTests : IDisposable
{
    private readonly TempFolder _dir = new();
    private readonly RasterFolder _folder;

    public SeasonCatalogueTests()
    {
        var root = Directory.CreateDirectory(_dir.File("rasters")).FullName;
        _folder = new RasterFolder(root);
        var grid = new Grid(103.0, 30.01, 0.001, 0.001, 10, 10);
        string[] times = ["2027-04-01T03:00:00", "2027-05-01T03:00:00", "2027-06-01T03:00:00"];
        using (var stack = GeoTiffWriter.Create(Path.Combine(root, "ndvi.tif"), grid, "EPSG:4326", times.Length))
        using (var clouds = GeoTiffWriter.Create(Path.Combine(root, "clouds.tif"), grid, "EPSG:4326", times.Length - 1))
        {
            for (var b = 1; b <= times.Length; b++)
            {
                stack.Write(b, 0, new float[100]);
                stack.Describe(b, times[b - 1]);
                if (b < times.Length)
                {
                    clouds.Write(b, 0, new float[100]);
                    clouds.Describe(b, times[b - 1]);
                }
            }
        }
        using (var single = GeoTiffWriter.Create(Path.Combine(root, "undated.tif"), grid, "EPSG:4326", 1))
            single.Write(1, 0, new float[100]);
    }

    private Result<IReadOnlyList<SeasonDefinition>> Read(string json)
    {
        File.WriteAllText(Path.Combine(_folder.Root, SeasonCatalogue.FileName), json);
        return SeasonCatalogue.Read(_folder);
    }

    [Fact]
    public void No_catalogue_is_no_season()
    {
        Assert.Empty(SeasonCatalogue.Read(_folder).Value);
    }

    [Fact]
    public void A_dated_stack_is_expanded_between_the_seasons_days_with_its_masks_matched_by_time()
    {
        var seasons = Read("""
            {"seasons": [{"name": "spring", "from": "2027-04-15", "to": "2027-05-31", "margin": 0.2, "radiusKm": 2,
                          "acquisitions": [{"ndvi": "ndvi.tif", "clouds": "clouds.tif"}, {"ndvi": "undated.tif", "time": "2027-05-20T02:00:00Z"}]}]}
            """).Value;
        var spring = Assert.Single(seasons);
        Assert.Equal((0.2, 2000.0, 2), (spring.Options.Margin, spring.Options.NeighbourRadiusM, spring.Options.Consecutive));
        var opened = SeasonCatalogue.Open(_folder, spring).Value;
        using (opened)
        {
            Assert.Equal([new DateTimeOffset(2027, 5, 1, 3, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 5, 20, 2, 0, 0, TimeSpan.Zero)], opened.Acquisitions.Select(a => a.Time));
            Assert.Equal((2, 2), (opened.Acquisitions[0].Ndvi.Band, opened.Acquisitions[0].Clouds!.Band));
            Assert.Null(opened.Acquisitions[1].Clouds);
        }
    }

    [Theory]
    [InlineData("""{"seasons": [{"acquisitions": [{"ndvi": "ndvi.tif"}]}]}""", "seasons[0].name")]
    [InlineData("""{"seasons": [{"name": "a", "acquisitions": [{"ndvi": "ndvi.tif"}]}, {"name": "a", "acquisitions": [{"ndvi": "ndvi.tif"}]}]}""", "seasons[1].name")]
    [InlineData("""{"seasons": [{"name": "a", "from": "2027-06-01", "to": "2027-05-01", "acquisitions": [{"ndvi": "ndvi.tif"}]}]}""", "seasons[0].to")]
    [InlineData("""{"seasons": [{"name": "a", "acquisitions": []}]}""", "seasons[0].acquisitions")]
    [InlineData("""{"seasons": [{"name": "a", "margin": -1, "acquisitions": [{"ndvi": "ndvi.tif"}]}]}""", "seasons[0].margin")]
    [InlineData("""{"seasons": [{"name": "a", "from": "May", "acquisitions": [{"ndvi": "ndvi.tif"}]}]}""", "seasons[0].from")]
    [InlineData("""{"season": []}""", "seasons")]
    public void A_catalogue_mistake_is_named_by_its_field(string json, string field)
    {
        Assert.Equal(field, Read(json).Error?.Field);
    }

    [Theory]
    [InlineData("""{"ndvi": "none.tif"}""", "seasons[0].acquisitions[0].ndvi")]
    [InlineData("""{"ndvi": "undated.tif"}""", "seasons[0].acquisitions[0].time")]
    [InlineData("""{"ndvi": "undated.tif", "band": 2, "time": "2027-05-01"}""", "seasons[0].acquisitions[0].band")]
    [InlineData("""{"ndvi": "ndvi.tif", "clouds": "clouds.tif"}""", "seasons[0].acquisitions[0].clouds")]
    [InlineData("""{"ndvi": "ndvi.tif", "clouds": "../secret.tif"}""", "seasons[0].acquisitions[0].clouds")]
    public void An_acquisition_that_cannot_be_opened_is_named_by_its_field(string acquisition, string field)
    {
        var season = Read($$"""{"seasons": [{"name": "a", "acquisitions": [{{acquisition}}]}]}""").Value.Single();
        Assert.Equal(field, SeasonCatalogue.Open(_folder, season).Error?.Field);
    }

    [Fact]
    public void A_season_whose_days_hold_no_acquisition_says_so()
    {
        var season = Read("""{"seasons": [{"name": "a", "from": "2028-01-01", "acquisitions": [{"ndvi": "ndvi.tif"}]}]}""").Value.Single();
        var error = SeasonCatalogue.Open(_folder, season).Error!;
        Assert.Equal("seasons[0].acquisitions", error.Field);
        Assert.Contains("2028-01-01", error.Reason);
    }

    public void Dispose() => _dir.Dispose();
}

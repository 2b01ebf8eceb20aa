using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Tests;
using static AgriInsure.Imagery.Tests.Fixtures;

namespace AgriInsure.Imagery.Tests.Zonal;

/// <summary>The imagery issue's table of inputs users bring, each kind with its right value. Rasters are
/// made here with Debian's GDAL programs; reference areas are GeographicLib's Planimeter.</summary>
public class FieldInputTests
{
    private static readonly Money TenThousand = Money.Create(10_000m, "CNY").Value;

    internal static string Square(double west, double south, double east, double north, string id = "f") =>
        Feature(id, [(west, south), (east, south), (east, north), (west, north), (west, south)]);

    internal static string Feature(string id, IEnumerable<(double Lon, double Lat)> ring) =>
        $$$"""{"type":"Feature","id":"{{{id}}}","properties":{},"geometry":{"type":"Polygon","coordinates":[[{{{string.Join(",", ring.Select(p => string.Create(CultureInfo.InvariantCulture, $"[{p.Lon},{p.Lat}]")))}}}]]}}""";

    internal static string Collection(TempFolder dir, string name, params string[] features)
    {
        var path = dir.File(name);
        File.WriteAllText(path, $$"""{"type":"FeatureCollection","features":[{{string.Join(",", features)}}]}""");
        return path;
    }

    /// <summary>A raster from gdal_create: every cell <paramref name="burn"/> (one value per band).</summary>
    internal static string Create(TempFolder dir, string name, string crs, string type, (double Left, double Top, double Right, double Bottom) extent, int columns, int rows, double[] burn, params string[] extra)
    {
        var path = dir.File(name);
        var args = new List<string> { "-q", "-of", "GTiff", "-outsize", $"{columns}", $"{rows}", "-bands", $"{Math.Max(1, burn.Length)}", "-ot", type, "-a_srs", crs,
            "-a_ullr", F(extent.Left), F(extent.Top), F(extent.Right), F(extent.Bottom) };
        foreach (var b in burn)
            args.AddRange(["-burn", F(b)]);
        args.AddRange(extra);
        args.Add(path);
        RunGdal("gdal_create", args.ToArray());
        return path;
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static ClaimTerms Terms(double drop = 0.2) => ClaimTerms.Create(drop, TenThousand, 0.1m).Value;

    [Fact]
    public void A_web_mercator_raster_measures_ground_area_not_mercator_square_metres()
    {
        using var dir = new TempFolder();
        using var raster = Open(Create(dir, "merc.tif", "EPSG:3857", "Byte", (1112080, 5623100, 1116080, 5619100), 400, 400, [1]));
        var plots = ReadPlots(Collection(dir, "f.geojson", Square(10, 45, 10.0025, 45.0018)));
        var r = AcreageMeasurement.Measure(raster, plots, new CellRule.BandAtLeast(1, 1), null).Single();
        // Planimeter: 39,430.1 m²; the Mercator plane says 78,863.6 (sec² 45°).
        Assert.Equal(39_430.1, r.MeasuredM2, 0.1);
        Assert.Equal(39_430.1, r.AreaM2, 0.1);
        Assert.Equal(PlotQuality.Ok, r.Quality);
    }

    [Fact]
    public void A_lon_lat_claim_pays_on_ground_square_metres()
    {
        using var dir = new TempFolder();
        var extent = (4.995, 50.005, 5.005, 49.995);
        using var before = Open(Create(dir, "before.tif", "EPSG:4326", "Float32", extent, 100, 100, [0.8]));
        using var after = Open(Create(dir, "after.tif", "EPSG:4326", "Float32", extent, 100, 100, [0.3]));
        var plots = ReadPlots(Collection(dir, "f.geojson", Square(4.998, 49.998, 5.002, 50.002)));
        var r = ClaimByMap.Assess(new RasterBand(before, 1), new RasterBand(after, 1), plots, Terms()).Single();
        Assert.Equal(127_594.4, r.PlotM2, 0.1);
        Assert.Equal(127_594.4, r.DamagedM2, 0.1);
        Assert.Equal(9_000m, r.Indemnity.Amount);
    }

    [Fact]
    public void A_float32_nodata_block_is_hidden_not_paid_as_damage()
    {
        using var dir = new TempFolder();
        // 20×20 cells of 10 m under the field; an 8×8 block of the after image is nodata (−3.4e38 as float32).
        var grid = new Grid(500_000, 5_000_400, 10, 10, 40, 40);
        string Ehdr(string name, Func<int, int, float> value)
        {
            var tif = dir.File(name + ".tif");
            using (var writer = GeoTiffWriter.Create(tif, grid, "EPSG:32633", 1, nodata: -9999))
                writer.Write(1, 0, Enumerable.Range(0, 40 * 40).Select(i => value(i / 40, i % 40)).ToArray());
            var flt = dir.File(name + ".flt");
            RunGdal("gdal_translate", "-q", "-of", "EHdr", "-a_nodata", "-3.4e+38", tif, flt);
            return flt;
        }
        using var before = Open(Ehdr("before", (_, _) => 0.8f));
        using var after = Open(Ehdr("after", (r, c) => r is >= 16 and < 24 && c is >= 16 and < 24 ? -3.4e38f : 0.8f));
        Assert.True(double.IsNaN(after.Read(1, 16, 16, 1, 1).Values[0]));
        var corners = new[] { 500_100.0, 5_000_300, 500_300, 5_000_300, 500_300, 5_000_100, 500_100, 5_000_100 };
        Assert.True(CoordinateTransform.TryCreate("EPSG:32633", "EPSG:4326", out var t, out _));
        using (t)
            Assert.True(t.TryTransform(corners, out _));
        var plots = ReadPlots(Collection(dir, "f.geojson", Feature("f", Enumerable.Range(0, 5).Select(i => (corners[2 * (i % 4)], corners[2 * (i % 4) + 1])))));
        var a = ClaimByMap.Assess(new RasterBand(before, 1), new RasterBand(after, 1), plots, Terms()).Single();
        Assert.Equal((0.0, 0m), (a.DamagedM2, a.Indemnity.Amount));
        Assert.Equal(0.16, a.NodataFraction, 0.002);
        Assert.Equal(PlotQuality.Ok, a.Quality);
    }

    [Fact]
    public void Longitudes_past_180_in_the_raster_find_a_field_given_in_minus_180_to_180()
    {
        using var dir = new TempFolder();
        using var raster = Open(Create(dir, "wrap.tif", "EPSG:4326", "Byte", (298, -8, 302, -12), 400, 400, [1]));
        var plots = ReadPlots(Collection(dir, "f.geojson", Square(-60.0025, -10.0025, -59.9975, -9.9975)));
        var r = AcreageMeasurement.Measure(raster, plots, new CellRule.BandAtLeast(1, 1), null).Single();
        // Planimeter: 303,174.1 m².
        Assert.Equal(303_174.1, r.MeasuredM2, 0.1);
        Assert.Equal(PlotQuality.Ok, r.Quality);
    }

    [Fact]
    public void A_grid_across_the_antimeridian_measures_both_halves_of_a_field_split_there()
    {
        using var dir = new TempFolder();
        using var raster = Open(Create(dir, "dateline.tif", "EPSG:4326", "Byte", (179.9, -16.9, 180.1, -17.1), 200, 200, [1]));
        var crossing = Feature("fiji", [(179.999, -17), (-179.999, -17), (-179.999, -16.998), (179.999, -16.998), (179.999, -17)]);
        var plots = ReadPlots(Collection(dir, "f.geojson", crossing));
        Assert.Equal(2, plots[0].Outline.NumGeometries);
        var r = AcreageMeasurement.Measure(raster, plots, new CellRule.BandAtLeast(1, 1), null).Single();
        var expected = Planimeter((-17, 179.999), (-17, 180.001), (-16.998, 180.001), (-16.998, 179.999));
        Assert.Equal(expected, r.AreaM2, 0.1);
        Assert.Equal(expected, r.MeasuredM2, expected * 1e-6);
        Assert.Equal(PlotQuality.Ok, r.Quality);
    }

    [Fact]
    public void Ndvi_outside_minus_one_to_one_from_negative_reflectance_is_invalid_not_crop()
    {
        using var dir = new TempFolder();
        // Sentinel-2 L2A style: UInt16 digital numbers, reflectance = DN × 0.0001 − 0.1. Red 500 → −0.05,
        // NIR 1200 → +0.02: NDVI = 0.07 / −0.03 = −2.3, which no surface has.
        var raw = Create(dir, "raw.tif", "EPSG:32633", "UInt16", (500_000, 5_000_400, 500_400, 5_000_000), 40, 40, [500, 1200]);
        var l2a = dir.File("l2a.tif");
        RunGdal("gdal_translate", "-q", "-a_scale", "0.0001", "-a_offset", "-0.1", raw, l2a);
        using var raster = Open(l2a);
        var corners = UtmSquare(500_100, 5_000_100, 200);
        var plots = ReadPlots(Collection(dir, "f.geojson", Feature("dark", corners)));
        var r = AcreageMeasurement.Measure(raster, plots, new CellRule.NdviAtLeast(1, 2, -1), null).Single();
        Assert.Equal(0, r.MeasuredM2);
        Assert.Equal(1.0, r.InvalidFraction, 1e-6);
        Assert.Equal(PlotQuality.AllHidden, r.Quality);
    }

    [Fact]
    public void Grids_a_nanometre_apart_are_one_grid_and_a_real_mismatch_names_what_differs()
    {
        using var dir = new TempFolder();
        var extent = (500_000.0, 5_000_400.0, 500_400.0, 5_000_000.0);
        using var before = Open(Create(dir, "before.tif", "EPSG:32633", "Float32", extent, 40, 40, [0.8]));
        using var after = Open(Create(dir, "after.tif", "EPSG:32633", "Float32", (500_000 + 1e-9, 5_000_400 - 1e-9, 500_400 + 1e-9, 5_000_000 - 1e-9), 40, 40, [0.8]));
        using var shifted = Open(Create(dir, "shifted.tif", "EPSG:32633", "Float32", (500_005.0, 5_000_400.0, 500_405.0, 5_000_000.0), 40, 40, [0.8]));
        using var other = Open(Create(dir, "other.tif", "EPSG:32634", "Float32", extent, 40, 40, [0.8]));
        var plots = ReadPlots(Collection(dir, "f.geojson", Feature("f", UtmSquare(500_100, 5_000_100, 200))));
        Assert.Equal(PlotQuality.Ok, ClaimByMap.Assess(new RasterBand(before, 1), new RasterBand(after, 1), plots, Terms()).Single().Quality);
        var origin = Assert.Throws<RasterException>(() => ClaimByMap.Assess(new RasterBand(before, 1), new RasterBand(shifted, 1), plots, Terms())).Error;
        Assert.Equal(RasterError.GridMismatch, origin.Code);
        Assert.Contains("origin", origin.Reason);
        var crs = Assert.Throws<RasterException>(() => ClaimByMap.Assess(new RasterBand(before, 1), new RasterBand(other, 1), plots, Terms())).Error;
        Assert.Contains("CRS EPSG:32633 vs EPSG:32634", crs.Reason);
    }

    [Fact]
    public void Rasters_over_two_billion_cells_are_read_by_window()
    {
        using var dir = new TempFolder();
        string Sparse(string name) => Create(dir, name, "EPSG:32633", "Float32", (500_000, 5_050_000, 550_000, 5_000_000), 50_000, 50_000, [],
            "-co", "SPARSE_OK=TRUE", "-co", "TILED=YES");
        using var before = Open(Sparse("before.tif"));
        using var after = Open(Sparse("after.tif"));
        Assert.True((long)before.Grid.Columns * before.Grid.Rows > int.MaxValue);
        var plots = ReadPlots(Collection(dir, "f.geojson", Feature("small", UtmSquare(520_000, 5_020_000, 20))));
        var r = ClaimByMap.Assess(new RasterBand(before, 1), new RasterBand(after, 1), plots, Terms()).Single();
        // 400 m² on the UTM plane; on the ground 400.3 (UTM's scale is 0.9996 near its central meridian).
        Assert.InRange(r.PlotM2, 400.2, 400.4);
        Assert.Equal((0m, PlotQuality.Ok), (r.Indemnity.Amount, r.Quality));
    }

    [Fact]
    public void A_plot_mostly_outside_the_image_is_not_paid_and_says_why()
    {
        using var dir = new TempFolder();
        var extent = (500_000.0, 5_000_400.0, 500_400.0, 5_000_000.0);
        using var before = Open(Create(dir, "before.tif", "EPSG:32633", "Float32", extent, 40, 40, [0.8]));
        using var after = Open(Create(dir, "after.tif", "EPSG:32633", "Float32", extent, 40, 40, [0.1]));
        // 10 m × 300 m of a 400 m square plot lie inside the images.
        var plots = ReadPlots(Collection(dir, "f.geojson", Feature("edge", UtmSquare(500_390, 5_000_100, 400))));
        ClaimMapWindow? map = null;
        var r = ClaimByMap.Assess(new RasterBand(before, 1), new RasterBand(after, 1), plots, Terms(), map: w => map = w).Single();
        // The map takes in the whole plot: the part the images miss is drawn hidden, not left off the map.
        Assert.NotNull(map);
        Assert.InRange(map.Columns, 40, 42);
        Assert.InRange(map.Rows, 40, 42);
        Assert.InRange(map.Cells.Count(c => c == Rendering.MapCell.Hidden), 1500, 1650);
        // Column 39 and slivers of column 38 (the outline's round trip through WGS84) under 30 rows.
        Assert.InRange(map.Cells.Count(c => c == Rendering.MapCell.Damaged), 30, 62);
        Assert.Equal(PlotQuality.PartlyOutsideRaster, r.Quality);
        Assert.Equal(0m, r.Indemnity.Amount);
        Assert.Equal(0.01875, r.CoveredFraction, 1e-4);
        // The damage share is of the whole plot, not of the part the image shows.
        Assert.Equal(0.01875, r.DamageFraction, 1e-4);
    }

    [Theory]
    [InlineData(0.0, "drop")]
    [InlineData(-0.3, "drop")]
    [InlineData(2.01, "drop")]
    [InlineData(double.NaN, "drop")]
    public void Drops_outside_zero_to_two_are_refused_naming_the_field(double drop, string field)
    {
        Assert.Equal(field, ClaimTerms.Create(drop, TenThousand, 0.1m).Error?.Field);
        Assert.True(ClaimTerms.Create(2, TenThousand, 0.1m).IsOk);
        Assert.Equal("deductible", ClaimTerms.Create(0.2, TenThousand, 1m).Error?.Field);
    }

    [Fact]
    public void Plots_that_all_miss_the_raster_but_fit_it_as_lat_lon_are_refused_with_the_hint()
    {
        using var dir = new TempFolder();
        using var raster = Open(Create(dir, "r.tif", "EPSG:4326", "Byte", (10, 46, 11, 45), 100, 100, [1]));
        // Longitude 10.5, latitude 45.5 written latitude first: still in range, so only the raster tells.
        var plots = ReadPlots(Collection(dir, "f.geojson", Square(45.5, 10.5, 45.51, 10.51)));
        var e = Assert.Throws<RasterException>(() => AcreageMeasurement.Measure(raster, plots, new CellRule.BandAtLeast(1, 1), null));
        Assert.Equal(RasterError.SwappedCoordinates, e.Error.Code);
        Assert.Contains("longitude, latitude", e.Error.Reason);
    }

    /// <summary>A square <paramref name="side"/> m wide in UTM 33N from its south-west corner, as a WGS84 ring.</summary>
    internal static (double, double)[] UtmSquare(double west, double south, double side)
    {
        var xy = new[] { west, south, west + side, south, west + side, south + side, west, south + side };
        Assert.True(CoordinateTransform.TryCreate("EPSG:32633", "EPSG:4326", out var t, out _));
        using (t)
            Assert.True(t.TryTransform(xy, out _));
        return Enumerable.Range(0, 5).Select(i => (xy[2 * (i % 4)], xy[2 * (i % 4) + 1])).ToArray();
    }

    /// <summary>GeographicLib's Planimeter on (latitude, longitude) points: the reference area in m².</summary>
    internal static double Planimeter(params (double Lat, double Lon)[] points)
    {
        var start = new System.Diagnostics.ProcessStartInfo("Planimeter") { RedirectStandardInput = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-r");
        using var process = System.Diagnostics.Process.Start(start)!;
        foreach (var (lat, lon) in points)
            process.StandardInput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{lat} {lon}"));
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd().Trim().Split(' ');
        process.WaitForExit();
        return Math.Abs(double.Parse(output[^1], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Cells_are_valid_where_gdal_says_alpha_and_dataset_masks_and_nan_included()
    {
        using var dir = new TempFolder();
        var extent = (500_000.0, 5_000_400.0, 500_400.0, 5_000_000.0);
        var plots = ReadPlots(Collection(dir, "f.geojson", Feature("f", UtmSquare(500_100, 5_000_100, 200))));
        PlotMeasurement Measure(string path)
        {
            using var raster = Open(path);
            return AcreageMeasurement.Measure(raster, plots, new CellRule.BandAtLeast(1, double.NegativeInfinity), null).Single();
        }
        // An alpha band of 0: nothing can be seen, whatever band 1 holds.
        var alpha = Create(dir, "alpha.tif", "EPSG:32633", "Byte", extent, 40, 40, [7, 0], "-co", "ALPHA=YES");
        Assert.Equal(PlotQuality.AllHidden, Measure(alpha).Quality);
        // A per-dataset mask (the TIFF's internal mask, from band 2 of the source) hiding the western half.
        var source = dir.File("source.tif");
        using (var writer = GeoTiffWriter.Create(source, new Grid(500_000, 5_000_400, 10, 10, 40, 40), "EPSG:32633", 2, nodata: -9999))
        {
            writer.Write(1, 0, Enumerable.Repeat(7f, 1600).ToArray());
            writer.Write(2, 0, Enumerable.Range(0, 1600).Select(i => i % 40 < 20 ? 0f : 255f).ToArray());
        }
        var masked = dir.File("masked.tif");
        RunGdal("gdal_translate", "-q", "-b", "1", "-mask", "2", "--config", "GDAL_TIFF_INTERNAL_MASK", "YES", source, masked);
        var half = Measure(masked);
        Assert.Equal(0.5, half.NodataFraction, 1e-6);
        Assert.Equal(half.AreaM2 / 2, half.MeasuredM2, half.AreaM2 * 1e-6);
        // NaN with no nodata declared is never a value.
        var nan = Create(dir, "nan.tif", "EPSG:32633", "Float32", extent, 40, 40, [double.NaN]);
        Assert.Equal(PlotQuality.AllHidden, Measure(nan).Quality);
    }

    [Fact]
    public void A_large_field_across_the_antimeridian_has_its_geodesic_area_and_is_measured_so()
    {
        using var dir = new TempFolder();
        // 1° × 0.5° at 60° S: its east-west edges bend 100 m away from the parallel at 180°.
        var ring = new[] { (179.5, -60.0), (-179.5, -60.0), (-179.5, -60.5), (179.5, -60.5), (179.5, -60.0) };
        var plots = ReadPlots(Collection(dir, "f.geojson", Feature("chukotka", ring)));
        var planimeter = Planimeter((-60, 179.5), (-60, 180.5), (-60.5, 180.5), (-60.5, 179.5));
        Assert.Equal(planimeter, OverlapCheck.Area(plots[0].Outline), planimeter * 1e-9);
        using var raster = Open(Create(dir, "r.tif", "EPSG:4326", "Byte", (179, -59.5, 181, -61), 2000, 1500, [1]));
        var r = AcreageMeasurement.Measure(raster, plots, new CellRule.BandAtLeast(1, 1), null).Single();
        Assert.Equal(planimeter, r.AreaM2, planimeter * 1e-9);
        Assert.Equal(planimeter, r.MeasuredM2, planimeter * 1e-6);
    }

    [Fact]
    public void A_wedge_up_to_the_pole_is_measured_to_its_geodesic_area_and_a_ring_round_the_pole_is_refused()
    {
        using var dir = new TempFolder();
        var wedge = ReadPlots(Collection(dir, "w.geojson", Feature("wedge", [(0.0, 89.5), (10.0, 89.5), (10.0, 90.0), (0.0, 90.0), (0.0, 89.5)])));
        using var raster = Open(Create(dir, "cap.tif", "EPSG:4326", "Byte", (-1, 90, 11, 89), 1200, 100, [1]));
        var r = AcreageMeasurement.Measure(raster, wedge, new CellRule.BandAtLeast(1, 1), null).Single();
        Assert.Equal(r.AreaM2, r.MeasuredM2, r.AreaM2 * 1e-6);
        var cap = Collection(dir, "cap.geojson", Feature("cap", Enumerable.Range(0, 37).Select(k => (k == 36 ? -180.0 : -180.0 + 10 * k, 89.5))));
        Assert.False(PlotReader.TryRead(cap, out _, out var error));
        Assert.Contains("goes round a pole", error!.Reason);
    }
}

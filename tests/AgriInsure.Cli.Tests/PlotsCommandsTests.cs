using System.Text.Json;
using AgriInsure.Cli;
using AgriInsure.Tests;

namespace AgriInsure.Cli.Tests;

public class PlotsMeasureTests
{
    private static string EoLearn(string file) => Path.Combine(Repo.SharedData, "imagery", "eo-learn", file);

    [Fact]
    public async Task Writes_one_row_per_plot_with_the_documented_keys()
    {
        using var dir = new TempFolder();
        var json = dir.File("out/acreage.json");
        var csv = dir.File("out/acreage.csv");
        var code = await Commands.RunAsync(["plots", "measure", "--plots", EoLearn("lulc.geojson"), "--raster", EoLearn("ndvi_stack.tif"),
            "--band", "1", "--min", "0.5", "--date", "2015-07-11", "--json", json, "--csv", csv]);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(88, rows.Count);
        foreach (var key in new[] { "id", "area_m2", "measured_m2", "measured_mu", "measured_ha", "covered_fraction", "nodata_fraction", "crs", "date", "quality" })
            Assert.True(rows[0].TryGetProperty(key, out _), key);
        Assert.All(rows, r => Assert.True(r.GetProperty("measured_m2").GetDouble() <= r.GetProperty("area_m2").GetDouble() * 1.001));
        Assert.Equal(89, File.ReadAllLines(csv).Length);
    }

    [Fact]
    public async Task A_dated_stack_is_read_at_the_date_and_the_cloud_mask_of_that_date_hides_cells()
    {
        using var dir = new TempFolder();
        var json = dir.File("acreage.json");
        Assert.Equal(0, await Commands.RunAsync(["plots", "measure", "--plots", EoLearn("lulc.geojson"), "--raster", EoLearn("ndvi_stack.tif"),
            "--clouds", EoLearn("clouds_stack.tif"), "--date", "2016-03-17", "--min", "-10", "--workers", "2", "--json", json]));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(88, rows.Count);
        Assert.All(rows, r => Assert.Equal("2016-03-17", r.GetProperty("date").GetString()));
        Assert.Contains(rows, r => r.GetProperty("quality").GetString()!.StartsWith("hidden", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.GetProperty("quality").GetString() == "ok");
    }

    [Theory]
    [InlineData("--min", "0")]
    [InlineData("--band", "2", "--date", "2015-07-11")]
    [InlineData("--date", "2015-07-12")]
    [InlineData("--date", "2015-07-11", "--ndvi", "1,2")]
    public async Task A_dated_stack_without_a_date_or_with_a_contradicting_band_exits_2(params string[] options)
    {
        using var dir = new TempFolder();
        var json = dir.File("acreage.json");
        Assert.Equal(2, await Commands.RunAsync(["plots", "measure", "--plots", EoLearn("lulc.geojson"), "--raster", EoLearn("ndvi_stack.tif"), .. options, "--json", json]));
        Assert.False(File.Exists(json));
    }

    [Theory]
    [InlineData("--date", "11/07/2015")]
    [InlineData("--ndvi", "1")]
    [InlineData("--min", "lots")]
    public async Task Bad_options_exit_2_and_write_nothing(string option, string value)
    {
        using var dir = new TempFolder();
        var json = dir.File("acreage.json");
        Assert.Equal(2, await Commands.RunAsync(["plots", "measure", "--plots", EoLearn("lulc.geojson"), "--raster", EoLearn("ndvi_stack.tif"), option, value, "--json", json]));
        Assert.False(File.Exists(json));
    }

    [Fact]
    public async Task A_raster_without_georeferencing_or_a_bad_plot_file_exits_2_and_writes_nothing()
    {
        using var dir = new TempFolder();
        var json = dir.File("acreage.json");
        var notRaster = dir.File("plain.txt");
        File.WriteAllText(notRaster, "not a raster");
        Assert.Equal(2, await Commands.RunAsync(["plots", "measure", "--plots", EoLearn("lulc.geojson"), "--raster", notRaster, "--json", json]));
        var notPlots = dir.File("plots.geojson");
        File.WriteAllText(notPlots, """{"type":"Feature"}""");
        Assert.Equal(2, await Commands.RunAsync(["plots", "measure", "--plots", notPlots, "--raster", EoLearn("ndvi_stack.tif"), "--json", json]));
        Assert.False(File.Exists(json));
    }
}

public class PlotsOverlapTests
{
    [Fact]
    public async Task A_resubmitted_field_is_reported_with_the_policy_that_insures_it()
    {
        using var dir = new TempFolder();
        var lulc = File.ReadAllText(Path.Combine(Repo.SharedData, "imagery", "eo-learn", "lulc.geojson"));
        var insured = dir.File("insured.geojson");
        File.WriteAllText(insured, lulc.Replace("\"index\": \"37649\"", "\"policy\": \"CP-2026-001\""));
        var json = dir.File("overlaps.json");
        Assert.Equal(0, await Commands.RunAsync(["plots", "overlap", "--plots", Path.Combine(Repo.SharedData, "imagery", "eo-learn", "lulc.geojson"), "--insured", insured, "--json", json]));
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(json));
        var rows = doc.RootElement.EnumerateArray().ToList();
        // Every field overlaps itself and only itself (neighbours share borders only).
        Assert.Equal(88, rows.Count);
        Assert.Contains(rows, r => r.GetProperty("overlaps_policy").GetString() == "CP-2026-001" && r.GetProperty("share_of_plot").GetDouble() > 0.999);
        Assert.All(rows, r => Assert.Equal(r.GetProperty("plot").GetString(), r.GetProperty("overlaps_plot").GetString()));
    }
}

public class ClaimsByMapCommandTests
{
    private static string EoLearn(string file) => Path.Combine(Repo.SharedData, "imagery", "eo-learn", file);

    [Fact]
    public async Task Writes_the_assessment_and_the_map()
    {
        using var dir = new TempFolder();
        var json = dir.File("claims.json");
        var png = dir.File("claims.png");
        Assert.Equal(0, await Commands.RunAsync(["claims", "by-map", "--plots", EoLearn("lulc.geojson"), "--stack", EoLearn("ndvi_stack.tif"), "--clouds", EoLearn("clouds_stack.tif"),
            "--before", "2017-07-15", "--after", "2017-12-22", "--drop", "0.2", "--sum-insured", "10000", "--deductible", "0.1", "--json", json, "--png", png]));
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(json));
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(88, rows.Count);
        foreach (var key in new[] { "id", "plot_m2", "damaged_m2", "damage_fraction", "indemnity", "nodata_fraction", "quality" })
            Assert.True(rows[0].TryGetProperty(key, out _), key);
        Assert.True(new FileInfo(png).Length > 1000);
    }

    [Fact]
    public async Task An_unknown_date_exits_2_and_writes_nothing()
    {
        using var dir = new TempFolder();
        var json = dir.File("claims.json");
        Assert.Equal(2, await Commands.RunAsync(["claims", "by-map", "--plots", EoLearn("lulc.geojson"), "--stack", EoLearn("ndvi_stack.tif"),
            "--before", "2017-07-16", "--after", "2017-12-22", "--sum-insured", "10000", "--json", json]));
        Assert.False(File.Exists(json));
    }
}

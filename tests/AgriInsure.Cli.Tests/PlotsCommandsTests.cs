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
        var rows = doc.RootElement.GetProperty("plots").EnumerateArray().ToList();
        Assert.Equal(88, rows.Count);
        foreach (var key in new[] { "id", "area_m2", "measured_m2", "measured_mu", "measured_ha", "covered_fraction", "nodata_fraction", "invalid_fraction", "crs", "date", "quality", "note" })
            Assert.True(rows[0].TryGetProperty(key, out _), key);
        Assert.All(rows, r => Assert.True(r.GetProperty("measured_m2").GetDouble() <= r.GetProperty("area_m2").GetDouble() * (1 + 1e-6)));
        var provenance = doc.RootElement.GetProperty("provenance");
        Assert.Equal("EPSG:32633", provenance.GetProperty("crs").GetString());
        var plotsFile = provenance.GetProperty("inputs")[0];
        Assert.Equal(("plots", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(EoLearn("lulc.geojson"))))),
            (plotsFile.GetProperty("role").GetString(), plotsFile.GetProperty("sha256").GetString()));
        var input = provenance.GetProperty("inputs")[1];
        Assert.Equal((1, "2015-07-11T10:00:08Z"), (input.GetProperty("band").GetInt32(), input.GetProperty("acquired").GetString()));
        Assert.Equal(64, input.GetProperty("sha256").GetString()!.Length);
        Assert.Equal("band 1 ≥ 0.5", provenance.GetProperty("settings").GetProperty("rule").GetString());
        Assert.StartsWith("agri plots measure", provenance.GetProperty("tool").GetString());
        var lines = File.ReadAllLines(csv);
        Assert.All(lines.TakeWhile(l => l.StartsWith('#')), l => Assert.Matches("^# [a-z_]+: ", l));
        Assert.Equal(88 + 1, lines.Count(l => !l.StartsWith('#')));
        Assert.Contains(lines, l => l.StartsWith("# raster: ", StringComparison.Ordinal) && l.Contains("acquired 2015-07-11T10:00:08Z sha256 "));
    }

    [Fact]
    public async Task A_dated_stack_is_read_at_the_date_and_the_cloud_mask_of_that_date_hides_cells()
    {
        using var dir = new TempFolder();
        var json = dir.File("acreage.json");
        Assert.Equal(0, await Commands.RunAsync(["plots", "measure", "--plots", EoLearn("lulc.geojson"), "--raster", EoLearn("ndvi_stack.tif"),
            "--clouds", EoLearn("clouds_stack.tif"), "--date", "2016-03-17", "--min", "-10", "--workers", "2", "--json", json]));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var rows = doc.RootElement.GetProperty("plots").EnumerateArray().ToList();
        Assert.Equal(88, rows.Count);
        Assert.All(rows, r => Assert.Equal("2016-03-17T10:06:59", r.GetProperty("date").GetString()));
        Assert.Contains(rows, r => r.GetProperty("quality").GetString() == "needs-clear-image");
        Assert.Contains(rows, r => r.GetProperty("quality").GetString() == "ok");
    }

    [Theory]
    [InlineData("2015-12-08T10:11:25")]
    [InlineData("2015-12-08#2")]
    public async Task The_second_acquisition_of_a_day_is_measured_by_timestamp_or_number(string date)
    {
        using var dir = new TempFolder();
        var json = dir.File("acreage.json");
        Assert.Equal(0, await Commands.RunAsync(["plots", "measure", "--plots", EoLearn("lulc.geojson"), "--raster", EoLearn("ndvi_stack.tif"),
            "--clouds", EoLearn("clouds_stack.tif"), "--date", date, "--json", json]));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        Assert.All(doc.RootElement.GetProperty("plots").EnumerateArray(), r => Assert.Equal("2015-12-08T10:11:25", r.GetProperty("date").GetString()));
        Assert.Equal(2, await Commands.RunAsync(["plots", "measure", "--plots", EoLearn("lulc.geojson"), "--raster", EoLearn("ndvi_stack.tif"), "--date", "2015-12-08", "--json", json, "--overwrite"]));
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
    [InlineData("--date", "2015-12-08#0")]
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
        Assert.Equal(1, await Commands.RunAsync(["plots", "overlap", "--plots", Path.Combine(Repo.SharedData, "imagery", "eo-learn", "lulc.geojson"), "--insured", insured, "--json", json]));
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(json));
        var rows = doc.RootElement.GetProperty("plots").EnumerateArray().ToList();
        // Every field overlaps itself and only itself (neighbours share borders only).
        Assert.Equal(88, rows.Count);
        Assert.Contains(rows, r => r.GetProperty("other_policy").GetString() == "CP-2026-001" && r.GetProperty("share_of_plot").GetDouble() > 0.999);
        Assert.All(rows, r => Assert.Equal(r.GetProperty("plot_id").GetString(), r.GetProperty("other_plot_id").GetString()));
        var inputs = doc.RootElement.GetProperty("provenance").GetProperty("inputs").EnumerateArray().ToList();
        Assert.Equal(["plots", "insured"], inputs.Select(i => i.GetProperty("role").GetString()));
        Assert.Equal(Path.GetFullPath(insured), inputs[1].GetProperty("path").GetString());
        Assert.Equal(64, inputs[1].GetProperty("sha256").GetString()!.Length);
    }
}

public class ClaimsByMapCommandTests
{
    private static string EoLearn(string file) => Path.Combine(Repo.SharedData, "imagery", "eo-learn", file);

    private static string[] Dates(string json, string before, string after) =>
        ["claims", "by-map", "--plots", EoLearn("lulc.geojson"), "--stack", EoLearn("ndvi_stack.tif"), "--before", before, "--after", after, "--sum-insured", "10000", "--json", json];

    private static string[] Claim(string json, params string[] more) =>
        ["claims", "by-map", "--plots", EoLearn("lulc.geojson"), "--stack", EoLearn("ndvi_stack.tif"), "--clouds", EoLearn("clouds_stack.tif"),
            "--before", "2017-07-15", "--after", "2017-12-22", "--sum-insured", "10000", "--json", json, .. more];

    [Fact]
    public async Task Writes_the_assessment_with_its_provenance_and_one_map_per_plot()
    {
        using var dir = new TempFolder();
        var json = dir.File("claims.json");
        var csv = dir.File("claims.csv");
        var maps = dir.File("maps");
        // 1: some plots cannot be paid from the map (listed), the rest are assessed.
        Assert.Equal(1, await Commands.RunAsync(Claim(json, "--drop", "0.2", "--deductible", "0.1", "--csv", csv, "--png", maps)));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var rows = doc.RootElement.GetProperty("plots").EnumerateArray().ToList();
        Assert.Equal(88, rows.Count);
        foreach (var key in new[] { "id", "plot_m2", "covered_fraction", "damaged_m2", "damage_fraction", "indemnity", "nodata_fraction", "invalid_fraction", "quality", "note" })
            Assert.True(rows[0].TryGetProperty(key, out _), key);
        Assert.Equal("CNY", rows[0].GetProperty("indemnity").GetProperty("currency").GetString());
        // Plots the image shows only in part are not paid from it.
        Assert.All(rows.Where(r => r.GetProperty("quality").GetString() != "ok"), r => Assert.Equal(0m, r.GetProperty("indemnity").GetProperty("amount").GetDecimal()));
        Assert.Contains(rows, r => r.GetProperty("quality").GetString() == "partly-outside-raster");
        var settings = doc.RootElement.GetProperty("provenance").GetProperty("settings");
        Assert.Contains("0.2", settings.GetProperty("rule").GetString());
        Assert.Equal("0.1", settings.GetProperty("deductible").GetString());
        var inputs = doc.RootElement.GetProperty("provenance").GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("role").GetString()).ToList();
        Assert.Equal(["plots", "before", "after", "clouds_before", "clouds_after"], inputs);
        Assert.Equal(88, Directory.GetFiles(maps, "*.png").Length);
        Assert.Contains(File.ReadAllLines(csv), l => l.StartsWith("id,plot_m2,covered_fraction,damaged_m2,damage_fraction,indemnity,indemnity_currency,", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--drop", "-0.3")]
    [InlineData("--drop", "0")]
    [InlineData("--drop", "2.5")]
    [InlineData("--deductible", "1")]
    [InlineData("--currency", "yuan")]
    public async Task Terms_outside_their_range_exit_2_and_write_nothing(string option, string value)
    {
        using var dir = new TempFolder();
        var json = dir.File("claims.json");
        Assert.Equal(2, await Commands.RunAsync(Claim(json, option, value)));
        Assert.False(File.Exists(json));
    }

    [Fact]
    public async Task A_map_folder_that_is_not_empty_and_an_option_given_twice_are_refused()
    {
        using var dir = new TempFolder();
        var json = dir.File("claims.json");
        var maps = dir.File("maps");
        Directory.CreateDirectory(maps);
        File.WriteAllText(Path.Combine(maps, "5.png"), "the user's own");
        Assert.Equal(2, await Commands.RunAsync(Claim(json, "--png", maps)));
        Assert.Equal("the user's own", File.ReadAllText(Path.Combine(maps, "5.png")));
        Assert.Equal(2, await Commands.RunAsync(Claim(json, "--drop", "0.15", "--drop", "0.5")));
        Assert.False(File.Exists(json));
    }

    private static void GdalCreate(params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start("gdal_create", arguments)!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>Two undated WGS84 rasters of <paramref name="side"/> × <paramref name="side"/> cells, NDVI 0.8 then 0.3
    /// everywhere, and one square plot F1 of 127,594 m² inside them.</summary>
    private static (string Plots, string Before, string After) OneFallingPlot(TempFolder dir, int side)
    {
        var (before, after) = (dir.File("before.tif"), dir.File("after.tif"));
        foreach (var (path, value) in new[] { (before, "0.8"), (after, "0.3") })
            GdalCreate("-q", "-of", "GTiff", "-outsize", $"{side}", $"{side}", "-ot", "Float32", "-burn", value, "-a_srs", "EPSG:4326",
                "-a_ullr", "4.995", "50.005", "5.005", "49.995", path);
        var plots = dir.File("plots.geojson");
        File.WriteAllText(plots, """{"type":"FeatureCollection","features":[{"type":"Feature","id":"F1","properties":{},"geometry":{"type":"Polygon","coordinates":[[[4.998,49.998],[5.002,49.998],[5.002,50.002],[4.998,50.002],[4.998,49.998]]]}}]}""");
        return (plots, before, after);
    }

    [Fact]
    public async Task Two_rasters_that_do_not_say_when_they_were_taken_need_the_dates_stated_in_order()
    {
        using var dir = new TempFolder();
        var (plots, before, after) = OneFallingPlot(dir, 100);
        var json = dir.File("claims.json");
        string[] Run(params string[] more) => ["claims", "by-map", "--plots", plots, "--before", before, "--after", after, "--sum-insured", "10000", "--json", json, .. more];
        Assert.Equal(2, await Commands.RunAsync(Run()));
        Assert.Equal(2, await Commands.RunAsync(Run("--before-date", "2026-07-20", "--after-date", "2026-06-01")));
        Assert.False(File.Exists(json));
        Assert.Equal(0, await Commands.RunAsync(Run("--before-date", "2026-06-01", "--after-date", "2026-07-20")));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var row = doc.RootElement.GetProperty("plots")[0];
        Assert.Equal(127_594.4, row.GetProperty("plot_m2").GetDouble(), 0.1);
        Assert.Equal(9_000m, row.GetProperty("indemnity").GetProperty("amount").GetDecimal());
        Assert.False(row.GetProperty("indemnity").TryGetProperty("is_positive", out _));
        Assert.Equal("2026-07-20T00:00:00Z", doc.RootElement.GetProperty("provenance").GetProperty("inputs")[2].GetProperty("acquired").GetString());
    }

    [Fact]
    public async Task Maps_are_worded_in_the_language_asked_for_and_an_unknown_one_is_refused()
    {
        using var dir = new TempFolder();
        var (plots, before, after) = OneFallingPlot(dir, 20);
        string[] Run(string json, params string[] more) => ["claims", "by-map", "--plots", plots, "--before", before, "--after", after,
            "--before-date", "2026-06-01", "--after-date", "2026-07-20", "--sum-insured", "10000", "--json", dir.File(json), .. more];

        Assert.Equal(0, await Commands.RunAsync(Run("en.json", "--png", dir.File("en"))));
        Assert.Equal(0, await Commands.RunAsync(Run("zh.json", "--png", dir.File("zh"), "--lang", "zh-CN")));
        Assert.Equal(2, await Commands.RunAsync(Run("fr.json", "--png", dir.File("fr"), "--lang", "fr")));

        var (english, chinese) = (File.ReadAllBytes(dir.File("en/F1.png")), File.ReadAllBytes(dir.File("zh/F1.png")));
        Assert.NotEqual(english, chinese);
        Assert.False(File.Exists(dir.File("fr.json")));
        Assert.False(Directory.Exists(dir.File("fr")) && Directory.EnumerateFileSystemEntries(dir.File("fr")).Any());
    }

    [Fact]
    public async Task An_unknown_date_or_an_after_image_older_than_the_before_image_exits_2_and_writes_nothing()
    {
        using var dir = new TempFolder();
        var json = dir.File("claims.json");
        Assert.Equal(2, await Commands.RunAsync(Dates(json, "2017-07-16", "2017-12-22")));
        Assert.Equal(2, await Commands.RunAsync(Dates(json, "2017-12-22", "2017-07-15")));
        Assert.False(File.Exists(json));
    }

    [Fact]
    public async Task Two_acquisitions_on_one_day_are_taken_by_timestamp_or_number()
    {
        using var dir = new TempFolder();
        var json = dir.File("claims.json");
        Assert.Equal(1, await Commands.RunAsync(Dates(json, "2015-09-29", "2015-12-08T10:11:25")));
        Assert.Equal(1, await Commands.RunAsync([.. Dates(json, "2015-12-08#1", "2015-12-08#2"), "--overwrite"]));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        Assert.Equal("2015-12-08T10:11:25Z", doc.RootElement.GetProperty("provenance").GetProperty("inputs")[2].GetProperty("acquired").GetString());
    }

    [Fact]
    public async Task An_unwritable_csv_leaves_no_json_behind()
    {
        using var dir = new TempFolder();
        var json = dir.File("claims.json");
        var blocked = dir.File("a-file");
        File.WriteAllText(blocked, "");
        Assert.Equal(3, await Commands.RunAsync(Claim(json, "--csv", Path.Combine(blocked, "claims.csv"))));
        Assert.False(File.Exists(json));
        Assert.Equal(["a-file"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }
}

public class PlotFileTests
{
    [Fact]
    public async Task An_unclosed_ring_is_refused_naming_the_feature()
    {
        using var dir = new TempFolder();
        var plots = dir.File("open.geojson");
        File.WriteAllText(plots, """{"type":"FeatureCollection","features":[{"type":"Feature","id":"KE-0417","properties":{},"geometry":{"type":"Polygon","coordinates":[[[14.6,46.0],[14.61,46.0],[14.61,46.01],[14.6,46.01]]]}}]}""");
        var json = dir.File("acreage.json");
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(2, await Commands.RunAsync(["plots", "measure", "--plots", plots, "--raster", Path.Combine(Repo.SharedData, "imagery", "eo-learn", "ndvi_stack.tif"), "--date", "2015-07-11", "--json", json]));
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Contains("features[0] (id KE-0417)", error.ToString());
        Assert.False(File.Exists(json));
    }
}

public class PlotsMonitorTests
{
    private static string EoLearn(string file) => Path.Combine(Repo.SharedData, "imagery", "eo-learn", file);

    [Fact]
    public async Task Writes_every_plot_and_date_with_alerts_and_one_growth_curve_per_plot()
    {
        using var dir = new TempFolder();
        var (json, csv, curves) = (dir.File("season.json"), dir.File("season.csv"), dir.File("curves"));
        Assert.Equal(1, await Commands.RunAsync(["plots", "monitor", "--plots", EoLearn("lulc.geojson"), "--stack", EoLearn("ndvi_stack.tif"), "--clouds", EoLearn("clouds_stack.tif"),
            "--from", "2017-06-01", "--to", "2017-09-30", "--group-by", "LULC_NAME", "--json", json, "--csv", csv, "--png", curves]));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var plots = doc.RootElement.GetProperty("plots").EnumerateArray().ToList();
        Assert.Equal(88, plots.Count);
        var dates = plots[0].GetProperty("dates").EnumerateArray().ToList();
        Assert.All(dates, d => Assert.StartsWith("2017-0", d.GetProperty("time").GetString()));
        foreach (var key in new[] { "mean", "median", "valid_share", "clear", "neighbours", "alert" })
            Assert.True(dates[0].TryGetProperty(key, out _), key);
        var flagged = Assert.Single(plots, p => p.GetProperty("alerts").GetArrayLength() > 0);
        Assert.Equal("22", flagged.GetProperty("id").GetString());
        Assert.Equal(88 * dates.Count + 1, File.ReadAllLines(csv).Count(l => !l.StartsWith('#')));
        Assert.Equal(88, Directory.GetFiles(curves, "*.png").Length);
    }

    [Theory]
    [InlineData("--group-by", "CROP")]
    [InlineData("--from", "2017-13-01")]
    [InlineData("--margin", "1.5")]
    public async Task Bad_options_exit_2_and_write_nothing(string option, string value)
    {
        using var dir = new TempFolder();
        var json = dir.File("season.json");
        Assert.Equal(2, await Commands.RunAsync(["plots", "monitor", "--plots", EoLearn("lulc.geojson"), "--stack", EoLearn("ndvi_stack.tif"), option, value, "--json", json]));
        Assert.False(File.Exists(json));
    }
}

public class ImageryOutputTests
{
    private static string EoLearn(string file) => Path.Combine(Repo.SharedData, "imagery", "eo-learn", file);

    [Fact]
    public async Task A_cancelled_claims_run_leaves_no_json_and_no_map_folder()
    {
        using var dir = new TempFolder();
        var maps = dir.File("maps");
        var json = dir.File("claims.json");
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var saved = Commands.Interrupted;
        Commands.Interrupted = cancel.Token;
        try
        {
            Assert.Equal(130, await Commands.RunAsync(["claims", "by-map", "--plots", EoLearn("lulc.geojson"), "--stack", EoLearn("ndvi_stack.tif"),
                "--before", "2017-07-15", "--after", "2017-12-22", "--sum-insured", "10000", "--json", json, "--png", maps]));
        }
        finally
        {
            Commands.Interrupted = saved;
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }
}

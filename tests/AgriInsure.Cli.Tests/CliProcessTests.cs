using System.Diagnostics;
using System.Text.Json;
using AgriInsure.Cli;
using AgriInsure.Tests;
using Spectre.Console.Testing;

namespace AgriInsure.Cli.Tests;

/// <summary>The CLI run as a user runs it: its own process, output to a pipe, AGRI_HOME set.</summary>
internal static class Agri
{
    public sealed record Result(int Code, string Out, string Err);

    public static Process Start(string home, params string[] args) => StartIn(home, null, [], args);

    /// <summary>Started in <paramref name="folder"/> (the test's own by default) with <paramref name="environment"/> added.</summary>
    public static Process StartIn(string home, string? folder, (string Name, string Value)[] environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "agri.dll"));
        foreach (var a in args)
            start.ArgumentList.Add(a);
        start.Environment["AGRI_HOME"] = home;
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        if (folder is not null)
            start.WorkingDirectory = folder;
        return Process.Start(start)!;
    }

    public static Result Run(string home, params string[] args) => RunIn(home, null, [], args);

    public static Result RunIn(string home, string? folder, (string Name, string Value)[] environment, string[] args)
    {
        using var process = StartIn(home, folder, environment, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            // A hung run (a server that should have refused to start) must not outlive the test.
            process.Kill(entireProcessTree: true);
            Assert.Fail($"agri {string.Join(' ', args)} did not end");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>No .NET stack trace and no raw GDAL error line ever reaches the user.</summary>
    public static void Clean(Result r)
    {
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("Unhandled exception", r.Err);
        Assert.DoesNotContain("ERROR ", r.Err);
    }
}

public class CliHelpTests
{
    public static TheoryData<string> Verbs => new()
    {
        "demo", "serve", "token", "eval faces", "plots measure", "plots overlap", "plots monitor", "claims by-map", "herd census", "review list", "review show", "review decide", "model seed", "model retrain", "model promote", "ledger verify", "ledger prove", "ledger consistency",
    };

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Every_verb_has_help_with_its_options_an_example_and_the_exit_codes(string verb)
    {
        using var home = new TempFolder();
        var r = Agri.Run(home.Path, [.. verb.Split(' '), "--help"]);
        Assert.Equal(0, r.Code);
        Assert.Contains("Options:", r.Out);
        Assert.Contains("Examples:", r.Out);
        Assert.Contains($"tools/agri {verb}", r.Out);
        Assert.Contains("Exit codes:", r.Out);
        // serve's options are settings that appsettings.json and the environment may also give: an option
        // default would override them, so its help states each default in words.
        if (!verb.StartsWith("ledger", StringComparison.Ordinal) && verb != "serve")
            Assert.Contains("[default: ", r.Out);
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("plots")]
    [InlineData("claims")]
    [InlineData("ledger")]
    [InlineData("herd")]
    [InlineData("review")]
    [InlineData("model")]
    public void Every_group_lists_its_commands(string group)
    {
        using var home = new TempFolder();
        var r = Agri.Run(home.Path, group, "--help");
        Assert.Equal(0, r.Code);
        Assert.Contains("Commands:", r.Out);
    }

    [Fact]
    public void An_unknown_verb_is_named_without_the_whole_usage()
    {
        using var home = new TempFolder();
        var r = Agri.Run(home.Path, "harvest");
        Assert.Equal(2, r.Code);
        Assert.Contains("unknown command 'harvest'", r.Err);
        Assert.True(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 3, r.Err);
    }

    [Fact]
    public void Unknown_options_missing_values_and_bad_numbers_are_named()
    {
        using var home = new TempFolder();
        var typo = Agri.Run(home.Path, "plots", "overlap", "--plot", "a.geojson", "--insured", "b.geojson", "--json", "o.json");
        Assert.Equal(2, typo.Code);
        Assert.Contains("unknown option '--plot'", typo.Err);
        var prove = Agri.Run(home.Path, "ledger", "prove");
        Assert.Equal(2, prove.Code);
        Assert.Contains("--index", prove.Err);
        var drop = Agri.Run(home.Path, "claims", "by-map", "--plots", "p", "--before", "a", "--after", "b", "--sum-insured", "1", "--json", "o.json", "--drop", "0,2");
        Assert.Equal(2, drop.Code);
        Assert.Contains("--drop: '0,2' is not a number", drop.Err);
        var index = Agri.Run(home.Path, "ledger", "prove", "--index", "abc");
        Assert.Equal(2, index.Code);
        Assert.Contains("--index must be a whole number", index.Err);
        foreach (var r in new[] { typo, prove, drop, index })
            Agri.Clean(r);
    }

    [Theory]
    [InlineData("1,5")]
    [InlineData("1,0000")]
    [InlineData("1.000,50")]
    [InlineData("-100")]
    public void A_sum_insured_with_a_comma_or_a_sign_is_refused_not_read_as_another_amount(string amount)
    {
        using var home = new TempFolder();
        var eo = Path.Combine(Repo.SharedData, "imagery", "eo-learn");
        var r = Agri.Run(home.Path, "claims", "by-map", "--plots", Path.Combine(eo, "lulc.geojson"), "--stack", Path.Combine(eo, "ndvi_stack.tif"),
            "--before", "2017-05-21", "--after", "2017-07-20", "--sum-insured", amount, "--json", home.File("c.json"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--sum-insured", r.Err);
        Assert.False(File.Exists(home.File("c.json")));
    }
}

public class CliOutputTests
{
    private static string EoLearn(string file) => Path.Combine(Repo.SharedData, "imagery", "eo-learn", file);

    private static string[] Overlap(string json, params string[] more) =>
        ["plots", "overlap", "--plots", EoLearn("lulc.geojson"), "--insured", EoLearn("lulc.geojson"), "--json", json, .. more];

    [Fact]
    public void An_unwritable_output_is_refused_before_the_work_with_exit_3_naming_the_path()
    {
        using var home = new TempFolder();
        var r = Agri.Run(home.Path, Overlap("/proc/x.json"));
        Assert.Equal(3, r.Code);
        Assert.Contains("/proc/x.json", r.Err);
        Agri.Clean(r);

        // root writes through permissions: the check is then the file system's, not the mode bits'.
        if (!OperatingSystem.IsWindows() && Environment.UserName != "root")
        {
            var readOnly = home.File("read-only");
            Directory.CreateDirectory(readOnly);
            File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            var ro = Agri.Run(home.Path, Overlap(Path.Combine(readOnly, "o.json")));
            Assert.Equal(3, ro.Code);
            Agri.Clean(ro);
        }
        var folder = Agri.Run(home.Path, Overlap(home.Path));
        Assert.Equal(2, folder.Code);
        Assert.Contains("is a folder", folder.Err);
    }

    [Fact]
    public void An_existing_output_is_kept_unless_overwrite_is_given()
    {
        using var home = new TempFolder();
        var json = home.File("overlaps.json");
        File.WriteAllText(json, "the user's own");
        var refused = Agri.Run(home.Path, Overlap(json));
        Assert.Equal(2, refused.Code);
        Assert.Contains("--overwrite", refused.Err);
        Assert.Equal("the user's own", File.ReadAllText(json));
        Assert.Equal(1, Agri.Run(home.Path, Overlap(json, "--overwrite")).Code);
        Assert.StartsWith("{", File.ReadAllText(json));
        Assert.Equal(["overlaps.json"], Directory.GetFiles(home.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_file_that_is_not_a_raster_is_refused_in_our_words_without_gdal_lines()
    {
        using var home = new TempFolder();
        var notRaster = home.File("notes.tif");
        File.WriteAllText(notRaster, "not a raster");
        var r = Agri.Run(home.Path, "plots", "measure", "--plots", EoLearn("lulc.geojson"), "--raster", notRaster, "--json", home.File("m.json"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--raster", r.Err);
        Assert.Contains("notes.tif", r.Err);
        Agri.Clean(r);
        Assert.False(File.Exists(home.File("m.json")));
    }

    [Fact]
    public void Plots_written_latitude_first_are_refused_by_the_overlap_check_with_the_hint()
    {
        using var home = new TempFolder();
        var swapped = home.File("swapped.geojson");
        var lulc = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(EoLearn("lulc.geojson")))!;
        foreach (var feature in lulc["features"]!.AsArray())
        {
            var geometry = feature!["geometry"]!;
            var polygons = geometry["type"]!.GetValue<string>() == "Polygon" ? [geometry["coordinates"]!] : geometry["coordinates"]!.AsArray().Select(p => p!).ToArray();
            foreach (var ring in polygons.SelectMany(p => p.AsArray()))
            {
                foreach (var point in ring!.AsArray())
                {
                    var (x, y) = (point![0]!.GetValue<double>(), point[1]!.GetValue<double>());
                    point[0] = y;
                    point[1] = x;
                }
            }
        }
        File.WriteAllText(swapped, lulc.ToJsonString());
        var r = Agri.Run(home.Path, "plots", "overlap", "--plots", swapped, "--insured", EoLearn("lulc.geojson"), "--json", home.File("o.json"));
        Assert.Equal(2, r.Code);
        Assert.Contains("latitude", r.Err);
        Assert.False(File.Exists(home.File("o.json")));
    }

    [Fact]
    public void A_season_with_nothing_clear_says_that_no_alert_means_nothing()
    {
        using var home = new TempFolder();
        // The NDVI stack as its own cloud mask: every non-zero value hides its cell.
        var r = Agri.Run(home.Path, "plots", "monitor", "--plots", EoLearn("lulc.geojson"), "--stack", EoLearn("ndvi_stack.tif"), "--clouds", EoLearn("ndvi_stack.tif"),
            "--from", "2017-06-01", "--to", "2017-08-31", "--json", home.File("s.json"));
        Assert.Equal(0, r.Code);
        Assert.Contains("0 of ", r.Out);
        Assert.Contains("no plot was clear on any date", r.Err);
    }

    [Fact]
    public async Task Ctrl_c_stops_a_long_run_with_130_and_leaves_nothing()
    {
        using var home = new TempFolder();
        var json = home.File("season.json");
        var curves = home.File("curves");
        using var process = Agri.Start(home.Path, "plots", "monitor", "--plots", EoLearn("lulc.geojson"), "--stack", EoLearn("ndvi_stack.tif"),
            "--clouds", EoLearn("clouds_stack.tif"), "--json", json, "--png", curves, "--workers", "1");
        var output = process.StandardOutput.ReadToEndAsync();
        // The first progress line says the work has begun; the interrupt then lands inside it.
        var first = await process.StandardError.ReadLineAsync();
        Assert.Contains("watching", first);
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            kill.WaitForExit();
        var rest = await process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}: {rest} {await output}");
        Assert.Contains("interrupted", rest);
        Assert.Empty(Directory.EnumerateFileSystemEntries(home.Path));
    }
}

public class EvalHonestyTests
{
    [Fact]
    public void Animals_the_model_learned_from_are_left_out_unless_asked_and_too_few_animals_is_an_error()
    {
        using var home = new TempFolder();
        var cattely = Path.Combine(Repo.SharedData, "cattle", "cattely");
        var data = home.File("faces");
        // s1843 and sn19 trained the model (its manifest's split); s1778 and s1805 are held out.
        foreach (var animal in new[] { "s1843", "sn19", "s1778", "s1805" })
        {
            var target = Directory.CreateDirectory(Path.Combine(data, animal)).FullName;
            foreach (var file in Directory.GetFiles(Path.Combine(cattely, animal)).Order(StringComparer.Ordinal).Take(4))
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        string[] Eval(string json, params string[] more) =>
            ["eval", "faces", "--data", data, "--json", json, "--model", Repo.Manifest, "--face-check", "none", .. more];
        var honest = Agri.Run(home.Path, Eval(home.File("held-out.json")));
        Assert.Equal(0, honest.Code);
        Assert.Contains("left out 2 of 4 animals", honest.Err);
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(home.File("held-out.json"))))
            Assert.Equal(2, doc.RootElement.GetProperty("identities").GetInt32());
        var all = Agri.Run(home.Path, Eval(home.File("all.json"), "--include-training"));
        Assert.Equal(0, all.Code);
        Assert.Contains("flatter", all.Err);

        Directory.Delete(Path.Combine(data, "s1805"), recursive: true);
        var one = Agri.Run(home.Path, Eval(home.File("one.json")));
        Assert.Equal(2, one.Code);
        Assert.Contains("at least 2 animals", one.Err);
        Assert.False(File.Exists(home.File("one.json")));
    }
}

public class DemoFolderTests
{
    /// <summary>A demo on a data folder without cattle photos: the generated sample herd.</summary>
    private static Agri.Result Demo(string home, params string[] more) =>
        Agri.Run(home, ["demo", "--data", Directory.CreateDirectory(Path.Combine(home, "no-shared-data")).FullName, "--model", Repo.Manifest, "--herd", "2", .. more]);

    [Fact]
    public void A_data_folder_that_is_not_there_is_refused_by_name_rather_than_replaced_by_generated_photos()
    {
        using var home = new TempFolder();
        var r = Agri.Run(home.Path, ["demo", "--data", home.File("typo"), "--work", home.File("season")]);
        Assert.Equal(2, r.Code);
        Assert.Contains("--data", r.Err);
        Assert.False(Directory.Exists(home.File("season")));
    }

    [Fact]
    public void A_users_folder_is_refused_and_left_as_it_is()
    {
        using var home = new TempFolder();
        var work = home.File("mine");
        Directory.CreateDirectory(work);
        File.WriteAllText(Path.Combine(work, "precious.txt"), "keep me");
        foreach (var fresh in new[] { false, true })
        {
            var r = fresh ? Demo(home.Path, "--work", work, "--fresh") : Demo(home.Path, "--work", work);
            Assert.Equal(2, r.Code);
            Assert.Contains("left as it is", r.Err);
        }
        Assert.Equal(["precious.txt"], Directory.EnumerateFileSystemEntries(work).Select(Path.GetFileName));
    }

    [Fact]
    public void A_second_demo_keeps_the_first_and_fresh_replaces_only_what_a_demo_wrote()
    {
        using var home = new TempFolder();
        var first = Demo(home.Path);
        Assert.True(first.Code == 0, first.Out + first.Err);
        Assert.DoesNotContain("│", first.Out);
        var demo = Path.Combine(home.Path, ".agri", "demo");
        // Closed with their logs checkpointed: registry.db and ledger.db copied on their own hold everything.
        Assert.All(Directory.GetFiles(Path.Combine(demo, "cloud"), "*-wal"), wal => Assert.Equal(0, new FileInfo(wal).Length));
        var firstLedger = File.ReadAllBytes(Path.Combine(demo, "cloud", "ledger.db"));

        var second = Demo(home.Path);
        Assert.Equal(0, second.Code);
        Assert.Contains("kept in", second.Out);
        Assert.Equal(firstLedger, File.ReadAllBytes(Path.Combine(demo, "cloud", "ledger.db")));
        Assert.True(File.Exists(Path.Combine(home.Path, ".agri", "demo-2", "cloud", "ledger.db")));
        Assert.Equal(0, Agri.Run(home.Path, "ledger", "verify").Code);

        File.WriteAllText(Path.Combine(demo, "notes.txt"), "mine");
        var work = Demo(home.Path, "--work", demo);
        Assert.Equal(2, work.Code);
        Assert.Contains("--fresh", work.Err);
        Assert.Equal(0, Demo(home.Path, "--work", demo, "--fresh").Code);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(demo, "notes.txt")));
        Assert.NotEqual(firstLedger, File.ReadAllBytes(Path.Combine(demo, "cloud", "ledger.db")));
    }

    [Fact]
    public void Ledger_verify_changes_nothing_in_the_file_it_checks()
    {
        using var home = new TempFolder();
        var notLedger = home.File("other.db");
        File.WriteAllText(notLedger, "");
        var r = Agri.Run(home.Path, "ledger", "verify", "--ledger", notLedger);
        Assert.Equal(2, r.Code);
        Assert.Contains("holds no ledger", r.Err);
        Assert.Equal(0, new FileInfo(notLedger).Length);
        Assert.Equal(["other.db"], Directory.GetFiles(home.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_ledger_is_verified_without_a_file_appearing_beside_it()
    {
        using var home = new TempFolder();
        var report = Path.Combine(home.Path, "report", "demo.json");
        Assert.Equal(0, Demo(home.Path, "--json", report).Code);
        // The JSON keeps ids whole; only the terminal elides them.
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(report)))
        {
            var details = doc.RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("detail").GetString()!).ToList();
            Assert.Contains(details, d => d.Contains("(A-", StringComparison.Ordinal));
            Assert.DoesNotContain(details, d => System.Text.RegularExpressions.Regex.IsMatch(d, @"\(A-[^)]*…"));
        }
        Directory.Delete(Path.GetDirectoryName(report)!, recursive: true);
        var copy = home.File("copy.db");
        File.Copy(Path.Combine(home.Path, ".agri", "demo", "cloud", "ledger.db"), copy);
        var before = File.ReadAllBytes(copy);
        var r = Agri.Run(home.Path, "ledger", "verify", "--ledger", copy);
        Assert.Equal(0, r.Code);
        Assert.Contains("ledger: " + copy, r.Out);
        Assert.Equal(before, File.ReadAllBytes(copy));
        Assert.Equal(["copy.db"], Directory.GetFiles(home.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_census_names_the_insured_cow_not_seen_and_the_photo_of_a_cow_not_on_the_policy()
    {
        using var home = new TempFolder();
        Assert.Equal(0, Demo(home.Path).Code);
        var cloud = Path.Combine(home.Path, ".agri", "demo", "cloud");
        string policy;
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(cloud, "registry.db")};Mode=ReadOnly;Pooling=false"))
        {
            db.Open();
            using var query = db.CreateCommand();
            query.CommandText = "SELECT id FROM livestock_policies";
            policy = (string)query.ExecuteScalar()!;
        }
        var visit = home.File("visit");
        Directory.CreateDirectory(visit);
        // The demo's herd of two: cow 0 lives, cow 1 died and was paid; animal 7 was never enrolled.
        File.WriteAllBytes(Path.Combine(visit, "cow-0.png"), SampleHerd.Photo(0, 4));
        File.WriteAllBytes(Path.Combine(visit, "stranger.png"), SampleHerd.Photo(7, 1));
        File.WriteAllText(Path.Combine(visit, "notes.txt"), "not a photo");
        var json = home.File("census.json");
        var r = Agri.Run(home.Path, "herd", "census", "--policy", policy, "--photos", visit, "--day", "2026-10-01", "--model", Repo.Manifest, "--json", json);
        Assert.True(r.Code == 1, r.Out + r.Err);
        Assert.Contains("stranger.png shows no animal", r.Out);
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(json)))
        {
            var presence = doc.RootElement.GetProperty("census").GetProperty("animals").EnumerateArray().Select(a => a.GetProperty("presence").GetString()).Order().ToList();
            Assert.Equal(["claimed-dead", "seen"], presence);
        }

        var empty = home.File("empty");
        Directory.CreateDirectory(empty);
        var none = Agri.Run(home.Path, "herd", "census", "--policy", policy, "--photos", empty, "--model", Repo.Manifest, "--json", home.File("c2.json"));
        Assert.Equal(2, none.Code);
        Assert.Contains("holds no photos", none.Err);
        var unknown = Agri.Run(home.Path, "herd", "census", "--policy", "LP-NONE", "--photos", visit, "--day", "2026-10-01", "--model", Repo.Manifest, "--json", home.File("c3.json"));
        Assert.Equal(2, unknown.Code);
        Assert.Contains("no livestock policy", unknown.Err);
        Assert.False(File.Exists(home.File("c2.json")) || File.Exists(home.File("c3.json")));
    }

    [Fact]
    public void The_demos_flagged_duplicate_is_an_open_case_a_reviewer_decides_once()
    {
        using var home = new TempFolder();
        Assert.Equal(0, Demo(home.Path).Code);
        string[] Review(params string[] args) => ["review", .. args, "--model", Repo.Manifest];
        var list = Agri.Run(home.Path, Review("list", "--json", home.File("cases.json")));
        Assert.Equal(1, list.Code);
        string id;
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(home.File("cases.json"))))
        {
            var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
            Assert.Single(cases);
            id = cases[0].GetProperty("capture_id").GetString()!;
        }
        var show = Agri.Run(home.Path, Review("show", id));
        Assert.Equal(0, show.Code);
        Assert.Contains("same farmer", show.Out);
        var words = show.Out.Split(' ', '\n');
        var crops = words.Zip(words.Skip(1)).Where(w => w.First == "crop").Select(w => w.Second).ToList();
        // The second visit's three photos, each with its score, and the enrolled cow's three templates.
        Assert.Equal(6, crops.Count);
        Assert.All(crops, c => Assert.True(File.Exists(c), c));
        Assert.Equal(3, show.Out.Split('\n').Count(l => l.TrimStart().StartsWith("photo ", StringComparison.Ordinal) && l.Contains("best ", StringComparison.Ordinal)));

        var decided = Agri.Run(home.Path, Review("decide", id, "--verdict", "duplicate", "--by", "Wang (claims)", "--reason", "same cow, second photo"));
        Assert.Equal(0, decided.Code);
        Assert.Contains("nothing enrolled", decided.Out);
        var again = Agri.Run(home.Path, Review("decide", id, "--verdict", "new-animal", "--by", "Li", "--reason", "second look"));
        Assert.Equal(2, again.Code);
        Assert.Contains("already decided", again.Err);
        Assert.Equal(0, Agri.Run(home.Path, Review("list")).Code);
        Assert.Equal(2, Agri.Run(home.Path, Review("show", "NOPE")).Code);
        Assert.Equal(0, Agri.Run(home.Path, "ledger", "verify").Code);
    }

    [Fact]
    public void A_discarded_demo_removes_what_it_wrote_and_a_folder_it_made_but_not_the_users()
    {
        using var home = new TempFolder();
        var made = DemoFolder.Choose(null, false, home.File(".agri"));
        made.Prepare();
        Directory.CreateDirectory(Path.Combine(made.Path, "cloud"));
        made.Discard();
        Assert.False(Directory.Exists(made.Path));

        var users = home.File("empty");
        Directory.CreateDirectory(users);
        var given = DemoFolder.Choose(users, false, home.File(".agri"));
        given.Prepare();
        File.WriteAllText(Path.Combine(users, "handheld-outbox.db"), "");
        given.Discard();
        Assert.True(Directory.Exists(users));
        Assert.Empty(Directory.EnumerateFileSystemEntries(users));
    }
}

public class TerminalTests
{
    [Fact]
    public void Tables_fit_the_width_without_splitting_numbers_and_elide_ids_in_the_middle()
    {
        var console = new TestConsole().Width(100);
        var id = "KE-0417-" + new string('x', 60) + "-END";
        Terminal.Render(console,
            [new Column("id", Ids: true), new Column("area m²"), new Column("measured m²"), new Column("quality", Wraps: true)],
            [[id, "1,234,567.8", "987,654.3", "needs-clear-image 37.5 % of the plot is hidden by cloud or nodata on the acquisition of 2017-07-15"]]);
        var lines = console.Output.Split('\n');
        Assert.All(lines, l => Assert.True(l.TrimEnd().Length <= 100, l));
        Assert.Contains(lines, l => l.Contains("1,234,567.8") && l.Contains("987,654.3"));
        Assert.Contains(lines, l => l.Contains("KE-04") && l.Contains("…") && l.Contains("END"));
    }

    [Fact]
    public void A_table_too_wide_for_the_terminal_becomes_one_block_per_row()
    {
        var console = new TestConsole().Width(60);
        Terminal.Render(console,
            [new Column("#"), new Column("step", Wraps: true), new Column("expected"), new Column("outcome"), new Column("detail", Wraps: true)],
            [["1", "photograph the herd offline", "claim-refused-duplicate", "claim-refused-duplicate", "a death claim for cattely/s1805 is already on the ledger (entry 6)"]]);
        var lines = console.Output.Split('\n');
        Assert.All(lines, l => Assert.True(l.TrimEnd().Length <= 60, l));
        Assert.Contains(lines, l => l.Contains("photograph the herd offline"));
        Assert.Contains(lines, l => l.Contains("outcome") && l.Contains("claim-refused-duplicate"));
    }

    [Theory]
    [InlineData("A-01M8MBWJABCDEFGH4RYD91", 15, "A-01M8M…H4RYD91")]
    [InlineData("short", 15, "short")]
    public void Ids_are_elided_in_the_middle(string id, int max, string shown) => Assert.Equal(shown, Terminal.ElideMiddle(id, max));
}

using System.Text.Json;
using AgriInsure.Tests;
using Microsoft.Data.Sqlite;

namespace AgriInsure.Cli.Tests;

/// <summary>One demo season (the generated herd of two: cow 0 lives, cow 1 dies, is paid and claimed again, a census a
/// month later), run once; each test works on its own copy of the season's cloud folder.</summary>
public sealed class DemoSeasonFolder : IDisposable
{
    private readonly TempFolder _home = new();

    public DemoSeasonFolder()
    {
        var r = Agri.Run(_home.Path, ["demo", "--data", Directory.CreateDirectory(_home.File("no-shared-data")).FullName, "--model", Repo.Manifest, "--herd", "2"]);
        Assert.True(r.Code == 0, r.Out + r.Err);
        Cloud = Path.Combine(_home.Path, ".agri", "demo", "cloud");
    }

    public string Home => _home.Path;

    public string Cloud { get; }

    /// <summary>A copy of the season's registry and ledger in <paramref name="into"/>.</summary>
    public string CopyTo(string into)
    {
        var cloud = Path.Combine(into, "cloud");
        Directory.CreateDirectory(cloud);
        foreach (var file in new[] { "registry.db", "ledger.db" })
            File.Copy(Path.Combine(Cloud, file), Path.Combine(cloud, file));
        return cloud;
    }

    public static void Sql(string database, string sql)
    {
        using var db = new SqliteConnection($"Data Source={database};Pooling=false");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public static string Scalar(string database, string sql)
    {
        using var db = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=false");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    public void Dispose() => _home.Dispose();
}

public sealed class HerdHistoryTests(DemoSeasonFolder season) : IClassFixture<DemoSeasonFolder>
{
    private const string DeadCow = "SELECT subject_id FROM claims WHERE status = 'Accepted'";

    private static (Agri.Result Run, JsonDocument? Life) History(string home, string cloud, string animal)
    {
        var json = Path.Combine(home, $"life-{Guid.NewGuid():N}.json");
        var r = Agri.Run(home, "herd", "history", animal, "--cloud", cloud, "--json", json);
        Agri.Clean(r);
        return (r, File.Exists(json) ? JsonDocument.Parse(File.ReadAllBytes(json)) : null);
    }

    private static List<(string Event, string Status, string Detail)> Events(JsonDocument life) =>
        life.RootElement.GetProperty("events").EnumerateArray()
            .Select(e => (e.GetProperty("event").GetString()!, e.GetProperty("status").GetString()!, e.GetProperty("detail").GetString()!)).ToList();

    [Fact]
    public void The_dead_cows_life_is_each_event_with_its_entry_and_a_proof_that_verifies()
    {
        using var work = new TempFolder();
        var cloud = season.CopyTo(work.Path);
        var cow = DemoSeasonFolder.Scalar(Path.Combine(cloud, "registry.db"), DeadCow);
        var (r, life) = History(work.Path, cloud, cow);
        Assert.True(r.Code == 0, r.Out + r.Err);
        // The refused claim has nothing of its own to verify, and the summary says so rather than count it as verified.
        Assert.Contains("5 events anchored as the registry records them, every proof verifies; 1 refused claim with no ledger entry of its own", r.Out);
        var events = Events(life!);
        // In ledger order: enrolment, its cover and the policy, the paid claim, the same death claimed again (refused on the first claim's entry), the census.
        Assert.Equal(["enrolment", "cover", "policy", "claim", "claim", "census"], events.Select(e => e.Event));
        // The refused claim has no entry of its own: the paid claim's entry refused it, and it is not shown as anchored there.
        var paid = DemoSeasonFolder.Scalar(Path.Combine(cloud, "registry.db"), "SELECT id FROM claims WHERE status = 'Accepted'");
        Assert.Equal(["verified", "verified", "verified", "verified", "refused", "verified"], events.Select(e => e.Status));
        Assert.Contains(events, e => e.Event == "census" && e.Detail.EndsWith(": claimed-dead", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Event == "claim" && e.Detail.Contains("refused", StringComparison.Ordinal));
        var all = life!.RootElement.GetProperty("events").EnumerateArray().ToList();
        Assert.StartsWith($"not anchored: refused, the ledger holds claim {paid} for this key", all[4].GetProperty("check").GetString());
        Assert.Equal(JsonValueKind.Null, all[4].GetProperty("entry").ValueKind);
        var anchored = all.Where(e => e.GetProperty("status").GetString() == "verified").ToList();
        var entries = anchored.Select(e => e.GetProperty("entry").GetInt64()).ToList();
        Assert.Equal(entries.Count, entries.Distinct().Count());
        var root = life.RootElement.GetProperty("ledger").GetProperty("root").GetString();
        Assert.Contains($"root {root}", r.Out);
        Assert.All(anchored, e => Assert.True(e.GetProperty("proof").GetProperty("path").GetArrayLength() > 0));
    }

    [Fact]
    public void The_living_cow_is_seen_at_the_census()
    {
        using var work = new TempFolder();
        var cloud = season.CopyTo(work.Path);
        var cow = DemoSeasonFolder.Scalar(Path.Combine(cloud, "registry.db"), $"SELECT id FROM animals WHERE id NOT IN ({DeadCow})");
        var (r, life) = History(work.Path, cloud, cow);
        Assert.True(r.Code == 0, r.Out + r.Err);
        var events = Events(life!);
        Assert.Equal(["enrolment", "cover", "policy", "census"], events.Select(e => e.Event));
        Assert.Contains(": seen (photo ", events[^1].Detail);
        // The cow's second enrolment, flagged as a duplicate of it and never reviewed, is named but not an anchored event.
        Assert.Single(life!.RootElement.GetProperty("awaiting_review").EnumerateArray());
    }

    [Fact]
    public void An_id_shortened_as_the_demo_prints_it_finds_its_one_animal_and_an_ambiguous_one_names_the_candidates()
    {
        using var work = new TempFolder();
        var cloud = season.CopyTo(work.Path);
        var cow = DemoSeasonFolder.Scalar(Path.Combine(cloud, "registry.db"), DeadCow);
        var (r, life) = History(work.Path, cloud, $"{cow[..7]}…{cow[^7..]}");
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Equal(cow, life!.RootElement.GetProperty("animal").GetString());

        var (ambiguous, none) = History(work.Path, cloud, "A-…");
        Assert.Equal(2, ambiguous.Code);
        Assert.Matches(@"[0-9]+ animals of tenant \S+ match", ambiguous.Err);
        Assert.Contains(cow, ambiguous.Err);
        Assert.Null(none);
    }

    [Fact]
    public void An_unknown_animal_is_a_usage_error_naming_it()
    {
        using var work = new TempFolder();
        var cloud = season.CopyTo(work.Path);
        var (r, life) = History(work.Path, cloud, "A-NOSUCHCOW");
        Assert.Equal(2, r.Code);
        Assert.Contains("A-NOSUCHCOW", r.Err);
        Assert.Null(life);
    }

    [Fact]
    public void A_changed_ledger_entry_is_named_and_no_proof_is_checked_against_the_tampered_ledger()
    {
        using var work = new TempFolder();
        var cloud = season.CopyTo(work.Path);
        var cow = DemoSeasonFolder.Scalar(Path.Combine(cloud, "registry.db"), DeadCow);
        DemoSeasonFolder.Sql(Path.Combine(cloud, "ledger.db"), $"DROP TRIGGER entries_no_update; UPDATE entries SET payload_hash = '{new string('0', 64)}' WHERE kind = 'census'");
        var (r, life) = History(work.Path, cloud, cow);
        Assert.Equal(1, r.Code);
        Assert.Contains("ledger TAMPERED", r.Out);
        var events = Events(life!);
        Assert.Equal("hash-mismatch", events.Single(e => e.Event == "census").Status);
        Assert.All(events.Where(e => e.Event != "census"), e => Assert.Equal("ledger-tampered", e.Status));
    }

    [Fact]
    public void A_forged_interior_hash_is_tampering_though_every_entry_hashes_and_no_event_is_proved_through_it()
    {
        using var work = new TempFolder();
        var cloud = season.CopyTo(work.Path);
        var cow = DemoSeasonFolder.Scalar(Path.Combine(cloud, "registry.db"), DeadCow);
        DemoSeasonFolder.Sql(Path.Combine(cloud, "ledger.db"), "DROP TRIGGER nodes_no_update; UPDATE nodes SET hash = zeroblob(32)");
        var (r, life) = History(work.Path, cloud, cow);
        Assert.Equal(1, r.Code);
        Assert.Contains("TAMPERED", r.Out);
        Assert.Contains("interior node", r.Out);
        Assert.All(Events(life!), e => Assert.NotEqual("verified", e.Status));
    }

    [Fact]
    public void A_life_event_missing_from_the_ledger_is_named()
    {
        using var work = new TempFolder();
        var cloud = season.CopyTo(work.Path);
        var cow = DemoSeasonFolder.Scalar(Path.Combine(cloud, "registry.db"), DeadCow);
        // The registry's census points at a key nothing was anchored under.
        DemoSeasonFolder.Sql(Path.Combine(cloud, "registry.db"), $"PRAGMA foreign_keys = OFF; UPDATE census_visits SET ledger_key = '{new string('a', 64)}'");
        var (r, life) = History(work.Path, cloud, cow);
        Assert.Equal(1, r.Code);
        var events = Events(life!);
        Assert.Equal("missing", events.Single(e => e.Event == "census").Status);
        Assert.All(events.Where(e => e.Event != "census"), e => Assert.Contains(e.Status, new[] { "verified", "refused" }));
        Assert.Contains("census (census of ", r.Out);
    }

    [Fact]
    public void The_demo_seasons_registry_and_ledger_agree()
    {
        using var work = new TempFolder();
        var cloud = season.CopyTo(work.Path);
        var r = Agri.Run(work.Path, "ledger", "reconcile", "--cloud", cloud);
        Agri.Clean(r);
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("registry and ledger agree", r.Out);
        var entries = DemoSeasonFolder.Scalar(Path.Combine(cloud, "ledger.db"), "SELECT COUNT(*) FROM entries");
        Assert.Contains($"ledger: {entries} entries", r.Out);
    }

    [Fact]
    public void Reconcile_lists_each_divergence_missing_unknown_and_mismatched()
    {
        using var work = new TempFolder();
        var cloud = season.CopyTo(work.Path);
        // The census re-keyed in the registry: its record is missing on the ledger, and its entry unknown to the registry.
        DemoSeasonFolder.Sql(Path.Combine(cloud, "registry.db"), $"PRAGMA foreign_keys = OFF; UPDATE census_visits SET ledger_key = '{new string('a', 64)}'");
        // The policy's entry holds other terms than the registry's policy.
        DemoSeasonFolder.Sql(Path.Combine(cloud, "ledger.db"), $"DROP TRIGGER entries_no_update; UPDATE entries SET payload_hash = '{new string('0', 64)}' WHERE kind = 'policy'");
        var json = work.File("reconcile.json");
        var r = Agri.Run(work.Path, "ledger", "reconcile", "--cloud", cloud, "--json", json);
        Agri.Clean(r);
        Assert.Equal(1, r.Code);
        // The policy's entry was changed in the file: the ledger is tampered, and said so before the divergences.
        Assert.Contains("ledger TAMPERED: first bad entry", r.Out);
        Assert.Contains("3 divergences: 1 missing on the ledger, 1 unknown to the registry, 1 hash mismatches", r.Out);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var found = doc.RootElement.GetProperty("divergences").EnumerateArray().Select(d => (Kind: d.GetProperty("kind").GetString(), Entry: d.GetProperty("entry"))).ToList();
        Assert.Equal(["hash-mismatch", "missing-on-ledger", "unknown-to-registry"], found.Select(d => d.Kind).Order());
        var census = long.Parse(DemoSeasonFolder.Scalar(Path.Combine(cloud, "ledger.db"), "SELECT idx FROM entries WHERE kind = 'census'"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(census, found.Single(d => d.Kind == "unknown-to-registry").Entry.GetInt64());
        Assert.Equal(JsonValueKind.Null, found.Single(d => d.Kind == "missing-on-ledger").Entry.ValueKind);
    }

    [Fact]
    public void Another_tenants_entries_are_unknown_unless_it_is_named()
    {
        using var work = new TempFolder();
        var cloud = season.CopyTo(work.Path);
        var r = Agri.Run(work.Path, "ledger", "reconcile", "--cloud", cloud, "--tenant", "other");
        Assert.Equal(1, r.Code);
        Assert.Contains("0 missing on the ledger", r.Out);
        Assert.Equal(0, Agri.Run(work.Path, "ledger", "reconcile", "--cloud", cloud, "--tenant", "other", "--tenant", "demo").Code);
    }
}

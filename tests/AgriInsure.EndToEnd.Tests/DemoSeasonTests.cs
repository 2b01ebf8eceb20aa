using AgriInsure.Cli;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.EndToEnd.Tests;

/// <summary>The demo path end to end: handheld, outbox, MQTT, ingest, registry, ledger, all real embedded engines.</summary>
public class DemoSeasonTests
{
    private static async Task<DemoReport> Run(string dataRoot, TempFolder dir)
    {
        var options = new DemoOptions(dir.File("demo"), Repo.Manifest, dataRoot, FaceCheckManifestPath: Repo.FaceCheck);
        return await new DemoSeason(options, NullLoggerFactory.Instance).RunAsync();
    }

    private static void AssertSeason(DemoReport report)
    {
        var failures = report.Steps.Where(s => !s.AsExpected).Select(s => $"{s.Step}: expected {s.Expected}, got {s.Actual} ({s.Detail})");
        Assert.True(report.AllAsExpected, string.Join("\n", failures));
        Assert.Equal(5, report.Counts.Animals);
        Assert.Equal(1, report.Counts.Policies);
        Assert.Equal(1, report.Counts.AcceptedClaims);
        Assert.Equal(2, report.Counts.RefusedClaims);
        Assert.Equal(1, report.Counts.FlaggedEnrolments);
        // 5 enrolments + 5 animals' covers + 1 policy + its signed contract + 1 claim + 1 census anchored; the refused claim is not.
        Assert.Equal(14, report.LedgerEntries);
    }

    [Fact]
    public async Task A_season_on_real_cattle_photos_goes_as_expected()
    {
        using var dir = new TempFolder();
        var report = await Run(Repo.SharedData, dir);
        Assert.True(report.RealPhotos, report.PhotoSource);
        AssertSeason(report);
        await using var ledger = await SqliteLedger.OpenAsync(Path.Combine(dir.File("demo"), "cloud", "ledger.db"));
        Assert.True((await ledger.VerifyAsync()).IsIntact);
    }

    [Fact]
    public async Task Without_shared_data_the_season_runs_on_generated_photos()
    {
        using var dir = new TempFolder();
        var report = await Run(dir.File("no-such-data"), dir);
        Assert.False(report.RealPhotos);
        Assert.Contains("not found", report.PhotoSource);
        AssertSeason(report);
    }
}

using System.Diagnostics;
using AgriInsure.Audit;
using AgriInsure.Domain;
using AgriInsure.Registry;
using AgriInsure.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AgriInsure.Cloud.Host.Tests;

/// <summary>A census report over a herd of 1,000 insured animals, 900 of them seen by one visit: how long it takes.</summary>
public sealed class CensusScaleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Herd = 1_000, Seen = 900;
    private static readonly DateOnly Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1);

    private readonly TempFolder _home = new();
    private WebApplication _app = null!;
    private CloudEngines _engines = null!;
    private string _policy = "";

    public async Task InitializeAsync()
    {
        _app = CloudHost.Build(["--urls", "http://127.0.0.1:0"], new Dictionary<string, string?>
        {
            ["Cloud:Folder"] = _home.File("cloud"),
            ["Cloud:Manifest"] = Repo.Manifest,
            ["Cloud:BrokerPort"] = "0",
        });
        await _app.StartAsync();
        _engines = _app.Services.GetRequiredService<CloudRuntime>().Engines!;
        var registry = _engines.Registry;
        await registry.AddFarmerAsync(Farmer.Create("A", "F1", "王建国", "四川").Value);
        var ids = new List<string>();
        for (var cow = 0; cow < Herd; cow++)
        {
            // Straight into the registry: the enrolment rules (a 1:N search each) are not what is measured.
            var id = $"A-{cow:0000}";
            var face = Face(cow);
            var capture = new CaptureRecord($"C-{cow:0000}", "A", "hh-1", "agent-1", CapturePurpose.Enrol, Species.Cattle, null, "F1", new GeoPoint(103, 30), 5,
                DateTimeOffset.UtcNow, "1", [new PhotoRecord(face, $"crops/A/C-{cow:0000}/0.jpg")], DateTimeOffset.UtcNow);
            await registry.RecordEnrolmentAsync(capture, new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "", id, null),
                Animal.Create(id, "F1", Species.Cattle, null, [face]).Value);
            ids.Add(id);
        }
        _policy = (await _engines.Desk.IssuePolicyAsync("A", "F1", ids, Money.Create(8000m, "CNY", "sum").Value, Money.Create(320m, "CNY", "premium").Value,
            Coverage.Create(Start, Start.AddDays(364)).Value)).Value.Id;
        var clock = Stopwatch.StartNew();
        var visit = await _engines.Desk.CensusAsync("A", _policy, Start, [.. Enumerable.Range(0, Seen).Select(cow => new CensusPhoto($"cow-{cow}.jpg", [Face(cow)]))]);
        Assert.True(visit.IsOk, visit.Error?.ToString());
        output.WriteLine($"census visit of {Seen} photos over {Herd} insured animals: {clock.ElapsedMilliseconds} ms");
    }

    private static Embedding Face(int cow)
    {
        var r = new Random(cow);
        return Embedding.Create([.. Enumerable.Range(0, 32).Select(_ => (float)(r.NextDouble() - 0.5))], "test-model").Value;
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _home.Dispose();
    }

    [Fact]
    public async Task A_report_over_a_thousand_insured_animals_counts_each_once_in_seconds_at_most()
    {
        var reports = new CensusReports(_engines.Registry, _engines.Ledger, _engines.Witness);
        var steps = 0;
        var clock = Stopwatch.StartNew();
        var first = (await reports.BuildAsync("A", null, "F1", Start, (_, _) => steps++)).Value;
        var cold = clock.ElapsedMilliseconds;
        clock.Restart();
        var report = (await reports.BuildAsync("A", _policy, null, Start)).Value;
        var warm = clock.ElapsedMilliseconds;
        output.WriteLine($"census report over {Herd} animals: {cold} ms with the witness's first read of the ledger, {warm} ms after");
        Assert.Equal((Seen, Herd - Seen), (report.Counts[CensusOutcome.Seen], report.Counts[CensusOutcome.NotSeen]));
        Assert.Equal(first.Animals, report.Animals);
        Assert.True(report.AllVerified);
        Assert.Equal(Herd + 1, steps);
        Assert.True(warm < 5_000, $"{warm} ms");
    }
}

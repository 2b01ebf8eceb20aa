using AgriInsure.Domain;
using AgriInsure.Registry;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Tests;
using Microsoft.Data.Sqlite;

namespace AgriInsure.Registry.Tests;

public class SqliteRegistryTests
{
    internal static Embedding Vec(int seed, int dim = 32)
    {
        var r = new Random(seed);
        return Embedding.Create(Enumerable.Range(0, dim).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray(), "m1").Value;
    }

    private static CaptureRecord Capture(string id, Embedding e, CapturePurpose purpose = CapturePurpose.Enrol) =>
        new(id, "t1", "d1", "ag1", purpose, Species.Cattle, null, "F1", new GeoPoint(14.5, 45.8), 5, DateTimeOffset.UnixEpoch, "1.0", [new PhotoRecord(e, $"crops/t1/{id}/0.jpg")], DateTimeOffset.UnixEpoch);

    private static async Task<IReadOnlyList<Match>> Search(SqliteRegistry registry, Embedding probe, Species species, int top) =>
        (await registry.SearchAsync("t1", [probe], species, new ScopeFilter.Everyone(), top)).Top;

    [Fact]
    public async Task An_animal_keeps_its_templates_and_crops_in_order_and_is_scored_by_the_fusion_rule_after_reopening()
    {
        using var dir = new TempFolder();
        var path = dir.File("r.db");
        IReadOnlyList<Embedding> templates = [Vec(1), Vec(2), Vec(3)];
        var capture = Capture("C1", Vec(1)) with { Photos = [.. templates.Select((t, i) => new PhotoRecord(t, $"crops/t1/C1/{i}.jpg"))] };
        await using (var registry = await WithFarmer(path))
        {
            var animal = Animal.Create("A1", "F1", Species.Cattle, null, templates).Value;
            await registry.RecordEnrolmentAsync(capture, new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "", "A1", null), animal);
        }
        await using var reopened = await SqliteRegistry.OpenAsync(path);
        var stored = (await reopened.FindAnimalAsync("t1", "A1"))!;
        Assert.Equal(templates.Select(t => t.Values.ToArray()), stored.Templates.Select(t => t.Values.ToArray()));
        Assert.Equal(["crops/t1/C1/0.jpg", "crops/t1/C1/1.jpg", "crops/t1/C1/2.jpg"], (await reopened.FindCaptureAsync("C1"))!.Capture.Photos.Select(p => p.CropBlobKey));
        IReadOnlyList<Embedding> probes = [Vec(2), Vec(9)];
        var hit = Assert.Single((await reopened.SearchAsync("t1", probes, Species.Cattle, new ScopeFilter.Everyone(), 1)).Top);
        Assert.Equal(3, hit.Templates);
        Assert.Equal((Vec(2).Similarity(Vec(2)) + templates.Max(Vec(9).Similarity)) / 2, hit.Score, 5);
        Assert.Equal(FusedScore.Of(probes, templates), hit.Score, 6);
        var sample = await reopened.SampleGalleryAsync("t1", Species.Cattle, "m1", 10);
        Assert.Equal(3, Assert.Single(sample.TemplateSets).Count);
    }

    private static async Task<SqliteRegistry> WithFarmer(string path)
    {
        var registry = await SqliteRegistry.OpenAsync(path);
        await registry.AddFarmerAsync(Farmer.Create("t1", "F1", "Wang", "Hebei").Value);
        return registry;
    }

    [Fact]
    public async Task Search_ranks_by_cosine_and_filters_by_species_and_model()
    {
        using var dir = new TempFolder();
        await using var registry = await WithFarmer(dir.File("r.db"));
        for (var i = 0; i < 40; i++)
        {
            var animal = Animal.Create($"A{i}", "F1", i % 2 == 0 ? Species.Cattle : Species.Yak, null, [Vec(i)]).Value;
            await registry.RecordEnrolmentAsync(Capture($"C{i}", Vec(i)), new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "", animal.Id, null), animal);
        }
        var hits = await Search(registry, Vec(10), Species.Cattle, 3);
        Assert.Equal("A10", hits[0].AnimalId);
        Assert.Equal(1f, hits[0].Score, 5);
        Assert.True(hits[0].Score >= hits[1].Score && hits[1].Score >= hits[2].Score);
        Assert.DoesNotContain(await Search(registry, Vec(11), Species.Cattle, 40), m => m.AnimalId == "A11");
        var otherModel = Embedding.Create(Vec(10).Values, "m2").Value;
        Assert.Empty(await Search(registry, otherModel, Species.Cattle, 3));
    }

    [Fact]
    public async Task Templates_are_reloaded_on_open()
    {
        using var dir = new TempFolder();
        var path = dir.File("r.db");
        await using (var registry = await WithFarmer(path))
        {
            var animal = Animal.Create("A1", "F1", Species.Cattle, "TAG-1", [Vec(1)]).Value;
            await registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "why", "A1", 0.3f), animal);
        }
        await using var reopened = await SqliteRegistry.OpenAsync(path);
        Assert.Equal("A1", (await Search(reopened, Vec(1), Species.Cattle, 1))[0].AnimalId);
        var stored = await reopened.FindCaptureAsync("C1");
        Assert.Equal(CaptureOutcome.Enrolled, stored!.Decision.Outcome);
        Assert.Equal(0.3f, stored.Decision.Score);
        Assert.Equal(Vec(1).Values.ToArray(), stored.Capture.Photos[0].Embedding.Values.ToArray());
        Assert.Equal("TAG-1", (await reopened.FindAnimalAsync("t1", "A1"))!.EarTag);
    }

    [Fact]
    public async Task A_failed_write_leaves_nothing_behind()
    {
        using var dir = new TempFolder();
        await using var registry = await WithFarmer(dir.File("r.db"));
        var orphan = Animal.Create("A1", "NO-SUCH-FARMER", Species.Cattle, null, [Vec(1)]).Value;
        await Assert.ThrowsAsync<SqliteException>(() =>
            registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "", "A1", null), orphan));
        Assert.Null(await registry.FindCaptureAsync("C1"));
        Assert.Empty(await Search(registry, Vec(1), Species.Cattle, 1));
        Assert.Equal(0, (await registry.CountsAsync("t1")).Captures);
    }

    [Fact]
    public async Task A_capture_id_is_stored_once()
    {
        using var dir = new TempFolder();
        await using var registry = await WithFarmer(dir.File("r.db"));
        var decision = new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment, "", null, null);
        await registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), decision, null);
        await Assert.ThrowsAsync<SqliteException>(() => registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), decision, null));
        Assert.Equal(1, (await registry.CountsAsync("t1")).Captures);
    }

    [Fact]
    public async Task Finds_the_policy_active_on_a_day()
    {
        using var dir = new TempFolder();
        await using var registry = await WithFarmer(dir.File("r.db"));
        var animal = Animal.Create("A1", "F1", Species.Cattle, null, [Vec(1)]).Value;
        await registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "", "A1", null), animal);
        var policy = LivestockPolicy.Create("P1", "F1", ["A1"], Money.Create(100m, "CNY").Value, Money.Create(4m, "CNY").Value,
            Coverage.Create(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)).Value).Value;
        await registry.AddLivestockPolicyAsync("t1", policy, 0);
        Assert.Equal(policy.Id, (await registry.FindActivePolicyAsync("t1", "A1", new DateOnly(2026, 12, 31)))!.Id);
        Assert.Null(await registry.FindActivePolicyAsync("t1", "A1", new DateOnly(2027, 1, 1)));
        Assert.Null(await registry.FindActivePolicyAsync("t1", "A2", new DateOnly(2026, 6, 1)));
        Assert.Equal(100m, (await registry.FindActivePolicyAsync("t1", "A1", new DateOnly(2026, 6, 1)))!.SumInsuredPerHead.Amount);
    }

    [Fact]
    public async Task Searches_run_while_enrolments_are_written()
    {
        using var dir = new TempFolder();
        await using var registry = await WithFarmer(dir.File("r.db"));
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                var animal = Animal.Create($"A{i}", "F1", Species.Cattle, null, [Vec(i)]).Value;
                await registry.RecordEnrolmentAsync(Capture($"C{i}", Vec(i)), new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "", animal.Id, null), animal);
            }
        });
        var searches = 0;
        while (!writer.IsCompleted)
        {
            var hits = await Search(registry, Vec(0), Species.Cattle, 5);
            Assert.True(hits.Count <= 5);
            Assert.All(hits, h => Assert.StartsWith("A", h.AnimalId));
            searches++;
        }
        await writer;
        Assert.True(searches > 0);
        Assert.Equal(200, (await registry.CountsAsync("t1")).Animals);
    }
}

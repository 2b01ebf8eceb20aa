using AgriInsure.Domain;
using AgriInsure.Livestock.Calibration;
using AgriInsure.Registry;

namespace AgriInsure.Livestock.Tests;

/// <summary>The desk's scopes and calibrated thresholds on a real SQLite registry. Faces are random 64-d
/// vectors, so different animals score about N(0, 1/8): an impostor tail the calibration can measure.</summary>
public sealed class ScopedSearchTests() : DeskTests(LivestockOptions.Create(Floor).Value, "F1", "F2", "FAR")
{
    private const float Floor = 0.4f;
    private static readonly GeoPoint Farm = new(100, 36);

    /// <summary>About 5 km east of <see cref="Farm"/> (0.0556° of longitude at 36° N).</summary>
    private static readonly GeoPoint Neighbour = new(100.0556, 36);

    private static readonly Coverage Year = Coverage.Create(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)).Value;
    private int _captures;

    private static Embedding Face(int animal) => Embedding.Create(Unit(animal), "m").Value;

    private static float[] Unit(int seed)
    {
        var r = new Random(seed);
        return [.. Enumerable.Range(0, 64).Select(_ => (float)(r.NextDouble() - 0.5))];
    }

    /// <summary>A photo of <paramref name="animal"/> that scores exactly <paramref name="score"/> against its first
    /// one: cos θ · face + sin θ · (a direction orthogonal to it).</summary>
    private static Embedding Photo(int animal, float score, int shot = 1)
    {
        var face = Face(animal).Values.ToArray();
        var other = Face(animal * 7919 + shot).Values.ToArray();
        var along = other.Zip(face, (o, f) => o * f).Sum();
        var orthogonal = other.Zip(face, (o, f) => o - along * f).ToArray();
        var length = MathF.Sqrt(orthogonal.Sum(v => v * v));
        var sin = MathF.Sqrt(1 - score * score);
        return Embedding.Create([.. face.Zip(orthogonal, (f, o) => score * f + sin * o / length)], "m").Value;
    }

    private CaptureRecord Capture(Embedding face, CapturePurpose purpose, string? farmer, GeoPoint at)
    {
        var id = $"C{++_captures:D5}";
        return new CaptureRecord(id, "t", "d", "ag", purpose, Species.Cattle, null, farmer, at, 4,
            new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero), "1", [new PhotoRecord(face, $"crops/{id}/0.jpg")], new DateTimeOffset(2026, 6, 1, 8, 30, 0, TimeSpan.Zero));
    }

    /// <summary>Enrols animals straight into the registry (no ledger), as an earlier season would have.</summary>
    private async Task Seed(IEnumerable<int> animals, string farmer, GeoPoint at)
    {
        foreach (var a in animals)
        {
            var capture = Capture(Face(a), CapturePurpose.Enrol, farmer, at);
            var animal = Animal.Create($"A{a}", farmer, Species.Cattle, null, capture.Embeddings).Value;
            await Registry.RecordEnrolmentAsync(capture, new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "seeded", animal.Id, null), animal);
        }
    }

    private static ScopeResult Scope(CaptureDecision d, SearchScope scope) => d.Scopes.Single(s => s.Scope == scope);

    [Fact]
    public async Task A_cow_re_enrolled_at_a_neighbours_farm_is_flagged_in_the_radius_scope_though_the_registry_threshold_would_pass_it()
    {
        await Seed(Enumerable.Range(1000, 400), "FAR", new GeoPoint(110, 30));
        await Seed([1, 2, 3], "F1", Farm);
        var tail = await new GalleryCalibration(Registry).CurrentAsync("t", Species.Cattle, "m", 1, 403);
        var registryThreshold = ScopeThresholds.For(403, Floor, 0.01, tail).Threshold;
        var radiusThreshold = ScopeThresholds.For(3, Floor, 0.01, tail).Threshold;
        Assert.True(radiusThreshold < registryThreshold, $"{radiusThreshold} vs {registryThreshold}");

        var score = (radiusThreshold + registryThreshold) / 2;
        var d = await Desk.EnrolAsync(Capture(Photo(2, score), CapturePurpose.Enrol, "F2", Neighbour));

        Assert.Equal((CaptureOutcome.DuplicateEnrolment, "A2"), (d.Outcome, d.AnimalId));
        Assert.Equal([SearchScope.Farmer, SearchScope.Radius, SearchScope.Registry], d.Scopes.Select(s => s.Scope));
        var radius = Scope(d, SearchScope.Radius);
        Assert.Equal((3, radiusThreshold, "A2", true), (radius.Size, radius.Threshold, radius.Best!.AnimalId, radius.Matched));
        Assert.Equal(score, radius.Best.Score, 4);
        var registry = Scope(d, SearchScope.Registry);
        Assert.Equal((403, registryThreshold, false), (registry.Size, registry.Threshold, registry.Matched));
        Assert.Equal((0, false), (Scope(d, SearchScope.Farmer).Size, Scope(d, SearchScope.Farmer).Matched));
        Assert.Contains("radius scope", d.Reason);

        // The same photo taken 30 km away is outside the radius: only the registry-wide threshold applies, and it passes.
        var far = await Desk.EnrolAsync(Capture(Photo(2, score), CapturePurpose.Enrol, "F2", new GeoPoint(100.34, 36)));
        Assert.Equal(CaptureOutcome.Enrolled, far.Outcome);
        Assert.Equal(0, Scope(far, SearchScope.Radius).Size);

        var stored = (await Registry.FindCaptureAsync(d.AnimalId is null ? "" : $"C{_captures - 1:D5}"))!.Decision;
        Assert.Equal(d.Scopes, stored.Scopes);
    }

    [Fact]
    public async Task A_brand_new_registry_uses_the_manifest_floor_until_a_hundred_animals_are_enrolled()
    {
        var first = await Desk.EnrolAsync(Capture(Face(1), CapturePurpose.Enrol, "F1", Farm));
        Assert.All(first.Scopes, s => Assert.Equal((Floor, (double?)null, 0, 0), (s.Threshold, s.ExpectedFalseDuplicateRate, s.CalibrationAnimals, s.Size)));
        await Seed(Enumerable.Range(2, 98), "F1", Farm);
        var at99 = await Desk.EnrolAsync(Capture(Face(500), CapturePurpose.Enrol, "F1", Farm));
        Assert.All(at99.Scopes, s => Assert.Equal((Floor, (double?)null, 0, 99), (s.Threshold, s.ExpectedFalseDuplicateRate, s.CalibrationAnimals, s.Size)));
        var at100 = await Desk.EnrolAsync(Capture(Face(501), CapturePurpose.Enrol, "F1", Farm));
        Assert.All(at100.Scopes, s =>
        {
            Assert.Equal((100, 100), (s.CalibrationAnimals, s.Size));
            Assert.True(s.Threshold >= Floor);
            Assert.InRange(s.ExpectedFalseDuplicateRate!.Value, 0, 0.01);
        });
    }

    [Fact]
    public async Task The_registry_threshold_rises_as_the_gallery_grows()
    {
        var thresholds = new List<(int Size, float Threshold, int CalibratedOn)>();
        var next = 0;
        foreach (var size in new[] { 100, 200, 400, 800 })
        {
            await Seed(Enumerable.Range(next, size - next), "FAR", new GeoPoint(110, 30));
            next = size;
            var d = await Desk.EnrolAsync(Capture(Face(100_000 + size), CapturePurpose.Enrol, "F1", Farm));
            var registry = Scope(d, SearchScope.Registry);
            // The estimate is drawn again from the gallery as it stood at the size the decision records.
            var tail = ImpostorTail.Estimate(await Registry.SampleGalleryAsync("t", Species.Cattle, "m", GalleryCalibration.SampleAnimals, registry.CalibrationAnimals), 1);
            var expected = ScopeThresholds.For(registry.Size, Floor, 0.01, tail);
            Assert.Equal((expected.Threshold, expected.ExpectedFalseDuplicateRate, expected.CalibrationAnimals), (registry.Threshold, registry.ExpectedFalseDuplicateRate, registry.CalibrationAnimals));
            Assert.Equal(1 - Math.Pow(1 - tail!.Probability(registry.Threshold), registry.Size), registry.ExpectedFalseDuplicateRate!.Value, 9);
            thresholds.Add((registry.Size, registry.Threshold, registry.CalibrationAnimals));
            next++;
        }
        Assert.Equal([100, 200, 400, 800], thresholds.Select(t => t.Size));
        Assert.Equal([100, 200, 400, 800], thresholds.Select(t => t.CalibratedOn));
        Assert.True(thresholds.Zip(thresholds.Skip(1)).All(p => p.Second.Threshold > p.First.Threshold), string.Join(", ", thresholds));
    }

    [Fact]
    public async Task A_death_claim_among_a_five_head_herd_records_best_runner_up_and_margin()
    {
        await Seed([1, 2, 3, 4, 5], "F1", Farm);
        await Seed([6, 7], "F2", Farm);
        var policy = await InForceAsync(await Desk.IssuePolicyAsync("t", "F1", ["A1", "A2", "A3", "A4", "A5"], Money.Create(8000m, "CNY").Value, Money.Create(320m, "CNY").Value, Year));
        await InForceAsync(await Desk.IssuePolicyAsync("t", "F2", ["A6", "A7"], Money.Create(8000m, "CNY").Value, Money.Create(320m, "CNY").Value, Year));

        var claim = Capture(Photo(3, 0.9f), CapturePurpose.Claim, "F1", Farm);
        var d = await Desk.ClaimDeathAsync(claim);

        Assert.Equal((CaptureOutcome.ClaimAccepted, "A3"), (d.Outcome, d.AnimalId));
        var herd = Assert.Single(d.Scopes);
        var others = new[] { 1, 2, 4, 5 }.Select(a => (Id: $"A{a}", Score: claim.Embeddings[0].Similarity(Face(a)))).MaxBy(x => x.Score);
        Assert.Equal((SearchScope.Herd, 5, Floor, "A3", others.Id), (herd.Scope, herd.Size, herd.Threshold, herd.Best!.AnimalId, herd.RunnerUp!.AnimalId));
        Assert.Equal(0.9f, herd.Best.Score, 4);
        Assert.Equal(others.Score, herd.RunnerUp.Score, 5);
        Assert.Equal(herd.Best.Score - herd.RunnerUp.Score, herd.Margin!.Value, 6);
        Assert.Contains("margin", d.Reason);
        Assert.Equal(policy.Id, (await Registry.ClaimsAsync("t", null, Page.All)).Items.Single().PolicyId);
        Assert.Equal(d.Scopes, (await Registry.FindCaptureAsync(claim.CaptureId))!.Decision.Scopes);

        // A claim naming no farmer searches every insured animal of the species.
        var unnamed = await Desk.ClaimDeathAsync(Capture(Photo(6, 0.9f), CapturePurpose.Claim, null, Farm));
        Assert.Equal((CaptureOutcome.ClaimAccepted, SearchScope.Insured, 7), (unnamed.Outcome, unnamed.Scopes[0].Scope, unnamed.Scopes[0].Size));

        // F2's cow claimed on F1's policy is not in F1's herd: refused as not insured, with both scopes recorded.
        var wrongHerd = await Desk.ClaimDeathAsync(Capture(Photo(7, 0.9f), CapturePurpose.Claim, "F1", Farm));
        Assert.Equal((CaptureOutcome.ClaimRefusedNotInsured, "A7"), (wrongHerd.Outcome, wrongHerd.AnimalId));
        Assert.Equal([SearchScope.Herd, SearchScope.Registry], wrongHerd.Scopes.Select(s => s.Scope));
    }
}

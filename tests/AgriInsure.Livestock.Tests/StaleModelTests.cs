using AgriInsure.Domain;
using AgriInsure.Registry;

namespace AgriInsure.Livestock.Tests;

/// <summary>After a promote, photos embedded by the model the registry left behind are refused by name
/// (<see cref="CaptureOutcome.StaleModel"/>), never judged against an empty registry.</summary>
public sealed class StaleModelTests() : DeskTests(new LivestockOptions(0.8f), "F1")
{
    private const string Old = "embedder-old";
    private const string Promoted = "embedder-r20261201120000";
    private int _captures;

    /// <summary>Animal <paramref name="animal"/>'s face as <paramref name="model"/> embeds it: the promoted model is
    /// stood in for by the same vectors under its own id (what matters here is which model a search compares).</summary>
    private static Embedding Face(int animal, int shot, string model)
    {
        var identity = new Random(animal);
        var noise = new Random(animal * 1000 + shot);
        return Embedding.Create(Enumerable.Range(0, 64).Select(_ => (float)(identity.NextDouble() - 0.5 + (noise.NextDouble() - 0.5) * 0.15)).ToArray(), model).Value;
    }

    private CaptureRecord Capture(int animal, CapturePurpose purpose, string model, int photos = 3)
    {
        var id = $"C{++_captures:D4}";
        var taken = new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
        return new CaptureRecord(id, "t", "d", "ag", purpose, Species.Cattle, null, purpose == CapturePurpose.Enrol ? "F1" : null,
            new GeoPoint(100, 36), 4, taken, "1",
            [.. Enumerable.Range(0, photos).Select(i => new PhotoRecord(Face(animal, _captures * 10 + i, model), $"crops/{id}/{i}.jpg"))], taken.AddMinutes(30));
    }

    /// <summary>Three animals enrolled and insured under the old model, then every template row switched to the promoted one.</summary>
    private async Task<(LivestockPolicy Policy, ActiveModel Active)> PromotedAsync()
    {
        var ids = new List<string>();
        for (var animal = 1; animal <= 3; animal++)
        {
            var enrolled = await Desk.EnrolAsync(Capture(animal, CapturePurpose.Enrol, Old));
            Assert.Equal(CaptureOutcome.Enrolled, enrolled.Outcome);
            ids.Add(enrolled.AnimalId!);
        }
        var policy = await InForceAsync(await Desk.IssuePolicyAsync("t", "F1", ids, Money.Create(8000m, "CNY").Value, Money.Create(320m, "CNY").Value,
            Coverage.Create(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)).Value));
        var templates = new List<ReembeddedTemplate>();
        foreach (var animal in await Registry.LabelledAnimalsAsync(Species.Cattle))
        {
            var stored = (await Registry.FindAnimalAsync("t", animal.AnimalId))!.Templates;
            templates.AddRange(animal.Crops.Select(c => new ReembeddedTemplate(animal.AnimalId, c.Ordinal, c.CropKey, Embedding.Create(stored[c.Ordinal].Values.ToArray(), Promoted).Value)));
        }
        var active = (await Registry.SwitchModelAsync(
            new ActiveModel(Species.Cattle, Promoted, "r20261201120000", "models/x/x.manifest.json", "00", Old, DateTimeOffset.UtcNow, 7, 0, 0), templates)).Value;
        return (policy, active);
    }

    [Fact]
    public async Task An_enrolment_embedded_by_the_model_a_promote_replaced_is_refused_not_enrolled_as_the_first_animal()
    {
        await PromotedAsync();
        var entries = (await Ledger.HeadAsync()).Size;

        // Animal 1 again, from a handheld still on the old model: with no template of that model left it would
        // otherwise be "the first cattle in the registry" and enrolled a second time.
        var capture = Capture(1, CapturePurpose.Enrol, Old);
        var stale = await Desk.EnrolAsync(capture);
        Assert.Equal((DecisionStatus.Flagged, CaptureOutcome.StaleModel, null), (stale.Status, stale.Outcome, stale.AnimalId));
        Assert.Contains($"embedded by {Old}", stale.Reason);
        Assert.Contains($"come from {Promoted}", stale.Reason);
        Assert.Contains("update the handheld", stale.Reason);
        Assert.Empty(stale.Scopes);
        Assert.Equal(3, (await Registry.CountsAsync("t")).Animals);
        Assert.Equal(entries, (await Ledger.HeadAsync()).Size);
        // Stored with its outcome, so a redelivery of the capture gets the same answer.
        Assert.Equal(CaptureOutcome.StaleModel, (await Registry.FindCaptureAsync(capture.CaptureId))!.Decision.Outcome);

        // The same animal through an updated handheld is found.
        var updated = await Desk.EnrolAsync(Capture(1, CapturePurpose.Enrol, Promoted));
        Assert.Equal(CaptureOutcome.DuplicateEnrolment, updated.Outcome);
        Assert.Equal("A-C0001", updated.AnimalId);
    }

    [Fact]
    public async Task A_claim_or_a_census_embedded_by_the_replaced_model_is_refused_by_name()
    {
        var (policy, _) = await PromotedAsync();

        var stale = await Desk.ClaimDeathAsync(Capture(2, CapturePurpose.Claim, Old));
        Assert.Equal(CaptureOutcome.StaleModel, stale.Outcome);
        Assert.Contains(Promoted, stale.Reason);
        Assert.Empty((await Registry.ClaimsAsync("t", null, Page.All)).Items);
        Assert.Equal(CaptureOutcome.ClaimAccepted, (await Desk.ClaimDeathAsync(Capture(2, CapturePurpose.Claim, Promoted))).Outcome);

        var visit = new DateOnly(2026, 9, 1);
        var refused = await Desk.CensusAsync("t", policy.Id, visit, [new("a.jpg", [Face(1, 90, Old)])]);
        Assert.Equal("photos", refused.Error!.Field);
        Assert.Contains($"embedded by {Old}", refused.Error.Reason);
        Assert.True((await Desk.CensusAsync("t", policy.Id, visit, [new("a.jpg", [Face(1, 90, Promoted)])])).IsOk);
    }

    [Fact]
    public void The_outcome_has_a_wire_name()
    {
        Assert.Equal("stale-model", CaptureOutcome.StaleModel.Name());
        Assert.Equal(CaptureOutcome.StaleModel, CaptureOutcomeNames.Parse("stale-model").Value);
    }
}

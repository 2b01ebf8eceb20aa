using AgriInsure.Domain;
using static AgriInsure.Registry.Tests.CropRegistryContract;

namespace AgriInsure.Registry.Tests;

/// <summary>Crop claims (<see cref="ICropClaimRegistry"/>) and the claims queue (<see cref="IClaimsQueue"/>) as every engine must
/// keep them, run by a subclass per engine. Tenants t1 and t2 each have a farmer F1; t1 insures plot PL-1 under CP-1.</summary>
public abstract class CropClaimRegistryContract : IAsyncLifetime
{
    private IRegistryStore? _store;

    protected abstract Task<IRegistryStore> MakeStoreAsync();

    public async Task InitializeAsync() => _store = await MakeStoreAsync();

    public async Task DisposeAsync() => await _store!.DisposeAsync();

    private async Task<IRegistry> OpenAsync(bool insure = false)
    {
        var registry = await _store!.OpenAsync();
        if (!insure)
            return registry;
        foreach (var tenant in new[] { "t1", "t2" })
            await registry.AddFarmerAsync(Farmer.Create(tenant, "F1", "Wang", "Sichuan").Value);
        await Insured(registry, "t1", Square("PL-1", 103.1, 30.1), "CP-1", May, Sep);
        return registry;
    }

    private static readonly EventWindow Storm = EventWindow.Create(new DateOnly(2027, 7, 2), new DateOnly(2027, 7, 4)).Value;

    /// <summary>A crop claim on CP-1 decided <paramref name="minutes"/> after <see cref="At"/>; accepted claims pay.</summary>
    private static StoredCropClaim CropClaim(string id, int minutes, bool accepted = true, Peril peril = Peril.Hail)
    {
        var evidence = Digest.Of("assessment", id).Hex;
        var payout = accepted ? Money.Create(1234.57m, "CNY").Value : (Money?)null;
        var claim = new Claim(id, ClaimKind.CropLoss, "CP-1", "PL-1", ClaimKey.ForPlotEvent("CP-1", "PL-1", peril, Storm), evidence,
            accepted ? ClaimStatus.Accepted : ClaimStatus.Refused, accepted ? "35.2% damaged" : "duplicate: on the ledger already", payout, At.AddMinutes(minutes));
        var images = new CropClaimImages("2027/ndvi.tif", 3, new DateOnly(2027, 6, 30), "2027/ndvi.tif", 5, new DateOnly(2027, 7, 10), accepted ? "2027/clouds.tif" : null,
            accepted ? 3 : null, accepted ? 5 : null, 0.15, 0.2);
        var figures = new CropClaimFigures(Area.FromSquareMetres(12345.678901).Value, 0.999871, 0.0123456789, Area.FromSquareMetres(4345.5).Value, 0.351987654321,
            PlotQuality.Ok, "", Money.Create(12345.60m, "CNY").Value, 0.15m, Money.Create(2494.12m, "CNY").Value, evidence);
        return new StoredCropClaim(claim, accepted ? "accepted" : "duplicate", accepted ? 17 : 9, peril, Storm, images, figures, "officer-1");
    }

    [Fact]
    public async Task A_crop_claim_reads_back_with_its_assessment_after_reopening_only_for_its_tenant_newest_first()
    {
        StoredCropClaim[] claims = [CropClaim("CC-a", 0), CropClaim("CC-b", 5, accepted: false)];
        await using (var registry = await OpenAsync(insure: true))
        {
            foreach (var claim in claims)
                await ((ICropClaimRegistry)registry).AddCropClaimAsync("t1", claim);
        }
        await using var reopened = await _store!.OpenAsync();
        var crops = (ICropClaimRegistry)reopened;
        Assert.Equal(claims[0], await crops.FindCropClaimAsync("t1", "CC-a"));
        Assert.Equal(claims[1], await crops.FindCropClaimAsync("t1", "CC-b"));
        Assert.Equal([claims[1], claims[0]], (await crops.CropClaimsAsync("t1", null, Page.All)).Items);
        var second = await crops.CropClaimsAsync("t1", "PL-1", Page.Create(1, 1).Value);
        Assert.Equal([claims[0]], second.Items);
        Assert.Equal(2, second.Total);
        Assert.Empty((await crops.CropClaimsAsync("t1", "PL-9", Page.All)).Items);
        // Kept among the claims: officers decide them as any claim, and the claim's evidence id is its assessment's hash.
        Assert.Equal(claims[0].Claim, await reopened.FindClaimAsync("t1", "CC-a"));
        Assert.Equal(2, (await reopened.ClaimsAsync("t1", "CP-1", Page.All)).Total);
        Assert.Null(await crops.FindCropClaimAsync("t2", "CC-a"));
        Assert.Null(await reopened.FindClaimAsync("t2", "CC-a"));
        Assert.Equal(0, (await crops.CropClaimsAsync("t2", null, Page.All)).Total);
    }

    [Fact]
    public async Task One_claim_is_accepted_once_even_when_two_filings_store_it_at_the_same_instant()
    {
        await using var registry = await OpenAsync(insure: true);
        var crops = (ICropClaimRegistry)registry;
        // Two hosts filed the same claim (one key): both write at once; one is kept, and both are told of that one.
        StoredCropClaim[] filings = [CropClaim("CC-first", 0), CropClaim("CC-second", 0)];
        var kept = await Task.WhenAll(filings.Select(f => Task.Run(() => crops.AddCropClaimAsync("t1", f))));
        Assert.Equal(kept[0], kept[1]);
        Assert.Contains(kept[0], filings);
        Assert.Equal([kept[0]], (await crops.CropClaimsAsync("t1", null, Page.All)).Items);
        // A refusal under the same key is a decision of its own and is kept beside it; another tenant's key is its own.
        var refused = CropClaim("CC-refused", 1, accepted: false);
        Assert.Equal(refused, await crops.AddCropClaimAsync("t1", refused));
        Assert.Equal(2, (await crops.CropClaimsAsync("t1", null, Page.All)).Total);
    }

    [Fact]
    public async Task A_crop_claim_on_another_tenants_policy_or_another_plot_is_an_error_and_writes_nothing()
    {
        await using var registry = await OpenAsync(insure: true);
        var crops = (ICropClaimRegistry)registry;
        await Assert.ThrowsAsync<InvalidOperationException>(() => crops.AddCropClaimAsync("t2", CropClaim("CC-x", 0)));
        var elsewhere = CropClaim("CC-y", 0);
        await Assert.ThrowsAsync<InvalidOperationException>(() => crops.AddCropClaimAsync("t1", elsewhere with { Claim = elsewhere.Claim with { SubjectId = "PL-9" } }));
        Assert.Equal(0, (await crops.CropClaimsAsync("t1", null, Page.All)).Total + (await registry.ClaimsAsync("t1", null, Page.All)).Total);
    }

    [Fact]
    public async Task The_queue_lists_both_kinds_of_claim_and_duplicate_cases_newest_first_filtered_searched_and_paged_per_tenant()
    {
        await using var registry = await OpenAsync(insure: true);
        var crops = (ICropClaimRegistry)registry;
        await crops.AddCropClaimAsync("t1", CropClaim("CC-1", 10));
        await crops.AddCropClaimAsync("t1", CropClaim("CC-2", 20, accepted: false, peril: Peril.Flood));
        CaptureRecord Capture(string id, CapturePurpose purpose, int minutes) => new(id, "t1", "d1", "ag1", purpose, Species.Cattle, null, "F1", new GeoPoint(103.1, 30.1), 5,
            At, "1.0", [new PhotoRecord(TestData.Vec(id.Length), $"crops/t1/{id}/0.jpg")], At.AddMinutes(minutes));
        var enrolled = Capture("C-cow", CapturePurpose.Enrol, 0);
        await registry.RecordEnrolmentAsync(enrolled, new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "", "A-1", null),
            Animal.Create("A-1", "F1", Species.Cattle, null, enrolled.Embeddings).Value);
        await registry.RecordEnrolmentAsync(Capture("C-again", CapturePurpose.Enrol, 30), new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment, "", "A-1", 0.93f), null);
        var death = new Claim("K-1", ClaimKind.LivestockDeath, "P-1", "A-1", ClaimKey.ForAnimal("P-1", "A-1"), "C-dead", ClaimStatus.Accepted, "identified",
            Money.Create(8000m, "CNY").Value, At.AddMinutes(40));
        await registry.RecordClaimAsync(Capture("C-dead", CapturePurpose.Claim, 40), new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.ClaimAccepted, "", "A-1", 0.9f, "K-1"), death);
        var queue = (IClaimsQueue)registry;
        async Task<IReadOnlyList<string>> Ids(QueueKind? kind = null, bool? decided = null, string? search = null) =>
            [.. (await queue.ClaimsQueueAsync("t1", new QueueFilter(kind, decided, search), Page.All)).Items.Select(i => i.Id)];

        var all = await queue.ClaimsQueueAsync("t1", new QueueFilter(null, null, null), Page.All);
        Assert.Equal(["K-1", "C-again", "CC-2", "CC-1"], all.Items.Select(i => i.Id));
        Assert.Equal(new QueueItem(QueueKind.Livestock, "K-1", "A-1", null, At.AddMinutes(40), "accepted", Money.Create(8000m, "CNY").Value, "open"), all.Items[0]);
        Assert.Equal(new QueueItem(QueueKind.Duplicate, "C-again", "A-1", "F1", At.AddMinutes(30), "duplicate-enrolment", null, "open"), all.Items[1]);
        Assert.Equal(new QueueItem(QueueKind.Crop, "CC-2", "PL-1", "F1", At.AddMinutes(20), "duplicate", null, "open"), all.Items[2]);
        Assert.Equal(Money.Create(1234.57m, "CNY").Value, all.Items[3].Amount);
        Assert.Equal(["CC-2", "CC-1"], await Ids(QueueKind.Crop));
        Assert.Equal(["C-again"], await Ids(QueueKind.Duplicate));

        // A survey leaves a claim open; approve and a review close.
        Assert.True(await registry.RecordClaimDecisionAsync("t1", new ClaimDecision("CC-1", 0, ClaimVerdict.Survey, "Zhou", "look", At.AddHours(1), 20)));
        Assert.True(await registry.RecordClaimDecisionAsync("t1", new ClaimDecision("K-1", 0, ClaimVerdict.Approve, "Zhou", "paid", At.AddHours(1), 21)));
        await registry.RecordReviewAsync("t1", new ReviewDecision("C-again", ReviewVerdict.Duplicate, "Zhou", "same ear", At.AddHours(1), null, 22), null, "A-1", new GeoPoint(103.1, 30.1));
        Assert.Equal(["CC-2", "CC-1"], await Ids(decided: false));
        Assert.Equal(["K-1", "C-again"], await Ids(decided: true));
        var states = (await queue.ClaimsQueueAsync("t1", new QueueFilter(null, null, null), Page.All)).Items.ToDictionary(i => i.Id, i => (i.State, i.IsOpen));
        Assert.Equal([("approve", false), ("duplicate", false), ("open", true), ("survey", true)], new[] { "K-1", "C-again", "CC-2", "CC-1" }.Select(id => states[id]));

        // Searched in the id, the subject and the farmer, case-insensitively; LIKE's wildcards are taken literally.
        Assert.Equal(["CC-2", "CC-1"], await Ids(search: "cc-"));
        Assert.Equal(["K-1", "C-again"], await Ids(search: "a-1"));
        Assert.Equal(["C-again", "CC-2", "CC-1"], await Ids(search: "f1"));
        Assert.Empty(await Ids(search: "%"));
        Assert.Empty(await Ids(search: "C_"));
        Assert.Equal(["CC-1"], await Ids(QueueKind.Crop, false, "cc-1"));

        var page = await queue.ClaimsQueueAsync("t1", new QueueFilter(null, null, null), Page.Create(1, 2).Value);
        Assert.Equal(["C-again", "CC-2"], page.Items.Select(i => i.Id));
        Assert.Equal((4, 1), (page.Total, page.Offset));
        Assert.Equal(0, (await queue.ClaimsQueueAsync("t2", new QueueFilter(null, null, null), Page.All)).Total);
    }
}

public sealed class SqliteCropClaimRegistryContract : CropClaimRegistryContract
{
    protected override Task<IRegistryStore> MakeStoreAsync() => Task.FromResult<IRegistryStore>(new SqliteStore());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresCropClaimRegistryContract(PostgresServer server) : CropClaimRegistryContract
{
    protected override Task<IRegistryStore> MakeStoreAsync() => PostgresStore.MakeAsync(server, GetType());
}

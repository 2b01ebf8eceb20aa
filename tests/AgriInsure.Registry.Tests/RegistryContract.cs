using System.Data.Common;
using AgriInsure.Domain;

namespace AgriInsure.Registry.Tests;

/// <summary>The registry contract (<see cref="IRegistry"/>) as every engine must keep it: one suite, run by a subclass
/// per engine (and per starting point: a new store, one upgraded from the oldest schema version). xunit makes an
/// instance per test, so each test has a store of its own.</summary>
public abstract class RegistryContract : IAsyncLifetime
{
    private IRegistryStore? _store;

    /// <summary>A new empty store of the engine, for this test alone.</summary>
    protected abstract Task<IRegistryStore> MakeStoreAsync();

    /// <summary>The schema version the store is made at before the suite opens it with the current code (which
    /// upgrades it); null: made by the current code.</summary>
    protected virtual int? StartAtVersion => null;

    public async Task InitializeAsync()
    {
        _store = await MakeStoreAsync();
        if (StartAtVersion is { } version)
            await _store.CreateAtVersionAsync(version);
    }

    public async Task DisposeAsync() => await _store!.DisposeAsync();

    /// <summary>Opens the test's registry; a later call opens the same store again (the registry opened before is
    /// disposed first).</summary>
    protected Task<IRegistry> OpenAsync() => _store!.OpenAsync();

    internal static Embedding Vec(int seed, string model = "m1") => TestData.Vec(seed, model);

    private static readonly GeoPoint Farm = new(14.5, 45.8);

    private static CaptureRecord Capture(string id, Embedding e, CapturePurpose purpose = CapturePurpose.Enrol) =>
        new(id, "t1", "d1", "ag1", purpose, Species.Cattle, null, "F1", Farm, 5, DateTimeOffset.UnixEpoch, "1.0", [new PhotoRecord(e, $"crops/t1/{id}/0.jpg")], DateTimeOffset.UnixEpoch);

    private static CaptureRecord Photos(string id, params int[] faces) =>
        new(id, "t1", "d1", "ag1", CapturePurpose.Enrol, Species.Cattle, null, "F1", Farm, 5, DateTimeOffset.UnixEpoch, "1.0",
            [.. faces.Select((f, i) => new PhotoRecord(Vec(f), $"crops/t1/{id}/{i}.jpg"))], DateTimeOffset.UnixEpoch);

    private static CaptureDecision Enrolled(string animalId) => new(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "", animalId, null);

    private static async Task<IReadOnlyList<Match>> Search(IRegistry registry, Embedding probe, Species species, int top) =>
        (await registry.SearchAsync("t1", [probe], species, new ScopeFilter.Everyone(), top)).Top;

    private async Task<IRegistry> WithFarmer()
    {
        var registry = await OpenAsync();
        await registry.AddFarmerAsync(Farmer.Create("t1", "F1", "Wang", "Hebei").Value);
        return registry;
    }

    private static async Task Enrol(IRegistry registry, string captureId, params int[] faces)
    {
        var capture = Photos(captureId, faces);
        var animal = Animal.Create($"A-{captureId}", "F1", Species.Cattle, null, capture.Embeddings).Value;
        await registry.RecordEnrolmentAsync(capture, Enrolled(animal.Id), animal);
    }

    private static async Task Flag(IRegistry registry, string captureId, string matched, params int[] faces) =>
        await registry.RecordEnrolmentAsync(Photos(captureId, faces), new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment, "", matched, 0.9f), null);

    private static ReviewDecision Review(string captureId, ReviewVerdict verdict, string? enrolled = null) =>
        new(captureId, verdict, "Wang", "ear tag", DateTimeOffset.UnixEpoch, enrolled, 1);

    [Fact]
    public async Task An_animal_keeps_its_templates_and_crops_in_order_and_is_scored_by_the_fusion_rule_after_reopening()
    {
        IReadOnlyList<Embedding> templates = [Vec(1), Vec(2), Vec(3)];
        var capture = Capture("C1", Vec(1)) with { Photos = [.. templates.Select((t, i) => new PhotoRecord(t, $"crops/t1/C1/{i}.jpg"))] };
        await using (var registry = await WithFarmer())
        {
            var animal = Animal.Create("A1", "F1", Species.Cattle, null, templates).Value;
            await registry.RecordEnrolmentAsync(capture, Enrolled("A1"), animal);
        }
        await using var reopened = await OpenAsync();
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

    [Fact]
    public async Task Search_ranks_by_cosine_and_filters_by_species_and_model()
    {
        await using var registry = await WithFarmer();
        for (var i = 0; i < 40; i++)
        {
            var animal = Animal.Create($"A{i}", "F1", i % 2 == 0 ? Species.Cattle : Species.Yak, null, [Vec(i)]).Value;
            await registry.RecordEnrolmentAsync(Capture($"C{i}", Vec(i)), Enrolled(animal.Id), animal);
        }
        var hits = await Search(registry, Vec(10), Species.Cattle, 3);
        Assert.Equal("A10", hits[0].AnimalId);
        Assert.Equal(1f, hits[0].Score, 5);
        Assert.True(hits[0].Score >= hits[1].Score && hits[1].Score >= hits[2].Score);
        Assert.DoesNotContain(await Search(registry, Vec(11), Species.Cattle, 40), m => m.AnimalId == "A11");
        Assert.Empty(await Search(registry, Vec(10, "m2"), Species.Cattle, 3));
        Assert.Equal(20, await registry.GallerySizeAsync("t1", Species.Cattle, "m1"));
        Assert.Equal(0, await registry.GallerySizeAsync("t1", Species.Cattle, "m2"));
    }

    [Fact]
    public async Task Templates_and_decisions_are_reloaded_on_open()
    {
        await using (var registry = await WithFarmer())
        {
            var animal = Animal.Create("A1", "F1", Species.Cattle, "TAG-1", [Vec(1)]).Value;
            await registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "why", "A1", 0.3f), animal);
        }
        await using var reopened = await OpenAsync();
        Assert.Equal("A1", (await Search(reopened, Vec(1), Species.Cattle, 1))[0].AnimalId);
        var stored = await reopened.FindCaptureAsync("C1");
        Assert.Equal(CaptureOutcome.Enrolled, stored!.Decision.Outcome);
        Assert.Equal(0.3f, stored.Decision.Score);
        Assert.Equal(Capture("C1", Vec(1)) with { Photos = stored.Capture.Photos }, stored.Capture);
        Assert.Equal(Vec(1).Values.ToArray(), stored.Capture.Photos[0].Embedding.Values.ToArray());
        Assert.Equal("TAG-1", (await reopened.FindAnimalAsync("t1", "A1"))!.EarTag);
        Assert.Null(await reopened.FindCaptureAsync("C2"));
        Assert.Null(await reopened.FindAnimalAsync("t1", "A2"));
    }

    [Fact]
    public async Task Times_keep_their_ticks_and_offset()
    {
        await using var registry = await WithFarmer();
        var taken = new DateTimeOffset(2026, 3, 1, 8, 30, 15, TimeSpan.FromHours(8)).AddTicks(1234567);
        var capture = Capture("C1", Vec(1)) with { TakenAt = taken, ReceivedAt = taken.AddTicks(1) };
        await registry.RecordEnrolmentAsync(capture, new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.InvalidAnimal, "no ear tag", null, null), null);
        var stored = (await registry.FindCaptureAsync("C1"))!.Capture;
        Assert.Equal((taken.Ticks, taken.Offset), (stored.TakenAt.Ticks, stored.TakenAt.Offset));
        Assert.Equal(taken.AddTicks(1).Ticks, stored.ReceivedAt.Ticks);
    }

    [Fact]
    public async Task A_failed_write_leaves_nothing_behind()
    {
        await using var registry = await WithFarmer();
        var orphan = Animal.Create("A1", "NO-SUCH-FARMER", Species.Cattle, null, [Vec(1)]).Value;
        await Assert.ThrowsAnyAsync<DbException>(() => registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), Enrolled("A1"), orphan));
        Assert.Null(await registry.FindCaptureAsync("C1"));
        Assert.Empty(await Search(registry, Vec(1), Species.Cattle, 1));
        Assert.Equal(0, (await registry.CountsAsync("t1")).Captures);
    }

    [Fact]
    public async Task A_capture_id_is_stored_once()
    {
        await using var registry = await WithFarmer();
        var decision = new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment, "", null, null);
        await registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), decision, null);
        await Assert.ThrowsAnyAsync<DbException>(() => registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), decision, null));
        Assert.Equal(1, (await registry.CountsAsync("t1")).Captures);
    }

    [Fact]
    public async Task A_device_is_registered_once_never_re_keyed_and_its_id_names_one_device_in_the_store()
    {
        await using var registry = await OpenAsync();
        Assert.Equal(DeviceRegistration.Registered, await registry.RegisterDeviceAsync(new DeviceRecord("t1", "d1", "ag1", [1, 2, 3])));
        Assert.False((await registry.FindDeviceAsync("t1", "d1"))!.Revoked);
        Assert.Equal(DeviceRegistration.Confirmed, await registry.RegisterDeviceAsync(new DeviceRecord("t1", "d1", "ag2", [1, 2, 3])));
        Assert.Equal(DeviceRegistration.KeyConflict, await registry.RegisterDeviceAsync(new DeviceRecord("t1", "d1", "ag3", [4, 5])));
        Assert.Equal(DeviceRegistration.IdTaken, await registry.RegisterDeviceAsync(new DeviceRecord("t2", "d1", "ag9", [9])));
        var device = (await registry.FindDeviceAsync("t1", "d1"))!;
        Assert.Equal("ag2", device.AgentId);
        Assert.Equal([1, 2, 3], device.PublicKey);
        Assert.Null(await registry.FindDeviceAsync("t2", "d1"));
        Assert.True(await registry.IsDeviceActiveAsync("d1"));
        Assert.False(await registry.IsDeviceActiveAsync("d2"));
    }

    [Fact]
    public async Task A_revoked_device_stays_on_record_with_its_first_revocation_time_and_is_not_registered_again()
    {
        var registry = await OpenAsync();
        await registry.RegisterDeviceAsync(new DeviceRecord("t1", "d1", "ag1", [1, 2, 3]));
        await registry.RegisterDeviceAsync(new DeviceRecord("t1", "d2", "ag1", [7]));
        var at = new DateTimeOffset(2026, 5, 1, 8, 30, 0, TimeSpan.Zero);
        var revoked = await registry.RevokeDeviceAsync("t1", "d1", at);
        Assert.Equal(at, revoked!.RevokedAt);
        Assert.Equal(at, (await registry.RevokeDeviceAsync("t1", "d1", at.AddDays(1)))!.RevokedAt);
        Assert.Equal(at, (await registry.FindDeviceAsync("t1", "d1"))!.RevokedAt);
        Assert.Equal([1, 2, 3], (await registry.FindDeviceAsync("t1", "d1"))!.PublicKey);
        Assert.False(await registry.IsDeviceActiveAsync("d1"));
        Assert.True(await registry.IsDeviceActiveAsync("d2"));
        Assert.Equal(DeviceRegistration.Revoked, await registry.RegisterDeviceAsync(new DeviceRecord("t1", "d1", "ag1", [1, 2, 3])));
        Assert.Equal(DeviceRegistration.IdTaken, await registry.RegisterDeviceAsync(new DeviceRecord("t2", "d1", "ag1", [1, 2, 3])));
        // Another tenant's device reads as absent, and revoking it changes nothing.
        Assert.Null(await registry.RevokeDeviceAsync("t2", "d2", at));
        Assert.Null(await registry.RevokeDeviceAsync("t1", "d9", at));
        Assert.Null((await registry.FindDeviceAsync("t1", "d2"))!.RevokedAt);

        await registry.DisposeAsync();
        await using var reopened = await OpenAsync();
        Assert.Equal(at, (await reopened.FindDeviceAsync("t1", "d1"))!.RevokedAt);
    }

    [Fact]
    public async Task Farmers_are_stored_once_and_updated_in_place()
    {
        await using var registry = await OpenAsync();
        await registry.AddFarmerAsync(Farmer.Create("t1", "F1", "Wang", "Hebei").Value);
        await registry.AddFarmerAsync(Farmer.Create("t1", "F1", "Wang Wei", "Shanxi").Value);
        Assert.Equal(("Wang Wei", "Shanxi"), ((await registry.FindFarmerAsync("t1", "F1"))!.Name, (await registry.FindFarmerAsync("t1", "F1"))!.Region));
        Assert.Null(await registry.FindFarmerAsync("t1", "F2"));
        Assert.Equal(1, (await registry.CountsAsync("t1")).Farmers);
    }

    [Fact]
    public async Task A_policy_is_closed_by_one_signed_contract_within_its_tenant()
    {
        await using var registry = await WithFarmer();
        var animal = Animal.Create("A1", "F1", Species.Cattle, null, [Vec(1)]).Value;
        await registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), Enrolled("A1"), animal);
        await registry.AddLivestockPolicyAsync("t1", LivestockPolicy.Create("P1", "F1", ["A1"], Money.Create(100m, "CNY").Value, Money.Create(4.5m, "CNY").Value,
            Coverage.Create(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)).Value).Value, 0);
        SignedContract Contract(string policy, string document) =>
            SignedContract.Create(policy, Digest.Of(document), $"contracts/{policy}.pdf", 7, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(8))).Value;
        Assert.Null(await registry.FindSignedContractAsync("t1", "P1"));
        Assert.True(await registry.RecordSignedContractAsync("t1", Contract("P1", "signed pdf")));
        // A retry stores nothing; another document for a closed policy is refused.
        Assert.False(await registry.RecordSignedContractAsync("t1", Contract("P1", "signed pdf")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => registry.RecordSignedContractAsync("t1", Contract("P1", "another pdf")));
        var found = (await registry.FindSignedContractAsync("t1", "P1"))!;
        Assert.Equal((Digest.Of("signed pdf"), "contracts/P1.pdf", 7L, new DateTimeOffset(2026, 1, 1, 19, 4, 5, TimeSpan.Zero)),
            (found.Document, found.BlobKey, found.AnchorIndex, found.ActivatedAt));
        // Another tenant neither sees it nor can close a policy it does not have.
        Assert.Null(await registry.FindSignedContractAsync("t2", "P1"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => registry.RecordSignedContractAsync("t2", Contract("P1", "signed pdf")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => registry.RecordSignedContractAsync("t1", Contract("P9", "signed pdf")));
    }

    [Fact]
    public async Task Finds_the_policy_active_on_a_day()
    {
        await using var registry = await WithFarmer();
        var animal = Animal.Create("A1", "F1", Species.Cattle, null, [Vec(1)]).Value;
        await registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), Enrolled("A1"), animal);
        var policy = LivestockPolicy.Create("P1", "F1", ["A1"], Money.Create(100m, "CNY").Value, Money.Create(4.5m, "CNY").Value,
            Coverage.Create(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)).Value).Value;
        await registry.AddLivestockPolicyAsync("t1", policy, 0);
        Assert.Equal(policy.Id, (await registry.FindActivePolicyAsync("t1", "A1", new DateOnly(2026, 12, 31)))!.Id);
        Assert.Equal(policy.Id, (await registry.FindActivePolicyAsync("t1", "A1", new DateOnly(2026, 1, 1)))!.Id);
        Assert.Null(await registry.FindActivePolicyAsync("t1", "A1", new DateOnly(2027, 1, 1)));
        Assert.Null(await registry.FindActivePolicyAsync("t1", "A2", new DateOnly(2026, 6, 1)));
        var found = (await registry.FindPolicyAsync("t1", "P1"))!;
        Assert.Equal((100m, 4.5m, "CNY", policy.Coverage), (found.SumInsuredPerHead.Amount, found.Premium.Amount, found.Premium.Currency, found.Coverage));
        Assert.Equal(["A1"], found.AnimalIds);
        Assert.Null(await registry.FindPolicyAsync("t1", "P2"));
        Assert.Equal(1, (await registry.CountsAsync("t1")).Policies);
    }

    [Fact]
    public async Task A_policy_over_an_animal_insured_on_any_day_of_its_cover_is_refused_whole()
    {
        await using var registry = await WithFarmer();
        foreach (var i in new[] { 1, 2 })
            await registry.RecordEnrolmentAsync(Capture($"C{i}", Vec(i)), Enrolled($"A{i}"), Animal.Create($"A{i}", "F1", Species.Cattle, null, [Vec(i)]).Value);
        LivestockPolicy Policy(string id, string[] animals, DateOnly start, DateOnly end) =>
            LivestockPolicy.Create(id, "F1", animals, Money.Create(100m, "CNY").Value, Money.Create(4m, "CNY").Value, Coverage.Create(start, end).Value).Value;
        var first = Policy("P1", ["A2"], new DateOnly(2026, 1, 1), new DateOnly(2026, 6, 30));
        Assert.Null(await registry.AddLivestockPolicyAsync("t1", first, 1));
        // Its last day is the new cover's first: refused, with the animal and the policy that holds it, and nothing written.
        var overlap = await registry.AddLivestockPolicyAsync("t1", Policy("P2", ["A1", "A2"], new DateOnly(2026, 6, 30), new DateOnly(2026, 12, 31)), 2);
        Assert.Equal(("A2", "P1"), (overlap!.AnimalId, overlap.Policy.Id));
        Assert.Null(await registry.FindPolicyAsync("t1", "P2"));
        Assert.Null(await registry.FindActivePolicyAsync("t1", "A1", new DateOnly(2026, 8, 1)));
        Assert.Equal("P1", (await registry.FindOverlapAsync("t1", ["A1", "A2"], Coverage.Create(new DateOnly(2025, 12, 1), new DateOnly(2026, 1, 1)).Value))!.Policy.Id);
        Assert.Null(await registry.FindOverlapAsync("t1", ["A1", "A2"], Coverage.Create(new DateOnly(2026, 7, 1), new DateOnly(2026, 12, 31)).Value));
        Assert.Null(await registry.AddLivestockPolicyAsync("t1", Policy("P3", ["A1", "A2"], new DateOnly(2026, 7, 1), new DateOnly(2026, 12, 31)), 3));
        Assert.Equal(2, (await registry.CountsAsync("t1")).Policies);
    }

    [Fact]
    public async Task The_insured_herd_is_the_species_on_policies_active_that_day_in_byte_order()
    {
        await using var registry = await WithFarmer();
        await registry.AddFarmerAsync(Farmer.Create("t1", "F2", "Li", "Gansu").Value);
        // Byte order, as SQLite compares text: upper case before lower case, whatever the database's locale.
        string[] ids = ["b1", "B2", "a3", "A4", "Y5"];
        for (var i = 0; i < ids.Length; i++)
        {
            var species = ids[i] == "Y5" ? Species.Yak : Species.Cattle;
            var farmer = ids[i] == "A4" ? "F2" : "F1";
            var capture = Capture($"C{i}", Vec(i)) with { FarmerId = farmer, Species = species };
            await registry.RecordEnrolmentAsync(capture, Enrolled(ids[i]), Animal.Create(ids[i], farmer, species, null, [Vec(i)]).Value);
        }
        Money Cny(decimal m) => Money.Create(m, "CNY").Value;
        var spring = Coverage.Create(new DateOnly(2026, 3, 1), new DateOnly(2026, 5, 31)).Value;
        var year = Coverage.Create(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)).Value;
        await registry.AddLivestockPolicyAsync("t1", LivestockPolicy.Create("P1", "F1", ["b1", "a3", "Y5"], Cny(100), Cny(4), spring).Value, 1);
        await registry.AddLivestockPolicyAsync("t1", LivestockPolicy.Create("P2", "F1", ["B2"], Cny(100), Cny(4), year).Value, 2);
        await registry.AddLivestockPolicyAsync("t1", LivestockPolicy.Create("P3", "F2", ["A4"], Cny(100), Cny(4), year).Value, 3);
        Assert.Equal(["A4", "B2", "a3", "b1"], await registry.InsuredAnimalsAsync("t1", null, Species.Cattle, new DateOnly(2026, 4, 1)));
        Assert.Equal(["B2", "a3", "b1"], await registry.InsuredAnimalsAsync("t1", "F1", Species.Cattle, new DateOnly(2026, 5, 31)));
        Assert.Equal(["B2"], await registry.InsuredAnimalsAsync("t1", "F1", Species.Cattle, new DateOnly(2026, 6, 1)));
        Assert.Equal(["Y5"], await registry.InsuredAnimalsAsync("t1", null, Species.Yak, new DateOnly(2026, 4, 1)));
        Assert.Empty(await registry.InsuredAnimalsAsync("t1", "F2", Species.Cattle, new DateOnly(2027, 1, 1)));
        Assert.Equal(["Y5", "a3", "b1"], (await registry.FindPolicyAsync("t1", "P1"))!.AnimalIds);
        var policies = await registry.PoliciesAsync("t1", "F1", Page.Create(1, 5).Value);
        Assert.Equal(["P2"], policies.Items.Select(p => p.Id));
        Assert.Equal(2, policies.Total);
        Assert.Equal(["P1", "P2", "P3"], (await registry.PoliciesAsync("t1", null, Page.All)).Items.Select(p => p.Id));
        var animals = await registry.AnimalsAsync("t1", null, Page.Create(1, 2).Value);
        Assert.Equal(["B2", "a3"], animals.Items.Select(a => a.Animal.Id));
        Assert.Equal((5, "C1"), (animals.Total, animals.Items[0].EnrolledBy));
        Assert.Equal(["A4"], (await registry.AnimalsAsync("t1", "F2", Page.All)).Items.Select(a => a.Animal.Id));
    }

    [Fact]
    public async Task Claims_are_stored_with_their_capture_and_listed_by_decision_time_then_id()
    {
        await using var registry = await WithFarmer();
        var day = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        Claim Decided(string id, ClaimStatus status, Money? payout, DateTimeOffset at) =>
            new(id, ClaimKind.LivestockDeath, "P1", "A1", ClaimKey.ForAnimal("P1", "A1"), $"K-{id}", status, status == ClaimStatus.Accepted ? "identified" : "not insured", payout, at);
        Claim[] claims = [Decided("c2", ClaimStatus.Accepted, Money.Create(1500.25m, "CNY").Value, day), Decided("B1", ClaimStatus.Refused, null, day), Decided("a0", ClaimStatus.Accepted, Money.Create(10m, "CNY").Value, day.AddHours(-1))];
        foreach (var claim in claims)
        {
            var decision = claim.Status == ClaimStatus.Accepted
                ? new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.ClaimAccepted, claim.Reason, "A1", 0.91f, claim.Id)
                : new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.ClaimRefusedNoMatch, claim.Reason, null, null, claim.Id);
            await registry.RecordClaimAsync(Capture(claim.EvidenceId, Vec(1), CapturePurpose.Claim), decision, claim);
        }
        await registry.RecordClaimAsync(Capture("K-none", Vec(2), CapturePurpose.Claim), new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.ClaimRefusedNoMatch, "no match", null, null), null);
        Assert.Equal([claims[2], claims[1], claims[0]], (await registry.ClaimsAsync("t1", null, Page.All)).Items);
        Assert.Equal(3, (await registry.ClaimsAsync("t1", "P1", Page.All)).Total);
        Assert.Empty((await registry.ClaimsAsync("t1", "P9", Page.All)).Items);
        var second = await registry.ClaimsAsync("t1", null, Page.Create(1, 1).Value);
        Assert.Equal([claims[1]], second.Items);
        Assert.Equal((3, 1), (second.Total, second.Offset));
        Assert.Equal(claims[1], await registry.FindClaimAsync("t1", "B1"));
        Assert.Null(await registry.FindClaimAsync("t1", "b1"));
        Assert.Null(await registry.FindClaimAsync("t2", "B1"));
        Assert.Equal("c2", (await registry.FindCaptureAsync("K-c2"))!.Decision.ClaimId);
        var counts = await registry.CountsAsync("t1");
        Assert.Equal((4, 2, 2, 0), (counts.Captures, counts.AcceptedClaims, counts.RefusedClaims, counts.FlaggedEnrolments));
    }

    [Fact]
    public async Task Claims_officers_decisions_are_numbered_and_close_a_claim_once()
    {
        await using var registry = await WithFarmer();
        var claim = new Claim("K1", ClaimKind.LivestockDeath, "P1", "A1", ClaimKey.ForAnimal("P1", "A1"), "C1", ClaimStatus.Accepted, "identified",
            Money.Create(100m, "CNY").Value, DateTimeOffset.UnixEpoch);
        await registry.RecordClaimAsync(Capture("C1", Vec(1), CapturePurpose.Claim), new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.ClaimAccepted, "", "A1", 0.9f, "K1"), claim);
        ClaimDecision Decision(int seq, ClaimVerdict verdict) => new("K1", seq, verdict, "Zhou", $"decision {seq}", DateTimeOffset.UnixEpoch.AddDays(seq), 10 + seq);
        Assert.True(await registry.RecordClaimDecisionAsync("t1", Decision(0, ClaimVerdict.Survey)));
        // Number 0 is taken: a second writer of it stores nothing.
        Assert.False(await registry.RecordClaimDecisionAsync("t1", Decision(0, ClaimVerdict.Approve)));
        Assert.True(await registry.RecordClaimDecisionAsync("t1", Decision(1, ClaimVerdict.Approve)));
        // Closed by its final verdict.
        Assert.False(await registry.RecordClaimDecisionAsync("t1", Decision(2, ClaimVerdict.Survey)));
        Assert.Equal([Decision(0, ClaimVerdict.Survey), Decision(1, ClaimVerdict.Approve)], await registry.ClaimDecisionsAsync("t1", "K1"));
        Assert.Empty(await registry.ClaimDecisionsAsync("t2", "K1"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => registry.RecordClaimDecisionAsync("t2", Decision(2, ClaimVerdict.Refuse)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => registry.RecordClaimDecisionAsync("t1", Decision(0, ClaimVerdict.Refuse) with { ClaimId = "K9" }));
    }

    [Fact]
    public async Task Each_scope_of_a_decision_is_stored_and_read_back()
    {
        await using var registry = await WithFarmer();
        ScopeResult[] scopes =
        [
            new(SearchScope.Farmer, 0, 0.69f, null, 0, null, null),
            new(SearchScope.Radius, 5, 0.71f, 0.0042, 120, new Match("A7", 0.73f) { Templates = 3 }, new Match("A2", 0.41f) { Templates = 1 }),
            new(SearchScope.Registry, 130, 0.8f, 0.01, 120, new Match("A7", 0.73f) { Templates = 3 }, null),
        ];
        var decision = new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment, "why", "A7", 0.73f) { Scopes = scopes };
        await registry.RecordEnrolmentAsync(Capture("C1", Vec(1)), decision, null);
        var stored = (await registry.FindCaptureAsync("C1"))!.Decision;
        Assert.Equal(scopes, stored.Scopes);
        Assert.Equal(0.32f, stored.Scopes[1].Margin!.Value, 5);
        Assert.True(stored.Scopes[1].Matched);
        Assert.False(stored.Scopes[2].Matched);
        Assert.Equal(1, (await registry.CountsAsync("t1")).FlaggedEnrolments);
    }

    [Fact]
    public async Task Duplicate_cases_carry_their_evidence_oldest_first_and_a_review_closes_one()
    {
        await using var registry = await WithFarmer();
        await Enrol(registry, "C1", 1, 2);
        var late = Photos("C3", 1, 7) with { ReceivedAt = DateTimeOffset.UnixEpoch.AddMinutes(2) };
        await registry.RecordEnrolmentAsync(late, new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment, "", "A-C1", 0.8f), null);
        var early = Photos("C2", 2) with { ReceivedAt = DateTimeOffset.UnixEpoch.AddMinutes(1), FarmerId = null, Location = new GeoPoint(14.6, 45.8) };
        await registry.RecordEnrolmentAsync(early, new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment, "", "A-C1", 0.95f), null);

        var open = (await registry.DuplicateCasesAsync("t1", openOnly: true, Page.All)).Items;
        Assert.Equal(["C2", "C3"], open.Select(c => c.CaptureId));
        var first = open[0];
        Assert.Equal(((string?)null, new GeoPoint(14.6, 45.8), 0.95f, "A-C1", "F1", Farm), (first.FarmerId, first.Fix, first.Score, first.MatchedAnimalId, first.MatchedFarmerId, first.MatchedFix));
        Assert.Equal(["crops/t1/C2/0.jpg"], first.CropKeys);
        Assert.Equal(["crops/t1/C1/0.jpg", "crops/t1/C1/1.jpg"], first.MatchedCropKeys);
        Assert.Equal(FusedScore.BestPerProbe([Vec(1), Vec(7)], [Vec(1), Vec(2)]), open[1].PhotoScores);
        Assert.True(first.IsOpen);

        var verdict = new ReviewDecision("C2", ReviewVerdict.Duplicate, "Li", "same ear notch", DateTimeOffset.UnixEpoch.AddDays(1), null, 7);
        await registry.RecordReviewAsync("t1", verdict, null, "A-C1", first.Fix);
        Assert.Equal(["C3"], ((await registry.DuplicateCasesAsync("t1", openOnly: true, Page.All)).Items).Select(c => c.CaptureId));
        var all = (await registry.DuplicateCasesAsync("t1", openOnly: false, Page.All)).Items;
        Assert.Equal(verdict, all[0].Decision);
        Assert.Null(all[1].Decision);
        await Assert.ThrowsAnyAsync<DbException>(() => registry.RecordReviewAsync("t1", verdict, null, "A-C1", first.Fix));
    }

    [Fact]
    public async Task A_new_animal_verdict_enrols_it_searchable_at_the_reviewed_fix()
    {
        await using var registry = await WithFarmer();
        await Enrol(registry, "C1", 1);
        await Flag(registry, "C2", "A-C1", 5, 6);
        var animal = Animal.Create("A-C2", "F1", Species.Cattle, null, [Vec(5), Vec(6)]).Value;
        var fix = new GeoPoint(100, 36);
        await registry.RecordReviewAsync("t1", Review("C2", ReviewVerdict.NewAnimal, "A-C2"), animal, "A-C1", fix);
        var near = await registry.SearchAsync("t1", [Vec(5)], Species.Cattle, new ScopeFilter.Within(fix, Length.FromKilometres(1).Value), 5);
        Assert.Equal(["A-C2"], near.Top.Select(m => m.AnimalId));
        Assert.Equal(2, near.Top[0].Templates);
        Assert.Equal(["crops/t1/C2/0.jpg", "crops/t1/C2/1.jpg"], ((await registry.DuplicateCasesAsync("t1", openOnly: false, Page.All)).Items)[0].CropKeys);
        Assert.Equal(2, (await registry.CountsAsync("t1")).Animals);
        // A verdict whose write fails (its animal id is taken) is refused whole: the case stays open, nothing enrolled.
        await Flag(registry, "C3", "A-C1", 8);
        var taken = Animal.Create("A-C2", "F1", Species.Cattle, null, [Vec(8)]).Value;
        await Assert.ThrowsAnyAsync<DbException>(() => registry.RecordReviewAsync("t1", Review("C3", ReviewVerdict.NewAnimal, "A-C2"), taken, "A-C1", fix));
        Assert.Equal(["C3"], ((await registry.DuplicateCasesAsync("t1", openOnly: true, Page.All)).Items).Select(c => c.CaptureId));
        Assert.Equal(2, (await registry.CountsAsync("t1")).Animals);
        Assert.Equal(["A-C2"], (await registry.SearchAsync("t1", [Vec(8)], Species.Cattle, new ScopeFilter.Within(fix, Length.FromKilometres(1).Value), 5)).Top.Select(m => m.AnimalId));
    }

    [Fact]
    public async Task Searches_run_while_enrolments_are_written()
    {
        await using var registry = await WithFarmer();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                var animal = Animal.Create($"A{i}", "F1", Species.Cattle, null, [Vec(i)]).Value;
                await registry.RecordEnrolmentAsync(Capture($"C{i}", Vec(i)), Enrolled(animal.Id), animal);
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

    [Fact]
    public async Task The_labelled_crops_are_every_template_crop_and_every_photo_of_a_confirmed_duplicate()
    {
        await using var registry = await WithFarmer();
        await Enrol(registry, "C1", 1, 2, 3);
        await Enrol(registry, "C2", 4, 5);
        await Flag(registry, "C3", "A-C1", 6, 7);
        await registry.RecordReviewAsync("t1", Review("C3", ReviewVerdict.Duplicate), null, "A-C1", Farm);
        // Open: not known to show A-C2 until a reviewer says so.
        await Flag(registry, "C4", "A-C2", 8);
        // Overridden: a new animal, labelled by its own templates.
        await Flag(registry, "C5", "A-C1", 9, 10);
        var overridden = Animal.Create("A-C5", "F1", Species.Cattle, null, [Vec(9), Vec(10)]).Value;
        await registry.RecordReviewAsync("t1", Review("C5", ReviewVerdict.NewAnimal, "A-C5"), overridden, "A-C1", Farm);

        var labelled = await registry.LabelledAnimalsAsync(Species.Cattle);
        Assert.Equal(["A-C1", "A-C2", "A-C5"], labelled.Select(a => a.AnimalId));
        Assert.All(labelled, a => Assert.Equal("m1", a.ModelId));
        var t = LabelSource.Template;
        var d = LabelSource.ConfirmedDuplicate;
        Assert.Equal([("C1", 0, t), ("C1", 1, t), ("C1", 2, t), ("C3", 0, d), ("C3", 1, d)], labelled[0].Crops.Select(c => (c.CaptureId, c.Ordinal, c.Source)));
        Assert.Equal(["crops/t1/C1/0.jpg", "crops/t1/C1/1.jpg", "crops/t1/C1/2.jpg", "crops/t1/C3/0.jpg", "crops/t1/C3/1.jpg"], labelled[0].Crops.Select(c => c.CropKey));
        Assert.Equal([("C2", 0, t), ("C2", 1, t)], labelled[1].Crops.Select(c => (c.CaptureId, c.Ordinal, c.Source)));
        Assert.Equal([("C5", 0, t), ("C5", 1, t)], labelled[2].Crops.Select(c => (c.CaptureId, c.Ordinal, c.Source)));
        Assert.Empty(await registry.LabelledAnimalsAsync(Species.Yak));
    }

    /// <summary>Every template row of the registry's cattle made again under <paramref name="model"/>, each from its own crop.</summary>
    private static async Task<List<ReembeddedTemplate>> ReembedAsync(IRegistry registry, string model)
    {
        var templates = new List<ReembeddedTemplate>();
        foreach (var animal in await registry.LabelledAnimalsAsync(Species.Cattle))
        {
            foreach (var crop in animal.Crops.Where(c => c.Source == LabelSource.Template))
                templates.Add(new ReembeddedTemplate(animal.AnimalId, crop.Ordinal, crop.CropKey, Vec(100 + templates.Count, model)));
        }
        return templates;
    }

    internal static ActiveModel Switch(string model) =>
        new(Species.Cattle, model, "2.0.0", $"models/{model}/{model}.manifest.json", "ab", "m1", DateTimeOffset.UnixEpoch, 12, 0, 0);

    [Fact]
    public async Task A_switch_re_embeds_every_template_row_from_its_own_crop_and_rebuilds_the_index_or_changes_nothing()
    {
        List<ReembeddedTemplate> made;
        await using (var registry = await WithFarmer())
        {
            await Enrol(registry, "C1", 1, 2, 3);
            await Enrol(registry, "C2", 4, 5);
            made = await ReembedAsync(registry, "m2");
            Assert.Equal(5, made.Count);

            async Task Refused(IReadOnlyList<ReembeddedTemplate> templates, string why)
            {
                var refused = await registry.SwitchModelAsync(Switch("m2"), templates);
                Assert.Equal("templates", refused.Error!.Field);
                Assert.Contains(why, refused.Error.Reason);
                Assert.Null(await registry.ActiveModelAsync(Species.Cattle));
                Assert.All((await registry.FindAnimalAsync("t1", "A-C1"))!.Templates, e => Assert.Equal("m1", e.ModelId));
                Assert.Equal(2, (await registry.SearchAsync("t1", [Vec(1)], Species.Cattle, new ScopeFilter.Everyone(), 2)).Size);
            }
            await Refused(made[1..], "template 0 of animal A-C1 (crop crops/t1/C1/0.jpg) was not re-embedded");
            await Refused([made[0] with { CropKey = "crops/t1/C2/0.jpg" }, .. made[1..]], "not from its own crop crops/t1/C1/0.jpg");
            await Refused([.. made, made[0]], "is given 2 times");
            await Refused([made[0] with { Template = Vec(1, "m3") }, .. made[1..]], "comes from m3");
            await Refused([.. made, new ReembeddedTemplate("A-C1", 3, "crops/t1/C1/3.jpg", Vec(9, "m2"))], "6 templates given for the 5 template rows");

            var switched = (await registry.SwitchModelAsync(Switch("m2"), made)).Value;
            Assert.Equal((2, 5), (switched.Animals, switched.Templates));
            // The index was rebuilt whole: the old model's probes find no animal, the new model's find them all.
            Assert.Equal(0, (await registry.SearchAsync("t1", [Vec(1)], Species.Cattle, new ScopeFilter.Everyone(), 2)).Size);
            var hit = Assert.Single((await registry.SearchAsync("t1", [made[3].Template], Species.Cattle, new ScopeFilter.OfFarmer("F1"), 1)).Top);
            Assert.Equal(("A-C2", 2), (hit.AnimalId, hit.Templates));
        }
        await using var reopened = await OpenAsync();
        var active = (await reopened.ActiveModelAsync(Species.Cattle))!;
        Assert.Equal(Switch("m2") with { Animals = 2, Templates = 5 }, active);
        var stored = (await reopened.FindAnimalAsync("t1", "A-C1"))!.Templates;
        Assert.Equal(made.Take(3).Select(m => m.Template.Values.ToArray()), stored.Select(e => e.Values.ToArray()));
        Assert.All(stored, e => Assert.Equal("m2", e.ModelId));
        Assert.Equal(2, (await reopened.SearchAsync("t1", [made[0].Template], Species.Cattle, new ScopeFilter.Everyone(), 2)).Size);
        // The latest switch is the active one.
        var next = await ReembedAsync(reopened, "m3");
        await reopened.SwitchModelAsync(Switch("m3") with { PreviousModelId = "m2", LedgerEntry = 13 }, next);
        Assert.Equal(("m3", "m2", 13L), ((await reopened.ActiveModelAsync(Species.Cattle))!.ModelId, (await reopened.ActiveModelAsync(Species.Cattle))!.PreviousModelId, (await reopened.ActiveModelAsync(Species.Cattle))!.LedgerEntry));
    }

    // Tenancy: two insurers in one store; every read and search names a tenant and sees nothing of the other's.

    private static readonly Embedding Cow = TestData.Vec(7);

    private static CaptureRecord Enrolment(string tenant, string id, CapturePurpose purpose = CapturePurpose.Enrol) =>
        new(id, tenant, $"{tenant}-device", "agent", purpose, Species.Cattle, null, "F1", new GeoPoint(103.8, 30.6), 5,
            DateTimeOffset.UnixEpoch, "1.0", [new PhotoRecord(Cow, $"crops/{tenant}/{id}/0.jpg")], DateTimeOffset.UnixEpoch);

    /// <summary>Tenants A and B each with a farmer F1 (the same id at two insurers) and one animal of the same face.</summary>
    private async Task<IRegistry> TwoInsurersAsync()
    {
        var registry = await OpenAsync();
        foreach (var (tenant, name) in new[] { ("A", "Wang at A"), ("B", "Wang at B") })
        {
            await registry.AddFarmerAsync(Farmer.Create(tenant, "F1", name, "Sichuan").Value);
            var animal = Animal.Create($"A-{tenant}", "F1", Species.Cattle, null, [Cow]).Value;
            await registry.RecordEnrolmentAsync(Enrolment(tenant, $"C-{tenant}"), new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "new", animal.Id, null), animal);
        }
        return registry;
    }

    [Fact]
    public async Task A_crop_already_in_a_capture_is_found_by_its_key_within_the_tenant_only()
    {
        await using var registry = await TwoInsurersAsync();
        Assert.Equal("C-A", await registry.CaptureWithCropAsync("A", "crops/A/C-A/0.jpg"));
        Assert.Null(await registry.CaptureWithCropAsync("B", "crops/A/C-A/0.jpg"));
        Assert.Null(await registry.CaptureWithCropAsync("A", "crops/A/never/0.jpg"));
    }

    [Fact]
    public async Task The_same_farmer_id_at_two_insurers_is_two_farmers_and_neither_reads_the_others()
    {
        await using var registry = await TwoInsurersAsync();
        Assert.Equal("Wang at A", (await registry.FindFarmerAsync("A", "F1"))!.Name);
        Assert.Equal("Wang at B", (await registry.FindFarmerAsync("B", "F1"))!.Name);
        Assert.Null(await registry.FindFarmerAsync("C", "F1"));
        Assert.NotNull(await registry.FindAnimalAsync("A", "A-A"));
        Assert.Null(await registry.FindAnimalAsync("A", "A-B"));
        Assert.Null(await registry.FindAnimalAsync("B", "A-A"));
        Assert.Equal((1, 1, 1), ((await registry.CountsAsync("A")).Farmers, (await registry.CountsAsync("A")).Animals, (await registry.CountsAsync("A")).Captures));
        Assert.Equal(0, (await registry.CountsAsync("C")).Animals);
    }

    [Fact]
    public async Task A_search_sees_only_its_tenants_animals_in_every_scope_and_after_reopening()
    {
        await (await TwoInsurersAsync()).DisposeAsync();
        await using var registry = await OpenAsync();
        ScopeFilter[] scopes = [new ScopeFilter.Everyone(), new ScopeFilter.OfFarmer("F1"), new ScopeFilter.Within(new GeoPoint(103.8, 30.6), Length.FromKilometres(20).Value),
            new ScopeFilter.Animals(["A-A", "A-B"])];
        foreach (var scope in scopes)
        {
            var a = await registry.SearchAsync("A", [Cow], Species.Cattle, scope, 5);
            Assert.Equal((1, "A-A"), (a.Size, Assert.Single(a.Top).AnimalId));
            var b = await registry.SearchAsync("B", [Cow], Species.Cattle, scope, 5);
            Assert.Equal((1, "A-B"), (b.Size, Assert.Single(b.Top).AnimalId));
        }
        Assert.Equal((1, 1, 0), (await registry.GallerySizeAsync("A", Species.Cattle, "m1"), await registry.GallerySizeAsync("B", Species.Cattle, "m1"),
            await registry.GallerySizeAsync("C", Species.Cattle, "m1")));
        Assert.Equal(1, (await registry.SampleGalleryAsync("A", Species.Cattle, "m1", 10)).Animals);
    }

    [Fact]
    public async Task Policies_claims_and_duplicate_cases_stay_with_their_tenant()
    {
        await using var registry = await TwoInsurersAsync();
        var cover = Coverage.Create(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)).Value;
        var policy = LivestockPolicy.Create("LP-A", "F1", ["A-A"], Money.Create(8000, "CNY").Value, Money.Create(300, "CNY").Value, cover).Value;
        await registry.AddLivestockPolicyAsync("A", policy, 1);
        Assert.NotNull(await registry.FindPolicyAsync("A", "LP-A"));
        Assert.Null(await registry.FindPolicyAsync("B", "LP-A"));
        Assert.NotNull(await registry.FindActivePolicyAsync("A", "A-A", new DateOnly(2026, 6, 1)));
        Assert.Null(await registry.FindActivePolicyAsync("B", "A-A", new DateOnly(2026, 6, 1)));
        Assert.Equal(["A-A"], await registry.InsuredAnimalsAsync("A", null, Species.Cattle, new DateOnly(2026, 6, 1)));
        Assert.Empty(await registry.InsuredAnimalsAsync("B", null, Species.Cattle, new DateOnly(2026, 6, 1)));

        // B's policy over A's animal: refused, nothing written.
        var poached = LivestockPolicy.Create("LP-B", "F1", ["A-A"], Money.Create(8000, "CNY").Value, Money.Create(300, "CNY").Value, cover).Value;
        await Assert.ThrowsAsync<InvalidOperationException>(() => registry.AddLivestockPolicyAsync("B", poached, 2));
        Assert.Null(await registry.FindPolicyAsync("B", "LP-B"));

        var claim = new Claim("CL-A", ClaimKind.LivestockDeath, "LP-A", "A-A", ClaimKey.ForAnimal("LP-A", "A-A"), "K-A", ClaimStatus.Accepted, "identified", policy.SumInsuredPerHead, DateTimeOffset.UnixEpoch);
        await registry.RecordClaimAsync(Enrolment("A", "K-A", CapturePurpose.Claim), new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.ClaimAccepted, "paid", "A-A", 0.9f, "CL-A"), claim);
        Assert.Equal("CL-A", Assert.Single((await registry.ClaimsAsync("A", null, Page.All)).Items).Id);
        Assert.Empty((await registry.ClaimsAsync("B", null, Page.All)).Items);

        var flagged = new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment, "second enrolment", "A-A", 0.95f);
        await registry.RecordEnrolmentAsync(Enrolment("A", "D-A"), flagged, null);
        Assert.Equal("D-A", Assert.Single((await registry.DuplicateCasesAsync("A", openOnly: true, Page.All)).Items).CaptureId);
        Assert.Empty((await registry.DuplicateCasesAsync("B", openOnly: true, Page.All)).Items);
        // B cannot decide A's case.
        var review = new ReviewDecision("D-A", ReviewVerdict.Duplicate, "reviewer at B", "looks the same", DateTimeOffset.UnixEpoch, null, 3);
        await Assert.ThrowsAsync<InvalidOperationException>(() => registry.RecordReviewAsync("B", review, null, "A-A", new GeoPoint(103.8, 30.6)));
        Assert.Single((await registry.DuplicateCasesAsync("A", openOnly: true, Page.All)).Items);
    }

    [Fact]
    public async Task A_farmer_search_matches_id_name_or_region_of_one_tenant_in_pages_with_the_whole_count()
    {
        await using var registry = await OpenAsync();
        await registry.AddFarmerAsync(Farmer.Create("A", "F-Wang-1", "王建国", "四川 雅安").Value);
        await registry.AddFarmerAsync(Farmer.Create("A", "F-Li-2", "Li Ming", "Gansu").Value);
        await registry.AddFarmerAsync(Farmer.Create("A", "F-Zhao-3", "赵 wang", "Sichuan").Value);
        await registry.AddFarmerAsync(Farmer.Create("B", "F-Wang-9", "王建国", "四川").Value);

        Assert.Equal(["F-Wang-1", "F-Zhao-3"], (await registry.SearchFarmersAsync("A", "WANG", Page.Create(0, 10).Value)).Items.Select(f => f.Id));
        Assert.Equal(["F-Wang-1"], (await registry.SearchFarmersAsync("A", "王建", Page.Create(0, 10).Value)).Items.Select(f => f.Id));
        Assert.Equal(["F-Li-2"], (await registry.SearchFarmersAsync("A", "gansu", Page.Create(0, 10).Value)).Items.Select(f => f.Id));
        var second = await registry.SearchFarmersAsync("A", "f-", Page.Create(1, 1).Value);
        Assert.Equal((3, 1, "F-Wang-1"), (second.Total, second.Offset, second.Items.Single().Id));
        // Wildcards of LIKE are plain characters to a search.
        Assert.Equal(0, (await registry.SearchFarmersAsync("A", "%", Page.Create(0, 10).Value)).Total);
        Assert.Equal(["F-Wang-9"], (await registry.SearchFarmersAsync("B", "wang", Page.Create(0, 10).Value)).Items.Select(f => f.Id));
    }

    [Fact]
    public async Task Lists_come_in_pages_of_one_tenant_in_a_stable_order_with_the_whole_count()
    {
        await using var registry = await TwoInsurersAsync();
        for (var i = 2; i <= 5; i++)
            await registry.AddFarmerAsync(Farmer.Create("A", $"F{i}", $"farmer {i}", "Sichuan").Value);
        var pages = new List<string>();
        for (var offset = 0; offset < 6; offset += 2)
        {
            var page = await registry.FarmersAsync("A", Page.Create(offset, 2).Value);
            Assert.Equal((5, offset), (page.Total, page.Offset));
            pages.AddRange(page.Items.Select(f => f.Id));
        }
        Assert.Equal(["F1", "F2", "F3", "F4", "F5"], pages);
        Assert.Equal(1, (await registry.FarmersAsync("B", Page.Create(0, 10).Value)).Total);

        var animals = await registry.AnimalsAsync("A", "F1", Page.Create(0, 10).Value);
        var animal = Assert.Single(animals.Items);
        Assert.Equal(("A-A", "C-A"), (animal.Animal.Id, animal.EnrolledBy));
        Assert.Equal(["crops/A/C-A/0.jpg"], animal.CropKeys);
        Assert.Empty((await registry.AnimalsAsync("A", "F2", Page.Create(0, 10).Value)).Items);
        Assert.Equal("A-B", (await registry.FindEnrolledAnimalAsync("B", "A-B"))!.Animal.Id);
        Assert.Null(await registry.FindEnrolledAnimalAsync("B", "A-A"));

        var flagged = new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment, "second enrolment", "A-A", 0.95f);
        await registry.RecordEnrolmentAsync(Enrolment("A", "D-A"), flagged, null);
        Assert.Equal("D-A", (await registry.FindDuplicateCaseAsync("A", "D-A"))!.CaptureId);
        Assert.Null(await registry.FindDuplicateCaseAsync("B", "D-A"));
        Assert.Null(await registry.FindDuplicateCaseAsync("A", "C-A"));
    }

    [Fact]
    public async Task A_second_registry_on_the_store_finds_the_first_ones_enrolments_before_it_searches()
    {
        await using var first = await WithFarmer();
        await using var second = await OpenAsync();
        Assert.Equal(0, await second.GallerySizeAsync("t1", Species.Cattle, "m1"));

        await Enrol(first, "C1", 1);
        Assert.Equal(1, await second.GallerySizeAsync("t1", Species.Cattle, "m1"));
        Assert.Equal("A-C1", Assert.Single(await Search(second, Vec(1), Species.Cattle, 5)).AnimalId);

        // Each sees the other's and its own, once.
        await Enrol(second, "C2", 2);
        Assert.Equal(2, await first.GallerySizeAsync("t1", Species.Cattle, "m1"));
        Assert.Equal(2, await second.GallerySizeAsync("t1", Species.Cattle, "m1"));
        Assert.Equal(["A-C1", "A-C2"], (await Search(first, Vec(2), Species.Cattle, 5)).Select(m => m.AnimalId).Order());
    }

    [Fact]
    public async Task Decisions_of_one_tenant_on_two_registries_run_one_at_a_time_so_one_animal_is_enrolled_once()
    {
        await using var first = await WithFarmer();
        await using var second = await OpenAsync();
        var running = 0;
        var overlapped = false;
        async Task<bool> EnrolUnlessKnown(IRegistry registry, string captureId) => await registry.DecideAsync("t1", async ct =>
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            try
            {
                var capture = Photos(captureId, 1);
                if ((await Search(registry, Vec(1), Species.Cattle, 1)) is [{ Score: > 0.99f } known])
                {
                    await registry.RecordEnrolmentAsync(capture, new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment, "", known.AnimalId, known.Score), null, ct);
                    return false;
                }
                // Wide open between the search and the write: a second decision running now would enrol the animal again.
                await Task.Delay(300, ct);
                await Enrol(registry, captureId, 1);
                return true;
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        });

        var enrolled = await Task.WhenAll(EnrolUnlessKnown(first, "C1"), EnrolUnlessKnown(second, "C2"));

        Assert.False(overlapped);
        Assert.Single(enrolled, true);
        Assert.Equal(1, await first.GallerySizeAsync("t1", Species.Cattle, "m1"));
        Assert.Equal(1, (await second.CountsAsync("t1")).FlaggedEnrolments);
    }

    [Fact]
    public async Task A_decision_that_throws_leaves_nothing_of_its_writes()
    {
        await using var registry = await WithFarmer();
        var failure = await Assert.ThrowsAsync<TimeoutException>(() => registry.DecideAsync<int>("t1", async _ =>
        {
            await Enrol(registry, "C1", 1);
            throw new TimeoutException("the ledger did not answer");
        }));

        Assert.Equal("the ledger did not answer", failure.Message);
        Assert.Null(await registry.FindCaptureAsync("C1"));
        Assert.Equal(0, await registry.GallerySizeAsync("t1", Species.Cattle, "m1"));
        await using var again = await OpenAsync();
        Assert.Equal(0, (await again.CountsAsync("t1")).Animals);
        // The store is not left locked.
        Assert.Equal(1, await again.DecideAsync("t1", _ => Task.FromResult(1)));
    }

    private static IdentityCheck Check(string id, string farmerId, int minute, string hash, IdentityCheckOutcome outcome = IdentityCheckOutcome.Passed) =>
        IdentityCheck.Create(id, farmerId, "ag1", IdentityCheckMethod.IdCardChipRead, new DateTimeOffset(2026, 3, 1, 8, minute, 0, TimeSpan.Zero), outcome,
            IdentityHash.Create("k1", hash).Value).Value;

    [Fact]
    public async Task Identity_checks_are_kept_per_farmer_in_time_order_found_by_number_once_each_and_within_their_tenant()
    {
        var person = new string('a', 64);
        await using (var registry = await WithFarmer())
        {
            await registry.AddFarmerAsync(Farmer.Create("t1", "F2", "王秀英", "甘肃省定西市").Value);
            await registry.AddFarmerAsync(Farmer.Create("t2", "F1", "Li", "Gansu").Value);
            Assert.True(await registry.RecordIdentityCheckAsync("t1", Check("IC2", "F1", 30, person)));
            Assert.True(await registry.RecordIdentityCheckAsync("t1", Check("IC1", "F1", 10, new string('b', 64), IdentityCheckOutcome.Failed)));
            Assert.True(await registry.RecordIdentityCheckAsync("t1", Check("IC3", "F2", 20, person)));
            // A record retried is recognised by its id and written once.
            Assert.False(await registry.RecordIdentityCheckAsync("t1", Check("IC2", "F1", 30, person)));
            // A farmer of another tenant's is not one to check.
            await Assert.ThrowsAsync<InvalidOperationException>(() => registry.RecordIdentityCheckAsync("t2", Check("IC4", "F2", 40, person)));
        }
        await using var reopened = await OpenAsync();
        Assert.Equal([Check("IC1", "F1", 10, new string('b', 64), IdentityCheckOutcome.Failed), Check("IC2", "F1", 30, person)],
            await reopened.IdentityChecksAsync("t1", "F1"));
        Assert.Equal(["IC3", "IC2"], (await reopened.IdentityChecksByNumberAsync("t1", IdentityHash.Create("k1", person).Value)).Select(c => c.Id));
        // The same hash under another key is another number; another tenant sees none of these.
        Assert.Empty(await reopened.IdentityChecksByNumberAsync("t1", IdentityHash.Create("k2", person).Value));
        Assert.Empty(await reopened.IdentityChecksAsync("t2", "F1"));
        Assert.Empty(await reopened.IdentityChecksByNumberAsync("t2", IdentityHash.Create("k1", person).Value));
    }
}

using AgriInsure.Domain;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Tests;

namespace AgriInsure.Registry.Tests;

/// <summary>Two insurers in one store: every read and search names a tenant and sees nothing of the other's.</summary>
public class TenancyTests
{
    private static readonly Embedding Cow = SqliteRegistryTests.Vec(7);

    private static CaptureRecord Enrolment(string tenant, string id, CapturePurpose purpose = CapturePurpose.Enrol) =>
        new(id, tenant, $"{tenant}-device", "agent", purpose, Species.Cattle, null, "F1", new GeoPoint(103.8, 30.6), 5,
            DateTimeOffset.UnixEpoch, "1.0", [new PhotoRecord(Cow, $"crops/{tenant}/{id}/0.jpg")], DateTimeOffset.UnixEpoch);

    /// <summary>Tenants A and B each with a farmer F1 (the same id at two insurers) and one animal of the same face.</summary>
    private static async Task<SqliteRegistry> TwoInsurersAsync(string path)
    {
        var registry = await SqliteRegistry.OpenAsync(path);
        foreach (var (tenant, name) in new[] { ("A", "Wang at A"), ("B", "Wang at B") })
        {
            await registry.AddFarmerAsync(Farmer.Create(tenant, "F1", name, "Sichuan").Value);
            var animal = Animal.Create($"A-{tenant}", "F1", Species.Cattle, null, [Cow]).Value;
            await registry.RecordEnrolmentAsync(Enrolment(tenant, $"C-{tenant}"), new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "new", animal.Id, null), animal);
        }
        return registry;
    }

    [Fact]
    public async Task The_same_farmer_id_at_two_insurers_is_two_farmers_and_neither_reads_the_others()
    {
        using var dir = new TempFolder();
        await using var registry = await TwoInsurersAsync(dir.File("r.db"));
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
        using var dir = new TempFolder();
        var path = dir.File("r.db");
        await (await TwoInsurersAsync(path)).DisposeAsync();
        await using var registry = await SqliteRegistry.OpenAsync(path);
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
        using var dir = new TempFolder();
        await using var registry = await TwoInsurersAsync(dir.File("r.db"));
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
    public async Task Lists_come_in_pages_of_one_tenant_in_a_stable_order_with_the_whole_count()
    {
        using var dir = new TempFolder();
        await using var registry = await TwoInsurersAsync(dir.File("r.db"));
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

    [Theory]
    [InlineData(-1, 10, "offset")]
    [InlineData(0, 0, "limit")]
    [InlineData(0, Page.MaxLimit + 1, "limit")]
    public void A_page_out_of_range_is_refused_with_the_field_named(int offset, int limit, string field) =>
        Assert.Equal(field, Page.Create(offset, limit).Error!.Field);
}

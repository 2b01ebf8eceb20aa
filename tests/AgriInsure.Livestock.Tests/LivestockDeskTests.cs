using AgriInsure.Domain;
using AgriInsure.Livestock;
using AgriInsure.Registry;

namespace AgriInsure.Livestock.Tests;

public sealed class LivestockDeskTests() : DeskTests(new LivestockOptions(0.8f), "F1", "F2")
{
    private static readonly Coverage Year = Coverage.Create(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)).Value;
    private static readonly Money Sum = Money.Create(8000m, "CNY").Value;
    private static readonly Money Premium = Money.Create(320m, "CNY").Value;
    private int _captures;

    /// <summary>Animal <paramref name="animal"/>'s face, seen with a little noise: photos of one animal
    /// score about 0.95 against each other, different animals about 0.</summary>
    private static Embedding Face(int animal, int shot)
    {
        var identity = new Random(animal);
        var noise = new Random(animal * 1000 + shot);
        return Embedding.Create(Enumerable.Range(0, 64).Select(_ => (float)(identity.NextDouble() - 0.5 + (noise.NextDouble() - 0.5) * 0.15)).ToArray(), "m").Value;
    }

    private CaptureRecord Capture(int animal, int shot, CapturePurpose purpose, string? farmer = "F1", DateTimeOffset? at = null) =>
        Capture([(animal, shot)], purpose, farmer, at);

    /// <summary>A capture of several photos, each (animal, shot).</summary>
    private CaptureRecord Capture(IReadOnlyList<(int Animal, int Shot)> photos, CapturePurpose purpose, string? farmer = "F1", DateTimeOffset? at = null,
        DateTimeOffset? received = null)
    {
        var id = $"C{++_captures:D4}";
        var taken = at ?? new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
        return new CaptureRecord(id, "t", "d", "ag", purpose, Species.Cattle, null, purpose == CapturePurpose.Enrol ? farmer : null,
            new GeoPoint(100, 36), 4, taken, "1",
            [.. photos.Select((p, i) => new PhotoRecord(Face(p.Animal, p.Shot), $"crops/{id}/{i}.jpg"))], received ?? taken.AddMinutes(30));
    }

    private async Task<string> Enrol(int animal, string farmer = "F1")
    {
        var d = await Desk.EnrolAsync(Capture(animal, 0, CapturePurpose.Enrol, farmer));
        Assert.Equal(CaptureOutcome.Enrolled, d.Outcome);
        return d.AnimalId!;
    }

    [Fact]
    public async Task A_second_enrolment_of_the_same_animal_is_flagged_with_the_match()
    {
        var first = await Enrol(1);
        await Enrol(2);
        var again = await Desk.EnrolAsync(Capture(1, 5, CapturePurpose.Enrol));
        Assert.Equal(DecisionStatus.Flagged, again.Status);
        Assert.Equal(CaptureOutcome.DuplicateEnrolment, again.Outcome);
        Assert.Equal(first, again.AnimalId);
        Assert.True(again.Score >= 0.8f);
        Assert.Equal(2, (await Registry.CountsAsync("t")).Animals);
        Assert.Equal(1, (await Registry.CountsAsync("t")).FlaggedEnrolments);
    }

    [Fact]
    public async Task Duplicate_search_stays_inside_the_tenant_the_same_cow_at_another_insurer_is_a_new_animal_there()
    {
        await Registry.AddFarmerAsync(Farmer.Create("other", "F1", "Li", "Gansu").Value);
        var here = await Enrol(1);
        var there = await Desk.EnrolAsync(Capture(1, 3, CapturePurpose.Enrol) with { Tenant = "other" });
        Assert.Equal(CaptureOutcome.Enrolled, there.Outcome);
        Assert.All(there.Scopes, s => Assert.Equal(0, s.Size));
        Assert.NotEqual(here, there.AnimalId);
        // Inside each tenant the rule is unchanged: a third enrolment at the first insurer is flagged, against its own animal.
        var again = await Desk.EnrolAsync(Capture(1, 5, CapturePurpose.Enrol));
        Assert.Equal((CaptureOutcome.DuplicateEnrolment, here), (again.Outcome, again.AnimalId));
        // The other insurer's reviewer does not see the case, and cannot decide it.
        Assert.Empty((await Registry.DuplicateCasesAsync("other", openOnly: true, Page.All)).Items);
        var foreign = await Desk.ReviewAsync("other", "C0003", ReviewVerdict.NewAnimal, "Zhao", "not ours to judge");
        Assert.Equal("case", foreign.Error!.Field);
    }

    [Fact]
    public async Task Photos_of_two_different_animals_in_one_enrolment_are_flagged_inconsistent_and_nothing_is_enrolled()
    {
        var d = await Desk.EnrolAsync(Capture([(1, 0), (1, 1), (2, 0)], CapturePurpose.Enrol));
        Assert.Equal((DecisionStatus.Flagged, CaptureOutcome.InconsistentPhotos, 3), (d.Status, d.Outcome, d.Photos));
        Assert.Contains("2 groups (1, 2 | 3)", d.Reason);
        Assert.Empty(d.Scopes);
        Assert.Equal(0, (await Registry.CountsAsync("t")).Animals);
        Assert.Equal(0, (await Ledger.HeadAsync()).Size);
        // Two of each animal are two groups too, however many photos link within each.
        Assert.Equal(CaptureOutcome.InconsistentPhotos, (await Desk.EnrolAsync(Capture([(1, 0), (2, 1), (1, 2), (2, 3)], CapturePurpose.Enrol))).Outcome);
        Assert.Equal("inconsistent-photos", CaptureOutcome.InconsistentPhotos.Name());
    }

    [Fact]
    public async Task A_three_photo_enrolment_keeps_three_templates_and_a_claim_of_several_photos_is_scored_by_the_fusion_rule()
    {
        var d = await Desk.EnrolAsync(Capture([(1, 0), (1, 1), (1, 2)], CapturePurpose.Enrol));
        Assert.Equal((CaptureOutcome.Enrolled, 3), (d.Outcome, d.Photos));
        var animal = (await Registry.FindAnimalAsync("t", d.AnimalId!))!;
        Assert.Equal(3, animal.Templates.Count);
        await Enrol(2);
        await InForceAsync(await Desk.IssuePolicyAsync("t", "F1", [d.AnimalId!], Sum, Premium, Year));
        var claim = Capture([(1, 7), (1, 8)], CapturePurpose.Claim);
        var decided = await Desk.ClaimDeathAsync(claim);
        Assert.Equal((CaptureOutcome.ClaimAccepted, d.AnimalId, 2), (decided.Outcome, decided.AnimalId, decided.Photos));
        Assert.Equal(FusedScore.Of(claim.Embeddings, animal.Templates), decided.Score!.Value, 5);
        Assert.Equal(3, decided.Scopes[0].Best!.Templates);
        Assert.Contains("(3 templates)", decided.Reason);
        var stored = (await Registry.FindCaptureAsync(claim.CaptureId))!.Decision;
        Assert.Equal((2, 3), (stored.Photos, stored.Scopes[0].Best!.Templates));
    }

    [Theory]
    [InlineData("2026-08-01", "2026-09-30")] // inside the first policy's cover
    [InlineData("2026-03-01", "2026-07-31")] // starts before it, ends inside: its first day was never insured
    [InlineData("2026-02-01", "2027-12-31")] // around it
    [InlineData("2027-05-31", "2028-05-30")] // shares its last day
    public async Task A_cover_that_overlaps_the_animals_policy_on_any_day_is_refused(string start, string end)
    {
        var a = await Enrol(1);
        var first = Coverage.Create(new DateOnly(2026, 6, 1), new DateOnly(2027, 5, 31)).Value;
        Assert.True((await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, first)).IsOk);
        var overlapping = Coverage.Create(DateOnly.Parse(start), DateOnly.Parse(end)).Value;
        var refused = await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, overlapping);
        Assert.Equal("policy.animalIds", refused.Error!.Field);
        Assert.Contains("already insured", refused.Error.Reason);
        Assert.Equal(1, (await Registry.CountsAsync("t")).Policies);
        var next = Coverage.Create(first.End.AddDays(1), first.End.AddDays(365)).Value;
        Assert.True((await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, next)).IsOk);
    }

    [Fact]
    public async Task A_cover_starting_before_today_is_refused_as_backdated()
    {
        var a = await Enrol(1);
        var backdated = Coverage.Create(new DateOnly(2025, 12, 31), new DateOnly(2026, 12, 30)).Value;
        Assert.Equal("policy.start", (await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, backdated)).Error!.Field);
        Assert.Equal(0, (await Registry.CountsAsync("t")).Policies);
        Assert.Equal(1, (await Ledger.HeadAsync()).Size);
    }

    [Fact]
    public async Task An_animal_paid_for_as_dead_is_not_insured_again_unless_an_officer_refused_the_death_claim()
    {
        var (a, b) = (await Enrol(1), await Enrol(2));
        var june = Coverage.Create(new DateOnly(2026, 6, 1), new DateOnly(2026, 6, 30)).Value;
        await InForceAsync(await Desk.IssuePolicyAsync("t", "F1", [a, b], Sum, Premium, june));
        var dead = await Desk.ClaimDeathAsync(Capture([(1, 3)], CapturePurpose.Claim, at: new DateTimeOffset(2026, 6, 10, 8, 0, 0, TimeSpan.Zero)));
        var faked = await Desk.ClaimDeathAsync(Capture([(2, 3)], CapturePurpose.Claim, at: new DateTimeOffset(2026, 6, 11, 8, 0, 0, TimeSpan.Zero)));
        Assert.True((await Desk.DecideClaimAsync("t", faked.ClaimId!, ClaimVerdict.Refuse, "Zhou", "the cow was seen alive at the survey")).IsOk);

        var next = Coverage.Create(new DateOnly(2026, 7, 1), new DateOnly(2027, 6, 30)).Value;
        var again = await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, next);
        Assert.Equal("policy.animalIds", again.Error!.Field);
        Assert.Contains("claimed dead", again.Error.Reason);
        Assert.True((await Desk.IssuePolicyAsync("t", "F1", [b], Sum, Premium, next)).IsOk);
    }

    [Fact]
    public async Task Concurrent_issuances_for_one_animal_store_exactly_one_policy()
    {
        var a = await Enrol(1);
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, Year))));
        Assert.Equal(1, results.Count(r => r.IsOk));
        Assert.All(results.Where(r => !r.IsOk), r => Assert.Contains("already insured", r.Error!.Reason));
        Assert.Equal(1, (await Registry.CountsAsync("t")).Policies);
    }

    [Fact]
    public async Task The_ledger_refuses_a_second_cover_of_an_animal_and_period_that_the_registry_does_not_know_of()
    {
        var capture = Capture(1, 0, CapturePurpose.Enrol);
        var a = (await Desk.EnrolAsync(capture)).AnimalId!;
        Assert.True((await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, Year)).IsOk);
        var cover = (await Ledger.FindAsync(LivestockAnchors.CoverKey(a, Year)))!;
        Assert.Equal("policy-cover", cover.Kind);

        // A registry that lost the policy (restored from a backup taken before it) holds the same animal, and its own
        // overlap check passes: the ledger still refuses other terms over the same animal and period.
        var (restored, desk) = await DeskOnAnotherRegistryAsync();
        await using (restored)
        {
            Assert.Equal(a, (await desk.EnrolAsync(capture)).AnimalId);
            var refused = await desk.IssuePolicyAsync("t", "F1", [a], Sum, Money.Create(1m, "CNY").Value, Year);
            Assert.Equal("policy.animalIds", refused.Error!.Field);
            Assert.Contains($"ledger entry {cover.Index}", refused.Error.Reason);
            Assert.Equal(0, (await restored.CountsAsync("t")).Policies);
            // The same terms again are the first issuance retried (a crash between the ledger and the registry): it goes on.
            Assert.True((await desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, Year)).IsOk);
        }
    }

    [Fact]
    public async Task Enrolment_for_an_unknown_farmer_creates_no_animal()
    {
        var d = await Desk.EnrolAsync(Capture(1, 0, CapturePurpose.Enrol, farmer: "F9"));
        Assert.Equal(CaptureOutcome.UnknownFarmer, d.Outcome);
        Assert.Equal(0, (await Registry.CountsAsync("t")).Animals);
        Assert.Equal(0, (await Ledger.HeadAsync()).Size);
    }

    [Fact]
    public async Task Policies_refuse_unknown_foreign_and_already_insured_animals()
    {
        var a = await Enrol(1);
        var b = await Enrol(2, "F2");
        Assert.Contains("not enrolled", (await Desk.IssuePolicyAsync("t", "F1", ["A-nope"], Sum, Premium, Year)).Error!.Reason);
        Assert.Contains("another farmer", (await Desk.IssuePolicyAsync("t", "F1", [a, b], Sum, Premium, Year)).Error!.Reason);
        Assert.Equal("policy.farmerId", (await Desk.IssuePolicyAsync("t", "F7", [a], Sum, Premium, Year)).Error!.Field);
        Assert.True((await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, Year)).IsOk);
        Assert.Contains("already insured", (await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, Year)).Error!.Reason);
    }

    [Theory]
    [InlineData(-31 * 24 * 60, true)]
    [InlineData(-29 * 24 * 60, false)]
    [InlineData(9, false)]
    [InlineData(11, true)]
    public async Task A_capture_whose_device_time_lies_outside_the_window_around_the_receive_time_is_flagged_with_both_times(int minutesAfterReceipt, bool flagged)
    {
        var received = new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
        var taken = received.AddMinutes(minutesAfterReceipt);
        var d = await Desk.EnrolAsync(Capture([(1, 0)], CapturePurpose.Enrol, at: taken, received: received));
        Assert.Equal(flagged ? CaptureOutcome.DeviceTimeOutOfRange : CaptureOutcome.Enrolled, d.Outcome);
        if (flagged)
        {
            Assert.Contains($"taken at {taken.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}", d.Reason);
            Assert.Contains("received at 2026-06-01T08:00:00Z", d.Reason);
            Assert.Equal(0, (await Registry.CountsAsync("t")).Animals);
            var claim = await Desk.ClaimDeathAsync(Capture([(1, 1)], CapturePurpose.Claim, at: taken, received: received));
            Assert.Equal(CaptureOutcome.DeviceTimeOutOfRange, claim.Outcome);
        }
    }

    [Fact]
    public async Task Cover_is_decided_on_the_clouds_receive_time_not_the_devices_clock()
    {
        var a = await Enrol(1);
        var june = Coverage.Create(new DateOnly(2026, 6, 1), new DateOnly(2026, 6, 30)).Value;
        await InForceAsync(await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, june));
        // The device says 30 June, inside the cover; the cloud received it on 2 July.
        var late = await Desk.ClaimDeathAsync(Capture([(1, 3)], CapturePurpose.Claim,
            at: new DateTimeOffset(2026, 6, 30, 12, 0, 0, TimeSpan.Zero), received: new DateTimeOffset(2026, 7, 2, 9, 0, 0, TimeSpan.Zero)));
        Assert.Equal(CaptureOutcome.ClaimRefusedNotInsured, late.Outcome);
        Assert.Contains("2026-07-02", late.Reason);
        var inCover = await Desk.ClaimDeathAsync(Capture([(1, 4)], CapturePurpose.Claim,
            at: new DateTimeOffset(2026, 6, 29, 12, 0, 0, TimeSpan.Zero), received: new DateTimeOffset(2026, 6, 30, 9, 0, 0, TimeSpan.Zero)));
        Assert.Equal(CaptureOutcome.ClaimAccepted, inCover.Outcome);
    }

    [Fact]
    public async Task No_death_claim_is_paid_on_a_policy_until_its_contract_is_signed_and_anchored()
    {
        var a = await Enrol(1);
        var issued = await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, Year);
        var unsigned = await Desk.ClaimDeathAsync(Capture(1, 3, CapturePurpose.Claim));
        Assert.Equal(CaptureOutcome.ClaimRefusedNotInsured, unsigned.Outcome);
        Assert.Contains("not in force", unsigned.Reason);
        Assert.Null(unsigned.ClaimId);
        Assert.Null(await Ledger.FindAsync(ClaimKey.ForAnimal(issued.Value.Id, a).Hex));
        // Once both parties signed and the contract is anchored, the same death is paid.
        await InForceAsync(issued);
        Assert.Equal(CaptureOutcome.ClaimAccepted, (await Desk.ClaimDeathAsync(Capture(1, 4, CapturePurpose.Claim))).Outcome);
    }

    [Fact]
    public async Task A_claims_officer_surveys_then_closes_a_claim_once_and_cannot_approve_one_the_rules_refused()
    {
        var a = await Enrol(1);
        await InForceAsync(await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, Year));
        var paid = await Desk.ClaimDeathAsync(Capture(1, 3, CapturePurpose.Claim));
        var duplicate = await Desk.ClaimDeathAsync(Capture(1, 4, CapturePurpose.Claim));
        var head = (await Ledger.HeadAsync()).Size;

        Assert.Equal(0, (await Desk.DecideClaimAsync("t", paid.ClaimId!, ClaimVerdict.Survey, "Zhou", "carcass not seen yet")).Value.Sequence);
        var approved = (await Desk.DecideClaimAsync("t", paid.ClaimId!, ClaimVerdict.Approve, "Zhou", "surveyed: dead, tag 0417")).Value;
        Assert.Equal((1, head + 1), (approved.Sequence, approved.LedgerEntry));
        Assert.Equal("claim", (await Desk.DecideClaimAsync("t", paid.ClaimId!, ClaimVerdict.Refuse, "Qian", "second thoughts")).Error!.Field);
        Assert.Equal([ClaimVerdict.Survey, ClaimVerdict.Approve], (await Registry.ClaimDecisionsAsync("t", paid.ClaimId!)).Select(d => d.Verdict));

        Assert.Equal("verdict", (await Desk.DecideClaimAsync("t", duplicate.ClaimId!, ClaimVerdict.Approve, "Zhou", "pay it anyway")).Error!.Field);
        Assert.True((await Desk.DecideClaimAsync("t", duplicate.ClaimId!, ClaimVerdict.Refuse, "Zhou", "second claim for the same cow")).IsOk);
        Assert.Equal("claim", (await Desk.DecideClaimAsync("other", duplicate.ClaimId!, ClaimVerdict.Survey, "Zhao", "not ours")).Error!.Field);
        Assert.Equal("reason", (await Desk.DecideClaimAsync("t", duplicate.ClaimId!, ClaimVerdict.Survey, "Zhou", " ")).Error!.Field);
        Assert.Equal(head + 3, (await Ledger.HeadAsync()).Size);
    }

    [Fact]
    public async Task A_death_claimed_at_one_insurer_is_refused_at_another_when_the_ear_tag_is_the_same()
    {
        // Two insurers (tenants) on one shared ledger, each with its own animal id for the cow with ear tag SI-1234-56.
        await Registry.AddFarmerAsync(Farmer.Create("other", "F1", "Li", "Gansu").Value);
        var here = (await Desk.EnrolAsync(Capture(1, 0, CapturePurpose.Enrol) with { EarTag = "SI-1234-56" })).AnimalId!;
        var there = (await Desk.EnrolAsync(Capture(1, 1, CapturePurpose.Enrol) with { Tenant = "other", EarTag = "si123456" })).AnimalId!;
        Assert.NotEqual(here, there);
        var policyHere = await InForceAsync(await Desk.IssuePolicyAsync("t", "F1", [here], Sum, Premium, Year));
        var policyThere = await InForceAsync(await Desk.IssuePolicyAsync("other", "F1", [there], Sum, Premium, Year), "other");

        var paid = await Desk.ClaimDeathAsync(Capture(1, 3, CapturePurpose.Claim));
        Assert.Equal(CaptureOutcome.ClaimAccepted, paid.Outcome);
        var twice = await Desk.ClaimDeathAsync(Capture(1, 4, CapturePurpose.Claim) with { Tenant = "other" });
        Assert.Equal((DecisionStatus.Flagged, CaptureOutcome.ClaimRefusedDuplicate, there), (twice.Status, twice.Outcome, twice.AnimalId));
        Assert.Contains("ear tag si123456", twice.Reason);
        Assert.Contains("another insurer", twice.Reason);

        var key = ClaimKey.ForEarTag(Species.Cattle, "SI123456");
        Assert.Equal(key, Assert.Single((await Registry.ClaimsAsync("t", null, Page.All)).Items).Key);
        var refused = Assert.Single((await Registry.ClaimsAsync("other", null, Page.All)).Items);
        Assert.Equal((ClaimStatus.Refused, key, policyThere.Id), (refused.Status, refused.Key, refused.PolicyId));
        Assert.Null(refused.Payout);
        Assert.NotEqual(policyHere.Id, policyThere.Id);
    }

    [Fact]
    public async Task A_death_claim_is_paid_once()
    {
        var a = await Enrol(1);
        await Enrol(2);
        var policy = await InForceAsync(await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, Year));

        var paid = await Desk.ClaimDeathAsync(Capture(1, 3, CapturePurpose.Claim));
        Assert.Equal(CaptureOutcome.ClaimAccepted, paid.Outcome);
        Assert.Equal(a, paid.AnimalId);

        var again = await Desk.ClaimDeathAsync(Capture(1, 4, CapturePurpose.Claim));
        Assert.Equal(CaptureOutcome.ClaimRefusedDuplicate, again.Outcome);

        var claims = (await Registry.ClaimsAsync("t", null, Page.All)).Items;
        Assert.Equal([ClaimStatus.Accepted, ClaimStatus.Refused], claims.Select(c => c.Status));
        Assert.All(claims, c => Assert.Equal(ClaimKey.ForAnimal(policy.Id, a), c.Key));
        Assert.Equal(Sum, claims[0].Payout);
        Assert.Null(claims[1].Payout);
    }

    [Fact]
    public async Task Claims_for_strangers_and_uninsured_animals_are_refused_with_reasons()
    {
        var a = await Enrol(1);
        var b = await Enrol(2);
        await InForceAsync(await Desk.IssuePolicyAsync("t", "F1", [a], Sum, Premium, Year));

        var stranger = await Desk.ClaimDeathAsync(Capture(99, 0, CapturePurpose.Claim));
        Assert.Equal(CaptureOutcome.ClaimRefusedNoMatch, stranger.Outcome);
        Assert.Contains("not identified", stranger.Reason);

        var uninsured = await Desk.ClaimDeathAsync(Capture(2, 1, CapturePurpose.Claim));
        Assert.Equal(CaptureOutcome.ClaimRefusedNotInsured, uninsured.Outcome);
        Assert.Equal(b, uninsured.AnimalId);

        var lapsed = await Desk.ClaimDeathAsync(Capture(1, 1, CapturePurpose.Claim, at: new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(CaptureOutcome.ClaimRefusedNotInsured, lapsed.Outcome);
        Assert.Empty((await Registry.ClaimsAsync("t", null, Page.All)).Items);
    }

    [Fact]
    public async Task A_census_names_the_insured_animals_not_seen_and_the_photos_of_animals_not_on_the_policy()
    {
        var ids = new List<string>();
        for (var animal = 1; animal <= 4; animal++)
            ids.Add(await Enrol(animal));
        var policy = (await Desk.IssuePolicyAsync("t", "F1", ids.Take(3).ToList(), Sum, Premium, Year)).Value;
        var visit = new DateOnly(2026, 9, 1);
        // Animals 1 and 2 photographed; 3 (insured) is not; 4 is enrolled but not on the policy; 9 was never enrolled.
        CensusPhoto[] photos = [new("a.jpg", [Face(1, 3)]), new("b", [Face(2, 4), Face(2, 5)]), new("c.jpg", [Face(4, 2)]), new("d.jpg", [Face(9, 1)])];
        var census = (await Desk.CensusAsync("t", policy.Id, visit, photos)).Value;
        Assert.Equal([CensusPresence.Seen, CensusPresence.Seen, CensusPresence.NotSeen], ids.Take(3).Select(id => census.Animals.Single(a => a.AnimalId == id).Presence));
        Assert.Equal("a.jpg", census.Animals.Single(a => a.AnimalId == ids[0]).Photo);
        Assert.Equal(["c.jpg", "d.jpg"], census.Unmatched.Select(p => p.Photo));
        Assert.All(census.Photos, p => Assert.Equal(SearchScope.Policy, p.Search.Scope));
        Assert.All(census.Photos, p => Assert.Equal(3, p.Search.Size));
        // Anchored after the four enrolments, the three animals' covers and the policy.
        Assert.Equal(8, census.LedgerEntry);

        // The same visit again is the same entry; nothing new is anchored.
        var size = (await Ledger.HeadAsync()).Size;
        Assert.Equal(census.LedgerEntry, (await Desk.CensusAsync("t", policy.Id, visit, photos)).Value.LedgerEntry);
        Assert.Equal(size, (await Ledger.HeadAsync()).Size);
    }

    [Fact]
    public async Task A_census_without_photos_for_an_unknown_policy_or_outside_the_cover_is_refused_by_name()
    {
        var id = await Enrol(1);
        var policy = await InForceAsync(await Desk.IssuePolicyAsync("t", "F1", [id], Sum, Premium, Year));
        var size = (await Ledger.HeadAsync()).Size;
        Assert.Equal("photos", (await Desk.CensusAsync("t", policy.Id, new DateOnly(2026, 9, 1), [])).Error!.Field);
        Assert.Equal("policy", (await Desk.CensusAsync("t", "LP-NONE", new DateOnly(2026, 9, 1), [new("a.jpg", [Face(1, 1)])])).Error!.Field);
        Assert.Equal("day", (await Desk.CensusAsync("t", policy.Id, new DateOnly(2027, 2, 1), [new("a.jpg", [Face(1, 1)])])).Error!.Field);
        Assert.Equal("photos", (await Desk.CensusAsync("t", policy.Id, new DateOnly(2026, 9, 1), [new("a", [])])).Error!.Field);
        Assert.Equal("photos", (await Desk.CensusAsync("t", policy.Id, new DateOnly(2026, 9, 1), [new("a", [.. Enumerable.Range(0, Animal.MaxTemplates + 1).Select(s => Face(1, s))])])).Error!.Field);
        Assert.Equal(size, (await Ledger.HeadAsync()).Size);
    }

    [Fact]
    public async Task A_flagged_duplicate_is_a_case_a_reviewer_confirms_or_overrides_once_each_anchored()
    {
        var first = await Enrol(1);
        var again = Capture(1, 5, CapturePurpose.Enrol, farmer: "F2");
        Assert.Equal(CaptureOutcome.DuplicateEnrolment, (await Desk.EnrolAsync(again)).Outcome);
        var twin = Capture(1, 6, CapturePurpose.Enrol);
        Assert.Equal(CaptureOutcome.DuplicateEnrolment, (await Desk.EnrolAsync(twin)).Outcome);

        var open = (await Registry.DuplicateCasesAsync("t", openOnly: true, Page.All)).Items;
        Assert.Equal([again.CaptureId, twin.CaptureId], open.Select(c => c.CaptureId));
        var evidence = open[0];
        Assert.Equal((first, "F2", "F1"), (evidence.MatchedAnimalId, evidence.FarmerId, evidence.MatchedFarmerId));
        Assert.True(evidence.Score >= 0.8f);
        Assert.Equal(0, evidence.Distance.Metres, 1e-6);
        Assert.Equal([$"crops/{again.CaptureId}/0.jpg"], evidence.CropKeys);
        Assert.Equal([$"crops/{first.Replace("A-", "")}/0.jpg"], evidence.MatchedCropKeys);
        Assert.Equal(evidence.Score, Assert.Single(evidence.PhotoScores), 5);

        var ledgerBefore = (await Ledger.HeadAsync()).Size;
        var overridden = (await Desk.ReviewAsync("t", again.CaptureId, ReviewVerdict.NewAnimal, "Wang (claims)", "twins: ear tags differ")).Value;
        Assert.Equal($"A-{again.CaptureId}", overridden.EnrolledAnimalId);
        Assert.Equal(2, (await Registry.CountsAsync("t")).Animals);
        Assert.NotNull(await Registry.FindAnimalAsync("t", overridden.EnrolledAnimalId!));
        // The enrolment and the decision are anchored.
        Assert.Equal(ledgerBefore + 2, (await Ledger.HeadAsync()).Size);
        var confirmed = (await Desk.ReviewAsync("t", twin.CaptureId, ReviewVerdict.Duplicate, "Wang (claims)", "same cow, same farm")).Value;
        Assert.Null(confirmed.EnrolledAnimalId);
        Assert.Equal(2, (await Registry.CountsAsync("t")).Animals);
        Assert.Empty((await Registry.DuplicateCasesAsync("t", openOnly: true, Page.All)).Items);
        Assert.Equal(ReviewVerdict.Duplicate, (await Registry.DuplicateCasesAsync("t", openOnly: false, Page.All)).Items[1].Decision!.Verdict);

        var size = (await Ledger.HeadAsync()).Size;
        Assert.Contains("already decided", (await Desk.ReviewAsync("t", twin.CaptureId, ReviewVerdict.NewAnimal, "Li", "second look")).Error!.Reason);
        Assert.Equal("case", (await Desk.ReviewAsync("t", "C9999", ReviewVerdict.Duplicate, "Li", "x")).Error!.Field);
        Assert.Equal("reviewer", (await Desk.ReviewAsync("t", twin.CaptureId, ReviewVerdict.Duplicate, " ", "x")).Error!.Field);
        Assert.Equal("reason", (await Desk.ReviewAsync("t", twin.CaptureId, ReviewVerdict.Duplicate, "Li", "")).Error!.Field);
        Assert.Equal(size, (await Ledger.HeadAsync()).Size);
    }

    [Fact]
    public async Task A_census_tells_an_animal_paid_for_as_dead_absent_from_one_a_photo_still_shows()
    {
        var ids = new List<string>();
        for (var animal = 1; animal <= 3; animal++)
            ids.Add(await Enrol(animal));
        var policy = await InForceAsync(await Desk.IssuePolicyAsync("t", "F1", ids, Sum, Premium, Year));
        Assert.Equal(CaptureOutcome.ClaimAccepted, (await Desk.ClaimDeathAsync(Capture(1, 7, CapturePurpose.Claim))).Outcome);
        Assert.Equal(CaptureOutcome.ClaimAccepted, (await Desk.ClaimDeathAsync(Capture(2, 7, CapturePurpose.Claim))).Outcome);
        // Animal 1 is absent as claimed; animal 2, paid for as dead, is photographed alive; animal 3 is seen.
        var census = (await Desk.CensusAsync("t", policy.Id, new DateOnly(2026, 9, 1), [new("b.jpg", [Face(2, 8)]), new("c.jpg", [Face(3, 8)])])).Value;
        Assert.Equal([CensusPresence.ClaimedDead, CensusPresence.SeenAfterDeathClaim, CensusPresence.Seen], ids.Select(id => census.Animals.Single(a => a.AnimalId == id).Presence));
        Assert.Equal([ids[1]], census.SeenAfterDeathClaim.Select(a => a.AnimalId));
        Assert.Empty(census.NotSeen);
    }
}

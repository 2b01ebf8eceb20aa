using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Crops.Tests;

public sealed class CropDeskTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 15, 9, 0, 0, TimeSpan.Zero);
    private static readonly Money PerMu = Money.Create(1000m, "CNY").Value;
    private static readonly Money Rate = Money.Create(30m, "CNY").Value;
    private static readonly Coverage Season = Cover(new DateOnly(2026, 4, 1), new DateOnly(2026, 9, 30));
    private static readonly EventWindow July = Window(new DateOnly(2026, 7, 1), new DateOnly(2026, 7, 10));

    private readonly TempFolder _dir = new();
    private SqliteLedger _ledger = null!;
    private CropDesk _desk = null!;
    private int _evidence;

    public async Task InitializeAsync() => await Open();

    public async Task DisposeAsync()
    {
        await _ledger.DisposeAsync();
        _dir.Dispose();
    }

    private async Task Open()
    {
        _ledger = await SqliteLedger.OpenAsync(_dir.File("ledger.db"));
        _desk = new CropDesk(_ledger, NullLogger<CropDesk>.Instance, new FixedClock(Now));
    }

    private static Coverage Cover(DateOnly start, DateOnly end) => Coverage.Create(start, end).Value;

    private static EventWindow Window(DateOnly start, DateOnly end) => EventWindow.Create(start, end).Value;

    /// <summary>A fresh evidence digest each call, as each measurement or assessment writes its own record.</summary>
    private string NextEvidence() => Digest.Of("evidence", (++_evidence).ToString(System.Globalization.CultureInfo.InvariantCulture)).Hex;

    private static Plot Plot(string id = "PL1")
    {
        GeoPoint[] ring = [new(116.30, 39.90), new(116.31, 39.90), new(116.31, 39.91), new(116.30, 39.90)];
        return Domain.Plot.Create(id, "F1", ring, Area.FromMu(20).Value).Value;
    }

    private MeasuredAcreage Acreage(string plotId = "PL1", double mu = 15, PlotQuality quality = PlotQuality.Ok, DateTimeOffset? at = null) =>
        MeasuredAcreage.Create(plotId, Area.FromMu(mu).Value, quality, at ?? Now.AddDays(-10), NextEvidence()).Value;

    private static CropTerms Terms(Coverage? cover = null) => CropTerms.Create("maize", PerMu, Rate, 0.1m, cover ?? Season).Value;

    private CropLossAssessment Loss(CropPolicy policy, double fraction = 0.5, Peril peril = Peril.Flood, EventWindow? window = null,
        PlotQuality quality = PlotQuality.Ok, string? evidence = null, string? plotId = null) =>
        CropLossAssessment.Create(policy.Id, plotId ?? policy.PlotId, peril, window ?? July, fraction, 0.05, quality, evidence ?? NextEvidence()).Value;

    /// <summary>A policy issued and, unless <paramref name="inForce"/> is false, put in force: its signed contract's hash
    /// anchored as the contract desk anchors it once both parties signed (the PDF itself is the contract desk's tests').</summary>
    private async Task<CropPolicy> Issue(string plotId = "PL1", Coverage? cover = null, bool inForce = true)
    {
        var decision = await _desk.IssueAsync(Plot(plotId), Acreage(plotId), Terms(cover));
        Assert.Equal(CropOutcome.Issued, decision.Outcome);
        if (inForce)
            await _ledger.AppendAsync(new LedgerRecord(SignedContract.AnchorKind, SignedContract.AnchorKey(decision.Policy!.Id), Digest.Of("signed contract", decision.Policy.Id).Hex));
        return decision.Policy!;
    }

    private async Task<long> LedgerSize() => (await _ledger.HeadAsync()).Size;

    [Fact]
    public async Task Issuing_prices_the_measured_mu_and_anchors_each_cover_month_then_the_policy()
    {
        var decision = await _desk.IssueAsync(Plot(), Acreage(mu: 15), Terms());

        Assert.Equal(CropOutcome.Issued, decision.Outcome);
        Assert.Null(decision.Refusal);
        var policy = decision.Policy!;
        Assert.Equal(15_000m, policy.SumInsured.Amount); // 15 measured mu, not the 20 declared
        Assert.Equal(450m, policy.Premium.Amount);
        Assert.Equal("F1", policy.FarmerId);
        Assert.Equal(6, decision.LedgerEntry); // April..September, then the policy
        Assert.Equal(7, await LedgerSize());
        Assert.True((await _ledger.VerifyAsync()).IsIntact);
    }

    [Fact]
    public async Task A_second_policy_sharing_a_month_of_the_plot_is_refused_even_after_a_restart()
    {
        await Issue();
        await _ledger.DisposeAsync();
        await Open();
        var size = await LedgerSize();

        var overlapping = await _desk.IssueAsync(Plot(), Acreage(), Terms(Cover(new DateOnly(2026, 9, 20), new DateOnly(2026, 12, 31))));

        Assert.Equal(CropOutcome.AlreadyInsured, overlapping.Outcome);
        Assert.Equal("terms.coverage", overlapping.Refusal!.Field);
        Assert.Contains("2026-09", overlapping.Refusal.Reason);
        Assert.Equal(5, overlapping.LedgerEntry); // September's cover entry
        Assert.Equal(size, await LedgerSize());
        await Issue(cover: Cover(new DateOnly(2026, 10, 1), new DateOnly(2026, 12, 31)));
        await Issue(plotId: "PL2");
    }

    [Fact]
    public async Task Issuing_refuses_bad_measurements_and_backdated_cover_naming_the_field_and_anchoring_nothing()
    {
        async Task Refused(CropIssueDecision d, CropOutcome outcome, string field)
        {
            Assert.Equal(outcome, d.Outcome);
            Assert.Equal(field, d.Refusal!.Field);
            Assert.Null(d.Policy);
            Assert.Equal(0, await LedgerSize());
        }

        await Refused(await _desk.IssueAsync(Plot(), Acreage(quality: PlotQuality.NeedsClearImage), Terms()), CropOutcome.QualityNotOk, "acreage.quality");
        await Refused(await _desk.IssueAsync(Plot(), Acreage(plotId: "PL9"), Terms()), CropOutcome.WrongPlot, "acreage.plotId");
        await Refused(await _desk.IssueAsync(Plot(), Acreage(at: Now.AddHours(1)), Terms()), CropOutcome.InvalidInput, "acreage.measuredAt");
        await Refused(await _desk.IssueAsync(Plot(), Acreage(mu: 0.00001), Terms()), CropOutcome.InvalidInput, "acreage.measured");
        await Refused(await _desk.IssueAsync(Plot(), Acreage(), Terms(Cover(new DateOnly(2026, 3, 1), new DateOnly(2026, 9, 30)))), CropOutcome.Backdated, "terms.coverage.start");
    }

    [Fact]
    public async Task A_second_claim_for_the_same_plot_and_event_is_refused_by_the_ledger()
    {
        var policy = await Issue();
        var evidence = NextEvidence();

        var paid = await _desk.ClaimAsync(policy, Loss(policy, 0.5, evidence: evidence));
        Assert.Equal(CropOutcome.Accepted, paid.Outcome);
        Assert.Equal(6_000m, paid.Claim.Payout!.Value.Amount); // 15 000 × (0.5 − 0.1)
        Assert.Equal(ClaimStatus.Accepted, paid.Claim.Status);
        Assert.Equal(ClaimKind.CropLoss, paid.Claim.Kind);
        Assert.Equal(ClaimKey.ForPlotEvent(policy.Id, "PL1", Peril.Flood, July), paid.Claim.Key);
        Assert.Equal(evidence, paid.Claim.EvidenceId);

        var again = await _desk.ClaimAsync(policy, Loss(policy, 0.8));
        Assert.Equal(CropOutcome.Duplicate, again.Outcome);
        Assert.Equal(paid.LedgerEntry, again.LedgerEntry);
        Assert.Equal(ClaimStatus.Refused, again.Claim.Status);
        Assert.Null(again.Claim.Payout);
        Assert.Equal("assessment", again.Refusal!.Field);

        var retry = await _desk.ClaimAsync(policy, Loss(policy, 0.5, evidence: evidence));
        Assert.Equal(CropOutcome.AlreadyAnchored, retry.Outcome);
        Assert.Null(retry.Claim.Payout);

        var hail = await _desk.ClaimAsync(policy, Loss(policy, 0.3, peril: Peril.Hail));
        Assert.Equal(CropOutcome.Accepted, hail.Outcome);
        Assert.Equal(3_000m, hail.Claim.Payout!.Value.Amount);
    }

    [Fact]
    public async Task A_claim_outside_the_cover_is_refused_and_anchors_nothing()
    {
        var policy = await Issue();
        var size = await LedgerSize();

        foreach (var window in new[] { Window(new DateOnly(2026, 10, 2), new DateOnly(2026, 10, 5)), Window(new DateOnly(2026, 9, 28), new DateOnly(2026, 10, 3)) })
        {
            var d = await _desk.ClaimAsync(policy, Loss(policy, window: window));
            Assert.Equal(CropOutcome.OutsideCover, d.Outcome);
            Assert.Equal("assessment.window", d.Refusal!.Field);
            Assert.Equal(ClaimStatus.Refused, d.Claim.Status);
        }
        Assert.Equal(size, await LedgerSize());
    }

    [Fact]
    public async Task A_hidden_assessment_is_refused_and_a_clear_one_can_follow()
    {
        var policy = await Issue();

        var cloudy = await _desk.ClaimAsync(policy, Loss(policy, quality: PlotQuality.NeedsClearImage));
        Assert.Equal(CropOutcome.QualityNotOk, cloudy.Outcome);
        Assert.Equal("assessment.quality", cloudy.Refusal!.Field);
        Assert.Contains("hidden", cloudy.Refusal.Reason);

        Assert.Equal(CropOutcome.Accepted, (await _desk.ClaimAsync(policy, Loss(policy))).Outcome);
    }

    [Fact]
    public async Task Claims_on_another_plot_policy_or_unanchored_terms_are_refused()
    {
        var policy = await Issue();
        var other = await Issue(plotId: "PL2");

        var wrongPolicy = await _desk.ClaimAsync(policy, Loss(other));
        Assert.Equal((CropOutcome.WrongPolicy, "assessment.policyId"), (wrongPolicy.Outcome, wrongPolicy.Refusal!.Field));

        var wrongPlot = await _desk.ClaimAsync(policy, Loss(policy, plotId: "PL2"));
        Assert.Equal((CropOutcome.WrongPlot, "assessment.plotId"), (wrongPlot.Outcome, wrongPlot.Refusal!.Field));

        var unissued = CropPolicy.Create("CP-never", "F1", Acreage(), Terms()).Value;
        var never = await _desk.ClaimAsync(unissued, Loss(unissued));
        Assert.Equal((CropOutcome.PolicyNotAnchored, "policy.id"), (never.Outcome, never.Refusal!.Field));

        var richer = CropPolicy.Create(policy.Id, "F1", Acreage(mu: 150), Terms()).Value;
        var forged = await _desk.ClaimAsync(richer, Loss(richer));
        Assert.Equal((CropOutcome.PolicyNotAnchored, "policy"), (forged.Outcome, forged.Refusal!.Field));

        Assert.Equal(CropOutcome.Accepted, (await _desk.ClaimAsync(policy, Loss(policy))).Outcome);
    }

    [Fact]
    public async Task No_crop_claim_is_paid_on_a_policy_until_its_contract_is_signed_and_anchored()
    {
        var policy = await Issue(inForce: false);
        var before = await LedgerSize();
        var refused = await _desk.ClaimAsync(policy, Loss(policy));
        Assert.Equal((CropOutcome.NotInForce, "policy.contract"), (refused.Outcome, refused.Refusal!.Field));
        Assert.Equal(before, await LedgerSize());
        await _ledger.AppendAsync(new LedgerRecord(SignedContract.AnchorKind, SignedContract.AnchorKey(policy.Id), Digest.Of("signed contract", policy.Id).Hex));
        Assert.Equal(CropOutcome.Accepted, (await _desk.ClaimAsync(policy, Loss(policy))).Outcome);
    }

    [Fact]
    public void Outcome_wire_names_are_stable() =>
        Assert.Equal(
            ["issued", "accepted", "already-insured", "backdated", "invalid-input", "quality-not-ok", "wrong-plot", "wrong-policy", "policy-not-anchored", "not-in-force", "outside-cover", "already-anchored", "duplicate", "overlaps-paid-claim", "quoted", "overlaps-insured-plot"],
            Enum.GetValues<CropOutcome>().Select(o => o.Name()));

}

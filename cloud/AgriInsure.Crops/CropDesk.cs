using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Registry;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Crops;

/// <summary>The crop rules: issue a policy on a plot's measured acreage, and decide a crop loss verified
/// by map. Both are anchored on the ledger, which refuses a second policy on a plot in the same month and
/// a second claim for the same policy, plot, peril and event window. Every refusal names the field and why.</summary>
public sealed class CropDesk(ILedger ledger, ILogger<CropDesk> log, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    // Issues are checked, then anchored month by month; one at a time, so two issues in this process
    // cannot both pass the check and leave each other's months half-anchored.
    private readonly SemaphoreSlim _issuing = new(1, 1);

    /// <summary>Issues a policy on <paramref name="plot"/> priced on <paramref name="acreage"/>: sum insured
    /// and premium are the terms' per-mu amounts times the measured mu. Refuses (nothing anchored) a
    /// measurement of another plot, one taken in the future or not ok, a cover starting before today, and a
    /// plot already insured in any calendar month of the cover. Anchors one <c>crop-cover</c> entry per
    /// month, then the policy. Across hosts the ledger is the arbiter: two hosts racing for one plot can
    /// leave the loser's earlier months anchored (under its terms' hash), and they then block those months.</summary>
    public async Task<CropIssueDecision> IssueAsync(Plot plot, MeasuredAcreage acreage, CropTerms terms, CancellationToken ct = default)
    {
        var checkedTerms = Check(plot, acreage, terms);
        if (checkedTerms is not { Outcome: CropOutcome.Quoted, Policy: { } policy })
            return checkedTerms;
        var payload = CropAnchors.Terms(policy);
        var months = CropAnchors.CoverMonths(plot.Id, terms.Coverage).ToList();
        await _issuing.WaitAsync(ct);
        try
        {
            foreach (var (month, key) in months)
            {
                if (await ledger.FindAsync(key, ct) is { } taken)
                    return AlreadyInsured(plot.Id, month, taken);
            }
            foreach (var (month, key) in months)
            {
                if (await ledger.AppendAsync(new LedgerRecord(CropAnchors.CoverKind, key, payload), ct) is AppendResult.Refused refused)
                    return AlreadyInsured(plot.Id, month, refused.Entry);
            }
            var anchored = await ledger.AppendAsync(new LedgerRecord(CropAnchors.PolicyKind, CropAnchors.PolicyKey(policy.Id), payload), ct);
            if (anchored is not AppendResult.Appended)
                throw new InvalidOperationException($"the new policy id {policy.Id} is on the ledger already (entry {anchored.Entry.Index})");
            log.LogInformation("Issued crop policy {PolicyId} on plot {PlotId}: {Mu} mu, premium {Premium}, anchored at entry {Index}",
                policy.Id, plot.Id, acreage.Measured.Mu, policy.Premium, anchored.Entry.Index);
            return new CropIssueDecision(CropOutcome.Issued, policy, anchored.Entry.Index, null);
        }
        finally
        {
            _issuing.Release();
        }
    }

    /// <summary>What <see cref="IssueAsync"/> would decide, without anchoring anything: the policy as it would be
    /// priced (<see cref="CropOutcome.Quoted"/>, no ledger entry), or the refusal, the ledger's months included.</summary>
    public async Task<CropIssueDecision> QuoteAsync(Plot plot, MeasuredAcreage acreage, CropTerms terms, CancellationToken ct = default)
    {
        var quoted = Check(plot, acreage, terms);
        if (quoted.Outcome != CropOutcome.Quoted)
            return quoted;
        foreach (var (month, key) in CropAnchors.CoverMonths(plot.Id, terms.Coverage))
        {
            if (await ledger.FindAsync(key, ct) is { } taken)
                return AlreadyInsured(plot.Id, month, taken);
        }
        return quoted;
    }

    /// <summary>The checks that need no ledger: <see cref="CropOutcome.Quoted"/> with the priced policy, or the refusal.</summary>
    private CropIssueDecision Check(Plot plot, MeasuredAcreage acreage, CropTerms terms)
    {
        var now = _clock.GetUtcNow();
        if (acreage.PlotId != plot.Id)
            return Refuse(CropOutcome.WrongPlot, "acreage.plotId", $"measures plot '{acreage.PlotId}', not '{plot.Id}'");
        if (acreage.MeasuredAt > now)
            return Refuse(CropOutcome.InvalidInput, "acreage.measuredAt", $"{acreage.MeasuredAt:O} is in the future");
        if (acreage.Quality != PlotQuality.Ok)
            return Refuse(CropOutcome.QualityNotOk, "acreage.quality", $"is {acreage.Quality.Name()}; only an ok measurement is insurable");
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (terms.Coverage.Start < today)
            return Refuse(CropOutcome.Backdated, "terms.coverage.start", $"{terms.Coverage.Start:yyyy-MM-dd} is before today ({today:yyyy-MM-dd}); cover cannot be backdated");
        if (!CropPolicy.Create(Id.New("CP"), plot.FarmerId, acreage, terms).TryGet(out var policy, out var error))
            return Refuse(CropOutcome.InvalidInput, error.Field, error.Reason);
        return new CropIssueDecision(CropOutcome.Quoted, policy, null, null);
    }

    /// <summary>Decides a crop loss on <paramref name="policy"/> from <paramref name="assessment"/>. Refuses,
    /// with nothing anchored, an assessment of another policy or plot, a policy whose terms are not those
    /// anchored, a policy not in force (its signed contract not anchored, <see cref="SignedContract.AnchorKey"/>), an event window not wholly within the cover, and an assessment that is not ok (so a clearer
    /// image can be sent later). Otherwise anchors the claim key (<see cref="ClaimKey.ForPlotEvent"/>) with
    /// the evidence and pays <see cref="CropIndemnity.Compute"/>; the ledger refuses the same key again
    /// (<see cref="CropOutcome.Duplicate"/>, or <see cref="CropOutcome.AlreadyAnchored"/> for the same
    /// evidence). A damage below the deductible is accepted at 0: the event is decided once.</summary>
    public async Task<CropClaimDecision> ClaimAsync(CropPolicy policy, CropLossAssessment assessment, CancellationToken ct = default) =>
        await ClaimAsync(policy, assessment, [], ct);

    /// <summary><see cref="ClaimAsync(CropPolicy, CropLossAssessment, CancellationToken)"/>, knowing the claims on the
    /// policy and plot already decided (<paramref name="earlier"/>): before anything is anchored, a claim whose event shares
    /// a day with an accepted one under another key (another peril, or overlapping days) is refused
    /// (<see cref="CropOutcome.OverlapsPaidClaim"/>, naming the accepted claim and its entry): the damage those days show
    /// is paid once. The ledger keys one claim exactly; this is the rule for the claims around it.</summary>
    public async Task<CropClaimDecision> ClaimAsync(CropPolicy policy, CropLossAssessment assessment, IReadOnlyList<StoredCropClaim> earlier, CancellationToken ct = default)
    {
        var key = ClaimKey.ForPlotEvent(assessment.PolicyId, assessment.PlotId, assessment.Peril, assessment.Window);
        CropClaimDecision Refused(CropOutcome outcome, string field, string reason, long? entry = null)
        {
            var refusal = new ValidationError(field, reason);
            log.LogWarning("Crop claim on {PolicyId} plot {PlotId} refused ({Outcome}): {Refusal}", assessment.PolicyId, assessment.PlotId, outcome.Name(), refusal);
            return new CropClaimDecision(outcome, ClaimOf(assessment, key, ClaimStatus.Refused, $"{outcome.Name()}: {refusal}", null), entry, refusal);
        }

        if (assessment.PolicyId != policy.Id)
            return Refused(CropOutcome.WrongPolicy, "assessment.policyId", $"is '{assessment.PolicyId}', not '{policy.Id}'");
        if (assessment.PlotId != policy.PlotId)
            return Refused(CropOutcome.WrongPlot, "assessment.plotId", $"policy {policy.Id} insures plot '{policy.PlotId}', not '{assessment.PlotId}'");
        var anchoredPolicy = await ledger.FindAsync(CropAnchors.PolicyKey(policy.Id), ct);
        if (anchoredPolicy is null)
            return Refused(CropOutcome.PolicyNotAnchored, "policy.id", $"policy {policy.Id} is not on the ledger");
        if (anchoredPolicy.PayloadHash != CropAnchors.Terms(policy))
            return Refused(CropOutcome.PolicyNotAnchored, "policy", $"the terms differ from those anchored at entry {anchoredPolicy.Index}", anchoredPolicy.Index);
        if (!await ledger.IsInForceAsync(policy.Id, ct))
            return Refused(CropOutcome.NotInForce, "policy.contract", $"policy {policy.Id}'s contract is not signed by both parties and anchored; the policy is not in force");
        if (!policy.Coverage.Contains(assessment.Window))
            return Refused(CropOutcome.OutsideCover, "assessment.window", $"{assessment.Window} is not within the cover {policy.Coverage.Start:yyyy-MM-dd}..{policy.Coverage.End:yyyy-MM-dd}");
        if (earlier.FirstOrDefault(e => e.Claim.Status == ClaimStatus.Accepted && e.Claim.PolicyId == policy.Id && e.Claim.SubjectId == assessment.PlotId
                && e.Claim.Key != key && e.Window.Overlaps(assessment.Window)) is { } paid)
        {
            return Refused(CropOutcome.OverlapsPaidClaim, "assessment.window",
                $"claim {paid.Claim.Id} ({paid.Peril.Name()}, {paid.Window}) on this plot was accepted for days this event shares; the loss is paid once", paid.LedgerEntry);
        }
        if (assessment.Quality != PlotQuality.Ok)
            return Refused(CropOutcome.QualityNotOk, "assessment.quality",
                string.Create(CultureInfo.InvariantCulture, $"is {assessment.Quality.Name()} ({assessment.HiddenShare:P0} hidden); a clearer image is needed"));

        var indemnity = policy.Indemnity(assessment.DamageFraction);
        var anchored = await ledger.AppendAsync(new LedgerRecord(CropAnchors.ClaimKind, key.Hex, CropAnchors.ClaimEvidence(assessment, indemnity)), ct);
        var claimed = $"a {assessment.Peril.Name()} claim for plot {assessment.PlotId} over {assessment.Window} under {policy.Id}";
        switch (anchored)
        {
            case AppendResult.AlreadyAnchored same:
                return Refused(CropOutcome.AlreadyAnchored, "assessment", $"{claimed} with this evidence was anchored at entry {same.Entry.Index}; it is not paid twice", same.Entry.Index);
            case AppendResult.Refused refused:
                return Refused(CropOutcome.Duplicate, "assessment", $"{claimed} is on the ledger already (entry {refused.Entry.Index})", refused.Entry.Index);
        }
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"{assessment.DamageFraction:P1} damaged, deductible {policy.Terms.Deductible:P0}: pays {indemnity} of {policy.SumInsured}; ledger entry {anchored.Entry.Index}");
        log.LogInformation("Crop claim on {PolicyId} plot {PlotId} accepted: {Reason}", policy.Id, assessment.PlotId, reason);
        return new CropClaimDecision(CropOutcome.Accepted, ClaimOf(assessment, key, ClaimStatus.Accepted, reason, indemnity), anchored.Entry.Index, null);
    }

    private CropIssueDecision Refuse(CropOutcome outcome, string field, string reason)
    {
        var refusal = new ValidationError(field, reason);
        log.LogWarning("Crop policy refused ({Outcome}): {Refusal}", outcome.Name(), refusal);
        return new CropIssueDecision(outcome, null, null, refusal);
    }

    private CropIssueDecision AlreadyInsured(string plotId, string month, LedgerEntry taken) =>
        Refuse(CropOutcome.AlreadyInsured, "terms.coverage", $"plot {plotId} is insured in {month} already (ledger entry {taken.Index}, {taken.RecordedAt:yyyy-MM-dd})")
            with { LedgerEntry = taken.Index };

    private Claim ClaimOf(CropLossAssessment a, ClaimKey key, ClaimStatus status, string reason, Money? payout) =>
        new(Id.New("CC"), ClaimKind.CropLoss, a.PolicyId, a.PlotId, key, a.Evidence.Hex, status, reason, payout, _clock.GetUtcNow());
}

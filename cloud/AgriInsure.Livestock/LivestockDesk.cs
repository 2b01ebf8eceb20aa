using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Livestock.Calibration;
using AgriInsure.Registry;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Livestock;

/// <summary>The livestock rules: enrol an animal unless it is already enrolled, issue a policy, and
/// decide a death claim from photos. A capture carries 1 to <see cref="Animal.MaxTemplates"/> photos of one animal:
/// an enrolment's photos become the animal's templates, and every search scores all of a capture's photos against
/// each animal's templates, fused by <see cref="FusedScore.Fuse"/> (the mean over photos of each photo's best
/// template score), with thresholds calibrated on fused scores of as many photos. An enrolment whose photos are not
/// of one animal (<see cref="PhotoConsistency"/>, at <see cref="LivestockOptions.ConsistencyThreshold"/>) is flagged
/// <see cref="CaptureOutcome.InconsistentPhotos"/> before any search and not enrolled. Every decision is written with its reason and, for each scope searched,
/// the scope's size, threshold, expected false-duplicate rate, best score, runner-up and margin. Each search passes
/// its floor (the registry scope's calibrated threshold, known from the gallery's size before searching; the
/// manifest's threshold for the others), so a large scope is scanned through the index's sign-code pre-filter:
/// every animal at or above the threshold is found and scored exactly, and a runner-up below it is the best found.
/// An enrolment is searched in three scopes, each with its own threshold: the farmer's animals, the animals
/// enrolled within <see cref="LivestockOptions.Radius"/> (fraud is local: a cow re-enrolled at a neighbour's),
/// and the whole registry; a match in any of them flags it, and the decision names the first that matched in
/// that order (the narrowest, where fraud is likeliest). A claim identifies the animal among the insured
/// herd (1:k), so it faces k impostors, not the registry's N.</summary>
public sealed class LivestockDesk(IRegistry registry, ILedger ledger, LivestockOptions options, ILogger<LivestockDesk> log, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly GalleryCalibration _calibration = new(registry);

    /// <summary>Best and runner-up: what a decision records of each scope.</summary>
    private const int Candidates = 2;

    /// <summary>Runs <paramref name="decisions"/> (any of this desk's decisions of <paramref name="tenant"/>, one after another)
    /// as one decision (<see cref="IRegistry.DecideAsync"/>): one hold of the tenant's lock, one registry transaction and one
    /// ledger commit (<see cref="ILedger.GroupAsync"/>, committed just before the registry's), so each decision sees the
    /// ones before it and a batch pays for one durable write. All or nothing: when one throws, none is kept.</summary>
    public Task<T> DecideAsync<T>(string tenant, Func<CancellationToken, Task<T>> decisions, CancellationToken ct = default) =>
        registry.DecideAsync(tenant, c => ledger.GroupAsync(decisions, c), ct);

    public Task<CaptureDecision> EnrolAsync(CaptureRecord capture, CancellationToken ct = default) =>
        DecideAsync(capture.Tenant, c => EnrolLockedAsync(capture, c), ct);

    private async Task<CaptureDecision> EnrolLockedAsync(CaptureRecord capture, CancellationToken ct)
    {
        if (OutOfTime(capture) is { } late)
            return await RecordEnrolment(capture, late, null, ct);
        if (await StaleModelAsync(capture.Species, capture.ModelId, ct) is { } stale)
            return await RecordEnrolment(capture, Flag(CaptureOutcome.StaleModel, stale), null, ct);
        if (capture.FarmerId is null || await registry.FindFarmerAsync(capture.Tenant, capture.FarmerId, ct) is null)
            return await RecordEnrolment(capture, Flag(CaptureOutcome.UnknownFarmer, $"farmer '{capture.FarmerId}' is not registered; the animal was not enrolled"), null, ct);

        var (probes, species) = (capture.Embeddings, capture.Species);
        var consistency = PhotoConsistency.Check(probes, options.ConsistencyThreshold);
        if (!consistency.OfOneAnimal)
        {
            log.LogWarning("Capture {CaptureId} refused: its photos are not of one animal ({Groups} groups)", capture.CaptureId, consistency.Groups.Count);
            return await RecordEnrolment(capture, Flag(CaptureOutcome.InconsistentPhotos, $"{consistency.Describe()}; an enrolment's photos must all show one animal; not enrolled, retake them"), null, ct);
        }
        var (tail, registryThreshold) = await RegistryScopeAsync(capture.Tenant, species, capture.ModelId, probes.Count, ct);
        var everyone = await registry.SearchAsync(capture.Tenant, probes, species, new ScopeFilter.Everyone(), Candidates, registryThreshold, ct);
        ScopeResult[] scopes =
        [
            Judge(SearchScope.Farmer, await registry.SearchAsync(capture.Tenant, probes, species, new ScopeFilter.OfFarmer(capture.FarmerId), Candidates, options.MatchThreshold, ct), tail),
            Judge(SearchScope.Radius, await registry.SearchAsync(capture.Tenant, probes, species, new ScopeFilter.Within(capture.Location, options.Radius), Candidates, options.MatchThreshold, ct), tail),
            Judge(SearchScope.Registry, everyone, tail),
        ];
        var searched = string.Join("; ", scopes.Select(x => x.Describe()));
        var matched = scopes.FirstOrDefault(x => x.Matched);
        if (matched?.Best is { } same)
        {
            var decision = new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment,
                $"matches enrolled {species.Name()} {same.AnimalId} in the {matched.Scope.Name()} scope; not enrolled again. {searched}",
                same.AnimalId, same.Score) { Scopes = scopes };
            log.LogWarning("Capture {CaptureId} flagged as duplicate of {AnimalId} (score {Score}, {Scope} scope of {Size}, threshold {Threshold})",
                capture.CaptureId, same.AnimalId, same.Score, matched.Scope.Name(), matched.Size, matched.Threshold);
            return await RecordEnrolment(capture, decision, null, ct);
        }

        var animalId = $"A-{capture.CaptureId}";
        var animal = Animal.Create(animalId, capture.FarmerId, species, capture.EarTag, probes);
        if (!animal.IsOk)
            return await RecordEnrolment(capture, Flag(CaptureOutcome.InvalidAnimal, animal.Error.ToString()) with { Scopes = scopes }, null, ct);

        var anchored = await ledger.AppendAsync(new LedgerRecord(LivestockAnchors.EnrolmentKind, LivestockAnchors.EnrolmentKey(animalId), TemplateHash(capture)), ct);
        if (anchored is AppendResult.Refused refused)
            return await RecordEnrolment(capture, Flag(CaptureOutcome.LedgerRefused, refused.Reason) with { Scopes = scopes }, null, ct);

        var reason = everyone.Size == 0
            ? $"first {species.Name()} in the registry; anchored at ledger entry {anchored.Entry.Index}"
            : $"no enrolled animal reaches its scope's threshold; anchored at ledger entry {anchored.Entry.Index}. {searched}";
        var accepted = new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, reason, animalId, everyone.Top.FirstOrDefault()?.Score) { Scopes = scopes };
        log.LogInformation("Enrolling {AnimalId} from capture {CaptureId} ({Photos} photos)", animalId, capture.CaptureId, probes.Count);
        return await RecordEnrolment(capture, accepted, animal.Value, ct);
    }

    /// <summary>Issues a policy of the tenant's farmer over the tenant's animals, as one decision (<see cref="IRegistry.DecideAsync"/>):
    /// each animal's cover is anchored on the ledger under <see cref="LivestockAnchors.CoverKey"/>, then the policy. Errors (typed,
    /// nothing written): a cover starting before today on the cloud's clock (insuring a loss already known), a farmer or
    /// animal the tenant does not have, an animal of another farmer, already insured on any day of the cover, or paid
    /// for as dead (a death claim the rules accepted and no officer refused), terms <see cref="LivestockPolicy.Create"/>
    /// refuses.</summary>
    public Task<Result<LivestockPolicy>> IssuePolicyAsync(string tenant, string farmerId, IReadOnlyList<string> animalIds, Money sumInsuredPerHead, Money premium, Coverage coverage, CancellationToken ct = default) =>
        DecideAsync(tenant, c => IssuePolicyLockedAsync(tenant, farmerId, animalIds, sumInsuredPerHead, premium, coverage, c), ct);

    private async Task<Result<LivestockPolicy>> IssuePolicyLockedAsync(string tenant, string farmerId, IReadOnlyList<string> animalIds, Money sumInsuredPerHead, Money premium, Coverage coverage, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime);
        if (coverage.Start < today)
            return Result<LivestockPolicy>.Fail("policy.start", $"{coverage.Start:yyyy-MM-dd} is before today ({today:yyyy-MM-dd}); cover cannot be backdated");
        if (await registry.FindFarmerAsync(tenant, farmerId, ct) is null)
            return Result<LivestockPolicy>.Fail("policy.farmerId", $"farmer '{farmerId}' is not registered");
        foreach (var id in animalIds)
        {
            var animal = await registry.FindAnimalAsync(tenant, id, ct);
            if (animal is null)
                return Result<LivestockPolicy>.Fail("policy.animalIds", $"animal '{id}' is not enrolled");
            if (animal.FarmerId != farmerId)
                return Result<LivestockPolicy>.Fail("policy.animalIds", $"animal '{id}' belongs to another farmer");
            if (await registry.PaidDeathAsync(tenant, id, ct) is { } death)
                return Result<LivestockPolicy>.Fail("policy.animalIds", $"animal '{id}' was claimed dead ({death.Id}, decided {death.DecidedAt:yyyy-MM-dd}); a dead animal is not insured again");
        }
        if (await registry.FindOverlapAsync(tenant, animalIds, coverage, ct) is { } insured)
            return Result<LivestockPolicy>.Fail("policy.animalIds", $"{insured}; one animal is insured once on any day");
        var created = LivestockPolicy.Create(Id.New("LP"), farmerId, animalIds, sumInsuredPerHead, premium, coverage);
        if (!created.TryGet(out var policy, out var error))
            return error;
        var terms = LivestockAnchors.Terms(policy);
        // Each animal's cover is anchored under a key of the animal and the period, so the ledger itself refuses a second
        // policy of that animal and period, whoever issues it. Its payload is the terms without the policy's fresh id:
        // an issuance retried after a crash between the ledger and the registry finds its own anchors and goes on.
        var covers = policy.AnimalIds.Select(a => new LedgerRecord(LivestockAnchors.CoverKind, LivestockAnchors.CoverKey(a, coverage), terms)).ToList();
        // Every cover checked before any is appended: a refusal of the third animal must not leave the first two anchored.
        foreach (var cover in covers)
        {
            if (await ledger.FindAsync(cover.Key, ct) is { } taken && taken.PayloadHash != cover.PayloadHash)
                return Result<LivestockPolicy>.Fail("policy.animalIds", $"the cover of an animal of this policy from {coverage.Start:yyyy-MM-dd} to {coverage.End:yyyy-MM-dd} is already anchored under other terms (ledger entry {taken.Index}); one animal is insured once on any day");
        }
        foreach (var cover in covers)
        {
            if (await ledger.AppendAsync(cover, ct) is AppendResult.Refused coverRefused)
                return Result<LivestockPolicy>.Fail("policy.animalIds", coverRefused.Reason);
        }
        var anchored = await ledger.AppendAsync(new LedgerRecord(LivestockAnchors.PolicyKind, LivestockAnchors.PolicyKey(policy.Id), terms), ct);
        if (anchored is AppendResult.Refused refused)
            return Result<LivestockPolicy>.Fail("policy.id", refused.Reason);
        if (await registry.AddLivestockPolicyAsync(tenant, policy, anchored.Entry.Index, ct) is { } lost)
        {
            // Under the decision lock nothing else issues in between, so this is a store written around the rules: the
            // anchors stay on the ledger (they cannot be taken back) for a policy the registry refused.
            log.LogError("Policy {PolicyId} anchored at entry {Index} but not stored: {Overlap}", policy.Id, anchored.Entry.Index, lost);
            return Result<LivestockPolicy>.Fail("policy.animalIds", $"{lost}; one animal is insured once on any day");
        }
        log.LogInformation("Issued {PolicyId} for {Count} animals, anchored at entry {Index}", policy.Id, policy.AnimalIds.Count, anchored.Entry.Index);
        return Result<LivestockPolicy>.Ok(policy);
    }

    /// <summary>Identifies the dead animal among the herd insured on the day of the photo: the capture
    /// farmer's insured animals (<see cref="SearchScope.Herd"/>), or every insured animal of the species when the
    /// capture names no farmer (<see cref="SearchScope.Insured"/>). When the herd holds no match, a registry-wide
    /// search tells an enrolled but uninsured animal (refused as not insured) from an unknown one.</summary>
    public Task<CaptureDecision> ClaimDeathAsync(CaptureRecord capture, CancellationToken ct = default) =>
        DecideAsync(capture.Tenant, c => ClaimDeathLockedAsync(capture, c), ct);

    private async Task<CaptureDecision> ClaimDeathLockedAsync(CaptureRecord capture, CancellationToken ct)
    {
        if (OutOfTime(capture) is { } late)
            return await RecordClaim(capture, late, null, ct);
        if (await StaleModelAsync(capture.Species, capture.ModelId, ct) is { } stale)
            return await RecordClaim(capture, Flag(CaptureOutcome.StaleModel, stale), null, ct);
        var (probes, species) = (capture.Embeddings, capture.Species);
        // Cover is decided on the cloud's clock: a device clock set back cannot move a death into a policy's cover.
        var day = DateOnly.FromDateTime(capture.ReceivedAt.UtcDateTime);
        var (tail, registryThreshold) = await RegistryScopeAsync(capture.Tenant, species, capture.ModelId, probes.Count, ct);
        var everyone = await registry.SearchAsync(capture.Tenant, probes, species, new ScopeFilter.Everyone(), Candidates, registryThreshold, ct);
        var herdIds = await registry.InsuredAnimalsAsync(capture.Tenant, capture.FarmerId, species, day, ct);
        var herd = Judge(capture.FarmerId is null ? SearchScope.Insured : SearchScope.Herd,
            await registry.SearchAsync(capture.Tenant, probes, species, new ScopeFilter.Animals(herdIds), Candidates, options.MatchThreshold, ct), tail);

        var policy = herd.Matched ? await registry.FindActivePolicyAsync(capture.Tenant, herd.Best!.AnimalId, day, ct) : null;
        if (policy is null)
        {
            var registryWide = Judge(SearchScope.Registry, everyone, tail);
            ScopeResult[] scopes = [herd, registryWide];
            var searched = string.Join("; ", scopes.Select(x => x.Describe()));
            if (registryWide.Best is { } enrolled && registryWide.Matched)
            {
                return await RecordClaim(capture, new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.ClaimRefusedNotInsured,
                    $"identified as {enrolled.AnimalId} (score {enrolled.Score:0.000}) but it is on no active policy{OfFarmer(capture)} on {day:yyyy-MM-dd}. {searched}",
                    enrolled.AnimalId, enrolled.Score) { Scopes = scopes }, null, ct);
            }
            return await RecordClaim(capture, new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.ClaimRefusedNoMatch,
                $"the animal is not identified: no insured or enrolled {species.Name()} reaches its scope's threshold. {searched}",
                null, herd.Best?.Score) { Scopes = scopes }, null, ct);
        }

        var best = herd.Best!;
        var evidence = herd.Describe();
        // A policy is in force once its contract is signed by both parties and anchored (AgriInsure.Underwriting's
        // ContractDesk anchors it only then); the anchor, not the registry, is the rule, so it holds across hosts.
        if (!await ledger.IsInForceAsync(policy.Id, ct))
        {
            return await RecordClaim(capture, new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.ClaimRefusedNotInsured,
                $"identified as {best.AnimalId} (score {best.Score:0.000}) on {policy.Id}, but the policy is not in force: its contract is not signed by both parties and anchored. {evidence}",
                best.AnimalId, best.Score) { Scopes = [herd] }, null, ct);
        }
        // Keyed by the ear tag where the animal has one, so the same death claimed at another insurer on a shared ledger is
        // refused as a duplicate below.
        var animal = await registry.FindAnimalAsync(capture.Tenant, best.AnimalId, ct)
            ?? throw new InvalidOperationException($"{best.AnimalId} was found by the search but is not in the registry");
        var key = ClaimKey.ForDeath(animal, policy.Id);
        var claimId = Id.New("CL");
        var anchored = await ledger.AppendAsync(new LedgerRecord(LivestockAnchors.ClaimKind, key.Hex, LivestockAnchors.ClaimEvidence(capture.CaptureId)), ct);
        var now = _clock.GetUtcNow();
        if (anchored is AppendResult.Refused refused)
        {
            var refusal = new Claim(claimId, ClaimKind.LivestockDeath, policy.Id, best.AnimalId, key, capture.CaptureId, ClaimStatus.Refused,
                $"duplicate claim: {refused.Reason}", null, now);
            return await RecordClaim(capture, new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.ClaimRefusedDuplicate,
                animal.EarTag is { } tag
                    ? $"a death claim for ear tag {tag} ({best.AnimalId}) is already on the ledger, filed here or at another insurer (entry {refused.Entry.Index}). {evidence}"
                    : $"a death claim for {best.AnimalId} under {policy.Id} is already on the ledger (entry {refused.Entry.Index}). {evidence}",
                best.AnimalId, best.Score, claimId) { Scopes = [herd] }, refusal, ct);
        }

        var claim = new Claim(claimId, ClaimKind.LivestockDeath, policy.Id, best.AnimalId, key, capture.CaptureId, ClaimStatus.Accepted,
            $"identified as {best.AnimalId} (score {best.Score:0.000}); anchored at ledger entry {anchored.Entry.Index}. {evidence}", policy.SumInsuredPerHead, now);
        log.LogInformation("Claim {ClaimId} accepted for {AnimalId} under {PolicyId}", claimId, best.AnimalId, policy.Id);
        return await RecordClaim(capture, new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.ClaimAccepted,
            string.Create(CultureInfo.InvariantCulture, $"{best.AnimalId} identified (score {best.Score:0.000}) on {policy.Id}; pays {policy.SumInsuredPerHead}; ledger entry {anchored.Entry.Index}. {evidence}"),
            best.AnimalId, best.Score, claimId) { Scopes = [herd] }, claim, ct);
    }

    /// <summary>A reviewer decides a flagged duplicate enrolment: <see cref="ReviewVerdict.Duplicate"/> confirms
    /// it (nothing enrolled); <see cref="ReviewVerdict.NewAnimal"/> overrides it (the animal is enrolled from
    /// the flagged capture, anchored as any enrolment, and the pair kept as a confirmed impostor pair). Either
    /// way the decision is anchored on the ledger under SHA-256("review", capture), its payload the digest of
    /// verdict, reviewer and reason, so it is decided once. Errors (typed, nothing written): no such flagged
    /// capture of the tenant's, a case already decided, no reviewer or no reason.</summary>
    public Task<Result<ReviewDecision>> ReviewAsync(string tenant, string captureId, ReviewVerdict verdict, string reviewer, string reason, CancellationToken ct = default) =>
        DecideAsync(tenant, c => ReviewLockedAsync(tenant, captureId, verdict, reviewer, reason, c), ct);

    private async Task<Result<ReviewDecision>> ReviewLockedAsync(string tenant, string captureId, ReviewVerdict verdict, string reviewer, string reason, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reviewer))
            return Result<ReviewDecision>.Fail("reviewer", "a review decision names who decided it");
        if (ReasonProblem(reason, "a review decision") is { } badReason)
            return Result<ReviewDecision>.Fail("reason", badReason);
        var found = await registry.FindDuplicateCaseAsync(tenant, captureId, ct);
        if (found is null)
            return Result<ReviewDecision>.Fail("case", $"capture '{captureId}' is not a flagged duplicate enrolment");
        if (found.Decision is { } earlier)
            return Result<ReviewDecision>.Fail("case", $"already decided {earlier.Verdict.Name()} by {earlier.Reviewer} on {earlier.DecidedAt:yyyy-MM-dd HH:mm}Z (ledger entry {earlier.LedgerEntry})");

        Animal? enrolled = null;
        if (verdict == ReviewVerdict.NewAnimal)
        {
            var capture = (await registry.FindCaptureAsync(captureId, ct))!.Capture;
            var animal = Animal.Create($"A-{captureId}", capture.FarmerId!, capture.Species, capture.EarTag, capture.Embeddings);
            if (!animal.TryGet(out enrolled, out var invalid))
                return Result<ReviewDecision>.Fail(invalid);
            var anchoredAnimal = await ledger.AppendAsync(new LedgerRecord(LivestockAnchors.EnrolmentKind, LivestockAnchors.EnrolmentKey(enrolled.Id), TemplateHash(capture)), ct);
            if (anchoredAnimal is AppendResult.Refused refusedAnimal)
                return Result<ReviewDecision>.Fail("case", refusedAnimal.Reason);
        }
        var anchored = await ledger.AppendAsync(new LedgerRecord(LivestockAnchors.ReviewKind, LivestockAnchors.ReviewKey(captureId), LivestockAnchors.ReviewPayload(verdict, reviewer, reason)), ct);
        if (anchored is AppendResult.Refused refused)
            return Result<ReviewDecision>.Fail("case", refused.Reason);
        var decision = new ReviewDecision(captureId, verdict, reviewer, reason, _clock.GetUtcNow(), enrolled?.Id, anchored.Entry.Index);
        await registry.RecordReviewAsync(tenant, decision, enrolled, found.MatchedAnimalId, found.Fix, ct);
        log.LogInformation("Review of {CaptureId}: {Verdict} by {Reviewer}", captureId, verdict.Name(), reviewer);
        return Result<ReviewDecision>.Ok(decision);
    }

    /// <summary>The longest reason a reviewer or a claims officer may give, in characters (UTF-16 code units): a paragraph,
    /// as the pages' reason box allows; the reason is anchored (its digest) and shown on every page of the case.</summary>
    public const int MaxReasonLength = 2000;

    private static string? ReasonProblem(string reason, string what) =>
        string.IsNullOrWhiteSpace(reason) ? $"{what} says why"
        : reason.Length > MaxReasonLength ? $"{what}'s reason is {reason.Length} characters; at most {MaxReasonLength}"
        : null;

    /// <summary>A claims officer decides one of the tenant's claims: <see cref="ClaimVerdict.Survey"/> (any number of
    /// times, the claim stays open), then at most one final <see cref="ClaimVerdict.Approve"/> or
    /// <see cref="ClaimVerdict.Refuse"/>. Approve only a claim the rules accepted: one they refused (a duplicate on the
    /// ledger, an animal not insured) is not paid on anyone's word. Each decision is anchored on the ledger under
    /// SHA-256("claim-decision", claim, its number), its payload the digest of verdict, officer and reason. Errors
    /// (typed, nothing written): no such claim of the tenant's, a claim already closed, approving a refused claim, no
    /// officer or no reason.</summary>
    public Task<Result<ClaimDecision>> DecideClaimAsync(string tenant, string claimId, ClaimVerdict verdict, string officer, string reason, CancellationToken ct = default) =>
        DecideAsync(tenant, c => DecideClaimLockedAsync(tenant, claimId, verdict, officer, reason, c), ct);

    private async Task<Result<ClaimDecision>> DecideClaimLockedAsync(string tenant, string claimId, ClaimVerdict verdict, string officer, string reason, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(officer))
            return Result<ClaimDecision>.Fail("officer", "a claim decision names who decided it");
        if (ReasonProblem(reason, "a claim decision") is { } badReason)
            return Result<ClaimDecision>.Fail("reason", badReason);
        if (await registry.FindClaimAsync(tenant, claimId, ct) is not { } claim)
            return Result<ClaimDecision>.Fail("claim", $"no claim '{claimId}'");
        var earlier = await registry.ClaimDecisionsAsync(tenant, claimId, ct);
        if (earlier.FirstOrDefault(d => d.Verdict.IsFinal()) is { } closed)
            return Result<ClaimDecision>.Fail("claim", $"already closed: {closed.Verdict.Name()} by {closed.Officer} on {closed.DecidedAt:yyyy-MM-dd HH:mm}Z (ledger entry {closed.LedgerEntry})");
        if (verdict == ClaimVerdict.Approve && claim.Status != ClaimStatus.Accepted)
            return Result<ClaimDecision>.Fail("verdict", $"the rules refused this claim ({claim.Reason}); it cannot be approved: refuse it or send it for survey");
        var sequence = earlier.Count;
        var anchored = await ledger.AppendAsync(new LedgerRecord(LivestockAnchors.ClaimDecisionKind, LivestockAnchors.ClaimDecisionKey(claimId, sequence),
            LivestockAnchors.ClaimDecisionPayload(verdict, officer, reason)), ct);
        if (anchored is not AppendResult.Appended)
            return Result<ClaimDecision>.Fail("claim", $"decision {sequence} on {claimId} was anchored by someone else meanwhile (entry {anchored.Entry.Index}); read the claim again");
        var decision = new ClaimDecision(claimId, sequence, verdict, officer, reason, _clock.GetUtcNow(), anchored.Entry.Index);
        if (!await registry.RecordClaimDecisionAsync(tenant, decision, ct))
        {
            log.LogError("Claim decision {Sequence} on {ClaimId} anchored at entry {Index} but not stored: another decision came first", sequence, claimId, anchored.Entry.Index);
            return Result<ClaimDecision>.Fail("claim", $"{claimId} was decided by someone else meanwhile; read the claim again");
        }
        log.LogInformation("Claim {ClaimId}: {Verdict} by {Officer}", claimId, verdict.Name(), officer);
        return Result<ClaimDecision>.Ok(decision);
    }

    /// <summary>A herd census: each sighting of a visit (one animal, 1 to <see cref="Animal.MaxTemplates"/> photos of it,
    /// fused as any capture's) is searched among the policy's animals (<see cref="SearchScope.Policy"/>, at the threshold
    /// calibrated for the herd's size and the sighting's photo count), so the report says
    /// which insured animals were seen (with the photo and score that showed them), which were not (possible
    /// loss or sale), which were paid for as dead (absent as expected, or seen: a false claim or a swapped
    /// animal) and which photos show none of them (possible substitution). The census is anchored on the
    /// ledger under SHA-256(policy, day, each sighting's name and embeddings), its payload the digest of what was
    /// found, and kept in the registry (<see cref="IRegistry.RecordCensusAsync"/>), as one decision; the same visit
    /// submitted again answers with the same entry. Errors (typed, nothing anchored):
    /// no photos, a sighting with none or more than <see cref="Animal.MaxTemplates"/>, an unknown policy, a day outside
    /// its cover, photos embedded by different models.</summary>
    public Task<Result<HerdCensus>> CensusAsync(string tenant, string policyId, DateOnly day, IReadOnlyList<CensusPhoto> photos, CancellationToken ct = default) =>
        DecideAsync(tenant, c => CensusLockedAsync(tenant, policyId, day, photos, c), ct);

    private async Task<Result<HerdCensus>> CensusLockedAsync(string tenant, string policyId, DateOnly day, IReadOnlyList<CensusPhoto> photos, CancellationToken ct)
    {
        if (photos.Count == 0)
            return Result<HerdCensus>.Fail("photos", "a census needs at least one photo of an animal");
        if (photos.FirstOrDefault(p => p.Embeddings.Count is 0 or > Animal.MaxTemplates) is { } odd)
            return Result<HerdCensus>.Fail("photos", $"{odd.Name} has {odd.Embeddings.Count} photos; a sighting has 1 to {Animal.MaxTemplates}");
        if (photos.SelectMany(p => p.Embeddings).Select(e => e.ModelId).Distinct().Count() > 1)
            return Result<HerdCensus>.Fail("photos", "the photos were embedded by different models; a search never compares two model versions");
        var policy = await registry.FindPolicyAsync(tenant, policyId, ct);
        if (policy is null)
            return Result<HerdCensus>.Fail("policy", $"no livestock policy '{policyId}'");
        if (!policy.Coverage.Contains(day))
            return Result<HerdCensus>.Fail("day", $"{policyId} covers {policy.Coverage.Start:yyyy-MM-dd} to {policy.Coverage.End:yyyy-MM-dd}, not {day:yyyy-MM-dd}");
        var species = (await registry.FindAnimalAsync(tenant, policy.AnimalIds[0], ct))?.Species ?? Species.Cattle;
        var modelId = photos[0].Embeddings[0].ModelId;
        if (await StaleModelAsync(species, modelId, ct) is { } stale)
            return Result<HerdCensus>.Fail("photos", stale);
        var gallery = await registry.GallerySizeAsync(tenant, species, modelId, ct);
        var sightings = new List<CensusSighting>();
        foreach (var photo in photos)
        {
            var tail = await _calibration.CurrentAsync(tenant, species, modelId, photo.Embeddings.Count, gallery, ct);
            var search = Judge(SearchScope.Policy, await registry.SearchAsync(tenant, photo.Embeddings, species, new ScopeFilter.Animals(policy.AnimalIds), Candidates, options.MatchThreshold, ct), tail);
            sightings.Add(new CensusSighting(photo.Name, search, search.Matched ? search.Best!.AnimalId : null));
        }
        var dead = await registry.PaidDeathsAsync(tenant, policy.Id, ct);
        var animals = policy.AnimalIds.Select(id =>
        {
            var best = sightings.Where(s => s.AnimalId == id).MaxBy(s => s.Search.Best!.Score);
            return (best, dead.ContainsKey(id)) switch
            {
                (null, false) => new CensusAnimal(id, CensusPresence.NotSeen, null, null),
                (null, true) => new CensusAnimal(id, CensusPresence.ClaimedDead, null, null),
                (_, false) => new CensusAnimal(id, CensusPresence.Seen, best.Photo, best.Search.Best!.Score),
                (_, true) => new CensusAnimal(id, CensusPresence.SeenAfterDeathClaim, best.Photo, best.Search.Best!.Score),
            };
        }).ToList();

        var key = LivestockAnchors.CensusKey(policy.Id, day, photos);
        var found = LivestockAnchors.CensusResult(animals, sightings.Select(s => (s.Photo, s.AnimalId)));
        var anchored = await ledger.AppendAsync(new LedgerRecord(LivestockAnchors.CensusKind, key, found), ct);
        if (anchored is AppendResult.Refused refused)
            return Result<HerdCensus>.Fail("photos", $"this visit's photos were anchored with another result (entry {refused.Entry.Index}): {refused.Reason}");
        // The visit is kept in the registry too (once: a visit submitted again finds its row), so an animal's history reads
        // it from the system of record and a reconciliation can tell a census missing from the ledger.
        await registry.RecordCensusAsync(tenant, new CensusVisit(policy.Id, day, key, animals, [.. sightings.Select(s => new CensusVisitSighting(s.Photo, s.AnimalId))],
            anchored.Entry.Index, _clock.GetUtcNow()), ct);
        log.LogInformation("Census of {PolicyId} on {Day}: {NotSeen} of {Animals} not seen, {Unmatched} photos match no insured animal",
            policy.Id, day, animals.Count(a => a.Presence == CensusPresence.NotSeen), animals.Count, sightings.Count(s => s.AnimalId is null));
        return Result<HerdCensus>.Ok(new HerdCensus(policy.Id, day, animals, sightings, anchored.Entry.Index));
    }

    /// <summary>The impostor tail for <paramref name="photos"/>-photo decisions and the registry scope's threshold at
    /// the gallery's size, known before searching it: the search then scans the whole registry only for animals that
    /// could reach that threshold (every scope's threshold is at least the manifest's, the floor the others search with).</summary>
    private async Task<(ImpostorTail? Tail, float Threshold)> RegistryScopeAsync(string tenant, Species species, string modelId, int photos, CancellationToken ct)
    {
        var size = await registry.GallerySizeAsync(tenant, species, modelId, ct);
        var tail = await _calibration.CurrentAsync(tenant, species, modelId, photos, size, ct);
        return (tail, ScopeThresholds.For(size, options.MatchThreshold, options.TargetFalseDuplicateRate, tail).Threshold);
    }

    /// <summary>A scope's search judged at the threshold calibrated for its size.</summary>
    private ScopeResult Judge(SearchScope scope, ScopeHits hits, ImpostorTail? tail)
    {
        var threshold = ScopeThresholds.For(hits.Size, options.MatchThreshold, options.TargetFalseDuplicateRate, tail);
        return new ScopeResult(scope, hits.Size, threshold.Threshold, threshold.ExpectedFalseDuplicateRate, threshold.CalibrationAnimals,
            hits.Top.ElementAtOrDefault(0), hits.Top.ElementAtOrDefault(1));
    }

    /// <summary>Why photos embedded by <paramref name="modelId"/> cannot be judged, or null when they can. After a promote
    /// every template of the species comes from the promoted model and the index holds no other model's: an older
    /// handheld's capture would search an empty registry, and be enrolled as its first animal or match no insured one.</summary>
    private async Task<string?> StaleModelAsync(Species species, string modelId, CancellationToken ct) =>
        await registry.ActiveModelAsync(species, ct) is { } active && active.ModelId != modelId
            ? $"the photos were embedded by {modelId}, but the registry's {species.Name()} templates come from {active.ModelId} (version {active.Version}, " +
              $"promoted {active.SwitchedAt:yyyy-MM-dd}, ledger entry {active.LedgerEntry}); nothing was searched: update the handheld's face model to {active.ModelId} and retake them"
            : null;

    private static string OfFarmer(CaptureRecord capture) => capture.FarmerId is null ? "" : $" of farmer {capture.FarmerId}";

    private async Task<CaptureDecision> RecordEnrolment(CaptureRecord capture, CaptureDecision decision, Animal? animal, CancellationToken ct)
    {
        decision = decision with { Photos = capture.Photos.Count };
        await registry.RecordEnrolmentAsync(capture, decision, animal, ct);
        return decision;
    }

    private async Task<CaptureDecision> RecordClaim(CaptureRecord capture, CaptureDecision decision, Claim? claim, CancellationToken ct)
    {
        decision = decision with { Photos = capture.Photos.Count };
        await registry.RecordClaimAsync(capture, decision, claim, ct);
        return decision;
    }

    private static CaptureDecision Flag(CaptureOutcome outcome, string reason) => new(DecisionStatus.Flagged, outcome, reason, null, null);

    /// <summary>A flag when the device's time lies outside [received − longest offline, received + allowed skew].</summary>
    private CaptureDecision? OutOfTime(CaptureRecord capture)
    {
        var (taken, received) = (capture.TakenAt, capture.ReceivedAt);
        if (taken >= received - options.LongestOffline && taken <= received + options.AllowedClockSkew)
            return null;
        var why = taken < received
            ? $"{(received - taken).TotalDays:0.#} days before the cloud received it, longer than the {options.LongestOffline.TotalDays:0.#} days a handheld may stay offline"
            : $"{(taken - received).TotalMinutes:0.#} minutes after the cloud received it, more than the {options.AllowedClockSkew.TotalMinutes:0.#} minutes a device clock may run ahead";
        log.LogWarning("Capture {CaptureId} flagged: taken at {TakenAt:O} by the device's clock, received at {ReceivedAt:O}", capture.CaptureId, taken, received);
        return Flag(CaptureOutcome.DeviceTimeOutOfRange, string.Create(CultureInfo.InvariantCulture,
            $"taken at {taken.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} by the device's clock, received at {received.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}: {why}; not decided, check the handheld's clock"));
    }

    /// <summary>The digest of the templates an enrolment anchors: the model and each photo's embedding, in order.</summary>
    private static string TemplateHash(CaptureRecord c) => LivestockAnchors.Templates(c.ModelId, c.Embeddings);
}

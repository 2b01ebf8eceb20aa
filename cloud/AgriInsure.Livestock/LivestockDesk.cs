using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Registry;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Livestock;

/// <summary>The livestock rules: enrol an animal unless it is already enrolled, issue a policy, and
/// decide a death claim from a photo. Every decision is written with its reason.</summary>
public sealed class LivestockDesk(IRegistry registry, ILedger ledger, LivestockOptions options, ILogger<LivestockDesk> log, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<CaptureDecision> EnrolAsync(CaptureRecord capture, CancellationToken ct = default)
    {
        if (capture.FarmerId is null || await registry.FindFarmerAsync(capture.FarmerId, ct) is null)
            return await RecordEnrolment(capture, Flag("unknown-farmer", $"farmer '{capture.FarmerId}' is not registered; the animal was not enrolled"), null, ct);

        var best = (await registry.SearchAsync(capture.Embedding, capture.Species, 1, ct)).FirstOrDefault();
        if (best is not null && best.Score >= options.MatchThreshold)
        {
            var decision = new CaptureDecision(DecisionStatus.Flagged, "duplicate-enrolment",
                $"matches enrolled {capture.Species.Name()} {best.AnimalId} with score {best.Score:0.000} (threshold {options.MatchThreshold:0.000}); not enrolled again",
                best.AnimalId, best.Score);
            log.LogWarning("Capture {CaptureId} flagged as duplicate of {AnimalId} (score {Score})", capture.CaptureId, best.AnimalId, best.Score);
            return await RecordEnrolment(capture, decision, null, ct);
        }

        var animalId = $"A-{capture.CaptureId}";
        var animal = Animal.Create(animalId, capture.FarmerId, capture.Species, capture.EarTag, capture.Embedding);
        if (!animal.IsOk)
            return await RecordEnrolment(capture, Flag("invalid-animal", animal.Error.ToString()), null, ct);

        var anchored = await ledger.AppendAsync(new LedgerRecord("enrolment", Digest.Of("animal", animalId).Hex, TemplateHash(capture)), ct);
        if (anchored is AppendResult.Refused refused)
            return await RecordEnrolment(capture, Flag("ledger-refused", refused.Reason), null, ct);

        var reason = best is null
            ? $"first {capture.Species.Name()} in the registry; anchored at ledger entry {anchored.Entry.Index}"
            : $"closest enrolled animal {best.AnimalId} scores {best.Score:0.000} < {options.MatchThreshold:0.000}; anchored at ledger entry {anchored.Entry.Index}";
        var accepted = new CaptureDecision(DecisionStatus.Accepted, "enrolled", reason, animalId, best?.Score);
        await registry.RecordEnrolmentAsync(capture, accepted, animal.Value, ct);
        log.LogInformation("Enrolled {AnimalId} from capture {CaptureId}", animalId, capture.CaptureId);
        return accepted;
    }

    public async Task<Result<LivestockPolicy>> IssuePolicyAsync(string farmerId, IReadOnlyList<string> animalIds, Money sumInsuredPerHead, Money premium, Coverage coverage, CancellationToken ct = default)
    {
        if (await registry.FindFarmerAsync(farmerId, ct) is null)
            return Result<LivestockPolicy>.Fail("policy.farmerId", $"farmer '{farmerId}' is not registered");
        foreach (var id in animalIds)
        {
            var animal = await registry.FindAnimalAsync(id, ct);
            if (animal is null)
                return Result<LivestockPolicy>.Fail("policy.animalIds", $"animal '{id}' is not enrolled");
            if (animal.FarmerId != farmerId)
                return Result<LivestockPolicy>.Fail("policy.animalIds", $"animal '{id}' belongs to another farmer");
            var current = await registry.FindActivePolicyAsync(id, coverage.Start, ct);
            if (current is not null)
                return Result<LivestockPolicy>.Fail("policy.animalIds", $"animal '{id}' is already insured by {current.Id} on {coverage.Start:yyyy-MM-dd}");
        }
        var created = LivestockPolicy.Create(Id.New("LP"), farmerId, animalIds, sumInsuredPerHead, premium, coverage);
        if (!created.TryGet(out var policy, out var error))
            return error;
        var terms = string.Join(",", policy.AnimalIds.Order(StringComparer.Ordinal)) + $"|{policy.SumInsuredPerHead}|{policy.Premium}|{coverage.Start:yyyy-MM-dd}|{coverage.End:yyyy-MM-dd}";
        var anchored = await ledger.AppendAsync(new LedgerRecord("policy", Digest.Of("policy", policy.Id).Hex, Digest.Of(terms).Hex), ct);
        if (anchored is AppendResult.Refused refused)
            return Result<LivestockPolicy>.Fail("policy.id", refused.Reason);
        await registry.AddLivestockPolicyAsync(policy, anchored.Entry.Index, ct);
        log.LogInformation("Issued {PolicyId} for {Count} animals, anchored at entry {Index}", policy.Id, policy.AnimalIds.Count, anchored.Entry.Index);
        return Result<LivestockPolicy>.Ok(policy);
    }

    public async Task<CaptureDecision> ClaimDeathAsync(CaptureRecord capture, CancellationToken ct = default)
    {
        var best = (await registry.SearchAsync(capture.Embedding, capture.Species, 1, ct)).FirstOrDefault();
        if (best is null || best.Score < options.MatchThreshold)
        {
            var why = best is null
                ? $"no {capture.Species.Name()} is enrolled"
                : $"the closest enrolled animal {best.AnimalId} scores {best.Score:0.000} < {options.MatchThreshold:0.000}";
            return await RecordClaim(capture, new CaptureDecision(DecisionStatus.Flagged, "claim-refused-no-match", $"the animal is not identified: {why}", null, best?.Score), null, ct);
        }

        var day = DateOnly.FromDateTime(capture.TakenAt.UtcDateTime);
        var policy = await registry.FindActivePolicyAsync(best.AnimalId, day, ct);
        if (policy is null)
        {
            return await RecordClaim(capture, new CaptureDecision(DecisionStatus.Flagged, "claim-refused-not-insured",
                $"identified as {best.AnimalId} (score {best.Score:0.000}) but it is on no active policy on {day:yyyy-MM-dd}", best.AnimalId, best.Score), null, ct);
        }

        var key = ClaimKey.ForAnimal(policy.Id, best.AnimalId);
        var claimId = Id.New("CL");
        var anchored = await ledger.AppendAsync(new LedgerRecord("claim", key.Hex, Digest.Of("claim-evidence", capture.CaptureId).Hex), ct);
        var now = _clock.GetUtcNow();
        if (anchored is AppendResult.Refused refused)
        {
            var refusal = new Claim(claimId, ClaimKind.LivestockDeath, policy.Id, best.AnimalId, key, capture.CaptureId, ClaimStatus.Refused,
                $"duplicate claim: {refused.Reason}", null, now);
            return await RecordClaim(capture, new CaptureDecision(DecisionStatus.Flagged, "claim-refused-duplicate",
                $"a death claim for {best.AnimalId} under {policy.Id} is already on the ledger (entry {refused.Entry.Index})", best.AnimalId, best.Score, claimId), refusal, ct);
        }

        var claim = new Claim(claimId, ClaimKind.LivestockDeath, policy.Id, best.AnimalId, key, capture.CaptureId, ClaimStatus.Accepted,
            $"identified as {best.AnimalId} (score {best.Score:0.000}); anchored at ledger entry {anchored.Entry.Index}", policy.SumInsuredPerHead, now);
        log.LogInformation("Claim {ClaimId} accepted for {AnimalId} under {PolicyId}", claimId, best.AnimalId, policy.Id);
        return await RecordClaim(capture, new CaptureDecision(DecisionStatus.Accepted, "claim-accepted",
            string.Create(CultureInfo.InvariantCulture, $"{best.AnimalId} identified (score {best.Score:0.000}) on {policy.Id}; pays {policy.SumInsuredPerHead}; ledger entry {anchored.Entry.Index}"),
            best.AnimalId, best.Score, claimId), claim, ct);
    }

    private async Task<CaptureDecision> RecordEnrolment(CaptureRecord capture, CaptureDecision decision, Animal? animal, CancellationToken ct)
    {
        await registry.RecordEnrolmentAsync(capture, decision, animal, ct);
        return decision;
    }

    private async Task<CaptureDecision> RecordClaim(CaptureRecord capture, CaptureDecision decision, Claim? claim, CancellationToken ct)
    {
        await registry.RecordClaimAsync(capture, decision, claim, ct);
        return decision;
    }

    private static CaptureDecision Flag(string outcome, string reason) => new(DecisionStatus.Flagged, outcome, reason, null, null);

    private static string TemplateHash(CaptureRecord c) =>
        Digest.Of("template", c.Embedding.ModelId, Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(c.Embedding.Values))).Hex;
}

/// <summary>Settings of the livestock rules. The threshold comes from the embedding model's manifest.</summary>
public sealed record LivestockOptions(float MatchThreshold);

using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Livestock;
using AgriInsure.Registry;

namespace AgriInsure.Audit;

/// <summary>One event of an animal's life as the registry records it, with the anchor it calls for and that anchor as
/// checked. <paramref name="At"/> is the registry's time of the event (a policy's: the ledger entry's, the registry keeping
/// none; else its cover's first day); <paramref name="Event"/> a short name (enrolment, policy, cover, census, claim,
/// claim-decision, review).</summary>
public sealed record LifeEvent(DateTimeOffset At, string Event, string Detail, ExpectedAnchor Anchor, AnchorCheck Check);

/// <summary>An animal's life from the registry: every event with its checked anchor (in ledger order, those whose entry
/// is not found last), the flagged enrolments naming it that
/// no reviewer has decided yet (not anchored until decided), and the ledger as verified for the proofs.</summary>
public sealed record AnimalLife(string Tenant, string AnimalId, string FarmerId, Species Species, string? EarTag, IReadOnlyList<LifeEvent> Events,
    IReadOnlyList<string> OpenDuplicateCases, LedgerVerification Ledger)
{
    /// <summary>Every event's anchor is on the ledger as the registry derives it, and its proof verifies.</summary>
    public bool AllVerified => Events.All(e => e.Check.Ok);
}

/// <summary>An animal's life read from the registry (enrolment, reviews naming it, policies and its cover, census visits,
/// claims and officers' decisions), each event's anchor found on the ledger and checked on the spot
/// (<see cref="AnchorChecker"/>): against the whole ledger verified again, or, in a running service, through its
/// <paramref name="witness"/>.</summary>
public sealed class HerdHistory(IRegistry registry, ILedger ledger, LedgerWitness? witness = null)
{
    /// <summary>Errors (typed, field <c>animal</c>): the tenant has no animal of that id.</summary>
    public async Task<Result<AnimalLife>> OfAsync(string tenant, string animalId, CancellationToken ct = default)
    {
        if (await registry.FindEnrolledAnimalAsync(tenant, animalId, ct) is not { } enrolled)
            return Result<AnimalLife>.Fail("animal", $"no animal '{animalId}' in tenant {tenant}'s registry");
        var checker = witness is null ? await AnchorChecker.OpenAsync(ledger, ct) : await AnchorChecker.OverAsync(ledger, witness, ct);
        var events = new List<LifeEvent>();
        async Task Add(DateTimeOffset? at, string name, string detail, ExpectedAnchor anchor, DateTimeOffset fallback = default)
        {
            var check = await checker.CheckAsync(anchor, ct);
            events.Add(new LifeEvent(at ?? check.Entry?.RecordedAt ?? fallback, name, detail, anchor, check));
        }

        var animal = enrolled.Animal;
        await Add(enrolled.EnrolledAt, "enrolment", $"enrolled from capture {enrolled.EnrolledBy} ({animal.Templates.Count} photos) for farmer {animal.FarmerId}",
            await RegistryAnchors.EnrolmentAsync(registry, enrolled, ct));

        var open = new List<string>();
        var cases = (await registry.DuplicateCasesAsync(tenant, openOnly: false, Page.All, ct)).Items
            .Where(c => c.MatchedAnimalId == animalId || c.CaptureId == enrolled.EnrolledBy);
        foreach (var c in cases)
        {
            if (c.Decision is not { } review)
            {
                open.Add(string.Create(CultureInfo.InvariantCulture, $"capture {c.CaptureId} flagged as a duplicate of {c.MatchedAnimalId} (score {c.Score:0.000}), awaiting review"));
                continue;
            }
            var what = c.CaptureId == enrolled.EnrolledBy
                ? $"its flagged enrolment reviewed: {review.Verdict.Name()} by {review.Reviewer} ({review.Reason})"
                : $"capture {c.CaptureId}, flagged as a duplicate of it, reviewed: {review.Verdict.Name()} by {review.Reviewer} ({review.Reason})";
            await Add(review.DecidedAt, "review", what, RegistryAnchors.Review(review));
        }

        var policies = (await registry.PoliciesAsync(tenant, animal.FarmerId, Page.All, ct)).Items.Where(p => p.AnimalIds.Contains(animalId, StringComparer.Ordinal)).ToList();
        foreach (var policy in policies)
        {
            var cover = $"{policy.Coverage.Start:yyyy-MM-dd} to {policy.Coverage.End:yyyy-MM-dd}";
            var starts = new DateTimeOffset(policy.Coverage.Start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            await Add(null, "policy", $"{policy.Id}: {policy.AnimalIds.Count} head × {policy.SumInsuredPerHead}, premium {policy.Premium}, cover {cover}", RegistryAnchors.Policy(policy), starts);
            await Add(null, "cover", $"insured under {policy.Id} for {policy.SumInsuredPerHead} from {cover}", RegistryAnchors.Cover(policy, animalId), starts);
            foreach (var visit in await registry.CensusVisitsAsync(tenant, policy.Id, ct))
            {
                var seen = visit.Animals.FirstOrDefault(a => a.AnimalId == animalId);
                var found = seen switch
                {
                    null => "not on the visit's list",
                    { Presence: CensusPresence.Seen or CensusPresence.SeenAfterDeathClaim, Score: { } score } =>
                        string.Create(CultureInfo.InvariantCulture, $"{seen.Presence.Name()} (photo {seen.Photo}, score {score:0.000})"),
                    _ => seen.Presence.Name(),
                };
                await Add(visit.RecordedAt, "census", $"visit of {policy.Id} on {visit.Day:yyyy-MM-dd}: {found}", RegistryAnchors.Census(visit));
            }
        }

        var claims = await registry.ClaimsOnSubjectAsync(tenant, animalId, ct);
        foreach (var claim in claims)
        {
            var decided = claim.Status == ClaimStatus.Accepted
                ? $"death claim {claim.Id} under {claim.PolicyId} accepted (pays {claim.Payout}; evidence capture {claim.EvidenceId})"
                : $"death claim {claim.Id} under {claim.PolicyId} refused: {claim.Reason}";
            await Add(claim.DecidedAt, "claim", decided, RegistryAnchors.Claim(claim));
            if (events[^1].Check is { Status: AnchorStatus.Refused, RefusedBy: { } holder } refusal)
                events[^1] = events[^1] with { Check = refusal with { Detail = RefusedOn(holder, claims) } };
            foreach (var d in await registry.ClaimDecisionsAsync(tenant, claim.Id, ct))
                await Add(d.DecidedAt, "claim-decision", $"{claim.Id}: {d.Verdict.Name()} by {d.Officer} ({d.Reason})", RegistryAnchors.ClaimDecision(d));
        }

        // The ledger's order is the order things were decided in (registry times of one decision differ by clock, and a
        // policy keeps none); a refused claim sits after the claim whose entry refused it; events not on the ledger come last.
        var ordered = events.OrderBy(e => e.Check.Entry?.Index ?? e.Check.RefusedBy?.Index ?? long.MaxValue).ThenBy(e => e.At).ToList();
        return Result<AnimalLife>.Ok(new AnimalLife(tenant, animalId, animal.FarmerId, animal.Species, animal.EarTag, ordered, open, checker.Verification));
    }

    /// <summary>Which claim holds a refused claim's key: this tenant's claim whose evidence the entry anchors, or another
    /// insurer's (a shared ledger: only the digest is known).</summary>
    private static string RefusedOn(LedgerEntry holder, IReadOnlyList<Claim> claims) =>
        claims.FirstOrDefault(c => c.Status == ClaimStatus.Accepted && c.Key.Hex == holder.Key && LivestockAnchors.ClaimEvidence(c.EvidenceId) == holder.PayloadHash) is { } owner
            ? $"not anchored: refused, the ledger holds claim {owner.Id} for this key (entry {holder.Index})"
            : $"not anchored: refused, the ledger holds another claim for this key (entry {holder.Index}, filed here earlier or at another insurer)";
}

using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Livestock;
using AgriInsure.Registry;

namespace AgriInsure.Audit;

/// <summary>One event of an animal's life as the registry records it, with the anchor it calls for and that anchor as
/// checked. <paramref name="At"/> is the registry's time of the event (a policy's: the ledger entry's, the registry keeping
/// none; else its cover's first day); <paramref name="Event"/> a short name (enrolment, policy, cover, census, claim,
/// claim-decision, review); <paramref name="Detail"/> what happened in English (the CLI's line);
/// <paramref name="Facts"/> the same as named values for a reader in another language, by event:
/// enrolment {capture, photos, farmer}; review {verdict, reviewer, reason, capture (absent: the animal's own flagged
/// enrolment)}; policy {policy, head, sumInsuredPerHead (Money), premium (Money), start, end (DateOnly)}; cover {policy,
/// sumInsuredPerHead, start, end}; census {policy, day, presence (a census presence wire name, or <c>not-listed</c>),
/// photo, score (when seen)}; claim {claim, policy, status (<see cref="ClaimStatus"/>), payout (Money), evidence (when
/// accepted), heldBy, heldAt (when refused: the claim holding the key on the ledger, null when another insurer's, and
/// its entry)}; claim-decision {claim, verdict, officer, reason}.</summary>
public sealed record LifeEvent(DateTimeOffset At, string Event, string Detail, IReadOnlyDictionary<string, object?> Facts, ExpectedAnchor Anchor, AnchorCheck Check);

/// <summary>An animal's life from the registry: every event with its checked anchor (in ledger order, those whose entry
/// is not found last), the flagged enrolments naming it that
/// no reviewer has decided yet (not anchored until decided), and the ledger as verified for the proofs.</summary>
public sealed record AnimalLife(string Tenant, string AnimalId, string FarmerId, Species Species, string? EarTag, IReadOnlyList<LifeEvent> Events,
    IReadOnlyList<DuplicateCase> OpenDuplicateCases, LedgerVerification Ledger)
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
        async Task Add(DateTimeOffset? at, string name, string detail, Dictionary<string, object?> facts, ExpectedAnchor anchor, DateTimeOffset fallback = default)
        {
            var check = await checker.CheckAsync(anchor, ct);
            events.Add(new LifeEvent(at ?? check.Entry?.RecordedAt ?? fallback, name, detail, facts, anchor, check));
        }

        var animal = enrolled.Animal;
        await Add(enrolled.EnrolledAt, "enrolment", $"enrolled from capture {enrolled.EnrolledBy} ({animal.Templates.Count} photos) for farmer {animal.FarmerId}",
            new() { ["capture"] = enrolled.EnrolledBy, ["photos"] = animal.Templates.Count, ["farmer"] = animal.FarmerId },
            await RegistryAnchors.EnrolmentAsync(registry, enrolled, ct));

        var open = new List<DuplicateCase>();
        var cases = (await registry.DuplicateCasesAsync(tenant, openOnly: false, Page.All, ct)).Items
            .Where(c => c.MatchedAnimalId == animalId || c.CaptureId == enrolled.EnrolledBy);
        foreach (var c in cases)
        {
            if (c.Decision is not { } review)
            {
                open.Add(c);
                continue;
            }
            var what = c.CaptureId == enrolled.EnrolledBy
                ? $"its flagged enrolment reviewed: {review.Verdict.Name()} by {review.Reviewer} ({review.Reason})"
                : $"capture {c.CaptureId}, flagged as a duplicate of it, reviewed: {review.Verdict.Name()} by {review.Reviewer} ({review.Reason})";
            var facts = new Dictionary<string, object?> { ["verdict"] = review.Verdict.Name(), ["reviewer"] = review.Reviewer, ["reason"] = review.Reason };
            if (c.CaptureId != enrolled.EnrolledBy)
                facts["capture"] = c.CaptureId;
            await Add(review.DecidedAt, "review", what, facts, RegistryAnchors.Review(review));
        }

        var policies = (await registry.PoliciesAsync(tenant, animal.FarmerId, Page.All, ct)).Items.Where(p => p.AnimalIds.Contains(animalId, StringComparer.Ordinal)).ToList();
        foreach (var policy in policies)
        {
            var cover = $"{policy.Coverage.Start:yyyy-MM-dd} to {policy.Coverage.End:yyyy-MM-dd}";
            var starts = new DateTimeOffset(policy.Coverage.Start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            await Add(null, "policy", $"{policy.Id}: {policy.AnimalIds.Count} head × {policy.SumInsuredPerHead}, premium {policy.Premium}, cover {cover}",
                new()
                {
                    ["policy"] = policy.Id, ["head"] = policy.AnimalIds.Count, ["sumInsuredPerHead"] = policy.SumInsuredPerHead, ["premium"] = policy.Premium,
                    ["start"] = policy.Coverage.Start, ["end"] = policy.Coverage.End,
                },
                RegistryAnchors.Policy(policy), starts);
            await Add(null, "cover", $"insured under {policy.Id} for {policy.SumInsuredPerHead} from {cover}",
                new() { ["policy"] = policy.Id, ["sumInsuredPerHead"] = policy.SumInsuredPerHead, ["start"] = policy.Coverage.Start, ["end"] = policy.Coverage.End },
                RegistryAnchors.Cover(policy, animalId), starts);
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
                await Add(visit.RecordedAt, "census", $"visit of {policy.Id} on {visit.Day:yyyy-MM-dd}: {found}",
                    new()
                    {
                        ["policy"] = policy.Id, ["day"] = visit.Day, ["presence"] = seen is null ? "not-listed" : seen.Presence.Name(),
                        ["photo"] = seen?.Photo, ["score"] = seen?.Score,
                    },
                    RegistryAnchors.Census(visit));
            }
        }

        var claims = await registry.ClaimsOnSubjectAsync(tenant, animalId, ct);
        foreach (var claim in claims)
        {
            var decided = claim.Status == ClaimStatus.Accepted
                ? $"death claim {claim.Id} under {claim.PolicyId} accepted (pays {claim.Payout}; evidence capture {claim.EvidenceId})"
                : $"death claim {claim.Id} under {claim.PolicyId} refused: {claim.Reason}";
            var facts = new Dictionary<string, object?> { ["claim"] = claim.Id, ["policy"] = claim.PolicyId, ["status"] = claim.Status };
            if (claim.Status == ClaimStatus.Accepted)
                (facts["payout"], facts["evidence"]) = (claim.Payout, claim.EvidenceId);
            await Add(claim.DecidedAt, "claim", decided, facts, RegistryAnchors.Claim(claim));
            if (events[^1].Check is { Status: AnchorStatus.Refused, RefusedBy: { } holder } refusal)
            {
                var owner = HolderOf(holder, claims);
                (facts["heldBy"], facts["heldAt"]) = (owner?.Id, holder.Index);
                events[^1] = events[^1] with { Check = refusal with { Detail = RefusedOn(holder, owner) } };
            }
            foreach (var d in await registry.ClaimDecisionsAsync(tenant, claim.Id, ct))
            {
                await Add(d.DecidedAt, "claim-decision", $"{claim.Id}: {d.Verdict.Name()} by {d.Officer} ({d.Reason})",
                    new() { ["claim"] = claim.Id, ["verdict"] = d.Verdict.Name(), ["officer"] = d.Officer, ["reason"] = d.Reason }, RegistryAnchors.ClaimDecision(d));
            }
        }

        // The ledger's order is the order things were decided in (registry times of one decision differ by clock, and a
        // policy keeps none); a refused claim sits after the claim whose entry refused it; events not on the ledger come last.
        var ordered = events.OrderBy(e => e.Check.Entry?.Index ?? e.Check.RefusedBy?.Index ?? long.MaxValue).ThenBy(e => e.At).ToList();
        return Result<AnimalLife>.Ok(new AnimalLife(tenant, animalId, animal.FarmerId, animal.Species, animal.EarTag, ordered, open, checker.Verification));
    }

    /// <summary>Which claim holds a refused claim's key: this tenant's claim whose evidence the entry anchors, or null for
    /// another insurer's (a shared ledger: only the digest is known).</summary>
    private static Claim? HolderOf(LedgerEntry holder, IReadOnlyList<Claim> claims) =>
        claims.FirstOrDefault(c => c.Status == ClaimStatus.Accepted && c.Key.Hex == holder.Key && LivestockAnchors.ClaimEvidence(c.EvidenceId) == holder.PayloadHash);

    private static string RefusedOn(LedgerEntry holder, Claim? owner) => owner is not null
        ? $"not anchored: refused, the ledger holds claim {owner.Id} for this key (entry {holder.Index})"
        : $"not anchored: refused, the ledger holds another claim for this key (entry {holder.Index}, filed here earlier or at another insurer)";
}

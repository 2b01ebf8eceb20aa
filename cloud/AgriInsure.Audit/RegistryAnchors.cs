using System.Globalization;
using AgriInsure.Crops;
using AgriInsure.Domain;
using AgriInsure.Livestock;
using AgriInsure.Registry;

namespace AgriInsure.Audit;

/// <summary>The anchors the registry's records call for, derived again from what the registry stores by the rules'
/// own derivations (<see cref="LivestockAnchors"/>, <see cref="CropAnchors"/>): one place for a herd's history and a
/// reconciliation.</summary>
public static class RegistryAnchors
{
    public static async Task<ExpectedAnchor> EnrolmentAsync(IRegistry registry, EnrolledAnimal animal, CancellationToken ct)
    {
        var capture = (await registry.FindCaptureAsync(animal.EnrolledBy, ct))?.Capture;
        // Without the enrolling capture the templates' digest cannot be derived; the key still names the entry.
        return new ExpectedAnchor(LivestockAnchors.EnrolmentKind, LivestockAnchors.EnrolmentKey(animal.Animal.Id),
            capture is null ? null : LivestockAnchors.Templates(capture.ModelId, capture.Embeddings), null, $"enrolment of {animal.Animal.Id}");
    }

    public static ExpectedAnchor Policy(LivestockPolicy policy) =>
        new(LivestockAnchors.PolicyKind, LivestockAnchors.PolicyKey(policy.Id), LivestockAnchors.Terms(policy), null, $"policy {policy.Id}");

    /// <summary>A policy's signed contract: the signed PDF's SHA-256 under SHA-256("contract", policy id), at the entry the
    /// registry noted.</summary>
    public static ExpectedAnchor Contract(SignedContract contract) =>
        new(SignedContract.AnchorKind, SignedContract.AnchorKey(contract.PolicyId), contract.Document.Hex, contract.AnchorIndex, $"signed contract of policy {contract.PolicyId}");

    public static ExpectedAnchor Cover(LivestockPolicy policy, string animalId) =>
        new(LivestockAnchors.CoverKind, LivestockAnchors.CoverKey(animalId, policy.Coverage), LivestockAnchors.Terms(policy), null, $"policy {policy.Id}, cover of {animalId}");

    public static ExpectedAnchor Census(CensusVisit visit) =>
        new(LivestockAnchors.CensusKind, visit.LedgerKey, LivestockAnchors.CensusResult(visit.Animals, visit.Sightings.Select(s => (s.Photo, s.AnimalId))), visit.LedgerEntry,
            $"census of {visit.PolicyId} on {visit.Day:yyyy-MM-dd}");

    /// <summary>A livestock claim anchors its evidence under its key; a refused one was refused because its key holds another
    /// claim's, so it expects that entry not to be its own (<see cref="ExpectedAnchor.Refused"/>); a crop claim's evidence
    /// is not kept in the registry.</summary>
    public static ExpectedAnchor Claim(Claim claim) =>
        new(LivestockAnchors.ClaimKind, claim.Key.Hex,
            claim.Kind == ClaimKind.LivestockDeath ? LivestockAnchors.ClaimEvidence(claim.EvidenceId) : null, null,
            $"{(claim.Status == ClaimStatus.Accepted ? "" : "refused ")}claim {claim.Id}", claim.Status == ClaimStatus.Refused);

    public static ExpectedAnchor ClaimDecision(ClaimDecision d) =>
        new(LivestockAnchors.ClaimDecisionKind, LivestockAnchors.ClaimDecisionKey(d.ClaimId, d.Sequence), LivestockAnchors.ClaimDecisionPayload(d.Verdict, d.Officer, d.Reason),
            d.LedgerEntry, $"decision {d.Sequence} on claim {d.ClaimId}");

    public static ExpectedAnchor Review(ReviewDecision d) =>
        new(LivestockAnchors.ReviewKind, LivestockAnchors.ReviewKey(d.CaptureId), LivestockAnchors.ReviewPayload(d.Verdict, d.Reviewer, d.Reason), d.LedgerEntry,
            $"review of capture {d.CaptureId}");

    /// <summary>Every anchor the tenant's records call for: animals' enrolments, livestock policies and their covers, census
    /// visits, claims and officers' decisions, reviews, crop policies and their months, and the species' current face
    /// model (its switch payload rests on evaluation figures the registry does not keep: key and entry are compared).</summary>
    public static async Task<IReadOnlyList<ExpectedAnchor>> AllAsync(IRegistry registry, ICropRegistry? crops, string tenant, CancellationToken ct = default)
    {
        var expected = new List<ExpectedAnchor>();
        foreach (var animal in (await registry.AnimalsAsync(tenant, null, Page.All, ct)).Items)
            expected.Add(await EnrolmentAsync(registry, animal, ct));
        foreach (var policy in (await registry.PoliciesAsync(tenant, null, Page.All, ct)).Items)
        {
            expected.AddRange(policy.AnimalIds.Select(a => Cover(policy, a)));
            expected.Add(Policy(policy));
            if (await registry.FindSignedContractAsync(tenant, policy.Id, ct) is { } contract)
                expected.Add(Contract(contract));
        }
        expected.AddRange((await registry.CensusVisitsAsync(tenant, null, ct)).Select(Census));
        foreach (var claim in (await registry.ClaimsAsync(tenant, null, Page.All, ct)).Items)
        {
            expected.Add(Claim(claim));
            expected.AddRange((await registry.ClaimDecisionsAsync(tenant, claim.Id, ct)).Select(ClaimDecision));
        }
        foreach (var decided in (await registry.DuplicateCasesAsync(tenant, openOnly: false, Page.All, ct)).Items)
        {
            if (decided.Decision is { } review)
                expected.Add(Review(review));
        }
        if (crops is not null)
        {
            foreach (var stored in (await crops.CropPoliciesAsync(tenant, null, Page.All, ct)).Items)
            {
                var p = stored.Policy;
                var terms = CropAnchors.Terms(p);
                expected.AddRange(CropAnchors.CoverMonths(p.Acreage.PlotId, p.Terms.Coverage)
                    .Select(m => new ExpectedAnchor(CropAnchors.CoverKind, m.Key, terms, null, $"crop policy {p.Id}, plot {p.Acreage.PlotId} in {m.Month}")));
                expected.Add(new ExpectedAnchor(CropAnchors.PolicyKind, CropAnchors.PolicyKey(p.Id), terms, stored.LedgerIndex, $"crop policy {p.Id}"));
                if (await registry.FindSignedContractAsync(tenant, p.Id, ct) is { } contract)
                    expected.Add(Contract(contract));
            }
        }
        foreach (var species in Enum.GetValues<Species>())
        {
            if (await registry.ActiveModelAsync(species, ct) is { } model)
                expected.Add(new ExpectedAnchor(LivestockAnchors.ModelKind, LivestockAnchors.ModelKey(species, model.ModelId), null, model.LedgerEntry,
                    string.Create(CultureInfo.InvariantCulture, $"switch of {species.Name()} templates to {model.ModelId}")));
        }
        return expected;
    }
}

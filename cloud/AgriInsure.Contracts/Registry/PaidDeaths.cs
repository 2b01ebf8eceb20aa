using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>Which animals are dead and paid for: a death claim the rules accepted and no claims officer refused. One rule
/// for every reader (issuing a policy, a census visit, a census report, the herd pages), so they never disagree on an
/// animal whose claim an officer refused.</summary>
public static class PaidDeaths
{
    /// <summary>The paid death claim on <paramref name="animalId"/>, if any.</summary>
    public static async Task<Claim?> PaidDeathAsync(this IRegistry registry, string tenant, string animalId, CancellationToken ct = default)
    {
        foreach (var claim in await registry.ClaimsOnSubjectAsync(tenant, animalId, ct))
        {
            if (await IsPaidAsync(registry, tenant, claim, ct))
                return claim;
        }
        return null;
    }

    /// <summary>The paid death claims under <paramref name="policyId"/>, by animal id (one query for the policy's claims, one
    /// for the decisions of each accepted death claim).</summary>
    public static async Task<IReadOnlyDictionary<string, Claim>> PaidDeathsAsync(this IRegistry registry, string tenant, string policyId, CancellationToken ct = default)
    {
        var paid = new Dictionary<string, Claim>(StringComparer.Ordinal);
        foreach (var claim in (await registry.ClaimsAsync(tenant, policyId, Page.All, ct)).Items)
        {
            if (!paid.ContainsKey(claim.SubjectId) && await IsPaidAsync(registry, tenant, claim, ct))
                paid[claim.SubjectId] = claim;
        }
        return paid;
    }

    private static async Task<bool> IsPaidAsync(IRegistry registry, string tenant, Claim claim, CancellationToken ct) =>
        claim is { Kind: ClaimKind.LivestockDeath, Status: ClaimStatus.Accepted }
        && !(await registry.ClaimDecisionsAsync(tenant, claim.Id, ct)).Any(d => d.Verdict == ClaimVerdict.Refuse);
}

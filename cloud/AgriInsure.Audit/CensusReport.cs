using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Registry;

namespace AgriInsure.Audit;

/// <summary>One insured animal in a census report: the policy insuring it on the report's day, the
/// <see cref="Outcome"/>, and, when a visit decided it, that visit's day and ledger entry, the photo that showed the animal
/// and its fused cosine score (seen only), and the visit's anchor as checked (<see cref="AnchorStatus"/>).</summary>
public sealed record CensusStanding(
    string AnimalId, string PolicyId, CensusOutcome Outcome, DateOnly? VisitDay, string? Photo, float? Score, long? LedgerEntry, AnchorStatus? Anchor);

/// <summary>A census visit a report read, with its anchor as checked.</summary>
public sealed record CheckedVisit(string PolicyId, DateOnly Day, int Animals, int Sightings, AnchorCheck Anchor);

/// <summary>Which insured animals of a farmer or a policy were seen, not seen or never looked at, as of
/// <see cref="AsOf"/>: every animal on the policies in cover that day, in policy order then the policy's animal order,
/// each as the latest census visit of its policy on or before that day found it, or claimed dead when a death claim on it
/// was paid by that day and no visit came after, and every visit read with its anchor checked on the ledger.</summary>
public sealed record CensusReport(
    string Tenant, string? FarmerId, string? PolicyId, DateOnly AsOf, IReadOnlyList<string> Policies, IReadOnlyList<CensusStanding> Animals,
    IReadOnlyList<CheckedVisit> Visits)
{
    /// <summary>How many animals have each outcome (every outcome present, zero included).</summary>
    public IReadOnlyDictionary<CensusOutcome, int> Counts =>
        Enum.GetValues<CensusOutcome>().ToDictionary(o => o, o => Animals.Count(a => a.Outcome == o));

    /// <summary>Every visit read holds on the ledger what the registry says it found.</summary>
    public bool AllVerified => Visits.All(v => v.Anchor.Ok);
}

/// <summary>A census report to make: the tenant's policy or farmer asked for, the day, and the policies in cover on it.</summary>
public sealed record CensusPlan(string Tenant, string? PolicyId, string? FarmerId, DateOnly AsOf, IReadOnlyList<LivestockPolicy> Policies);

/// <summary>Builds census reports from the census visits the registry keeps (<see cref="IRegistry.CensusVisitsAsync"/>;
/// each visit made by <c>LivestockDesk.CensusAsync</c> from a field visit's photos, the CLI's <c>herd census</c>), each
/// visit's anchor checked (<see cref="AnchorChecker"/>: against the whole ledger verified again, or through a running
/// service's <paramref name="witness"/>). Nothing is written.</summary>
public sealed class CensusReports(IRegistry registry, ILedger ledger, LedgerWitness? witness = null)
{
    /// <summary>The report of one policy (<paramref name="policyId"/>) or of every policy of one farmer
    /// (<paramref name="farmerId"/>) in cover on <paramref name="asOf"/>: <see cref="PlanAsync"/> then <see cref="RunAsync"/>.</summary>
    public async Task<Result<CensusReport>> BuildAsync(
        string tenant, string? policyId, string? farmerId, DateOnly asOf, Action<int, int>? progress = null, CancellationToken ct = default) =>
        (await PlanAsync(tenant, policyId, farmerId, asOf, ct)).TryGet(out var plan, out var error)
            ? Result<CensusReport>.Ok(await RunAsync(plan, progress, ct))
            : Result<CensusReport>.Fail(error);

    /// <summary>What a report of one policy (<paramref name="policyId"/>) or of every policy of one farmer
    /// (<paramref name="farmerId"/>) in cover on <paramref name="asOf"/> reads: the policies, found at once so a request is
    /// refused before any work starts. Errors (typed): <c>policyId</c> / <c>farmerId</c> when neither or both are given or
    /// the tenant has no such record; <c>asOf</c> when the policy's cover does not hold the day.</summary>
    public async Task<Result<CensusPlan>> PlanAsync(string tenant, string? policyId, string? farmerId, DateOnly asOf, CancellationToken ct = default)
    {
        if (policyId is null == farmerId is null)
            return Result<CensusPlan>.Fail(policyId is null ? "policyId" : "farmerId", "name either a policy or a farmer, not both and not neither");
        if (policyId is not null)
        {
            if (await registry.FindPolicyAsync(tenant, policyId, ct) is not { } policy)
                return Result<CensusPlan>.Fail("policyId", $"no livestock policy '{policyId}'");
            if (!policy.Coverage.Contains(asOf))
                return Result<CensusPlan>.Fail("asOf", $"{policy.Id} covers {policy.Coverage.Start:yyyy-MM-dd} to {policy.Coverage.End:yyyy-MM-dd}, not {asOf:yyyy-MM-dd}");
            return Result<CensusPlan>.Ok(new CensusPlan(tenant, policyId, null, asOf, [policy]));
        }
        if (await registry.FindFarmerAsync(tenant, farmerId!, ct) is null)
            return Result<CensusPlan>.Fail("farmerId", $"no farmer '{farmerId}'");
        var policies = (await registry.PoliciesAsync(tenant, farmerId, Page.All, ct)).Items.Where(p => p.Coverage.Contains(asOf)).ToList();
        return Result<CensusPlan>.Ok(new CensusPlan(tenant, null, farmerId, asOf, policies));
    }

    /// <summary>The report of <paramref name="plan"/>; <paramref name="progress"/> is told (done, total) animals as it goes.</summary>
    public async Task<CensusReport> RunAsync(CensusPlan plan, Action<int, int>? progress = null, CancellationToken ct = default)
    {
        var (tenant, asOf, policies) = (plan.Tenant, plan.AsOf, plan.Policies);
        var total = policies.Sum(p => p.AnimalIds.Count);
        progress?.Invoke(0, total);
        var checker = witness is null ? await AnchorChecker.OpenAsync(ledger, ct) : await AnchorChecker.OverAsync(ledger, witness, ct);
        var animals = new List<CensusStanding>(total);
        var visits = new List<CheckedVisit>();
        foreach (var policy in policies)
        {
            // Visits come by day, then ledger entry: the last one that holds an animal is what is known of it on the day.
            var latest = new Dictionary<string, (CensusAnimal Found, CensusVisit Visit, AnchorStatus Anchor)>(StringComparer.Ordinal);
            foreach (var visit in (await registry.CensusVisitsAsync(tenant, policy.Id, ct)).Where(v => v.Day <= asOf))
            {
                var check = await checker.CheckAsync(RegistryAnchors.Census(visit), ct);
                visits.Add(new CheckedVisit(policy.Id, visit.Day, visit.Animals.Count, visit.Sightings.Count, check));
                foreach (var found in visit.Animals)
                    latest[found.AnimalId] = (found, visit, check.Status);
            }
            // A death paid by the day is known without a visit; a visit after it says what was found then (seen after it, or not).
            var paidDeaths = await registry.PaidDeathsAsync(tenant, policy.Id, ct);
            foreach (var id in policy.AnimalIds)
            {
                var visited = latest.TryGetValue(id, out var l);
                var died = paidDeaths.TryGetValue(id, out var death) ? DateOnly.FromDateTime(death.DecidedAt.UtcDateTime) : (DateOnly?)null;
                animals.Add(died <= asOf && (!visited || l.Visit.Day < died)
                    ? new CensusStanding(id, policy.Id, CensusOutcome.ClaimedDead, null, null, null, null, null)
                    : visited
                        ? new CensusStanding(id, policy.Id, CensusOutcomeNames.Of(l.Found.Presence), l.Visit.Day, l.Found.Photo, l.Found.Score, l.Visit.LedgerEntry, l.Anchor)
                        : new CensusStanding(id, policy.Id, CensusOutcome.Unknown, null, null, null, null, null));
                progress?.Invoke(animals.Count, total);
            }
        }
        return new CensusReport(tenant, plan.FarmerId, plan.PolicyId, asOf, [.. policies.Select(p => p.Id)], animals, visits);
    }
}

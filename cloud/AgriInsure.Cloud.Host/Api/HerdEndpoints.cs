using AgriInsure.Audit;
using AgriInsure.Cloud.Host.Jobs;
using AgriInsure.Domain;
using AgriInsure.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static AgriInsure.Cloud.Host.Api.Endpoints;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>What field supervisors read of herds under <c>/api/v1</c> (any role; same tokens, tenancy, paging and problem
/// details as <see cref="Endpoints"/>): a farmer's herds (a herd is a policy's animals), a herd's animals, an animal's life
/// events with their ledger anchors checked, and census reports.</summary>
public static class HerdEndpoints
{
    public static RouteGroupBuilder MapHerdApi(this RouteGroupBuilder api)
    {
        api.MapGet("/farmers/{id}/herds", HerdsAsync)
            .WithSummary("A farmer's herds: each livestock policy with its head count, cover, whether in force and its census visits; the farmer's animals on no policy and plots, counted.")
            .Produces<FarmerHerdsView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/policies/{id}/animals", async (HttpContext http, string id, int? offset, int? limit, CancellationToken ct) =>
            {
                var (registry, tenant) = (Engines(http).Registry, Caller(http).Tenant);
                if (await registry.FindPolicyAsync(tenant, id, ct) is not { } policy)
                    return NotFound("policy", id);
                return await Paged(offset, limit, async page =>
                {
                    var paid = await registry.PaidDeathsAsync(tenant, policy.Id, ct);
                    var animals = new List<AnimalView>();
                    foreach (var animalId in policy.AnimalIds.Skip(page.Offset).Take(page.Limit))
                    {
                        var animal = await registry.FindEnrolledAnimalAsync(tenant, animalId, ct)
                            ?? throw new InvalidOperationException($"policy {policy.Id} names animal {animalId}, which the registry does not hold");
                        animals.Add(AnimalView.Of(animal) with { PaidDeathClaim = paid.GetValueOrDefault(animalId)?.Id });
                    }
                    return new Paged<AnimalView>(animals, policy.AnimalIds.Count, page.Offset);
                }, a => a);
            })
            .WithSummary("A herd: the animals a livestock policy insures, in the policy's order, each with the paths of its face crops and the death claim paid on it under this policy, if any (paidDeathClaim).")
            .Produces<PageView<AnimalView>>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/animals/{id}/history", async (HttpContext http, string id, CancellationToken ct) =>
            {
                var engines = Engines(http);
                var life = await new HerdHistory(engines.Registry, engines.Ledger, engines.Witness).OfAsync(Caller(http).Tenant, id, ct);
                return life.TryGet(out var found, out _) ? Results.Ok(AnimalHistoryView.Of(found)) : NotFound("animal", id);
            })
            .WithSummary("An animal's life events (enrolment, reviews, policies and cover, census visits, claims and decisions), in ledger order, each with its ledger entry and the anchor checked: the entry holds what the registry derives and its inclusion proof (RFC 9162) verifies against the root recomputed from every entry.")
            .Produces<AnimalHistoryView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/censuses", StartCensusAsync)
            .WithSummary("Starts a census report (any role: it writes nothing) of one policy (policyId) or of every policy of a farmer (farmerId) in cover on asOf (default today, UTC): each insured animal as the latest census visit on or before that day found it (seen, not-seen, claimed-dead, seen-after-death-claim) or unknown (never visited), each visit's ledger anchor checked. Answers 202 with the job; GET /jobs/{id} gives done/total animals and, when done, the summary.")
            .Produces<JobView>(StatusCodes.Status202Accepted).ProducesValidationProblem();
        api.MapGet("/censuses/{id}", (HttpContext http, string id) =>
                Census(http, id, out var error) is { } report ? Results.Ok(CensusSummaryView.Of(report)) : error)
            .WithSummary("A finished census report's summary: the policies read, how many animals have each outcome, the visits read with their anchors. 409 while it runs.")
            .Produces<CensusSummaryView>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/censuses/{id}/animals", async (HttpContext http, string id, string? outcome, int? offset, int? limit) =>
            {
                if (Census(http, id, out var error) is not { } report)
                    return error;
                CensusOutcome? only = null;
                if (!string.IsNullOrEmpty(outcome))
                {
                    if (!CensusOutcomeNames.Parse(outcome, "outcome").TryGet(out var parsed, out var bad))
                        return Invalid(bad);
                    only = parsed;
                }
                IReadOnlyList<CensusStanding> animals = only is { } o ? [.. report.Animals.Where(a => a.Outcome == o)] : report.Animals;
                return await Paged(offset, limit, page => Task.FromResult(new Paged<CensusStanding>([.. animals.Skip(page.Offset).Take(page.Limit)], animals.Count, page.Offset)),
                    CensusAnimalView.Of);
            })
            .WithSummary("A finished census report's animals in policy order, of one outcome with ?outcome= (seen, not-seen, claimed-dead, seen-after-death-claim, unknown), each with the visit that decided it and its evidence photo and score. 409 while it runs.")
            .Produces<PageView<CensusAnimalView>>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private const string CensusKind = "census";

    /// <summary>The cloud's day (UTC), on its clock.</summary>
    private static DateOnly Today(HttpContext http) => DateOnly.FromDateTime(http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);

    private static async Task<IResult> StartCensusAsync(HttpContext http, NewCensus body, CancellationToken ct)
    {
        var engines = Engines(http);
        var reports = new CensusReports(engines.Registry, engines.Ledger, engines.Witness);
        // What the report refuses (no such policy, a day outside the cover) is answered now, not left to a failed job.
        if (!(await reports.PlanAsync(Caller(http).Tenant, body.PolicyId, body.FarmerId, body.AsOf ?? Today(http), ct))
                .TryGet(out var plan, out var refused))
            return Invalid(refused);
        var job = JobEndpoints.Board(http).Start(plan.Tenant, http.User.FindFirst("sub")?.Value ?? "", CensusKind, async (progress, jobCt) =>
            new CensusResult(await reports.RunAsync(plan, (done, total) =>
            {
                progress.SetTotal(total);
                progress.Advance(done - progress.Done);
            }, jobCt)));
        return JobEndpoints.Accepted(job);
    }

    /// <summary>The report of the tenant's census job <paramref name="id"/>, or the answer why there is none: 404 for no such
    /// census (another tenant's reads as absent), 409 while it runs, 422 when it failed.</summary>
    private static CensusReport? Census(HttpContext http, string id, out IResult error)
    {
        error = Results.Empty;
        var job = JobEndpoints.Board(http).Find(Caller(http).Tenant, id);
        if (job is not { Kind: CensusKind })
            error = NotFound("census", id);
        else if (job.State is JobState.Queued or JobState.Running)
            error = Results.Problem(statusCode: StatusCodes.Status409Conflict, title: $"the census is {job.State.ToString().ToLowerInvariant()}: {job.Done} of {job.Total} animals");
        else if (job.Result is not CensusResult done)
            error = Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: $"the census ended {job.State.ToString().ToLowerInvariant()}: {job.Error}");
        else
            return done.Report;
        return null;
    }

    private static async Task<IResult> HerdsAsync(HttpContext http, string id, CancellationToken ct)
    {
        var (registry, tenant) = (Engines(http).Registry, Caller(http).Tenant);
        if (await registry.FindFarmerAsync(tenant, id, ct) is not { } farmer)
            return NotFound("farmer", id);
        var one = Page.Create(0, 1).Value;
        var animals = (await registry.AnimalsAsync(tenant, id, one, ct)).Total;
        var plots = (await ((ICropRegistry)registry).PlotsAsync(tenant, id, one, ct)).Total;
        var today = Today(http);
        var insured = new HashSet<string>(StringComparer.Ordinal);
        var herds = new List<HerdView>();
        foreach (var policy in (await registry.PoliciesAsync(tenant, id, Page.All, ct)).Items)
        {
            insured.UnionWith(policy.AnimalIds);
            var visits = await registry.CensusVisitsAsync(tenant, policy.Id, ct);
            herds.Add(new HerdView(policy.Id, policy.Coverage.Start, policy.Coverage.End, policy.Coverage.Contains(today),
                await registry.FindSignedContractAsync(tenant, policy.Id, ct) is not null, policy.AnimalIds.Count, visits.Count,
                visits.Count == 0 ? null : visits.Max(v => v.Day)));
        }
        return Results.Ok(new FarmerHerdsView(FarmerView.Of(farmer), animals, animals - insured.Count, plots, herds));
    }
}

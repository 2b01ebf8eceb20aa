using AgriInsure.Audit;
using AgriInsure.Domain;
using AgriInsure.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
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
                    var animals = new List<EnrolledAnimal>();
                    foreach (var animalId in policy.AnimalIds.Skip(page.Offset).Take(page.Limit))
                        animals.Add(await registry.FindEnrolledAnimalAsync(tenant, animalId, ct)
                            ?? throw new InvalidOperationException($"policy {policy.Id} names animal {animalId}, which the registry does not hold"));
                    return new Paged<EnrolledAnimal>(animals, policy.AnimalIds.Count, page.Offset);
                }, AnimalView.Of);
            })
            .WithSummary("A herd: the animals a livestock policy insures, in the policy's order, each with the paths of its face crops.")
            .Produces<PageView<AnimalView>>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/animals/{id}/history", async (HttpContext http, string id, CancellationToken ct) =>
            {
                var engines = Engines(http);
                var life = await new HerdHistory(engines.Registry, engines.Ledger, engines.Witness).OfAsync(Caller(http).Tenant, id, ct);
                return life.TryGet(out var found, out _) ? Results.Ok(AnimalHistoryView.Of(found)) : NotFound("animal", id);
            })
            .WithSummary("An animal's life events (enrolment, reviews, policies and cover, census visits, claims and decisions), in ledger order, each with its ledger entry and the anchor checked: the entry holds what the registry derives and its inclusion proof (RFC 9162) verifies against the root recomputed from every entry.")
            .Produces<AnimalHistoryView>().ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> HerdsAsync(HttpContext http, string id, CancellationToken ct)
    {
        var (registry, tenant) = (Engines(http).Registry, Caller(http).Tenant);
        if (await registry.FindFarmerAsync(tenant, id, ct) is not { } farmer)
            return NotFound("farmer", id);
        var one = Page.Create(0, 1).Value;
        var animals = (await registry.AnimalsAsync(tenant, id, one, ct)).Total;
        var plots = (await ((ICropRegistry)registry).PlotsAsync(tenant, id, one, ct)).Total;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
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

using AgriInsure.Audit;
using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>The HTTP API under <c>/api/v1</c>: every endpoint requires a bearer token and a permission of the
/// token's role (reads: any role; registering farmers: field agents; issuing policies: underwriters; deciding review
/// cases: claims officers), and answers only with records of the token's tenant: another tenant's id reads as
/// absent (404), never as forbidden, so ids of other insurers cannot be probed. Lists take <c>offset</c> (default 0)
/// and <c>limit</c> (1 to <see cref="Page.MaxLimit"/>, default 50). Errors are RFC 9457 problem details; a refused
/// input names its field under <c>errors</c>.</summary>
public static class Endpoints
{
    private const int DefaultLimit = 50;

    public static IEndpointRouteBuilder MapAgriApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").RequireAuthorization(Permission.Read.ToString());
        // What every route may answer before it runs: no valid token, or a role without the permission.
        api.ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapGet("/me", (HttpContext http) =>
            {
                var who = Caller(http);
                return Results.Ok(new Me(http.User.FindFirst("sub")?.Value ?? "", who.Tenant, who.Role.Name(), [.. Access.Grants[who.Role].Select(p => p.Name())]));
            })
            .WithSummary("Who the bearer token says you are: user, tenant, role and what it may do.")
            .Produces<Me>();

        api.MapGet("/farmers", (HttpContext http, string? q, int? offset, int? limit, CancellationToken ct) =>
                Paged(offset, limit, page => string.IsNullOrWhiteSpace(q)
                    ? Engines(http).Registry.FarmersAsync(Caller(http).Tenant, page, ct)
                    : Engines(http).Registry.SearchFarmersAsync(Caller(http).Tenant, q.Trim(), page, ct), FarmerView.Of))
            .WithSummary("The tenant's farmers, by id; with ?q= those whose id, name or region contains it.")
            .Produces<PageView<FarmerView>>().ProducesValidationProblem();
        api.MapGet("/farmers/{id}", async (HttpContext http, string id, CancellationToken ct) =>
                await Engines(http).Registry.FindFarmerAsync(Caller(http).Tenant, id, ct) is { } f ? Results.Ok(FarmerView.Of(f)) : NotFound("farmer", id))
            .WithSummary("One farmer.")
            .Produces<FarmerView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/farmers", RegisterFarmerAsync).RequireAuthorization(Permission.RegisterFarmers.ToString())
            .WithSummary("Registers a farmer of the tenant (field agents). 409 when the id is taken.")
            .Produces<FarmerView>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/animals", (HttpContext http, string? farmer, int? offset, int? limit, CancellationToken ct) =>
                Paged(offset, limit, page => Engines(http).Registry.AnimalsAsync(Caller(http).Tenant, farmer, page, ct), AnimalView.Of))
            .WithSummary("The tenant's enrolled animals (of one farmer with ?farmer=), in enrolment order.")
            .Produces<PageView<AnimalView>>().ProducesValidationProblem();
        api.MapGet("/animals/{id}", async (HttpContext http, string id, CancellationToken ct) =>
                await Engines(http).Registry.FindEnrolledAnimalAsync(Caller(http).Tenant, id, ct) is { } a
                    ? Results.Ok(AnimalView.Of(a) with { PaidDeathClaim = (await Engines(http).Registry.PaidDeathAsync(Caller(http).Tenant, id, ct))?.Id })
                    : NotFound("animal", id))
            .WithSummary("One enrolled animal with the paths of its face crops and the death claim paid on it, if any (paidDeathClaim).")
            .Produces<AnimalView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/animals/{id}/crops/{n:int}", CropAsync)
            .WithSummary("Face crop n (0-based, template order) of an animal, as JPEG; ?width= (pixels) scales it down on the host. An ETag lets a browser ask again for 304.")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/jpeg").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/animals/{id}/proof", async (HttpContext http, string id, CancellationToken ct) =>
                await Engines(http).Registry.FindAnimalAsync(Caller(http).Tenant, id, ct) is null ? NotFound("animal", id)
                    : await ProofAsync(http, Digest.Of("animal", id).Hex, ct))
            .WithSummary("The animal's enrolment on the ledger with its inclusion proof.")
            .Produces<ProofView>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/policies", (HttpContext http, string? farmer, int? offset, int? limit, CancellationToken ct) =>
                Paged(offset, limit, async page =>
                {
                    var (registry, tenant) = (Engines(http).Registry, Caller(http).Tenant);
                    var policies = await registry.PoliciesAsync(tenant, farmer, page, ct);
                    var views = new List<PolicyView>();
                    foreach (var p in policies.Items)
                        views.Add(PolicyView.Of(p, await registry.FindSignedContractAsync(tenant, p.Id, ct)));
                    return new Paged<PolicyView>(views, policies.Total, policies.Offset);
                }, v => v))
            .WithSummary("The tenant's livestock policies (of one farmer with ?farmer=), by id, each in force or not.")
            .Produces<PageView<PolicyView>>().ProducesValidationProblem();
        api.MapGet("/policies/{id}", async (HttpContext http, string id, CancellationToken ct) =>
            {
                var (registry, tenant) = (Engines(http).Registry, Caller(http).Tenant);
                return await registry.FindPolicyAsync(tenant, id, ct) is { } p
                    ? Results.Ok(PolicyView.Of(p, await registry.FindSignedContractAsync(tenant, id, ct)))
                    : NotFound("policy", id);
            })
            .WithSummary("One livestock policy: in force once its contract is signed by both parties and anchored.")
            .Produces<PolicyView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/policies/{id}/proof", async (HttpContext http, string id, CancellationToken ct) =>
                await Engines(http).Registry.FindPolicyAsync(Caller(http).Tenant, id, ct) is null ? NotFound("policy", id)
                    : await ProofAsync(http, Digest.Of("policy", id).Hex, ct))
            .WithSummary("The policy's anchor on the ledger with its inclusion proof.")
            .Produces<ProofView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/policies", IssuePolicyAsync).RequireAuthorization(Permission.Underwrite.ToString())
            .WithSummary("Issues a livestock policy over a farmer's enrolled animals, anchored on the ledger (underwriters).")
            .Produces<PolicyView>(StatusCodes.Status201Created).ProducesValidationProblem();

        api.MapGet("/claims", (HttpContext http, string? policy, int? offset, int? limit, CancellationToken ct) =>
                Paged(offset, limit, page => Engines(http).Registry.ClaimsAsync(Caller(http).Tenant, policy, page, ct), ClaimView.Of))
            .WithSummary("The tenant's decided claims (on one policy with ?policy=), oldest first.")
            .Produces<PageView<ClaimView>>().ProducesValidationProblem();
        api.MapGet("/claims/{id}", async (HttpContext http, string id, CancellationToken ct) =>
            {
                var (registry, tenant) = (Engines(http).Registry, Caller(http).Tenant);
                return await registry.FindClaimAsync(tenant, id, ct) is { } c
                    ? Results.Ok(ClaimView.Of(c) with { Decisions = [.. (await registry.ClaimDecisionsAsync(tenant, id, ct)).Select(ClaimDecisionView.Of)] })
                    : NotFound("claim", id);
            })
            .WithSummary("One claim with the rules' decision and the claims officers' decisions on it.")
            .Produces<ClaimView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/claims/{id}/decision", DecideClaimAsync).RequireAuthorization(Permission.DecideClaims.ToString())
            .WithSummary("A claims officer decides a claim (approve, refuse, or send for survey), as the token's user; anchored on the ledger.")
            .Produces<ClaimDecisionView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/claims/{id}/proof", ProofOfClaimAsync)
            .WithSummary("The accepted claim's own entry on the ledger (its key, the entry that refuses a second claim) with its inclusion proof; 404 naming the claim that holds the key for a claim the ledger refused, 409 when the entry under the key is not this claim's.")
            .Produces<ProofView>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/review/cases", (HttpContext http, bool? open, int? offset, int? limit, CancellationToken ct) =>
                Paged(offset, limit, page => Engines(http).Registry.DuplicateCasesAsync(Caller(http).Tenant, open ?? true, page, ct), CaseView.Of))
            .WithSummary("Flagged duplicate enrolments, oldest first: the open ones, or all with ?open=false.")
            .Produces<PageView<CaseView>>().ProducesValidationProblem();
        api.MapGet("/review/cases/{id}", async (HttpContext http, string id, CancellationToken ct) =>
                await Engines(http).Registry.FindDuplicateCaseAsync(Caller(http).Tenant, id, ct) is { } c ? Results.Ok(CaseView.Of(c)) : NotFound("case", id))
            .WithSummary("One case with its evidence and decision.")
            .Produces<CaseView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/review/cases/{id}/decision", DecideCaseAsync).RequireAuthorization(Permission.DecideClaims.ToString())
            .WithSummary("Decides a case once (claims officers): the decision, who (the token's user) and why are anchored on the ledger.")
            .Produces<ReviewView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/ledger/head", HeadAsync)
            .WithSummary("The ledger's tree head: its size and the root hash (RFC 9162) recomputed from every entry; 500 naming the first bad entry when the ledger was tampered with.")
            .Produces<HeadView>().ProducesProblem(StatusCodes.Status500InternalServerError);
        api.MapCropApi();
        api.MapClaimsApi();
        api.MapDevices();
        api.MapContractApi();
        api.MapHerdApi();
        api.MapMapsApi();
        api.MapMeasureJobs();
        endpoints.MapPki();
        return endpoints;
    }

    private static async Task<IResult> RegisterFarmerAsync(HttpContext http, NewFarmer body, CancellationToken ct)
    {
        var tenant = Caller(http).Tenant;
        if (!Farmer.Create(tenant, body.Id!, body.Name!, body.Region!).TryGet(out var farmer, out var error))
            return Invalid(error);
        var registry = Engines(http).Registry;
        if (await registry.FindFarmerAsync(tenant, farmer.Id, ct) is not null)
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: $"farmer '{farmer.Id}' is registered already");
        await registry.AddFarmerAsync(farmer, ct);
        return Results.Created($"/api/v1/farmers/{farmer.Id}", FarmerView.Of(farmer));
    }

    private static async Task<IResult> IssuePolicyAsync(HttpContext http, NewPolicy body, CancellationToken ct)
    {
        if (body.FarmerId is null)
            return Invalid(new ValidationError("farmerId", "is missing"));
        if (body.AnimalIds is not { Count: > 0 })
            return Invalid(new ValidationError("animalIds", "is missing or empty; a policy insures at least one animal"));
        if (body.Start is not { } start || body.End is not { } end)
            return Invalid(new ValidationError(body.Start is null ? "start" : "end", "is missing (YYYY-MM-DD)"));
        if (body.SumInsuredPerHead is not { } perHead || body.Premium is not { } due || body.Currency is not { } currency)
            return Invalid(new ValidationError(body.SumInsuredPerHead is null ? "sumInsuredPerHead" : body.Premium is null ? "premium" : "currency", "is missing"));
        if (!Money.Create(perHead, currency, "sumInsuredPerHead").TryGet(out var sum, out var error)
            || !Money.Create(due, currency, "premium").TryGet(out var premium, out error)
            || !Coverage.Create(start, end).TryGet(out var cover, out error))
            return Invalid(error.Field.EndsWith(".currency", StringComparison.Ordinal) ? error with { Field = "currency" } : error);
        var issued = await Engines(http).Desk.IssuePolicyAsync(Caller(http).Tenant, body.FarmerId, body.AnimalIds, sum, premium, cover, ct);
        return issued.TryGet(out var policy, out var refused)
            ? Results.Created($"/api/v1/policies/{policy.Id}", PolicyView.Of(policy))
            : Invalid(refused with { Field = refused.Field.Replace("policy.", "", StringComparison.Ordinal) });
    }

    private static async Task<IResult> DecideCaseAsync(HttpContext http, string id, ReviewRequest body, CancellationToken ct)
    {
        if (!ReviewVerdictNames.Parse(body.Verdict, "verdict").TryGet(out var verdict, out var error))
            return Invalid(error);
        var tenant = Caller(http).Tenant;
        var engines = Engines(http);
        if (await engines.Registry.FindDuplicateCaseAsync(tenant, id, ct) is null)
            return NotFound("case", id);
        var reviewer = http.User.FindFirst("sub")?.Value ?? "";
        var decided = await engines.Desk.ReviewAsync(tenant, id, verdict, reviewer, body.Reason ?? "", ct);
        if (decided.TryGet(out var decision, out var refused))
            return Results.Ok(ReviewView.Of(decision));
        return refused.Field == "case"
            ? Results.Problem(statusCode: StatusCodes.Status409Conflict, title: refused.Reason)
            : Invalid(refused);
    }

    internal static async Task<IResult> DecideClaimAsync(HttpContext http, string id, ClaimDecisionRequest body, CancellationToken ct)
    {
        if (!ClaimVerdictNames.Parse(body.Verdict, "verdict").TryGet(out var verdict, out var error))
            return Invalid(error);
        var (engines, tenant) = (Engines(http), Caller(http).Tenant);
        if (await engines.Registry.FindClaimAsync(tenant, id, ct) is null)
            return NotFound("claim", id);
        var decided = await engines.Desk.DecideClaimAsync(tenant, id, verdict, http.User.FindFirst("sub")?.Value ?? "", body.Reason ?? "", ct);
        if (decided.TryGet(out var decision, out var refused))
            return Results.Ok(ClaimDecisionView.Of(decision));
        return refused.Field == "claim" ? Results.Problem(statusCode: StatusCodes.Status409Conflict, title: refused.Reason) : Invalid(refused);
    }

    private static async Task<IResult> CropAsync(HttpContext http, string id, int n, int? width, CancellationToken ct)
    {
        if (ScaledImages.CheckWidth(width) is { } badWidth)
            return Invalid(badWidth);
        var engines = Engines(http);
        if (await engines.Registry.FindEnrolledAnimalAsync(Caller(http).Tenant, id, ct) is not { } animal)
            return NotFound("animal", id);
        if (n < 0 || n >= animal.CropKeys.Count)
            return NotFound("crop", $"{id}/{n}");
        return await engines.Blobs.GetAsync(animal.CropKeys[n], ct) is { } jpeg
            ? ScaledImages.Jpeg(http, jpeg, width, $"crop {n} of {id}")
            : Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: $"crop {n} of {id} is missing from the blob store");
    }

    /// <summary>The entry anchored under <paramref name="key"/> with its inclusion proof, checked against the root recomputed
    /// from the ledger's content (<see cref="LedgerWitness"/>: a proof from stored hashes alone would vouch for an entry a
    /// forger changed together with its hashes). A tampered ledger answers 500 naming the first bad entry, and no proof.</summary>
    /// <summary>A claim's proof answers only the entry whose content is this claim: a refused duplicate's key holds the
    /// earlier claim's entry, which proves that claim, not this one.</summary>
    private static async Task<IResult> ProofOfClaimAsync(HttpContext http, string id, CancellationToken ct)
    {
        var (engines, tenant) = (Engines(http), Caller(http).Tenant);
        if (await engines.Registry.FindClaimAsync(tenant, id, ct) is not { } claim)
            return NotFound("claim", id);
        var entry = await engines.Ledger.FindAsync(claim.Key.Hex, ct);
        if (claim.Status != ClaimStatus.Accepted)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound,
                title: $"claim {id} was refused and has no ledger entry of its own{(entry is null ? "" : $"; entry {entry.Index} under its key belongs to {await HolderAsync(engines.Registry, tenant, claim, entry, ct)}")}");
        if (entry is null)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"claim {id} is not anchored on the ledger");
        if (AnchorChecker.Mismatch(RegistryAnchors.Claim(claim), entry) is { } why)
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: $"the entry under claim {id}'s key is not this claim's: {why}");
        return await ProofAsync(http, claim.Key.Hex, ct);
    }

    /// <summary>Names the claim whose evidence <paramref name="entry"/> anchors: this tenant's, or another insurer's on a shared ledger.</summary>
    private static async Task<string> HolderAsync(IRegistry registry, string tenant, Claim refused, LedgerEntry entry, CancellationToken ct) =>
        (await registry.ClaimsOnSubjectAsync(tenant, refused.SubjectId, ct))
            .FirstOrDefault(c => c.Status == ClaimStatus.Accepted && c.Key == refused.Key && AnchorChecker.Mismatch(RegistryAnchors.Claim(c), entry) is null) is { } owner
            ? $"claim {owner.Id}"
            : "another claim (filed at another insurer, or not in this registry)";

    internal static async Task<IResult> ProofAsync(HttpContext http, string key, CancellationToken ct)
    {
        var engines = Engines(http);
        if (await engines.Ledger.FindAsync(key, ct) is not { } entry)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "not anchored on the ledger");
        var witnessed = await engines.Witness.ProveAsync(entry, ct);
        return witnessed.Proof is { } proof ? Results.Ok(ProofView.Of(entry, proof)) : Tampered(witnessed.Head);
    }

    /// <summary>The ledger's head as recomputed from every entry's content, or 500 naming the first bad entry.</summary>
    private static async Task<IResult> HeadAsync(HttpContext http, CancellationToken ct)
    {
        var verified = await Engines(http).Witness.HeadAsync(ct);
        return verified.IsIntact ? Results.Ok(new HeadView(verified.Entries, verified.Root)) : Tampered(verified);
    }

    private static IResult Tampered(LedgerVerification verified) =>
        Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: $"the ledger is TAMPERED: first bad entry {verified.FirstTampered}: {verified.Problem}");

    internal static async Task<IResult> Paged<T, TView>(int? offset, int? limit, Func<Page, Task<Paged<T>>> read, Func<T, TView> view)
    {
        if (!Page.Create(offset ?? 0, limit ?? DefaultLimit).TryGet(out var page, out var error))
            return Invalid(error);
        var paged = await read(page);
        return Results.Ok(new PageView<TView>([.. paged.Items.Select(view)], paged.Total, paged.Offset, page.Limit));
    }

    internal static IResult Invalid(ValidationError error) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [error.Field] = [error.Reason] }, title: $"{error.Field}: {error.Reason}");

    internal static IResult NotFound(string what, string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"no {what} '{(id.Length > 64 ? id[..64] + "…" : id)}'");

    /// <summary>The token's tenant and role; the authorization policies already refused a token without them.</summary>
    internal static (string Tenant, Role Role) Caller(HttpContext http) =>
        Access.Of(http.User) ?? throw new InvalidOperationException("an endpoint of the API ran without a tenant and role; every one requires a permission");

    internal static CloudEngines Engines(HttpContext http) =>
        http.RequestServices.GetRequiredService<CloudRuntime>().Engines ?? throw new InvalidOperationException("the cloud's engines are not running");
}

/// <summary>The caller as the token names them.</summary>
public sealed record Me(string User, string Tenant, string Role, IReadOnlyList<string> Permissions);

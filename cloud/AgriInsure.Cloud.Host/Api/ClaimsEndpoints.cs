using AgriInsure.Audit;
using AgriInsure.Crops;
using AgriInsure.Domain;
using AgriInsure.Imagery.Rendering;
using AgriInsure.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static AgriInsure.Cloud.Host.Api.Endpoints;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>What claims staff work from, under <c>/api/v1</c> with the same tokens, roles, tenancy, paging and problem details
/// as the rest of the API (<see cref="Endpoints"/>): the claims queue (livestock and crop claims and flagged duplicate
/// enrolments together, filtered and paged in the registry), crop claims assessed by map on the cloud's rasters
/// (<c>Cloud:Rasters</c>) and decided by the crop rules, the evidence of a livestock claim and of a duplicate case with
/// their photos scaled by the host, and claims officers' decisions on crop claims, anchored on the ledger as on livestock
/// claims. Filing a crop claim and deciding take <c>decide-claims</c> (claims officers); every role reads.</summary>
public static class ClaimsEndpoints
{
    /// <summary>Part of the claim map's entity tag: change it when the drawing changes, so browsers fetch the new one.</summary>
    private const string ClaimMapVersion = "claim-map-2";

    public static RouteGroupBuilder MapClaimsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/claims-queue", QueueAsync)
            .WithSummary("Open claims and flagged duplicate enrolments, newest first: ?kind=livestock|crop|duplicate, ?status=open|decided (default: both), ?q= (matched in the id, subject or farmer).")
            .Produces<PageView<QueueItemView>>().ProducesValidationProblem();

        api.MapPost("/crop-claims", FileAsync).RequireAuthorization(Permission.DecideClaims.ToString())
            .WithSummary("Assesses a crop loss by map on the cloud's rasters (NDVI before and after the event, WGS84 ground areas) and decides it by the crop rules: accepted claims are anchored under the claim key (one per policy, plot, peril and event window), refused ones are kept with their outcome. 200 with the first claim when the same claim with the same evidence is filed again.")
            .Produces<CropClaimView>(StatusCodes.Status201Created).Produces<CropClaimView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/crop-claims", (HttpContext http, string? plot, int? offset, int? limit, CancellationToken ct) =>
                Paged(offset, limit, page => CropClaims(http).CropClaimsAsync(Caller(http).Tenant, plot, page, ct), CropClaimView.Of))
            .WithSummary("The tenant's crop claims (on one plot with ?plot=), newest first.")
            .Produces<PageView<CropClaimView>>().ProducesValidationProblem();
        api.MapGet("/crop-claims/{id}", async (HttpContext http, string id, CancellationToken ct) =>
            {
                var tenant = Caller(http).Tenant;
                return await CropClaims(http).FindCropClaimAsync(tenant, id, ct) is { } c
                    ? Results.Ok(CropClaimView.Of(c) with { Decisions = [.. (await Engines(http).Registry.ClaimDecisionsAsync(tenant, id, ct)).Select(ClaimDecisionView.Of)] })
                    : NotFound("crop claim", id);
            })
            .WithSummary("One crop claim with its assessment, the indemnity arithmetic and the claims officers' decisions.")
            .Produces<CropClaimView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/crop-claims/{id}/map.png", MapAsync)
            .WithSummary("The crop claim's evidence map (PNG): NDVI before and after over the plot, damaged and hidden cells, the outline and the figures; ?lang=en|zh-CN words it (default en; the provenance embedded in it is the same in both), ?width= scales it (16 to 1024 px).")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/png").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/crop-claims/{id}/proof", ProofOfCropClaimAsync)
            .WithSummary("The accepted crop claim's key on the ledger (the entry that refuses the same claim again) with its inclusion proof; 404 for a claim the rules refused.")
            .Produces<ProofView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/crop-claims/{id}/decision", async (HttpContext http, string id, ClaimDecisionRequest body, CancellationToken ct) =>
                await CropClaims(http).FindCropClaimAsync(Caller(http).Tenant, id, ct) is null ? NotFound("crop claim", id) : await DecideClaimAsync(http, id, body, ct))
            .RequireAuthorization(Permission.DecideClaims.ToString())
            .WithSummary("A claims officer decides a crop claim (approve, refuse, or send for survey) with a reason, as the token's user; anchored on the ledger.")
            .Produces<ClaimDecisionView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/claims/{id}/evidence", EvidenceAsync)
            .WithSummary("A livestock claim's evidence: claim and enrolment photos, fused and per-photo scores, threshold, scope, margin (score − threshold) and the animal's life events.")
            .Produces<ClaimEvidenceView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/claims/{id}/photos/{n:int}", ClaimPhotoAsync)
            .WithSummary("Photo n (0-based) of a livestock claim's capture: its face crop as JPEG; ?width= scales it (16 to 1024 px).")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/jpeg").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/review/cases/{id}/evidence", CaseEvidenceAsync)
            .WithSummary("A flagged duplicate enrolment with the paths of both animals' photos and the scopes searched.")
            .Produces<CaseEvidenceView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/review/cases/{id}/photos/{n:int}", CasePhotoAsync)
            .WithSummary("Photo n (0-based) of a flagged enrolment: its face crop as JPEG; ?width= scales it (16 to 1024 px).")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/jpeg").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> QueueAsync(HttpContext http, string? kind, string? status, string? q, int? offset, int? limit, CancellationToken ct)
    {
        QueueKind? kindFilter = null;
        if (kind is not null)
        {
            if (!QueueKindNames.Parse(kind).TryGet(out var k, out var badKind))
                return Invalid(badKind);
            kindFilter = k;
        }
        if (status is not (null or "open" or "decided"))
            return Invalid(new ValidationError("status", $"'{Shown(status)}' is not open or decided"));
        bool? decided = status is null ? null : status == "decided";
        var search = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (search is { Length: > QueueFilter.MaxSearch })
            return Invalid(new ValidationError("q", $"is {search.Length} characters; at most {QueueFilter.MaxSearch}"));
        var queue = (IClaimsQueue)Engines(http).Registry;
        return await Paged(offset, limit, page => queue.ClaimsQueueAsync(Caller(http).Tenant, new QueueFilter(kindFilter, decided, search), page, ct), QueueItemView.Of);
    }

    private static async Task<IResult> FileAsync(HttpContext http, NewCropClaim body, CancellationToken ct)
    {
        var request = new CropClaimRequest(body.PolicyId, body.Peril, body.EventStart, body.EventEnd, Image(body.Before), Image(body.After), body.Clouds, body.NdviDrop,
            body.MaxHiddenShare);
        var filed = await Engines(http).CropClaims.FileAsync(Caller(http).Tenant, request, http.User.FindFirst("sub")?.Value ?? "", ct);
        if (!filed.TryGet(out var claim, out var error))
        {
            if (error.Field == "policyId" && body.PolicyId is { } missing && !string.IsNullOrWhiteSpace(missing))
                return NotFound("crop policy", missing);
            return Invalid(error with { Field = error.Field switch { "drop" => "ndviDrop", var f => f } });
        }
        var view = CropClaimView.Of(claim.Claim) with { Decisions = [] };
        return claim.Retried ? Results.Ok(view) : Results.Created($"/api/v1/crop-claims/{claim.Claim.Claim.Id}", view);

        static ClaimImage? Image(ClaimImageRequest? i) => i is null ? null : new ClaimImage(i.Raster, i.Date, i.Band);
    }

    private static async Task<IResult> MapAsync(HttpContext http, string id, int? width, string? lang, CancellationToken ct)
    {
        if (ScaledImages.CheckWidth(width) is { } badWidth)
            return Invalid(badWidth);
        if ((lang is null ? ClaimMapText.English : ClaimMapText.For(lang)) is not { } text)
            return Invalid(new ValidationError("lang", $"'{Shown(lang!)}' is not a language the map is drawn in: {string.Join(" or ", ClaimMapText.Languages)}"));
        var tenant = Caller(http).Tenant;
        if (await CropClaims(http).FindCropClaimAsync(tenant, id, ct) is not { } claim)
            return NotFound("crop claim", id);
        // The map is drawn again from the rasters (a whole assessment): a browser that has it is answered from its
        // evidence hash, which binds the rasters' content, the rule and the figures, before any of that work.
        var source = $"crop-claim-map\n{ClaimMapVersion}\n{text.Language}\n{claim.Figures.Evidence}";
        if (ScaledImages.NotModified(http, source, width))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        return await Engines(http).CropClaims.MapAsync(tenant, claim, text, ct) is { } png
            ? ScaledImages.Png(http, png, width, $"the map of {id}", source)
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"the map of {id} cannot be drawn: an image it was assessed on is no longer in the raster folder");
    }

    private static async Task<IResult> ProofOfCropClaimAsync(HttpContext http, string id, CancellationToken ct)
    {
        if (await CropClaims(http).FindCropClaimAsync(Caller(http).Tenant, id, ct) is not { } claim)
            return NotFound("crop claim", id);
        if (claim.Claim.Status != ClaimStatus.Accepted)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound,
                title: $"crop claim {id} was refused ({claim.Outcome}) and has no ledger entry of its own{(claim.LedgerEntry is { } e ? $"; ledger entry {e}, another claim's, refused it" : "")}");
        // The entry under the key must be the one this claim anchored, not one a later record could own.
        if (await Engines(http).Ledger.FindAsync(claim.Claim.Key.Hex, ct) is { } entry && claim.LedgerEntry is { } own && entry.Index != own)
            return Results.Problem(statusCode: StatusCodes.Status409Conflict,
                title: $"the entry under crop claim {id}'s key is entry {entry.Index}; the claim was anchored at entry {own}");
        return await ProofAsync(http, claim.Claim.Key.Hex, ct);
    }

    private static async Task<IResult> EvidenceAsync(HttpContext http, string id, CancellationToken ct)
    {
        var (engines, tenant) = (Engines(http), Caller(http).Tenant);
        if (await LivestockClaimAsync(http, id, ct) is not var (claim, stored))
            return NotFound("livestock claim", id);
        var (capture, decision) = (stored.Capture, stored.Decision);
        var animal = await engines.Registry.FindEnrolledAnimalAsync(tenant, claim.SubjectId, ct);
        // A promoted model re-embeds templates: per-photo scores only where both sides share a model.
        IReadOnlyList<float> photoScores = animal is not null && animal.Animal.ModelId == capture.ModelId ? FusedScore.BestPerProbe(capture.Embeddings, animal.Animal.Templates) : [];
        var scope = decision.Scopes.LastOrDefault(s => s.Best?.AnimalId == claim.SubjectId) ?? decision.Scopes.LastOrDefault();
        var life = animal is null ? null : (await new HerdHistory(engines.Registry, engines.Ledger, engines.Witness).OfAsync(tenant, claim.SubjectId, ct)).Value;
        return Results.Ok(new ClaimEvidenceView(claim.Id, capture.CaptureId, claim.SubjectId, animal?.Animal.FarmerId ?? capture.FarmerId, capture.TakenAt,
            capture.Location.Longitude, capture.Location.Latitude, [.. capture.Photos.Select((_, i) => $"/api/v1/claims/{claim.Id}/photos/{i}")],
            animal is null ? [] : [.. animal.CropKeys.Select((_, i) => $"/api/v1/animals/{animal.Animal.Id}/crops/{i}")], decision.Score, photoScores,
            scope is null ? null : ScopeView.Of(scope), decision.Score is { } score && scope is not null ? score - scope.Threshold : null,
            [.. decision.Scopes.Select(ScopeView.Of)], decision.Outcome, decision.Reason, life is null ? [] : [.. life.Events.Select(LifeEventView.Of)], life?.AllVerified ?? false));
    }

    private static async Task<IResult> ClaimPhotoAsync(HttpContext http, string id, int n, int? width, CancellationToken ct)
    {
        if (ScaledImages.CheckWidth(width) is { } badWidth)
            return Invalid(badWidth);
        if (await LivestockClaimAsync(http, id, ct) is not var (_, stored))
            return NotFound("livestock claim", id);
        return n < 0 || n >= stored.Capture.Photos.Count
            ? NotFound("photo", $"{id}/{n}")
            : await PhotoAsync(http, stored.Capture.Photos[n].CropBlobKey, $"photo {n} of claim {id}", width, ct);
    }

    private static async Task<IResult> CaseEvidenceAsync(HttpContext http, string id, CancellationToken ct)
    {
        var (engines, tenant) = (Engines(http), Caller(http).Tenant);
        if (await engines.Registry.FindDuplicateCaseAsync(tenant, id, ct) is not { } found)
            return NotFound("case", id);
        var scopes = (await engines.Registry.FindCaptureAsync(id, ct))?.Decision.Scopes ?? [];
        return Results.Ok(new CaseEvidenceView(CaseView.Of(found), [.. found.CropKeys.Select((_, i) => $"/api/v1/review/cases/{id}/photos/{i}")],
            [.. found.MatchedCropKeys.Select((_, i) => $"/api/v1/animals/{found.MatchedAnimalId}/crops/{i}")], [.. scopes.Select(ScopeView.Of)]));
    }

    private static async Task<IResult> CasePhotoAsync(HttpContext http, string id, int n, int? width, CancellationToken ct)
    {
        if (ScaledImages.CheckWidth(width) is { } badWidth)
            return Invalid(badWidth);
        if (await Engines(http).Registry.FindDuplicateCaseAsync(Caller(http).Tenant, id, ct) is not { } found)
            return NotFound("case", id);
        return n < 0 || n >= found.CropKeys.Count ? NotFound("photo", $"{id}/{n}") : await PhotoAsync(http, found.CropKeys[n], $"photo {n} of case {id}", width, ct);
    }

    /// <summary>One of the tenant's livestock claims with the capture it was decided on; null when the tenant has no such claim.</summary>
    private static async Task<(Claim Claim, StoredCapture Capture)?> LivestockClaimAsync(HttpContext http, string id, CancellationToken ct)
    {
        var (registry, tenant) = (Engines(http).Registry, Caller(http).Tenant);
        if (await registry.FindClaimAsync(tenant, id, ct) is not { Kind: ClaimKind.LivestockDeath } claim)
            return null;
        var stored = await registry.FindCaptureAsync(claim.EvidenceId, ct);
        if (stored is null || stored.Capture.Tenant != tenant)
            throw new InvalidOperationException($"claim {id} names capture {claim.EvidenceId}, which tenant {tenant}'s registry does not hold");
        return (claim, stored);
    }

    private static async Task<IResult> PhotoAsync(HttpContext http, string key, string what, int? width, CancellationToken ct) =>
        await Engines(http).Blobs.GetAsync(key, ct) is { } jpeg
            ? ScaledImages.Jpeg(http, jpeg, width, what)
            : Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: $"{what} is missing from the blob store");

    private static string Shown(string text) => text.Length > 32 ? text[..32] + "…" : text;

    private static ICropClaimRegistry CropClaims(HttpContext http) => (ICropClaimRegistry)Engines(http).Registry;
}

using AgriInsure.Crops;
using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static AgriInsure.Cloud.Host.Api.Endpoints;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>Plots, acreage measurements and crop policies under <c>/api/v1</c>, with the same tokens, roles, tenancy,
/// paging and problem details as the rest of the API (<see cref="Endpoints"/>): field agents register farmers' plots,
/// underwriters measure them on the cloud's rasters (<see cref="CloudOptions.Rasters"/>) and quote and issue crop
/// policies, every role reads. Areas are given in m², mu and ha.</summary>
public static class CropEndpoints
{
    public static RouteGroupBuilder MapCropApi(this RouteGroupBuilder api)
    {
        api.MapGet("/plots", (HttpContext http, string? farmer, int? offset, int? limit, CancellationToken ct) =>
                Paged(offset, limit, page => Crops(http).PlotsAsync(Caller(http).Tenant, farmer, page, ct), p => PlotView.Of(p)))
            .WithSummary("The tenant's plots (of one farmer with ?farmer=), by id.")
            .Produces<PageView<PlotView>>().ProducesValidationProblem();
        api.MapGet("/plots/{id}", PlotAsync)
            .WithSummary("One plot with its latest measurement, its latest ok one, its crop policies, and the insured plots its outline overlaps, with their policies not yet ended.")
            .Produces<PlotView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/plots", RegisterPlotAsync).RequireAuthorization(Permission.RegisterFarmers.ToString())
            .WithSummary("Registers a farmer's plot (field agents): a GeoJSON Polygon outline (WGS84 longitude, latitude; one ring) and the declared area in mu.")
            .Produces<PlotView>(StatusCodes.Status201Created).ProducesValidationProblem();

        api.MapGet("/plots/{id}/measurements", async (HttpContext http, string id, int? offset, int? limit, CancellationToken ct) =>
                await Crops(http).FindPlotAsync(Caller(http).Tenant, id, ct) is null ? NotFound("plot", id)
                    : await Paged(offset, limit, page => Crops(http).MeasurementsAsync(Caller(http).Tenant, id, page, ct), MeasurementView.Of))
            .WithSummary("Every acreage measurement of a plot, latest acquisition first.")
            .Produces<PageView<MeasurementView>>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/plots/{id}/measurements", MeasureAsync).RequireAuthorization(Permission.Underwrite.ToString())
            .WithSummary("Measures a plot's acreage on a raster the cloud holds (underwriters) and keeps the measurement with its quality flag.")
            .Produces<MeasurementView>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/crop-policies", (HttpContext http, string? plot, int? offset, int? limit, CancellationToken ct) =>
                Paged(offset, limit, page => Crops(http).CropPoliciesAsync(Caller(http).Tenant, plot, page, ct), CropPolicyView.Of))
            .WithSummary("The tenant's crop policies (on one plot with ?plot=), by id.")
            .Produces<PageView<CropPolicyView>>().ProducesValidationProblem();
        api.MapGet("/crop-policies/{id}", async (HttpContext http, string id, CancellationToken ct) =>
                await Crops(http).FindCropPolicyAsync(Caller(http).Tenant, id, ct) is { } p
                    ? Results.Ok(CropPolicyView.Of(p) with { InForce = await Engines(http).Ledger.IsInForceAsync(p.Policy.Id, ct) })
                    : NotFound("crop policy", id))
            .WithSummary("One crop policy with the measurement it is priced on, and whether it is in force (inForce: its contract signed by both parties and anchored; null in lists).")
            .Produces<CropPolicyView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/crop-policies/quote", (HttpContext http, NewCropPolicy body, CancellationToken ct) => OrderAsync(http, body, issue: false, ct))
            .RequireAuthorization(Permission.Underwrite.ToString())
            .WithSummary("What issuing the crop policy would give (underwriters): its sum insured and premium from the measured mu, or the refusal; nothing is anchored or stored.")
            .Produces<CropQuoteView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/crop-policies", (HttpContext http, NewCropPolicy body, CancellationToken ct) => OrderAsync(http, body, issue: true, ct))
            .RequireAuthorization(Permission.Underwrite.ToString())
            .WithSummary("Issues a crop policy on a plot's latest ok measurement (or the one named), anchored on the ledger (underwriters). 409 when the plot or land its outline overlaps is insured on a day of the cover.")
            .Produces<CropPolicyView>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/crop-policies/{id}/proof", async (HttpContext http, string id, CancellationToken ct) =>
                await Crops(http).FindCropPolicyAsync(Caller(http).Tenant, id, ct) is null ? NotFound("crop policy", id)
                    : await ProofAsync(http, CropUnderwriting.PolicyLedgerKey(id), ct))
            .WithSummary("The crop policy's anchor on the ledger (its terms' hash) with its inclusion proof.")
            .Produces<ProofView>().ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> PlotAsync(HttpContext http, string id, CancellationToken ct)
    {
        var (crops, tenant) = (Crops(http), Caller(http).Tenant);
        if (await crops.FindPlotAsync(tenant, id, ct) is not { } plot)
            return NotFound("plot", id);
        var today = DateOnly.FromDateTime(http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        var latest = (await crops.MeasurementsAsync(tenant, id, Page.Create(0, 1).Value, ct)).Items.SingleOrDefault();
        var ok = await crops.LatestOkMeasurementAsync(tenant, id, ct);
        var policies = await crops.CropPoliciesAsync(tenant, id, Page.All, ct);
        var overlaps = await Engines(http).Crops.OverlapsAsync(tenant, plot, today, ct);
        return Results.Ok(PlotView.Of(plot) with
        {
            LatestMeasurement = latest is null ? null : MeasurementView.Of(latest),
            LatestOkMeasurement = ok is null ? null : MeasurementView.Of(ok),
            Policies = [.. policies.Items.Select(CropPolicyView.Of)],
            Overlaps = [.. overlaps.Select(OverlapView.Of)],
        });
    }

    private static async Task<IResult> RegisterPlotAsync(HttpContext http, NewPlot body, CancellationToken ct)
    {
        var tenant = Caller(http).Tenant;
        var registered = await Engines(http).Crops.RegisterPlotAsync(tenant, body.FarmerId, body.Outline ?? default, body.DeclaredMu, User(http), ct);
        if (!registered.TryGet(out var plot, out var error))
            return Invalid(error);
        // The agent registering a field learns at once that part of it is insured land already.
        var today = DateOnly.FromDateTime(http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        var overlaps = await Engines(http).Crops.OverlapsAsync(tenant, plot, today, ct);
        return Results.Created($"/api/v1/plots/{plot.Plot.Id}", PlotView.Of(plot) with { Policies = [], Overlaps = [.. overlaps.Select(OverlapView.Of)] });
    }

    private static async Task<IResult> MeasureAsync(HttpContext http, string id, MeasureRequest body, CancellationToken ct)
    {
        var tenant = Caller(http).Tenant;
        if (await Crops(http).FindPlotAsync(tenant, id, ct) is null)
            return NotFound("plot", id);
        if (body.Ndvi is { } bands && (bands.Red is null || bands.Nir is null))
            return Invalid(new ValidationError("ndvi", "names the red and the near-infrared band: {\"red\":4,\"nir\":8}"));
        var request = new AcreageRequest(body.Raster, body.Band, body.Date, body.Min, body.Classes?.ToHashSet(), body.Ndvi is { } n ? (n.Red!.Value, n.Nir!.Value) : null,
            body.Clouds, body.MaxHiddenShare);
        var measured = await Engines(http).Crops.MeasureAsync(tenant, id, request, User(http), ct);
        if (measured.TryGet(out var record, out var error))
            return Results.Created($"/api/v1/plots/{id}/measurements", MeasurementView.Of(record));
        return error.Field == "plotId" ? NotFound("plot", id) : Invalid(error);
    }

    private static async Task<IResult> OrderAsync(HttpContext http, NewCropPolicy body, bool issue, CancellationToken ct)
    {
        if (body.PlotId is null)
            return Invalid(new ValidationError("plotId", "is missing"));
        if (body.Start is not { } start || body.End is not { } end)
            return Invalid(new ValidationError(body.Start is null ? "start" : "end", "is missing (YYYY-MM-DD)"));
        if (body.SumInsuredPerMu is not { } perMu || body.RatePerMu is not { } rate || body.Currency is not { } currency)
            return Invalid(new ValidationError(body.SumInsuredPerMu is null ? "sumInsuredPerMu" : body.RatePerMu is null ? "ratePerMu" : "currency", "is missing"));
        if (!Money.Create(perMu, currency, "sumInsuredPerMu").TryGet(out var sum, out var error)
            || !Money.Create(rate, currency, "ratePerMu").TryGet(out var premium, out error)
            || !Coverage.Create(start, end).TryGet(out var cover, out error)
            || !CropTerms.Create(body.Crop ?? "", sum, premium, body.Deductible ?? 0m, cover).TryGet(out var terms, out error))
            return Invalid(error with { Field = Field(error.Field) });
        var (tenant, crops) = (Caller(http).Tenant, Engines(http).Crops);
        if (await Crops(http).FindPlotAsync(tenant, body.PlotId, ct) is null)
            return NotFound("plot", body.PlotId);
        var order = new CropOrder(body.PlotId, body.MeasurementId, terms);
        var decision = issue ? await crops.IssueAsync(tenant, order, User(http), ct) : await crops.QuoteAsync(tenant, order, ct);
        return decision switch
        {
            { Outcome: CropOutcome.Issued, Policy: { } p } => await Crops(http).FindCropPolicyAsync(tenant, p.Id, ct) is { } stored
                ? Results.Created($"/api/v1/crop-policies/{p.Id}", CropPolicyView.Of(stored))
                : throw new InvalidOperationException($"crop policy {p.Id} was issued but is not in the registry"),
            { Outcome: CropOutcome.Quoted, Policy: { } p } => Results.Ok(CropQuoteView.Of(p, await QuotedMeasurementAsync(http, tenant, order, ct))),
            { Refusal: { } refusal } => Refused(decision.Outcome, refusal),
            _ => throw new InvalidOperationException($"a crop order ended {decision.Outcome.Name()} without a policy or a refusal"),
        };
    }

    private static async Task<string> QuotedMeasurementAsync(HttpContext http, string tenant, CropOrder order, CancellationToken ct) =>
        order.MeasurementId ?? (await Crops(http).LatestOkMeasurementAsync(tenant, order.PlotId, ct))?.Id ?? "";

    /// <summary>A refusal of the crop rules as a problem: 409 when land is insured already, 404 for a plot that vanished,
    /// else 400; the rules' outcome (its wire name) under <c>outcome</c>, the field under <c>errors</c>.</summary>
    private static IResult Refused(CropOutcome outcome, ValidationError refusal)
    {
        var field = Field(refusal.Field);
        var extensions = new Dictionary<string, object?> { ["outcome"] = outcome.Name() };
        var errors = new Dictionary<string, string[]> { [field] = [refusal.Reason] };
        if (outcome is CropOutcome.AlreadyInsured or CropOutcome.OverlapsInsuredPlot)
        {
            extensions["errors"] = errors;
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: $"{field}: {refusal.Reason}", extensions: extensions);
        }
        return Results.ValidationProblem(errors, title: $"{field}: {refusal.Reason}", extensions: extensions);
    }

    /// <summary>The crop rules' field names as the request spells them: <c>terms.coverage.start</c> → <c>start</c>,
    /// <c>terms.ratePerMu</c> → <c>ratePerMu</c>, <c>acreage.*</c> → <c>measurementId</c> (the measurement priced on).</summary>
    private static string Field(string field) => field switch
    {
        "terms.coverage" or "terms.coverage.start" or "coverage.start" => "start",
        "terms.coverage.end" or "coverage.end" => "end",
        "sumInsuredPerMu.currency" or "ratePerMu.currency" => "currency",
        _ when field.StartsWith("acreage", StringComparison.Ordinal) => "measurementId",
        _ when field.StartsWith("terms.", StringComparison.Ordinal) => field["terms.".Length..],
        _ when field.StartsWith("policy.", StringComparison.Ordinal) => field["policy.".Length..],
        _ => field,
    };

    private static string User(HttpContext http) => http.User.FindFirst("sub")?.Value ?? "";

    private static ICropRegistry Crops(HttpContext http) => (ICropRegistry)Engines(http).Registry;
}

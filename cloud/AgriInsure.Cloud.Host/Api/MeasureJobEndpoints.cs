using AgriInsure.Cloud.Host.Jobs;
using AgriInsure.Crops;
using AgriInsure.Domain;
using AgriInsure.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static AgriInsure.Cloud.Host.Api.Endpoints;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>Many plots measured on one raster as a background job (<see cref="JobBoard"/>): the request answers 202 at
/// once with the job, whose progress counts plots and whose result holds each plot's measurement or why it has none.</summary>
public static class MeasureJobEndpoints
{
    /// <summary>The most plot ids one request names.</summary>
    public const int MaxPlotIds = 10_000;

    /// <summary>The request's own fields: a refusal naming one of these would repeat for every plot, so it ends the job.</summary>
    private static readonly HashSet<string> RequestFields = ["band", "date", "min", "classes", "ndvi", "clouds", "maxHiddenShare"];

    public static RouteGroupBuilder MapMeasureJobs(this RouteGroupBuilder api)
    {
        api.MapPost("/plots/measurements", StartAsync).RequireAuthorization(Permission.Underwrite.ToString())
            .WithSummary("Measures many plots on one raster in the background (underwriters): the plots named by plotIds, or those of farmerId, or with unmeasured=true those never measured (with farmerId: that farmer's). The raster, band or date, rule and cloud mask are as for one plot. 202 with the job (GET /api/v1/jobs/{id}: plots done of total; result: each plot's measurement id, measured mu and quality, or its error).")
            .Produces<JobView>(StatusCodes.Status202Accepted).ProducesValidationProblem();
        return api;
    }

    private static async Task<IResult> StartAsync(HttpContext http, BatchMeasureRequest body, CancellationToken ct)
    {
        var (tenant, engines) = (Caller(http).Tenant, Engines(http));
        if (body.PlotIds is null && body.FarmerId is null && body.Unmeasured is not true)
            return Invalid(new ValidationError("plotIds", "is missing: name the plots, or a farmerId, or unmeasured=true"));
        if (body.PlotIds is not null && (body.FarmerId is not null || body.Unmeasured is not null))
            return Invalid(new ValidationError("plotIds", "names the plots already; farmerId and unmeasured choose plots instead of it"));
        if (body.PlotIds is { } ids && (ids.Count is 0 or > MaxPlotIds || ids.Any(string.IsNullOrWhiteSpace)))
            return Invalid(new ValidationError("plotIds", $"holds {ids.Count} ids; 1 to {MaxPlotIds}, none empty"));
        if (body.FarmerId is { } farmer && await engines.Registry.FindFarmerAsync(tenant, farmer, ct) is null)
            return Invalid(new ValidationError("farmerId", $"farmer '{(farmer.Length > 64 ? farmer[..64] + "…" : farmer)}' is not registered"));
        if (body.Ndvi is { } bands && (bands.Red is null || bands.Nir is null))
            return Invalid(new ValidationError("ndvi", "names the red and the near-infrared band: {\"red\":4,\"nir\":8}"));
        if (!engines.Crops.Rasters.Resolve(body.Raster, "raster").TryGet(out _, out var noRaster))
            return Invalid(noRaster);
        if (body.MaxHiddenShare is { } hidden && !(hidden is >= 0 and < 1))
            return Invalid(new ValidationError("maxHiddenShare", $"{hidden} is outside [0, 1)"));
        var request = new AcreageRequest(body.Raster, body.Band, body.Date, body.Min, body.Classes?.ToHashSet(), body.Ndvi is { } n ? (n.Red!.Value, n.Nir!.Value) : null,
            body.Clouds, body.MaxHiddenShare);
        var user = http.User.FindFirst("sub")?.Value ?? "";
        var job = JobEndpoints.Board(http).Start(tenant, user, "measure-plots", async (progress, stop) =>
        {
            var plots = body.PlotIds is { } named ? [.. named.Distinct(StringComparer.Ordinal)] : await ChosenAsync(engines, tenant, body.FarmerId, body.Unmeasured is true, stop);
            progress.SetTotal(plots.Count);
            var items = new List<BatchMeasureItem>(plots.Count);
            foreach (var plotId in plots)
            {
                stop.ThrowIfCancellationRequested();
                var measured = await engines.Crops.MeasureAsync(tenant, plotId, request, user, stop);
                if (measured.TryGet(out var record, out var error))
                    items.Add(new BatchMeasureItem(plotId, record.Id, record.Measured.Mu, record.Quality, null, null));
                else if (RequestFields.Contains(error.Field))
                    throw new JobRefusedException($"{error.Field}: {error.Reason}");
                else
                    items.Add(new BatchMeasureItem(plotId, null, null, null, $"{error.Field}: {error.Reason}", error.Field));
                progress.Advance();
            }
            return new BatchMeasureView(body.Raster!, items.Count, items.Count(i => i.MeasurementId is not null),
                items.Where(i => i.Quality is not null).GroupBy(i => i.Quality!.Value).ToDictionary(g => g.Key.Name(), g => g.Count()), items);
        });
        return JobEndpoints.Accepted(job);
    }

    /// <summary>The tenant's plots (of <paramref name="farmer"/> when named), by id; only the never-measured ones when
    /// <paramref name="unmeasured"/>.</summary>
    private static async Task<List<string>> ChosenAsync(CloudEngines engines, string tenant, string? farmer, bool unmeasured, CancellationToken ct)
    {
        var crops = (ICropRegistry)engines.Registry;
        if (!unmeasured)
            return [.. (await crops.PlotsAsync(tenant, farmer, Page.All, ct)).Items.Select(p => p.Plot.Id)];
        var everywhere = await crops.PlotsMeetingAsync(tenant, new PlotBounds(-180, -90, 180, 90), Page.All, ct);
        return [.. everywhere.Items.Where(p => p.Latest is null && (farmer is null || p.Plot.Plot.FarmerId == farmer)).Select(p => p.Plot.Plot.Id)];
    }
}

/// <summary>Plots to measure on one raster: <see cref="PlotIds"/>, or the plots of <see cref="FarmerId"/>, or with
/// <see cref="Unmeasured"/> those never measured (of the farmer, when named); the rest as <see cref="MeasureRequest"/>.</summary>
public sealed record BatchMeasureRequest(
    IReadOnlyList<string>? PlotIds, string? FarmerId, bool? Unmeasured, string? Raster, int? Band, string? Date, double? Min, IReadOnlyList<int>? Classes,
    NdviBands? Ndvi, string? Clouds, double? MaxHiddenShare);

/// <summary>A batch's result: the raster, how many plots were tried and measured, the measured ones by quality flag, and
/// each plot in the order tried.</summary>
public sealed record BatchMeasureView(string Raster, int Plots, int Measured, IReadOnlyDictionary<string, int> ByQuality, IReadOnlyList<BatchMeasureItem> Items);

/// <summary>One plot of a batch: its new measurement's id, measured crop area in mu and quality flag, or why it was not
/// measured: <see cref="Error"/> in words (<c>field: reason</c>) and <see cref="ErrorField"/>, the field refused
/// (<c>plotId</c>: no such plot of the tenant; <c>raster</c>: the plot is not on the raster), for pages that say it in
/// their own language.</summary>
public sealed record BatchMeasureItem(string PlotId, string? MeasurementId, double? MeasuredMu, PlotQuality? Quality, string? Error, string? ErrorField);

using System.Globalization;
using System.Text.Json;
using AgriInsure.Domain;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Registry;
using Microsoft.Extensions.Logging;
using NetTopologySuite.Geometries;

namespace AgriInsure.Crops;

/// <summary>How to measure a plot's acreage on a raster of the cloud's <see cref="RasterFolder"/>: which band (or, on a
/// dated stack, which acquisition <see cref="Date"/>), which cells count as crop (every valid cell; a band at or above
/// <see cref="Min"/>; a class among <see cref="Classes"/>; or NDVI from bands <see cref="Ndvi"/> at or above <see cref="Min"/>),
/// an optional cloud mask on the same grid (non-zero = cloud), and the largest hidden share an ok figure may have.</summary>
public sealed record AcreageRequest(
    string? Raster, int? Band = null, string? Date = null, double? Min = null, IReadOnlySet<int>? Classes = null, (int Red, int Nir)? Ndvi = null,
    string? Clouds = null, double? MaxHiddenShare = null);

/// <summary>A crop policy asked for: the plot, the measurement to price it on (null: the plot's latest ok one) and the terms.</summary>
public sealed record CropOrder(string PlotId, string? MeasurementId, CropTerms Terms);

/// <summary>Land of <paramref name="Insured"/> that an outline overlaps: the shared ground area on the WGS84 ellipsoid and
/// its share of the outline's area.</summary>
public sealed record InsuredOverlap(InsuredPlot Insured, Area Shared, double ShareOfPlot);

/// <summary>Crop underwriting in the cloud, over the crop registry and the crop rules: registers a farmer's plot,
/// measures a stored plot on a raster the cloud holds and keeps every measurement, and quotes and issues a crop policy
/// from a plot's latest ok measurement (<see cref="CropDesk"/>), refusing land another policy insures. Every refusal
/// names the field and the reason; nothing is half-written.</summary>
public sealed class CropUnderwriting(
    IRegistry registry, ICropRegistry crops, CropDesk desk, RasterFolder rasters,
    ILogger<CropUnderwriting> log, TimeProvider? clock = null)
{
    /// <summary>An outline may share this much of its area with insured land before issuing is refused: shared borders
    /// and digitising slivers stay under it (as <c>tools/agri plots overlap</c>'s default).</summary>
    public const double OverlapTolerance = 0.01;

    /// <summary>The largest share of a plot that may be hidden for its figure to be ok, unless a request says otherwise.</summary>
    public const double DefaultMaxHiddenShare = 0.2;

    /// <summary>The rasters the cloud holds, which plots are measured on.</summary>
    public RasterFolder Rasters { get; } = rasters;

    private static readonly GeometryFactory Factory = NetTopologySuite.NtsGeometryServices.Instance.CreateGeometryFactory(4326);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>The ledger key a crop policy is anchored under (its proof's key).</summary>
    public static string PolicyLedgerKey(string policyId) => CropAnchors.PolicyKey(policyId);

    /// <summary>Ground area of a plot's outline on the WGS84 ellipsoid: what the farmer drew, beside what they declared.</summary>
    public static Area OutlineArea(Plot plot) => Area.FromSquareMetres(OverlapCheck.Area(Polygon(plot))).Value;

    /// <summary>Registers a plot of the tenant's farmer with a new id, drawn as a GeoJSON Polygon (RFC 7946: one ring of
    /// longitude, latitude on WGS84, valid, no holes) and a declared area in mu. Fails naming <c>farmerId</c>,
    /// <c>outline</c> (…<c>.crs</c>) or <c>declaredMu</c>.</summary>
    public async Task<Result<RegisteredPlot>> RegisterPlotAsync(string tenant, string? farmerId, JsonElement outline, double? declaredMu, string by, CancellationToken ct = default)
    {
        if (Id.Check(farmerId, "farmerId").Error is { } badFarmer)
            return badFarmer;
        if (!PlotReader.TryReadOutline(outline, "outline", out var geometry, out var unreadable))
            return new ValidationError(unreadable.Field, unreadable.Reason);
        if (geometry is not Polygon polygon)
            return new ValidationError("outline", $"is a {geometry.GeometryType} (or crosses the antimeridian); a plot is one Polygon");
        if (polygon.NumInteriorRings > 0)
            return new ValidationError("outline", "has holes; register the field's outer ring, and the land inside a hole as a plot of its own if it is insured");
        if (declaredMu is not { } mu || !(mu > 0) || mu * Area.SquareMetresPerMu > MeasuredAcreage.MaxSquareMetres)
            return new ValidationError("declaredMu", declaredMu is null ? "is missing (the area the farmer declares, in mu)" : $"{declaredMu} is not an area in mu (0, {MeasuredAcreage.MaxSquareMetres / Area.SquareMetresPerMu:0}]");
        var ring = polygon.ExteriorRing.Coordinates.Select(c => new GeoPoint(c.X, c.Y)).ToList();
        if (!Plot.Create(Id.New("PL"), farmerId!, ring, Area.FromMu(mu).Value).TryGet(out var plot, out var error))
            return new ValidationError(error.Field.Replace("plot.", "", StringComparison.Ordinal), error.Reason);
        if (await registry.FindFarmerAsync(tenant, plot.FarmerId, ct) is null)
            return new ValidationError("farmerId", $"farmer '{plot.FarmerId}' is not registered");
        var registered = new RegisteredPlot(plot, by, _clock.GetUtcNow());
        if (await crops.AddPlotAsync(tenant, registered, ct) is { } refused)
            return refused;
        log.LogInformation("Registered plot {PlotId} of farmer {FarmerId} ({Tenant}) by {User}: declared {Declared}, outline {Outline}",
            plot.Id, plot.FarmerId, tenant, by, plot.DeclaredArea, OutlineArea(plot));
        return Result<RegisteredPlot>.Ok(registered);
    }

    /// <summary>Measures one of the tenant's plots on a raster of the cloud's folder and stores the measurement, whatever
    /// its quality (a plot partly off the raster, or hidden by cloud, is flagged, not refused). Fails, storing nothing,
    /// naming <c>plotId</c> (no such plot), <c>raster</c> (not a raster the cloud holds, unreadable, or the plot lies wholly
    /// outside it), <c>band</c>, <c>date</c> (no such acquisition, or none known), <c>min</c>/<c>classes</c>/<c>ndvi</c>,
    /// <c>clouds</c> (not on the raster's grid) or <c>maxHiddenShare</c>.</summary>
    public async Task<Result<AcreageRecord>> MeasureAsync(string tenant, string plotId, AcreageRequest request, string by, CancellationToken ct = default)
    {
        if (await crops.FindPlotAsync(tenant, plotId, ct) is not { } registered)
            return new ValidationError("plotId", $"no plot '{plotId}'");
        var maxHidden = request.MaxHiddenShare ?? DefaultMaxHiddenShare;
        if (!(maxHidden is >= 0 and < 1))
            return new ValidationError("maxHiddenShare", $"{maxHidden} is outside [0, 1)");
        if (!Rasters.Resolve(request.Raster, "raster").TryGet(out var path, out var missing))
            return missing;
        if (!GdalRaster.TryOpen(path, out var raster, out var unreadable))
            return new ValidationError("raster", $"'{request.Raster}' cannot be read as a georeferenced raster ({unreadable.Code})");
        GdalRaster? mask = null;
        try
        {
            if (!Acquisition(raster, request).TryGet(out var chosen, out var badBand))
                return badBand;
            var (band, acquired) = chosen;
            if (!Rule(raster, band, request).TryGet(out var rule, out var badRule))
                return badRule;
            RasterBand? clouds = null;
            if (request.Clouds is not null)
            {
                if (!Rasters.Resolve(request.Clouds, "clouds").TryGet(out var maskPath, out var noMask))
                    return noMask;
                if (!GdalRaster.TryOpen(maskPath, out mask, out var badMask))
                    return new ValidationError("clouds", $"'{request.Clouds}' cannot be read as a georeferenced raster ({badMask.Code})");
                var maskBand = 1;
                if (mask.IsDatedStack)
                {
                    try
                    {
                        maskBand = mask.BandForDate(raster.Description(band));
                    }
                    catch (RasterException e)
                    {
                        return new ValidationError("clouds", $"'{request.Clouds}' has no mask for the acquisition {raster.Description(band)} ({e.Error.Code})");
                    }
                }
                clouds = new RasterBand(mask, maskBand);
            }
            var plot = registered.Plot;
            PlotMeasurement figures;
            try
            {
                figures = AcreageMeasurement.Measure(raster, [new PlotFeature(plot.Id, Polygon(plot))], rule, acquired.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    new MeasureOptions { MaxHiddenShare = maxHidden, Clouds = clouds, Zonal = new ZonalOptions { Cancellation = ct } }).Single();
            }
            catch (RasterException e) when (clouds is not null && e.Error.Code == RasterError.GridMismatch)
            {
                return new ValidationError("clouds", $"'{request.Clouds}' is not on the grid of '{request.Raster}': {e.Error.Reason}");
            }
            if (figures.Quality == PlotQuality.OutsideRaster)
                return new ValidationError("raster", $"plot {plot.Id} lies wholly outside '{request.Raster}' ({raster.Epsg ?? "custom CRS"}); measure it on a raster that covers it");
            var now = _clock.GetUtcNow();
            var record = new AcreageRecord(Id.New("PM"), plot.Id, request.Raster!, acquired, rule.Describe(), Area.FromSquareMetres(figures.AreaM2).Value,
                Area.FromSquareMetres(figures.MeasuredM2).Value, figures.CoveredFraction, figures.NodataFraction + figures.InvalidFraction, figures.Quality, figures.Note,
                "", by, now);
            record = record with { Evidence = await EvidenceAsync(record, path, clouds?.Raster.Path, plot, ct) };
            await crops.AddMeasurementAsync(tenant, record, ct);
            log.LogInformation("Measured plot {PlotId} ({Tenant}) on {Raster} acquired {Acquired}: {Measured} of {PlotArea}, {Quality} (measurement {MeasurementId} by {User})",
                plot.Id, tenant, request.Raster, acquired, record.Measured, record.PlotArea, record.Quality.Name(), record.Id, by);
            return Result<AcreageRecord>.Ok(record);
        }
        finally
        {
            raster.Dispose();
            mask?.Dispose();
        }
    }

    /// <summary>What issuing <paramref name="order"/> would decide, without anchoring or storing anything: the priced
    /// policy (<see cref="CropOutcome.Quoted"/>) or the refusal <see cref="IssueAsync"/> would give.</summary>
    public async Task<CropIssueDecision> QuoteAsync(string tenant, CropOrder order, CancellationToken ct = default)
    {
        var (plot, measurement, refusal) = await PrepareAsync(tenant, order, ct);
        return refusal ?? await desk.QuoteAsync(plot!.Plot, measurement!.Acreage().Value, order.Terms, ct);
    }

    /// <summary>Issues a crop policy on one of the tenant's plots, priced on its latest ok measurement (or the one
    /// <see cref="CropOrder.MeasurementId"/> names), anchored on the ledger and stored. Refused, with nothing stored, for
    /// an unknown plot or measurement (<c>plotId</c>, <c>measurementId</c>), a plot with no ok measurement or a named one
    /// that is not ok (<see cref="CropOutcome.QualityNotOk"/>), a cover starting before the cloud's today
    /// (<see cref="CropOutcome.Backdated"/>), a plot insured on a day of the cover (<see cref="CropOutcome.AlreadyInsured"/>)
    /// and land of another insured plot overlapped by more than <see cref="OverlapTolerance"/> of the outline
    /// (<see cref="CropOutcome.OverlapsInsuredPlot"/>). The registry checks the cover again in its write transaction; an
    /// issue that loses a race there is refused and its ledger anchors stay (the ledger cannot take them back).</summary>
    public async Task<CropIssueDecision> IssueAsync(string tenant, CropOrder order, string by, CancellationToken ct = default)
    {
        var (plot, measurement, refusal) = await PrepareAsync(tenant, order, ct);
        if (refusal is not null)
            return refusal;
        var issued = await desk.IssueAsync(plot!.Plot, measurement!.Acreage().Value, order.Terms, ct);
        if (issued is not { Outcome: CropOutcome.Issued, Policy: { } policy, LedgerEntry: { } entry })
            return issued;
        var stored = new StoredCropPolicy(policy, measurement.Id, entry, by, _clock.GetUtcNow());
        if (await crops.AddCropPolicyAsync(tenant, stored, Overlapping(plot.Plot), ct) is { } lost)
        {
            log.LogError("Crop policy {PolicyId} anchored at entry {Index} but not stored: {Conflict}", policy.Id, entry, lost);
            return Conflict(lost);
        }
        log.LogInformation("Crop policy {PolicyId} on plot {PlotId} ({Tenant}) issued by {User}, priced on measurement {MeasurementId}", policy.Id, plot.Plot.Id, tenant, by, measurement.Id);
        return issued;
    }

    /// <summary>The tenant's insured plots, with policies in force on <paramref name="day"/> or later (not yet ended: land
    /// a new cover would take twice), whose land <paramref name="plot"/>'s outline overlaps (any shared area, largest
    /// first); the plot's own policies are not listed.</summary>
    public async Task<IReadOnlyList<InsuredOverlap>> OverlapsAsync(string tenant, RegisteredPlot plot, DateOnly day, CancellationToken ct = default)
    {
        var outline = Polygon(plot.Plot);
        var found = new List<InsuredOverlap>();
        foreach (var insured in await crops.InsuredPlotsMeetingAsync(tenant, plot.Bounds, new Coverage(day, DateOnly.MaxValue), ct))
        {
            if (insured.Plot.Plot.Id == plot.Plot.Id)
                continue;
            var (shared, share) = Share(outline, Polygon(insured.Plot.Plot));
            if (shared > 0)
                found.Add(new InsuredOverlap(insured, Area.FromSquareMetres(shared).Value, share));
        }
        return [.. found.OrderByDescending(o => o.Shared.SquareMetres)];
    }

    private async Task<(RegisteredPlot? Plot, AcreageRecord? Measurement, CropIssueDecision? Refusal)> PrepareAsync(string tenant, CropOrder order, CancellationToken ct)
    {
        if (await crops.FindPlotAsync(tenant, order.PlotId, ct) is not { } plot)
            return (null, null, Refuse(CropOutcome.InvalidInput, "plotId", $"no plot '{order.PlotId}'"));
        AcreageRecord? measurement;
        if (order.MeasurementId is { } named)
        {
            measurement = await crops.FindMeasurementAsync(tenant, named, ct);
            if (measurement is null || measurement.PlotId != plot.Plot.Id)
                return (null, null, Refuse(CropOutcome.InvalidInput, "measurementId", $"plot {plot.Plot.Id} has no measurement '{named}'"));
            if (measurement.Quality != PlotQuality.Ok)
                return (null, null, Refuse(CropOutcome.QualityNotOk, "measurementId", $"{named} is {measurement.Quality.Name()} ({measurement.Note}); only an ok measurement is insurable"));
        }
        else if ((measurement = await crops.LatestOkMeasurementAsync(tenant, plot.Plot.Id, ct)) is null)
        {
            return (null, null, Refuse(CropOutcome.QualityNotOk, "measurementId", $"plot {plot.Plot.Id} has no ok measurement; measure it on a clear raster that covers it"));
        }
        if (measurement.Acreage().Error is { } unusable)
            return (null, null, Refuse(CropOutcome.InvalidInput, "measurementId", $"{measurement.Id}: {unusable.Reason}"));
        var candidates = await crops.InsuredPlotsMeetingAsync(tenant, plot.Bounds, order.Terms.Coverage, ct);
        if (CropCoverRule.FirstConflict(candidates, plot.Plot.Id, Overlapping(plot.Plot)) is { } conflict)
            return (null, null, Conflict(conflict));
        return (plot, measurement, null);
    }

    private CropIssueDecision Conflict(CropCoverConflict conflict) =>
        Refuse(conflict.SamePlot ? CropOutcome.AlreadyInsured : CropOutcome.OverlapsInsuredPlot, conflict.SamePlot ? "start" : "plotId", $"{conflict}; land is insured once on any day")
            with { LedgerEntry = conflict.Insured.Policy.LedgerIndex };

    private CropIssueDecision Refuse(CropOutcome outcome, string field, string reason)
    {
        log.LogWarning("Crop policy refused ({Outcome}): {Field}: {Reason}", outcome.Name(), field, reason);
        return new CropIssueDecision(outcome, null, null, new ValidationError(field, reason));
    }

    /// <summary>The band to read and the day it was acquired: on a dated stack the band of <see cref="AcreageRequest.Date"/>,
    /// else <see cref="AcreageRequest.Band"/> (default 1) on the day the file states, or the day the request gives.</summary>
    internal static Result<(int Band, DateOnly Acquired)> Acquisition(GdalRaster raster, AcreageRequest request)
    {
        int band;
        if (raster.IsDatedStack && request.Date is { } date)
        {
            try
            {
                band = raster.BandForDate(date);
            }
            catch (RasterException e)
            {
                return new ValidationError("date", e.Error.Reason.Replace(raster.Path, $"'{request.Raster}'", StringComparison.Ordinal));
            }
            if (request.Band is { } given && given != band)
                return new ValidationError("band", $"band {given} was not acquired on {date} (band {band} was)");
        }
        else if (raster.IsDatedStack && request.Band is null)
        {
            return new ValidationError("date", $"'{request.Raster}' holds {raster.Bands} dated acquisitions ({raster.Description(1)} …): give date (YYYY-MM-DD)");
        }
        else
        {
            band = request.Band ?? 1;
        }
        if (band < 1 || band > raster.Bands)
            return new ValidationError("band", $"is {band}; '{request.Raster}' has bands 1 to {raster.Bands}");
        if (raster.AcquiredAt(band) is { } stated)
            return Result<(int, DateOnly)>.Ok((band, DateOnly.FromDateTime(stated.UtcDateTime)));
        if (request.Date is { } day && DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var acquired))
            return Result<(int, DateOnly)>.Ok((band, acquired));
        return new ValidationError("date", request.Date is null
            ? $"'{request.Raster}' does not say when band {band} was acquired: give date (YYYY-MM-DD)"
            : $"'{request.Date}' is not a day (YYYY-MM-DD)");
    }

    /// <summary>Which cells count as crop, as <c>tools/agri plots measure</c> reads its flags.</summary>
    private static Result<CellRule> Rule(GdalRaster raster, int band, AcreageRequest request)
    {
        if (request.Min is { } min && !double.IsFinite(min))
            return new ValidationError("min", "is not a finite number");
        if (request.Classes is { } classes)
        {
            if (request.Ndvi is not null || request.Min is not null)
                return new ValidationError("classes", "cannot be combined with ndvi or min");
            return classes.Count == 0 ? new ValidationError("classes", "lists no class") : Result<CellRule>.Ok(new CellRule.BandInClasses(band, classes));
        }
        var threshold = request.Min ?? double.NegativeInfinity;
        if (request.Ndvi is not { } ndvi)
            return Result<CellRule>.Ok(new CellRule.BandAtLeast(band, threshold));
        if (raster.IsDatedStack)
            return new ValidationError("ndvi", "needs a red and a near-infrared band; a dated stack holds one value per acquisition");
        if (ndvi.Red < 1 || ndvi.Nir < 1 || ndvi.Red > raster.Bands || ndvi.Nir > raster.Bands || ndvi.Red == ndvi.Nir)
            return new ValidationError("ndvi", $"bands {ndvi.Red} (red) and {ndvi.Nir} (NIR) are not two of '{request.Raster}''s bands 1 to {raster.Bands}");
        return Result<CellRule>.Ok(new CellRule.NdviAtLeast(ndvi.Red, ndvi.Nir, threshold));
    }

    /// <summary>SHA-256 of what the figure rests on: the rasters' content, the band, rule and day, the outline and the figures.</summary>
    private static async Task<string> EvidenceAsync(AcreageRecord m, string raster, string? clouds, Plot plot, CancellationToken ct)
    {
        async Task<string> Content(string? path) => path is null ? "" : await RasterDigests.OfAsync(path, ct);
        static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        return Digest.Of("acreage", m.PlotId, m.Raster, await Content(raster), await Content(clouds), m.Rule, m.Acquired.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            string.Join(";", plot.Outline.Select(p => $"{R(p.Longitude)},{R(p.Latitude)}")), R(m.PlotArea.SquareMetres), R(m.Measured.SquareMetres),
            R(m.InsideShare), R(m.HiddenShare), m.Quality.Name()).Hex;
    }

    /// <summary>Whether another plot's land is taken by <paramref name="plot"/>'s outline: shared over
    /// <see cref="OverlapTolerance"/> of its area.</summary>
    private static Func<RegisteredPlot, bool> Overlapping(Plot plot)
    {
        var outline = Polygon(plot);
        return other => Share(outline, Polygon(other.Plot)).Share > OverlapTolerance;
    }

    /// <summary>The ground area two outlines share (m²) and its share of <paramref name="outline"/>'s area.</summary>
    private static (double Shared, double Share) Share(Polygon outline, Polygon other)
    {
        if (!outline.Intersects(other))
            return (0, 0);
        var shared = OverlapCheck.Area(outline.Intersection(other));
        var area = OverlapCheck.Area(outline);
        return (shared, area > 0 ? shared / area : 0);
    }

    /// <summary>The plot's outline as a polygon on WGS84 (SRID 4326), as the zonal operations take it.</summary>
    public static Polygon Polygon(Plot plot) => Factory.CreatePolygon([.. plot.Outline.Select(p => new Coordinate(p.Longitude, p.Latitude))]);
}

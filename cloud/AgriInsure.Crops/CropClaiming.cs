using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Rendering;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Registry;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Crops;

/// <summary>One image of a claim by map: a raster of the cloud's <see cref="RasterFolder"/> by its path inside it, the
/// acquisition of a dated stack (<c>2017-07-20</c>, or <c>…#2</c> for a day's second) or the day of a single-date raster
/// that does not state it, and its band (default 1; on a stack the date's).</summary>
public sealed record ClaimImage(string? Raster, string? Date = null, int? Band = null);

/// <summary>A crop loss to assess by map and decide: the crop policy, the peril and the event's first and last days, the NDVI
/// images before and after it, an optional cloud-mask raster on the same grid (a stack dated like the images, or one band
/// for both; non-zero = cloud), the NDVI fall from which a cell counts as damaged (default 0.2, in (0, 2]) and the largest
/// hidden share for the map to decide (default 0.2).</summary>
public sealed record CropClaimRequest(
    string? PolicyId, string? Peril, DateOnly? EventStart, DateOnly? EventEnd, ClaimImage? Before, ClaimImage? After, string? Clouds = null,
    double? Drop = null, double? MaxHiddenShare = null);

/// <summary>What filing a crop claim did: <see cref="Claim"/> as stored (new, or the one stored before when the same claim
/// with the same evidence was filed again: <see cref="Retried"/>).</summary>
public sealed record FiledCropClaim(StoredCropClaim Claim, bool Retried);

/// <summary>Crop claims in the cloud: a loss on one of the tenant's crop policies is assessed by map on the cloud's rasters
/// (<see cref="ClaimByMap"/>: the cells whose NDVI fell by at least the drop, weighted by exact coverage and ground area),
/// decided by the crop rules (<see cref="CropDesk.ClaimAsync"/>: anchored under the claim key, which the ledger takes once
/// per policy, plot, peril and event window) and kept with its assessment, whatever the rules decided, so every decision
/// can be explained and claims officers decide it. Its evidence map is drawn again from the same files on demand.</summary>
public sealed class CropClaiming(ICropRegistry crops, ICropClaimRegistry claims, CropDesk desk, RasterFolder rasters, ILogger<CropClaiming> log, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>The NDVI fall a claim counts as damage unless it says otherwise (as <c>tools/agri claims by-map</c>).</summary>
    public const double DefaultDrop = 0.2;

    /// <summary>Assesses and decides a crop claim, and stores it. Fails, storing and anchoring nothing, naming
    /// <c>policyId</c> (missing, or no crop policy of the tenant's), <c>peril</c>, <c>eventStart</c>/<c>eventEnd</c> (missing,
    /// out of order, or an event that ends after today, UTC),
    /// <c>before.raster</c>/<c>before.date</c>/<c>before.band</c> (and <c>after.*</c>: not a raster the cloud holds,
    /// unreadable, no such acquisition; the before image acquired after the event's first day, the after image before its
    /// last), <c>clouds</c>, <c>drop</c>, <c>maxHiddenShare</c>, or <c>after.raster</c> when the plot lies wholly off the
    /// images. Every decision of the rules is stored (an accepted claim with its payout, a refused one with its outcome);
    /// the same claim with the same evidence filed again answers with the claim stored the first time, or, when the first
    /// filing anchored it and stopped before storing it, stores it then as accepted.</summary>
    public async Task<Result<FiledCropClaim>> FileAsync(string tenant, CropClaimRequest request, string by, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(request.PolicyId))
            return new ValidationError("policyId", "is missing");
        if (await crops.FindCropPolicyAsync(tenant, request.PolicyId, ct) is not { } stored)
            return new ValidationError("policyId", $"no crop policy '{request.PolicyId}'");
        if (!PerilNames.Parse(request.Peril).TryGet(out var peril, out var badPeril))
            return badPeril;
        if (request.EventStart is not { } start || request.EventEnd is not { } end)
            return new ValidationError(request.EventStart is null ? "eventStart" : "eventEnd", "is missing (YYYY-MM-DD)");
        if (!EventWindow.Create(start, end, "event").TryGet(out var window, out var badWindow))
            return badWindow with { Field = "eventEnd" };
        // A loss is claimed once it happened: an event still to come is not one, whatever images are offered for it.
        var today = DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime);
        if (window.End > today)
            return new ValidationError("eventEnd", $"{Day(window.End)} is after today ({Day(today)}, UTC): a loss is claimed once the event is over");
        var policy = stored.Policy;
        if (!ClaimTerms.Create(request.Drop ?? DefaultDrop, policy.SumInsured, policy.Terms.Deductible, request.MaxHiddenShare ?? CropUnderwriting.DefaultMaxHiddenShare)
                .TryGet(out var terms, out var badTerms))
            return badTerms;
        if (await crops.FindPlotAsync(tenant, policy.PlotId, ct) is not { } plot)
            throw new InvalidOperationException($"crop policy {policy.Id} insures plot {policy.PlotId}, which the registry does not hold");

        using var opened = new OpenedImages();
        if (!Open(opened, request.Before, "before").TryGet(out var before, out var badBefore))
            return badBefore;
        if (!Open(opened, request.After, "after").TryGet(out var after, out var badAfter))
            return badAfter;
        if (before.Acquired > window.Start)
            return new ValidationError("before.date", $"the image was acquired on {Day(before.Acquired)}, after the event began ({Day(window.Start)}); a claim by map compares an image from before the event");
        if (after.Acquired < window.End)
            return new ValidationError("after.date", $"the image was acquired on {Day(after.Acquired)}, before the event ended ({Day(window.End)}); a claim by map compares an image from after it");
        if (!OpenClouds(opened, request.Clouds, before, after).TryGet(out var clouds, out var badClouds))
            return badClouds;
        var images = new CropClaimImages(before.Name, before.Band.Band, before.Acquired, after.Name, after.Band.Band, after.Acquired,
            request.Clouds, clouds?.Before.Band, clouds?.After.Band, terms.Drop, terms.MaxHiddenShare);

        ClaimAssessment assessed;
        try
        {
            assessed = ClaimByMap.Assess(before.Band, after.Band, [new PlotFeature(plot.Plot.Id, CropUnderwriting.Polygon(plot.Plot))], terms, clouds?.Before, clouds?.After,
                options: new ZonalOptions { Cancellation = ct }).Single();
        }
        catch (RasterException e) when (e.Error.Code == RasterError.GridMismatch)
        {
            return new ValidationError(clouds is not null && e.Message.Contains(clouds.Before.Raster.Path, StringComparison.Ordinal) ? "clouds" : "after.raster",
                $"the images (and masks) are not on one grid: {e.Error.Reason.Replace(rasters.Root + Path.DirectorySeparatorChar, "", StringComparison.Ordinal)}");
        }
        if (assessed.Quality == PlotQuality.OutsideRaster)
            return new ValidationError("after.raster", $"plot {plot.Plot.Id} lies wholly outside the images; assess it on images that cover it");

        var hidden = Math.Min(1, assessed.NodataFraction + assessed.InvalidFraction);
        var evidence = await EvidenceAsync(policy, images, opened, assessed, ct);
        var assessment = CropLossAssessment.Create(policy.Id, policy.PlotId, peril, window, assessed.DamageFraction, hidden, assessed.Quality, evidence).Value;
        var decision = await desk.ClaimAsync(policy, assessment, await DecidedOnPlotAsync(tenant, policy.PlotId, ct), ct);
        if (decision.Outcome == CropOutcome.AlreadyAnchored)
        {
            if (await EarlierAsync(tenant, decision.Claim, ct) is { } earlier)
                return Result<FiledCropClaim>.Ok(new FiledCropClaim(earlier, Retried: true));
            // The ledger holds this very claim (its key with the same evidence and indemnity), anchored by a filing that stopped
            // before recording it: it is recorded now, as the claim the rules accepted then.
            var indemnity = policy.Indemnity(assessment.DamageFraction);
            decision = decision with
            {
                Outcome = CropOutcome.Accepted,
                Refusal = null,
                Claim = decision.Claim with
                {
                    Status = ClaimStatus.Accepted, Payout = indemnity,
                    Reason = string.Create(CultureInfo.InvariantCulture,
                        $"{assessment.DamageFraction:P1} damaged, deductible {policy.Terms.Deductible:P0}: pays {indemnity} of {policy.SumInsured}; ledger entry {decision.LedgerEntry} (anchored by an earlier filing not recorded then)"),
                },
            };
        }
        var figures = new CropClaimFigures(Area.FromSquareMetres(assessed.PlotM2).Value, assessed.CoveredFraction, hidden, Area.FromSquareMetres(assessed.DamagedM2).Value,
            assessed.DamageFraction, assessed.Quality, assessed.Note, policy.SumInsured, policy.Terms.Deductible, policy.Indemnity(assessed.DamageFraction), evidence);
        var kept = new StoredCropClaim(decision.Claim, decision.Outcome.Name(), decision.LedgerEntry, peril, window, images, figures, by);
        // Another filing of this claim (another host) may have stored it between the ledger's answer and this write.
        if (await claims.AddCropClaimAsync(tenant, kept, ct) is { } first && first.Claim.Id != kept.Claim.Id)
            return Result<FiledCropClaim>.Ok(new FiledCropClaim(first, Retried: true));
        log.LogInformation("Crop claim {ClaimId} on {PolicyId} plot {PlotId} ({Tenant}) filed by {User}: {Outcome}, {Damage:P1} damaged, {Hidden:P1} hidden, pays {Payout}",
            kept.Claim.Id, policy.Id, policy.PlotId, tenant, by, kept.Outcome, assessed.DamageFraction, hidden, kept.Claim.Payout?.ToString() ?? "nothing");
        return Result<FiledCropClaim>.Ok(new FiledCropClaim(kept, Retried: false));
    }

    /// <summary>The claim's evidence map as PNG: NDVI before and after over the plot's window, damaged cells, hidden cells and
    /// the plot's outline, with its figures; drawn again from the stored images (same files, bands, drop and masks). Null when
    /// an image is no longer in the raster folder (the figures stay on record; the map cannot be drawn). <paramref name="text"/>
    /// words it (English or Chinese); the provenance pairs embedded in it are the same in both.</summary>
    public async Task<byte[]?> MapAsync(string tenant, StoredCropClaim claim, ClaimMapText text, CancellationToken ct = default)
    {
        if (await crops.FindPlotAsync(tenant, claim.Claim.SubjectId, ct) is not { } plot
            || await crops.FindCropPolicyAsync(tenant, claim.Claim.PolicyId, ct) is not { } stored)
            return null;
        var i = claim.Images;
        using var opened = new OpenedImages();
        if (opened.Open(rasters, i.BeforeRaster, "before.raster") is not { } pre || opened.Open(rasters, i.AfterRaster, "after.raster") is not { } post)
            return null;
        var mask = i.Clouds is null ? null : opened.Open(rasters, i.Clouds, "clouds");
        if (i.Clouds is not null && mask is null)
            return null;
        var (before, after) = (new RasterBand(pre, i.BeforeBand), new RasterBand(post, i.AfterBand));
        var terms = ClaimTerms.Create(i.Drop, stored.Policy.SumInsured, stored.Policy.Terms.Deductible, i.MaxHiddenShare).Value;
        var feature = new PlotFeature(plot.Plot.Id, CropUnderwriting.Polygon(plot.Plot));
        ClaimMapWindow? drawn = null;
        ClaimByMap.Assess(before, after, [feature], terms, mask is null ? null : new RasterBand(mask, i.CloudsBeforeBand!.Value),
            mask is null ? null : new RasterBand(mask, i.CloudsAfterBand!.Value), w => drawn = w, new ZonalOptions { Workers = 1, Cancellation = ct });
        if (drawn is null)
            return null;
        var provenance = new List<(string, string)>
        {
            ("claim", claim.Claim.Id), ("policy", claim.Claim.PolicyId), ("before", $"{i.BeforeRaster} band {i.BeforeBand}"), ("after", $"{i.AfterRaster} band {i.AfterBand}"),
            ("rule", string.Create(CultureInfo.InvariantCulture, $"damaged where NDVI before - after >= {i.Drop}")), ("evidence", claim.Figures.Evidence),
        };
        using var png = new MemoryStream();
        ClaimMap.Write(ClaimMapEvidence.Request(drawn, feature, before, after, provenance, text), png);
        return png.ToArray();
    }

    /// <summary>Every crop claim stored on the plot, whatever the rules decided.</summary>
    private async Task<IReadOnlyList<StoredCropClaim>> DecidedOnPlotAsync(string tenant, string plotId, CancellationToken ct)
    {
        var all = new List<StoredCropClaim>();
        for (var offset = 0; ; offset += Page.MaxLimit)
        {
            var page = await claims.CropClaimsAsync(tenant, plotId, Page.Create(offset, Page.MaxLimit).Value, ct);
            all.AddRange(page.Items);
            if (offset + page.Items.Count >= page.Total)
                return all;
        }
    }

    /// <summary>The claim stored when the same claim (its key) was first filed with this evidence.</summary>
    private async Task<StoredCropClaim?> EarlierAsync(string tenant, Claim claim, CancellationToken ct) =>
        (await DecidedOnPlotAsync(tenant, claim.SubjectId, ct))
            .FirstOrDefault(c => c.Claim.Key == claim.Key && c.Claim.EvidenceId == claim.EvidenceId && c.Outcome == CropOutcome.Accepted.Name());

    private sealed record OpenedImage(string Name, RasterBand Band, DateOnly Acquired);

    private Result<OpenedImage> Open(OpenedImages opened, ClaimImage? image, string field)
    {
        if (image is null)
            return new ValidationError($"{field}.raster", "is missing; name the NDVI raster (and its date)");
        if (!rasters.Resolve(image.Raster, $"{field}.raster").TryGet(out var path, out var missing))
            return missing;
        if (!GdalRaster.TryOpen(path, out var raster, out var unreadable))
            return new ValidationError($"{field}.raster", $"'{image.Raster}' cannot be read as a georeferenced raster ({unreadable.Code})");
        opened.Add(raster);
        if (!CropUnderwriting.Acquisition(raster, new AcreageRequest(image.Raster, image.Band, image.Date)).TryGet(out var chosen, out var bad))
            return bad with { Field = $"{field}.{bad.Field}" };
        return Result<OpenedImage>.Ok(new OpenedImage(image.Raster!, new RasterBand(raster, chosen.Band), chosen.Acquired));
    }

    private sealed record CloudBands(RasterBand Before, RasterBand After);

    /// <summary>A dated mask stack is read at each image's acquisition; a single band serves both.</summary>
    private Result<CloudBands?> OpenClouds(OpenedImages opened, string? name, OpenedImage before, OpenedImage after)
    {
        if (name is null)
            return Result<CloudBands?>.Ok(null);
        if (!rasters.Resolve(name, "clouds").TryGet(out var path, out var missing))
            return missing;
        if (!GdalRaster.TryOpen(path, out var mask, out var unreadable))
            return new ValidationError("clouds", $"'{name}' cannot be read as a georeferenced raster ({unreadable.Code})");
        opened.Add(mask);
        if (!mask.IsDatedStack)
            return Result<CloudBands?>.Ok(new CloudBands(new RasterBand(mask, 1), new RasterBand(mask, 1)));
        try
        {
            return Result<CloudBands?>.Ok(new CloudBands(new RasterBand(mask, mask.BandForDate(before.Band.Raster.Description(before.Band.Band))),
                new RasterBand(mask, mask.BandForDate(after.Band.Raster.Description(after.Band.Band)))));
        }
        catch (RasterException e)
        {
            return new ValidationError("clouds", $"'{name}' has no mask for an image's acquisition ({e.Error.Code})");
        }
    }

    /// <summary>SHA-256 of what the decision rests on: the policy, the rasters' content and the bands read, the rule and
    /// the figures.</summary>
    private static async Task<string> EvidenceAsync(CropPolicy policy, CropClaimImages i, OpenedImages opened, ClaimAssessment a, CancellationToken ct)
    {
        var contents = new List<string>();
        foreach (var path in opened.Rasters.Select(r => r.Path).Distinct())
            contents.Add(await RasterDigests.OfAsync(path, ct));
        static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        return Digest.Of("crop-claim-by-map", policy.Id, policy.PlotId, i.BeforeRaster, i.BeforeBand.ToString(CultureInfo.InvariantCulture), Day(i.BeforeAcquired),
            i.AfterRaster, i.AfterBand.ToString(CultureInfo.InvariantCulture), Day(i.AfterAcquired), i.Clouds ?? "", string.Join(",", contents), R(i.Drop), R(i.MaxHiddenShare),
            R(a.PlotM2), R(a.CoveredFraction), R(a.DamagedM2), R(a.DamageFraction), R(a.NodataFraction), R(a.InvalidFraction), a.Quality.Name()).Hex;
    }

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The rasters one claim opened, closed together.</summary>
    private sealed class OpenedImages : IDisposable
    {
        public List<GdalRaster> Rasters { get; } = [];

        public void Add(GdalRaster raster) => Rasters.Add(raster);

        public GdalRaster? Open(RasterFolder folder, string name, string field)
        {
            if (!folder.Resolve(name, field).TryGet(out var path, out _) || !GdalRaster.TryOpen(path, out var raster, out _))
                return null;
            Rasters.Add(raster);
            return raster;
        }

        public void Dispose()
        {
            foreach (var raster in Rasters)
                raster.Dispose();
        }
    }
}

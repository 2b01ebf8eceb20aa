using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>A farmer's plot as a field agent registered it: the declared WGS84 outline and area
/// (<see cref="Plot"/>), who registered it and when (the cloud's clock).</summary>
public sealed record RegisteredPlot(Plot Plot, string RegisteredBy, DateTimeOffset RegisteredAt)
{
    /// <summary>The outline's bounding box in degrees: what the store indexes to find plots that may meet another.</summary>
    public PlotBounds Bounds { get; } = PlotBounds.Of(Plot.Outline);
}

/// <summary>A bounding box in WGS84 degrees (west ≤ east: an outline crossing the antimeridian is not a <see cref="Plot"/>).</summary>
public readonly record struct PlotBounds(double West, double South, double East, double North)
{
    public static PlotBounds Of(IReadOnlyList<GeoPoint> outline) =>
        new(outline.Min(p => p.Longitude), outline.Min(p => p.Latitude), outline.Max(p => p.Longitude), outline.Max(p => p.Latitude));

    /// <summary>True when the two boxes share a point (edges included).</summary>
    public bool Meets(PlotBounds other) => West <= other.East && other.West <= East && South <= other.North && other.South <= North;
}

/// <summary>One acreage measurement of a plot on one raster, kept whatever its quality: the raster's name in the
/// cloud's raster folder and the day it was acquired, the cell rule, the whole plot's ground area and the ground area
/// of the cells that met the rule (m² on the WGS84 ellipsoid), the shares of the plot inside the raster and hidden
/// (nodata, cloud, invalid values), the quality flag and why, the SHA-256 of the evidence (raster content, rule,
/// outline, figures), and who measured it when.</summary>
public sealed record AcreageRecord(
    string Id, string PlotId, string Raster, DateOnly Acquired, string Rule, Area PlotArea, Area Measured, double InsideShare, double HiddenShare,
    PlotQuality Quality, string Note, string Evidence, string MeasuredBy, DateTimeOffset MeasuredAt)
{
    /// <summary>The measurement as the crop rules price it; fails (field <c>acreage.*</c>) where it cannot be one, e.g.
    /// no ground met the rule.</summary>
    public Result<MeasuredAcreage> Acreage() => MeasuredAcreage.Create(PlotId, Measured, Quality, MeasuredAt, Evidence);
}

/// <summary>A crop policy as stored: the policy (priced on measurement <see cref="MeasurementId"/>), its ledger entry,
/// and the underwriter who issued it when.</summary>
public sealed record StoredCropPolicy(CropPolicy Policy, string MeasurementId, long LedgerIndex, string IssuedBy, DateTimeOffset IssuedAt);

/// <summary>A plot with its latest measurement (in <see cref="ICropRegistry.MeasurementsAsync"/>'s order, whatever its
/// quality), null when it was never measured: what a map of an area shows of it.</summary>
public sealed record MappedPlot(RegisteredPlot Plot, AcreageRecord? Latest);

/// <summary>A plot on a crop policy, with that policy.</summary>
public sealed record InsuredPlot(RegisteredPlot Plot, StoredCropPolicy Policy);

/// <summary>Why a crop policy was not stored: <see cref="Insured"/> covers the same plot
/// (<see cref="SamePlot"/>) or land the new plot's outline overlaps, on a day of the new cover.</summary>
public sealed record CropCoverConflict(InsuredPlot Insured, bool SamePlot)
{
    public override string ToString()
    {
        var p = Insured.Policy.Policy;
        var what = SamePlot ? $"plot '{p.PlotId}' is already insured" : $"the outline overlaps plot '{p.PlotId}', insured";
        return $"{what} by {p.Id} from {p.Coverage.Start:yyyy-MM-dd} to {p.Coverage.End:yyyy-MM-dd}";
    }
}

/// <summary>Which insured land a new cover of a plot conflicts with, whichever engine or rule asks: the first candidate (in
/// the order given) that insures the same plot, or whose plot <c>overlaps</c> says the new one's outline overlaps.</summary>
public static class CropCoverRule
{
    public static CropCoverConflict? FirstConflict(IEnumerable<InsuredPlot> candidates, string plotId, Func<RegisteredPlot, bool> overlaps)
    {
        foreach (var insured in candidates)
        {
            var same = insured.Plot.Plot.Id == plotId;
            if (same || overlaps(insured.Plot))
                return new CropCoverConflict(insured, same);
        }
        return null;
    }
}

/// <summary>The system of record for crops: a tenant's plots, their acreage measurements and their crop policies. Every
/// read names one tenant and sees nothing of another's: an id of another tenant's record reads as absent. Plot,
/// measurement and policy ids are unique in the whole store (the ledger's cover keys name plot ids). Writes that
/// belong together are one transaction, so nothing is half-written.</summary>
public interface ICropRegistry
{
    /// <summary>Stores a plot of the tenant's farmer <see cref="Plot.FarmerId"/>. Returns null when stored, else the
    /// refusal with nothing written: field <c>farmerId</c> when the tenant has no such farmer, <c>id</c> when the id is
    /// taken (by any tenant).</summary>
    Task<ValidationError?> AddPlotAsync(string tenant, RegisteredPlot plot, CancellationToken ct = default);

    Task<RegisteredPlot?> FindPlotAsync(string tenant, string plotId, CancellationToken ct = default);

    /// <summary>A page of the tenant's plots (of one farmer when <paramref name="farmerId"/> is given), by id.</summary>
    Task<Paged<RegisteredPlot>> PlotsAsync(string tenant, string? farmerId, Page page, CancellationToken ct = default);

    /// <summary>Stores a measurement of one of the tenant's plots; measurements are never replaced.
    /// Throws <see cref="InvalidOperationException"/> for a plot the tenant does not have.</summary>
    Task AddMeasurementAsync(string tenant, AcreageRecord measurement, CancellationToken ct = default);

    Task<AcreageRecord?> FindMeasurementAsync(string tenant, string measurementId, CancellationToken ct = default);

    /// <summary>A page of the measurements of one of the tenant's plots, latest first: by acquisition day, then by when
    /// they were measured (newest first), then by id. Empty for a plot the tenant does not have.</summary>
    Task<Paged<AcreageRecord>> MeasurementsAsync(string tenant, string plotId, Page page, CancellationToken ct = default);

    /// <summary>The latest (in <see cref="MeasurementsAsync"/>'s order) of the plot's measurements whose quality is
    /// <see cref="PlotQuality.Ok"/>: the one a policy is priced on. Null when there is none.</summary>
    Task<AcreageRecord?> LatestOkMeasurementAsync(string tenant, string plotId, CancellationToken ct = default);

    /// <summary>Stores a crop policy on one of the tenant's plots, priced on one of that plot's measurements, unless a
    /// policy whose cover shares a day with this one's insures the same plot, or a plot for which
    /// <paramref name="overlaps"/> says true (it is asked only of the tenant's insured plots whose bounding boxes meet
    /// this plot's): then nothing is written and that conflict is returned. Checked and written in one transaction
    /// under the store's lock, so two issuances racing for one piece of land cannot both be stored. Throws
    /// <see cref="InvalidOperationException"/> for a plot or measurement the tenant does not have, or a measurement of
    /// another plot.</summary>
    Task<CropCoverConflict?> AddCropPolicyAsync(string tenant, StoredCropPolicy policy, Func<RegisteredPlot, bool> overlaps, CancellationToken ct = default);

    Task<StoredCropPolicy?> FindCropPolicyAsync(string tenant, string policyId, CancellationToken ct = default);

    /// <summary>A page of the tenant's crop policies (on one plot when <paramref name="plotId"/> is given), by id.</summary>
    Task<Paged<StoredCropPolicy>> CropPoliciesAsync(string tenant, string? plotId, Page page, CancellationToken ct = default);

    /// <summary>The tenant's insured plots whose outline's bounding box meets <paramref name="bounds"/>, each with a policy
    /// whose cover shares a day with <paramref name="cover"/>, by policy id: the candidates among which an underwriter
    /// must see the plots an outline overlaps (the caller intersects the outlines).</summary>
    Task<IReadOnlyList<InsuredPlot>> InsuredPlotsMeetingAsync(string tenant, PlotBounds bounds, Coverage cover, CancellationToken ct = default);

    /// <summary>A page of the tenant's plots whose outline's bounding box meets <paramref name="bounds"/> (edges included),
    /// by id, each with its latest measurement.</summary>
    Task<Paged<MappedPlot>> PlotsMeetingAsync(string tenant, PlotBounds bounds, Page page, CancellationToken ct = default);
}

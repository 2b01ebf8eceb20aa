using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgriInsure.Crops;
using AgriInsure.Domain;
using AgriInsure.Registry;

namespace AgriInsure.Cloud.Host.Api;

// What the crop routes answer with and take (CropEndpoints.cs). Areas are ground areas on the WGS84 ellipsoid, in square
// metres, mu (1/15 ha) and hectares side by side; quality flags are their kebab-case wire names.

/// <summary>An area in m², mu (亩, 1/15 ha) and ha.</summary>
public sealed record AreaView(double M2, double Mu, double Ha)
{
    public static AreaView Of(Area a) => new(a.SquareMetres, a.Mu, a.Hectares);
}

/// <summary>A GeoJSON Polygon (RFC 7946 §3.1.6): one ring of [longitude, latitude] on WGS84, closed.</summary>
public sealed record PolygonView(string Type, IReadOnlyList<IReadOnlyList<double[]>> Coordinates)
{
    public static PolygonView Of(Plot p) => new("Polygon", [[.. p.Outline.Select(c => new[] { c.Longitude, c.Latitude })]]);
}

/// <summary>A farmer's plot: its outline, the area declared and the ground area of the outline as drawn. Read one at a time
/// it also carries its latest measurement, its latest ok one (what a policy is priced on), its crop policies, and the
/// insured plots its outline overlaps with their policies in force today or later (null in lists).</summary>
public sealed record PlotView(
    string Id, string FarmerId, PolygonView Outline, AreaView DeclaredArea, AreaView OutlineArea, string RegisteredBy, DateTimeOffset RegisteredAt,
    MeasurementView? LatestMeasurement = null, MeasurementView? LatestOkMeasurement = null, IReadOnlyList<CropPolicyView>? Policies = null,
    IReadOnlyList<OverlapView>? Overlaps = null)
{
    public static PlotView Of(RegisteredPlot r) => new(r.Plot.Id, r.Plot.FarmerId, PolygonView.Of(r.Plot), AreaView.Of(r.Plot.DeclaredArea),
        AreaView.Of(CropUnderwriting.OutlineArea(r.Plot)), r.RegisteredBy, r.RegisteredAt);
}

/// <summary>A plot to register: the farmer's id, the outline as a GeoJSON Polygon geometry (longitude, latitude on WGS84,
/// one ring, e.g. <c>{"type":"Polygon","coordinates":[[[103.0,30.0],[103.001,30.0],[103.001,30.001],[103.0,30.0]]]}</c>)
/// and the area the farmer declares, in mu.</summary>
public sealed record NewPlot(string? FarmerId, JsonElement? Outline, double? DeclaredMu);

/// <summary>Insured land a plot's outline overlaps: the other plot, the ground area shared and its share of this plot's
/// outline (0 to 1), and the policy insuring it.</summary>
public sealed record OverlapView(string PlotId, string FarmerId, AreaView Shared, double ShareOfPlot, CropPolicyView Policy)
{
    public static OverlapView Of(InsuredOverlap o) =>
        new(o.Insured.Plot.Plot.Id, o.Insured.Plot.Plot.FarmerId, AreaView.Of(o.Shared), o.ShareOfPlot, CropPolicyView.Of(o.Insured.Policy));
}

/// <summary>One acreage measurement: the raster (its name in the cloud's raster folder) and the day it was acquired, the
/// rule for crop cells in words (<see cref="Rule"/>, as stored) and in parts (<see cref="CropCells"/>, for pages that say
/// it in their own language), the whole plot's ground area and the measured crop area, the shares of the plot inside the
/// raster and hidden (cloud, nodata, invalid values), the quality flag (<c>ok</c>, <c>needs-clear-image</c>,
/// <c>all-hidden</c>, <c>partly-outside-raster</c>, <c>outside-raster</c>) and why in words, the SHA-256 of its evidence,
/// and who measured it when.</summary>
public sealed record MeasurementView(
    string Id, string PlotId, string Raster, DateOnly Acquired, string Rule, CellRuleView? CropCells, AreaView PlotArea, AreaView Measured,
    double InsideShare, double HiddenShare, PlotQuality Quality, string Note, string Evidence, string MeasuredBy, DateTimeOffset MeasuredAt)
{
    public static MeasurementView Of(AcreageRecord m) => new(m.Id, m.PlotId, m.Raster, m.Acquired, m.Rule, CellRuleView.Parse(m.Rule),
        AreaView.Of(m.PlotArea), AreaView.Of(m.Measured), m.InsideShare, m.HiddenShare, m.Quality, m.Note, m.Evidence, m.MeasuredBy, m.MeasuredAt);
}

/// <summary>Which cells a measurement counted as crop, in parts: <see cref="Kind"/> <c>every-valid-cell</c> (of
/// <see cref="Band"/>), <c>band-at-least</c> (<see cref="Band"/> ≥ <see cref="Min"/>), <c>band-in-classes</c>
/// (<see cref="Band"/>'s class among <see cref="Classes"/>) or <c>ndvi-at-least</c> (NDVI of bands <see cref="Red"/> and
/// <see cref="Nir"/> ≥ <see cref="Min"/>; NDVI outside [−1, 1] counts as invalid). Bands are 1-based.</summary>
public sealed partial record CellRuleView(string Kind, int? Band, int? Red, int? Nir, double? Min, IReadOnlyList<int>? Classes)
{
    /// <summary>The parts of a rule as <see cref="AgriInsure.Imagery.Plots.CellRule.Describe"/> words it (what measurements
    /// store); null for words it does not write.</summary>
    public static CellRuleView? Parse(string rule)
    {
        static int I(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);
        static double? D(Group g) => double.TryParse(g.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        if (EveryCell().Match(rule) is { Success: true } every)
            return new("every-valid-cell", I(every.Groups[1]), null, null, null, null);
        if (BandAtLeast().Match(rule) is { Success: true } band && D(band.Groups[2]) is { } min)
            return new("band-at-least", I(band.Groups[1]), null, null, min, null);
        if (BandInClasses().Match(rule) is { Success: true } classes)
            return new("band-in-classes", I(classes.Groups[1]), null, null, null, [.. classes.Groups[2].Value.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))]);
        if (NdviAtLeast().Match(rule) is { Success: true } ndvi && D(ndvi.Groups[3]) is { } least)
            return new("ndvi-at-least", null, I(ndvi.Groups[1]), I(ndvi.Groups[2]), least, null);
        return null;
    }

    [GeneratedRegex(@"^band (\d+): every valid cell$")]
    private static partial Regex EveryCell();

    [GeneratedRegex(@"^band (\d+) ≥ (\S+)$")]
    private static partial Regex BandAtLeast();

    [GeneratedRegex(@"^band (\d+) in classes (\d+(?:,\d+)*)$")]
    private static partial Regex BandInClasses();

    [GeneratedRegex(@"^NDVI of bands (\d+) \(red\), (\d+) \(NIR\) ≥ (\S+);")]
    private static partial Regex NdviAtLeast();
}

/// <summary>The red and near-infrared band numbers (1-based) for an NDVI rule.</summary>
public sealed record NdviBands(int? Red, int? Nir);

/// <summary>How to measure a plot: <see cref="Raster"/> names a file in the cloud's raster folder (<c>Cloud:Rasters</c>),
/// by its path inside it; <see cref="Date"/> picks the acquisition of a dated stack (<c>2017-07-15</c>, or
/// <c>2015-12-08#2</c> for the second of a day) or gives the day of a single-date raster that does not state it;
/// <see cref="Band"/> (default 1). Crop cells: every valid cell, or a band at or above <see cref="Min"/>, or a class among
/// <see cref="Classes"/>, or NDVI of <see cref="Ndvi"/> at or above <see cref="Min"/>. <see cref="Clouds"/>: a cloud mask on
/// the same grid (non-zero = cloud; a dated one is read at the same acquisition). <see cref="MaxHiddenShare"/>: the most of
/// the plot that may be hidden for an ok figure (default 0.2).</summary>
public sealed record MeasureRequest(
    string? Raster, int? Band, string? Date, double? Min, IReadOnlyList<int>? Classes, NdviBands? Ndvi, string? Clouds, double? MaxHiddenShare);

/// <summary>A crop policy: priced on measurement <see cref="MeasurementId"/>'s <see cref="Measured"/> area (sum insured and
/// premium are the per-mu amounts times the measured mu), cover from <see cref="Start"/> to <see cref="End"/> inclusive,
/// anchored at ledger entry <see cref="LedgerEntry"/>.</summary>
public sealed record CropPolicyView(
    string Id, string FarmerId, string PlotId, string MeasurementId, string Crop, AreaView Measured, MoneyView SumInsuredPerMu, MoneyView RatePerMu,
    decimal Deductible, DateOnly Start, DateOnly End, MoneyView SumInsured, MoneyView Premium, long LedgerEntry, string IssuedBy, DateTimeOffset IssuedAt,
    bool? InForce = null)
{
    public static CropPolicyView Of(StoredCropPolicy s)
    {
        var p = s.Policy;
        return new(p.Id, p.FarmerId, p.PlotId, s.MeasurementId, p.Terms.Crop, AreaView.Of(p.Acreage.Measured), MoneyView.Of(p.Terms.SumInsuredPerMu),
            MoneyView.Of(p.Terms.RatePerMu), p.Terms.Deductible, p.Coverage.Start, p.Coverage.End, MoneyView.Of(p.SumInsured), MoneyView.Of(p.Premium),
            s.LedgerIndex, s.IssuedBy, s.IssuedAt);
    }
}

/// <summary>What issuing would give, nothing anchored or stored: the measurement priced on and its area, the sum insured
/// and premium.</summary>
public sealed record CropQuoteView(
    string PlotId, string MeasurementId, string Crop, AreaView Measured, MoneyView SumInsuredPerMu, MoneyView RatePerMu, decimal Deductible,
    DateOnly Start, DateOnly End, MoneyView SumInsured, MoneyView Premium)
{
    public static CropQuoteView Of(CropPolicy p, string measurementId) => new(p.PlotId, measurementId, p.Terms.Crop, AreaView.Of(p.Acreage.Measured),
        MoneyView.Of(p.Terms.SumInsuredPerMu), MoneyView.Of(p.Terms.RatePerMu), p.Terms.Deductible, p.Coverage.Start, p.Coverage.End,
        MoneyView.Of(p.SumInsured), MoneyView.Of(p.Premium));
}

/// <summary>A crop policy to quote or issue: the plot, the measurement to price on (omitted: the plot's latest ok one), the
/// crop, the sum insured and the premium rate per mu in <see cref="Currency"/> (ISO 4217), the deductible (a share of the
/// plot, 0 to under 1; default 0) and the cover from <see cref="Start"/> to <see cref="End"/> inclusive.</summary>
public sealed record NewCropPolicy(
    string? PlotId, string? MeasurementId, string? Crop, decimal? SumInsuredPerMu, decimal? RatePerMu, string? Currency, decimal? Deductible, DateOnly? Start, DateOnly? End);

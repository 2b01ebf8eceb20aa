namespace AgriInsure.Domain;

/// <summary>What destroyed the crop. The wire names (<see cref="PerilNames.Name"/>) are stable: they go
/// into crop claim keys, so renaming one would let a claim be made twice.</summary>
public enum Peril
{
    Flood,
    Drought,
    Hail,
    Wind,
    Frost,
    Pest,
    Disease,
}

public static class PerilNames
{
    public static Result<Peril> Parse(string? text, string field = "peril") => WireNames.Parse<Peril>(text, field, "peril", Name);

    public static string Name(this Peril peril) => peril switch
    {
        Peril.Flood => "flood",
        Peril.Drought => "drought",
        Peril.Hail => "hail",
        Peril.Wind => "wind",
        Peril.Frost => "frost",
        Peril.Pest => "pest",
        Peril.Disease => "disease",
        _ => throw new ArgumentOutOfRangeException(nameof(peril), peril, "not a peril"),
    };
}

/// <summary>Whether a plot's figures from imagery can be trusted: the same for acreage, claims by map and
/// season monitoring. Only <see cref="Ok"/> is insurable or payable; the others say what clearer or
/// fuller imagery would fix. Wire names: <see cref="PlotQualityNames.Name"/>.</summary>
public enum PlotQuality
{
    /// <summary>The whole plot lies on the raster and little enough of it is hidden.</summary>
    Ok,

    /// <summary>Cloud, nodata or invalid values hide more of the plot than allowed: measure again on a
    /// clearer acquisition.</summary>
    NeedsClearImage,

    /// <summary>No cell under the plot can be seen.</summary>
    AllHidden,

    /// <summary>Part of the plot lies off the raster, so figures for the whole plot are not known.</summary>
    PartlyOutsideRaster,

    /// <summary>No part of the plot lies on the raster.</summary>
    OutsideRaster,
}

public static class PlotQualityNames
{
    public static Result<PlotQuality> Parse(string? text, string field = "quality") => WireNames.Parse<PlotQuality>(text, field, "plot quality", Name);

    public static string Name(this PlotQuality quality) => quality switch
    {
        PlotQuality.Ok => "ok",
        PlotQuality.NeedsClearImage => "needs-clear-image",
        PlotQuality.AllHidden => "all-hidden",
        PlotQuality.PartlyOutsideRaster => "partly-outside-raster",
        PlotQuality.OutsideRaster => "outside-raster",
        _ => throw new ArgumentOutOfRangeException(nameof(quality), quality, "not a plot quality"),
    };
}

/// <summary>The days a loss event spans, first and last inclusive.</summary>
public readonly record struct EventWindow
{
    /// <summary>The longest event a claim may name; a longer "event" is a season, not an event.</summary>
    public const int MaxDays = 366;

    private EventWindow(DateOnly start, DateOnly end)
    {
        Start = start;
        End = end;
    }

    public DateOnly Start { get; }
    public DateOnly End { get; }

    /// <summary>Fails naming <c>{field}.end</c> when the window ends before it starts or spans more than
    /// <see cref="MaxDays"/> days.</summary>
    public static Result<EventWindow> Create(DateOnly start, DateOnly end, string field = "eventWindow")
    {
        if (end < start)
            return Result<EventWindow>.Fail($"{field}.end", $"{end:yyyy-MM-dd} is before the start {start:yyyy-MM-dd}");
        if (end.DayNumber - start.DayNumber + 1 > MaxDays)
            return Result<EventWindow>.Fail($"{field}.end", $"an event may span at most {MaxDays} days");
        return Result<EventWindow>.Ok(new EventWindow(start, end));
    }

    /// <summary>Whether the two windows share a day.</summary>
    public bool Overlaps(EventWindow other) => Start <= other.End && other.Start <= End;

    public override string ToString() => $"{Start:yyyy-MM-dd}..{End:yyyy-MM-dd}";
}

/// <summary>A plot's insurable area as measured from imagery, on the ground (WGS84 ellipsoid), with
/// the SHA-256 of the evidence record the measurement was written to (raster, rule, outline, figures).</summary>
public sealed record MeasuredAcreage
{
    /// <summary>No field is larger than this; a larger figure is a data error, and it keeps premiums in range.</summary>
    public const double MaxSquareMetres = 1e9;

    private MeasuredAcreage(string plotId, Area measured, PlotQuality quality, DateTimeOffset measuredAt, Digest evidence)
    {
        PlotId = plotId;
        Measured = measured;
        Quality = quality;
        MeasuredAt = measuredAt;
        Evidence = evidence;
    }

    public string PlotId { get; }
    public Area Measured { get; }
    public PlotQuality Quality { get; }
    public DateTimeOffset MeasuredAt { get; }
    public Digest Evidence { get; }

    /// <summary>Any quality is accepted here (the measurement is what it is); issuing a policy refuses a
    /// non-ok one. Fails naming <c>acreage.plotId</c>, <c>acreage.measured</c> (zero, or over
    /// <see cref="MaxSquareMetres"/> m²), <c>acreage.quality</c> or <c>acreage.evidence</c>.</summary>
    public static Result<MeasuredAcreage> Create(string plotId, Area measured, PlotQuality quality, DateTimeOffset measuredAt, string evidenceSha256)
    {
        var idCheck = Id.Check(plotId, "acreage.plotId");
        if (!idCheck.IsOk)
            return idCheck.Error;
        if (measured.SquareMetres is <= 0 or > MaxSquareMetres)
            return new ValidationError("acreage.measured", $"{measured} is outside (0, {MaxSquareMetres:0} m²]");
        if (!Enum.IsDefined(quality))
            return new ValidationError("acreage.quality", $"{(int)quality} is not an imagery quality");
        var evidence = Digest.FromHex(evidenceSha256, "acreage.evidence");
        if (!evidence.IsOk)
            return evidence.Error;
        return Result<MeasuredAcreage>.Ok(new MeasuredAcreage(plotId, measured, quality, measuredAt, evidence.Value));
    }
}

/// <summary>A crop loss assessed by map for one plot under one policy: the share of the WHOLE plot
/// damaged, the share hidden from the imagery (nodata or cloud), and the SHA-256 of the evidence record
/// (pre/post images, masks, thresholds, figures).</summary>
public sealed record CropLossAssessment
{
    private CropLossAssessment(string policyId, string plotId, Peril peril, EventWindow window, double damageFraction, double hiddenShare, PlotQuality quality, Digest evidence)
    {
        PolicyId = policyId;
        PlotId = plotId;
        Peril = peril;
        Window = window;
        DamageFraction = damageFraction;
        HiddenShare = hiddenShare;
        Quality = quality;
        Evidence = evidence;
    }

    public string PolicyId { get; }
    public string PlotId { get; }
    public Peril Peril { get; }
    public EventWindow Window { get; }

    /// <summary>Damaged ground over the whole plot's ground, 0 to 1.</summary>
    public double DamageFraction { get; }

    /// <summary>Hidden ground over the whole plot's ground, 0 to 1; the imagery's quality rule judged it.</summary>
    public double HiddenShare { get; }

    public PlotQuality Quality { get; }
    public Digest Evidence { get; }

    /// <summary>Any quality is accepted here; a claim refuses a non-ok one. Fails naming
    /// <c>assessment.policyId</c>, <c>assessment.plotId</c>, <c>assessment.peril</c>,
    /// <c>assessment.damageFraction</c> or <c>assessment.hiddenShare</c> (not within 0..1),
    /// <c>assessment.quality</c> or <c>assessment.evidence</c>.</summary>
    public static Result<CropLossAssessment> Create(string policyId, string plotId, Peril peril, EventWindow window, double damageFraction, double hiddenShare, PlotQuality quality, string evidenceSha256)
    {
        if (Id.FirstError((policyId, "assessment.policyId"), (plotId, "assessment.plotId")) is { } badId)
            return badId;
        if (!Enum.IsDefined(peril))
            return new ValidationError("assessment.peril", $"{(int)peril} is not a peril");
        foreach (var (value, field) in new[] { (damageFraction, "assessment.damageFraction"), (hiddenShare, "assessment.hiddenShare") })
        {
            if (!(value is >= 0 and <= 1))
                return new ValidationError(field, $"{value} is outside 0..1");
        }
        if (!Enum.IsDefined(quality))
            return new ValidationError("assessment.quality", $"{(int)quality} is not an imagery quality");
        var evidence = Digest.FromHex(evidenceSha256, "assessment.evidence");
        if (!evidence.IsOk)
            return evidence.Error;
        return Result<CropLossAssessment>.Ok(new CropLossAssessment(policyId, plotId, peril, window, damageFraction, hiddenShare, quality, evidence.Value));
    }
}

/// <summary>The one place a crop indemnity is computed (imagery and the crop rules both call it).</summary>
public static class CropIndemnity
{
    /// <summary>sum insured × max(0, damage fraction − deductible), in the sum insured's currency, rounded
    /// to the cent (Money's minor unit) half to even (banker's rounding: 2.525 → 2.52), as
    /// <see cref="Money.Times"/> does. <paramref name="damageFraction"/> is the damaged share of the whole
    /// plot, converted to decimal before subtracting so figures match the imagery's earlier ones.
    /// Throws <see cref="ArgumentOutOfRangeException"/> when the fraction is not within 0..1 or the
    /// deductible not within [0, 1): callers validate those first (see <see cref="CropLossAssessment"/>).</summary>
    public static Money Compute(Money sumInsured, double damageFraction, decimal deductible)
    {
        if (!(damageFraction is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(damageFraction), damageFraction, "must be within 0..1");
        if (deductible is < 0m or >= 1m)
            throw new ArgumentOutOfRangeException(nameof(deductible), deductible, "must be within [0, 1)");
        return sumInsured.Times(Math.Max(0m, (decimal)damageFraction - deductible));
    }
}

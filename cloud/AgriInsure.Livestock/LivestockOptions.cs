using AgriInsure.Domain;

namespace AgriInsure.Livestock;

/// <summary>Settings of the livestock rules. <see cref="MatchThreshold"/> comes from the embedding model's
/// manifest and is the floor under every scope's threshold; <see cref="Radius"/> bounds the enrolment search
/// around the capture's GPS fix; <see cref="TargetFalseDuplicateRate"/> is the share of honest enrolments a
/// scope may flag (thresholds are raised until the expected rate at the scope's size is at most this);
/// <see cref="ConsistencyThreshold"/> links two photos of one enrolment as the same animal (<see cref="PhotoConsistency"/>);
/// <see cref="LongestOffline"/> and <see cref="AllowedClockSkew"/> bound a capture's device time around the cloud's receive time.</summary>
public sealed class LivestockOptions
{
    public const double DefaultRadiusKm = 20;
    public const double DefaultTargetFalseDuplicateRate = 0.01;

    /// <summary>Measured with the shipped model (1.3.0) on the 22 held-out cows, 3 photos drawn at random from
    /// each cow's first 40, 20,000 draws: at 0.40, 17.8 % of honest barn-camera enrolments (holstein2025) fall apart
    /// and 11.2 % of two-plus-one mixtures of two cows pass (cattely: 0 % and 24.7 %); at the manifest's 0.69 the
    /// honest share refused is about 60 %. Refusing honest farmers costs more than a mixture, which the
    /// duplicate search still scores photo by photo; photos taken in one visit agree better than these draws
    /// across days and cameras.</summary>
    public const float DefaultConsistencyThreshold = 0.40f;

    /// <summary>Field agents in villages with bad networks sync when they reach coverage: a month covers a season's
    /// visits between trips to town; a capture older than that when it arrives is not trusted to its device clock.</summary>
    public static readonly TimeSpan DefaultLongestOffline = TimeSpan.FromDays(30);

    /// <summary>How far a handheld's clock may run ahead of the cloud's (phones keep network or GPS time to seconds).</summary>
    public static readonly TimeSpan DefaultAllowedClockSkew = TimeSpan.FromMinutes(10);

    /// <summary>The manifest's threshold with the default radius (20 km) and target (1 %).</summary>
    public LivestockOptions(float matchThreshold)
        : this(matchThreshold, Length.FromKilometres(DefaultRadiusKm).Value, DefaultTargetFalseDuplicateRate)
    {
        if (ThresholdError(matchThreshold) is { } error)
            throw new ArgumentOutOfRangeException(nameof(matchThreshold), matchThreshold, error.ToString());
    }

    private LivestockOptions(float matchThreshold, Length radius, double target, float? consistency = null, TimeSpan? longestOffline = null, TimeSpan? skew = null)
    {
        LongestOffline = longestOffline ?? DefaultLongestOffline;
        AllowedClockSkew = skew ?? DefaultAllowedClockSkew;
        MatchThreshold = matchThreshold;
        Radius = radius;
        TargetFalseDuplicateRate = target;
        ConsistencyThreshold = consistency ?? Math.Min(DefaultConsistencyThreshold, matchThreshold);
    }

    /// <summary>Cosine score, −1 to 1.</summary>
    public float MatchThreshold { get; }

    public Length Radius { get; }

    /// <summary>A probability, strictly between 0 and 1.</summary>
    public double TargetFalseDuplicateRate { get; }

    /// <summary>Cosine score at or above which two photos of one capture are linked as one animal; at most
    /// <see cref="MatchThreshold"/> (default: <see cref="DefaultConsistencyThreshold"/>, or the match threshold when lower).</summary>
    public float ConsistencyThreshold { get; }

    /// <summary>A capture taken longer than this before the cloud received it is flagged, not decided.</summary>
    public TimeSpan LongestOffline { get; }

    /// <summary>A capture taken more than this after the cloud received it (by the device's clock) is flagged.</summary>
    public TimeSpan AllowedClockSkew { get; }

    /// <summary>Validated settings; the error names the setting at fault (<c>livestock.matchThreshold</c>,
    /// <c>livestock.radiusKm</c>, <c>livestock.targetFalseDuplicateRate</c> or <c>livestock.consistencyThreshold</c>).</summary>
    public static Result<LivestockOptions> Create(float matchThreshold, double radiusKm = DefaultRadiusKm, double targetFalseDuplicateRate = DefaultTargetFalseDuplicateRate,
        float? consistencyThreshold = null, TimeSpan? longestOffline = null, TimeSpan? allowedClockSkew = null)
    {
        if (longestOffline is { } offline && offline <= TimeSpan.Zero)
            return new ValidationError("livestock.longestOffline", $"{offline} is not a positive period");
        if (allowedClockSkew is { } skew && skew < TimeSpan.Zero)
            return new ValidationError("livestock.allowedClockSkew", $"{skew} is negative");
        if (ThresholdError(matchThreshold) is { } error)
            return error;
        if (consistencyThreshold is { } c && (!float.IsFinite(c) || c < -1 || c > matchThreshold))
            return new ValidationError("livestock.consistencyThreshold", $"{c} is not a cosine score from -1 up to the match threshold {matchThreshold}");
        var radius = Length.FromKilometres(radiusKm, "livestock.radiusKm");
        if (!radius.IsOk)
            return radius.Error;
        if (!double.IsFinite(targetFalseDuplicateRate) || targetFalseDuplicateRate is <= 0 or >= 1)
            return new ValidationError("livestock.targetFalseDuplicateRate", $"{targetFalseDuplicateRate} is not a probability strictly between 0 and 1");
        return Result<LivestockOptions>.Ok(new LivestockOptions(matchThreshold, radius.Value, targetFalseDuplicateRate, consistencyThreshold, longestOffline, allowedClockSkew));
    }

    private static ValidationError? ThresholdError(float threshold) =>
        float.IsFinite(threshold) && threshold is >= -1 and <= 1 ? null : new ValidationError("livestock.matchThreshold", $"{threshold} is not a cosine score (-1 to 1)");
}

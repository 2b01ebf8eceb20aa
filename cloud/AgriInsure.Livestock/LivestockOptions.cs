using AgriInsure.Domain;

namespace AgriInsure.Livestock;

/// <summary>Settings of the livestock rules. <see cref="MatchThreshold"/> comes from the embedding model's
/// manifest and is the floor under every scope's threshold; <see cref="Radius"/> bounds the enrolment search
/// around the capture's GPS fix; <see cref="TargetFalseDuplicateRate"/> is the share of honest enrolments a
/// scope may flag (thresholds are raised until the expected rate at the scope's size is at most this).</summary>
public sealed class LivestockOptions
{
    public const double DefaultRadiusKm = 20;
    public const double DefaultTargetFalseDuplicateRate = 0.01;

    /// <summary>The manifest's threshold with the default radius (20 km) and target (1 %).</summary>
    public LivestockOptions(float matchThreshold)
        : this(matchThreshold, Length.FromKilometres(DefaultRadiusKm).Value, DefaultTargetFalseDuplicateRate)
    {
        if (ThresholdError(matchThreshold) is { } error)
            throw new ArgumentOutOfRangeException(nameof(matchThreshold), matchThreshold, error.ToString());
    }

    private LivestockOptions(float matchThreshold, Length radius, double target)
    {
        MatchThreshold = matchThreshold;
        Radius = radius;
        TargetFalseDuplicateRate = target;
    }

    /// <summary>Cosine score, −1 to 1.</summary>
    public float MatchThreshold { get; }

    public Length Radius { get; }

    /// <summary>A probability, strictly between 0 and 1.</summary>
    public double TargetFalseDuplicateRate { get; }

    /// <summary>Validated settings; the error names the setting at fault (<c>livestock.matchThreshold</c>,
    /// <c>livestock.radiusKm</c> or <c>livestock.targetFalseDuplicateRate</c>).</summary>
    public static Result<LivestockOptions> Create(float matchThreshold, double radiusKm = DefaultRadiusKm, double targetFalseDuplicateRate = DefaultTargetFalseDuplicateRate)
    {
        if (ThresholdError(matchThreshold) is { } error)
            return error;
        var radius = Length.FromKilometres(radiusKm, "livestock.radiusKm");
        if (!radius.IsOk)
            return radius.Error;
        if (!double.IsFinite(targetFalseDuplicateRate) || targetFalseDuplicateRate is <= 0 or >= 1)
            return new ValidationError("livestock.targetFalseDuplicateRate", $"{targetFalseDuplicateRate} is not a probability strictly between 0 and 1");
        return Result<LivestockOptions>.Ok(new LivestockOptions(matchThreshold, radius.Value, targetFalseDuplicateRate));
    }

    private static ValidationError? ThresholdError(float threshold) =>
        float.IsFinite(threshold) && threshold is >= -1 and <= 1 ? null : new ValidationError("livestock.matchThreshold", $"{threshold} is not a cosine score (-1 to 1)");
}

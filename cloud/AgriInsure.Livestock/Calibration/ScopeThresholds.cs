namespace AgriInsure.Livestock.Calibration;

/// <summary>A scope's threshold and what it implies: the expected false-duplicate rate at the scope's size
/// (null when no impostor estimate exists yet), and the gallery size the estimate came from (0: none).</summary>
public sealed record ScopeThreshold(float Threshold, double? ExpectedFalseDuplicateRate, int CalibrationAnimals);

/// <summary>Thresholds set for a scope's size. A new animal compared with n enrolled animals is flagged
/// falsely when the best of n impostor scores reaches the threshold t, which happens with probability
/// 1 − (1 − p(t))^n, p the pairwise impostor tail (../shared/EVAL.md, "Registry scale"; comparisons taken as
/// independent). The threshold is the smallest t at or above the manifest's floor with that at most the target.</summary>
public static class ScopeThresholds
{
    /// <summary>1 − (1 − <paramref name="pairwise"/>)^<paramref name="scopeSize"/>, computed as −expm1(n·log1p(−p))
    /// so that per-million pairwise rates keep their digits.</summary>
    public static double ExpectedFalseDuplicateRate(double pairwise, int scopeSize) =>
        scopeSize == 0 ? 0 : -ExpM1(scopeSize * LogP1(-pairwise));

    /// <summary>The largest pairwise tail p with 1 − (1 − p)^n ≤ target: 1 − (1 − target)^(1/n).</summary>
    public static double PairwiseBudget(double target, int scopeSize) => -ExpM1(LogP1(-target) / scopeSize);

    /// <summary>The highest threshold ever set. A score above it is the same template sent again (a cosine of 1
    /// up to float rounding), a duplicate in a scope of any size; a threshold of exactly 1 would let it through.</summary>
    public const float Ceiling = 0.9999f;

    /// <summary>The threshold for a scope of <paramref name="scopeSize"/> animals: the floor while there is no
    /// estimate or the floor already meets the target; otherwise the smallest float t with p(t) ≤ the pairwise
    /// budget, found by bisection (p falls as t rises). Where even <see cref="Ceiling"/> would not meet the target
    /// the threshold is the ceiling and the rate it records is above the target: stated, not hidden.</summary>
    public static ScopeThreshold For(int scopeSize, float floor, double target, ImpostorTail? tail)
    {
        if (tail is null)
            return new ScopeThreshold(floor, null, 0);
        if (scopeSize == 0)
            return new ScopeThreshold(floor, 0, tail.Animals);
        var budget = PairwiseBudget(target, scopeSize);
        var highest = Math.Max(floor, Ceiling);
        float threshold;
        if (tail.Probability(floor) <= budget)
            threshold = floor;
        else if (tail.Probability(highest) > budget)
            threshold = highest;
        else
        {
            // Invariant: p(lo) > budget ≥ p(hi); ends when no float lies between them.
            var (lo, hi) = (floor, highest);
            while (true)
            {
                var mid = lo + (hi - lo) / 2;
                if (mid <= lo || mid >= hi)
                    break;
                if (tail.Probability(mid) <= budget)
                    hi = mid;
                else
                    lo = mid;
            }
            threshold = hi;
        }
        return new ScopeThreshold(threshold, ExpectedFalseDuplicateRate(tail.Probability(threshold), scopeSize), tail.Animals);
    }

    /// <summary>log(1 + x), exact for small x (Goldberg 1991, "What every computer scientist should know…", Thm. 4).</summary>
    private static double LogP1(double x)
    {
        var u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>exp(x) − 1, exact for small x (Kahan's expm1 from exp and log).</summary>
    private static double ExpM1(double x)
    {
        var u = Math.Exp(x);
        if (u == 1)
            return x;
        var um1 = u - 1;
        return um1 == -1 ? -1 : um1 * x / Math.Log(u);
    }
}

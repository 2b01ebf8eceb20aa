namespace AgriInsure.Edge.Agent;

/// <summary>When an unacked capture is sent again: exponential backoff with "equal jitter" (AWS Architecture Blog,
/// "Exponential Backoff And Jitter", 2015). After a capture's n-th send (n ≥ 1) the ceiling is
/// min(<see cref="Cap"/>, <see cref="First"/> × 2^(n−1)), and the wait is drawn uniformly from [ceiling/2, ceiling):
/// never shorter than half the ceiling, so a lost ack does not bring a burst of resends; spread, so a village of handhelds
/// coming back into range together do not all resend in step. The cloud answers a resend with its stored decision, so
/// a resend is harmless, only wasteful.</summary>
public sealed class RetrySchedule
{
    private readonly Func<double> _jitter;

    /// <param name="first">The ceiling after the first send (more than zero).</param>
    /// <param name="cap">The largest ceiling (at least <paramref name="first"/>).</param>
    /// <param name="jitter">Draws from [0, 1); default <see cref="Random.Shared"/>. Tests pass a fixed sequence.</param>
    /// <exception cref="ArgumentOutOfRangeException">For a first ceiling of zero or less, or a cap under it.</exception>
    public RetrySchedule(TimeSpan first, TimeSpan cap, Func<double>? jitter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(first, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, first);
        (First, Cap, _jitter) = (first, cap, jitter ?? Random.Shared.NextDouble);
    }

    /// <summary>5 s after the first send, doubling to at most 10 minutes: a handheld in a dead zone tries about six
    /// times an hour once the cap is reached.</summary>
    public static RetrySchedule Default => new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10));

    public TimeSpan First { get; }

    public TimeSpan Cap { get; }

    /// <summary>The most a capture waits after its <paramref name="sends"/>-th send (1 or more).</summary>
    public TimeSpan Ceiling(int sends)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sends, 1);
        // 2^(n−1) overflows nothing before the cap is reached: past 40 doublings any first ceiling is over any cap.
        var doubled = First.Ticks * Math.Pow(2, Math.Min(sends - 1, 40));
        return doubled >= Cap.Ticks ? Cap : TimeSpan.FromTicks((long)doubled);
    }

    /// <summary>The wait after the <paramref name="sends"/>-th send: in [ceiling/2, ceiling).</summary>
    public TimeSpan Delay(int sends)
    {
        var ceiling = Ceiling(sends);
        var draw = Math.Clamp(_jitter(), 0, Math.BitDecrement(1.0));
        return TimeSpan.FromTicks(ceiling.Ticks / 2 + (long)(ceiling.Ticks / 2 * draw));
    }
}

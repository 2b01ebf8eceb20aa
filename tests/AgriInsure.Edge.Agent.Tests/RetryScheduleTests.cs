using AgriInsure.Edge.Agent;

namespace AgriInsure.Edge.Agent.Tests;

public class RetryScheduleTests
{
    [Fact]
    public void Ceilings_double_from_the_first_up_to_the_cap_and_stay_there()
    {
        var schedule = new RetrySchedule(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10));
        Assert.Equal([5, 10, 20, 40, 80, 160, 320, 600, 600], Enumerable.Range(1, 9).Select(n => schedule.Ceiling(n).TotalSeconds));
        Assert.Equal(TimeSpan.FromMinutes(10), schedule.Ceiling(int.MaxValue));
    }

    [Fact]
    public void Each_wait_lies_between_half_its_ceiling_and_the_ceiling()
    {
        var low = new RetrySchedule(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(60), () => 0);
        var high = new RetrySchedule(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(60), () => Math.BitDecrement(1.0));
        var any = new RetrySchedule(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(60));
        for (var n = 1; n <= 12; n++)
        {
            var ceiling = low.Ceiling(n);
            Assert.Equal(ceiling / 2, low.Delay(n));
            Assert.True(high.Delay(n) < ceiling && high.Delay(n) > ceiling * 0.99, $"send {n}: {high.Delay(n)} of {ceiling}");
            for (var i = 0; i < 100; i++)
            {
                var d = any.Delay(n);
                Assert.True(d >= ceiling / 2 && d < ceiling, $"send {n}: {d} outside [{ceiling / 2}, {ceiling})");
            }
        }
    }

    [Fact]
    public void Handhelds_back_in_range_together_do_not_resend_in_step()
    {
        var waits = Enumerable.Range(0, 50).Select(seed => new RetrySchedule(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10), new Random(seed).NextDouble).Delay(3)).ToList();
        Assert.True(waits.Distinct().Count() > 45, $"{waits.Distinct().Count()} distinct waits of 50");
        Assert.True(waits.Max() - waits.Min() > TimeSpan.FromSeconds(5), $"spread {waits.Max() - waits.Min()}");
    }

    [Fact]
    public void The_default_starts_at_5_s_and_caps_at_10_minutes()
    {
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10)), (RetrySchedule.Default.First, RetrySchedule.Default.Cap));
    }

    [Fact]
    public void A_schedule_that_cannot_wait_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetrySchedule(TimeSpan.Zero, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetrySchedule(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetrySchedule.Default.Delay(0));
    }
}

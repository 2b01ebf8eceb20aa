using System.Globalization;

namespace AgriInsure.Imagery.Rendering;

/// <summary>
/// A UTC time axis: the data's span padded by 3 % a side (a single date gets ±15 days), with ticks on the 1st of the
/// month (every month up to 18 months, quarterly up to 54, yearly beyond) or, under two months, on days 1, 8, 15
/// and 22. The year is written under the first tick and under each January.
/// </summary>
internal sealed record TimeAxis(DateTime Start, DateTime End, IReadOnlyList<(DateTime Time, string Label, string? Year)> Ticks)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static TimeAxis Of(IEnumerable<DateTime> times)
    {
        var all = times.ToList();
        var (first, last) = (all.Min(), all.Max());
        var pad = first == last ? TimeSpan.FromDays(15) : (last - first) * 0.03;
        var (start, end) = (first - pad, last + pad);
        var ticks = new List<(DateTime, string, string?)>();
        string? lastYear = null;
        void Add(DateTime t, string label)
        {
            var year = t.Year.ToString(Invariant);
            ticks.Add((t, label, year != lastYear ? year : null));
            lastYear = year;
        }

        var month = new DateTime(start.Year, start.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        if (end - start < TimeSpan.FromDays(60))
        {
            for (; month <= end; month = month.AddMonths(1))
            {
                foreach (var day in new[] { 1, 8, 15, 22 })
                {
                    var t = month.AddDays(day - 1);
                    if (t >= start && t <= end)
                        Add(t, t.ToString("d MMM", Invariant));
                }
            }
        }
        else
        {
            var months = (end - start).TotalDays switch { <= 550 => 1, <= 1650 => 3, _ => 12 };
            for (; month <= end; month = month.AddMonths(1))
            {
                if (month >= start && (month.Month - 1) % months == 0)
                    Add(month, month.ToString("MMM", Invariant));
            }
        }

        return new TimeAxis(start, end, ticks);
    }
}

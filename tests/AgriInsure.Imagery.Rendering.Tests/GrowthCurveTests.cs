using SkiaSharp;

namespace AgriInsure.Imagery.Rendering.Tests;

public class GrowthCurveTests
{
    private static readonly GrowthPoint[] Season =
    [
        Requests.Point(3, 5, 0.18), Requests.Point(3, 25, 0.24), Requests.Point(4, 14, 0.35), Requests.Point(5, 4, 0.52),
        Requests.Point(5, 24, 0.61, cloudy: true), Requests.Point(6, 13, 0.74), Requests.Point(7, 3, 0.81),
        Requests.Point(7, 23, 0.45, alert: true), Requests.Point(8, 12, null, cloudy: true), Requests.Point(9, 1, 0.41, alert: true),
        Requests.Point(9, 21, 0.33), Requests.Point(10, 11, 0.22),
    ];

    [Fact]
    public void Writes_a_png_of_sensible_size_with_the_provenance_chunks()
    {
        var request = Requests.Season(Season) with { Neighbours = Season.Select(p => p with { Median = p.Mean is null ? null : p.Mean + 0.05, Alert = false }).ToList() };
        var png = Png.Render(request, "season");
        using var image = Png.Decode(png);

        Assert.InRange(image.Width, 800, 1400);
        Assert.InRange(image.Height, 450, 900);
        Assert.Equal(Requests.Provenance.Select(p => (p.Item1, p.Item2)), Png.Text(png).Select(t => (t.Key, t.Value)));
    }

    [Fact]
    public void A_cloudy_value_is_not_joined_into_the_line()
    {
        // Clear at 0.8, cloudy at 0.1 in between: the line passes 0.8 at the cloudy date and never dips to 0.1.
        var points = new[] { Requests.Point(5, 1, 0.8), Requests.Point(5, 21, 0.1, cloudy: true), Requests.Point(6, 10, 0.8) };
        using var image = Png.Decode(Png.Render(Requests.Season(points), "cloudy"));
        var (x, y) = Mapping(points);

        var column = (int)x(points[1].Time);
        Assert.True(IsSeries(image.GetPixel(column, (int)y(0.8))), "the line runs across the cloudy date at the clear values");
        var between = (int)y(0.45);
        Assert.False(IsSeries(image.GetPixel(column, between)), "the line does not descend to the cloudy value");
        var marker = image.GetPixel(column + 4, (int)y(0.1));
        Assert.False(IsSeries(marker), $"the cloudy marker is hollow grey, not the series colour: {marker}");
    }

    [Fact]
    public void Alert_dates_are_marked_in_red_at_their_date()
    {
        var points = new[] { Requests.Point(4, 1, 0.3), Requests.Point(5, 15, 0.7, alert: true), Requests.Point(7, 1, 0.6) };
        using var image = Png.Decode(Png.Render(Requests.Season(points), "alert"));
        var (x, _) = Mapping(points);
        var area = GrowthCurve.PlotArea;

        bool RedNear(float at) => Enumerable.Range((int)at - 3, 7).Any(px => image.GetPixel(px, (int)area.Top + 3) == Palette.Alert);
        Assert.True(RedNear(x(points[1].Time)));
        Assert.False(RedNear(x(points[0].Time)));
        Assert.False(RedNear(x(points[2].Time)));
    }

    [Fact]
    public void A_season_gets_month_ticks_and_a_short_span_day_ticks()
    {
        var season = TimeAxis.Of(Season.Select(p => p.Time.UtcDateTime));
        Assert.Equal(["Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct"], season.Ticks.Select(t => t.Label));
        Assert.All(season.Ticks, t => Assert.Equal((1, 0, 0), (t.Time.Day, t.Time.Hour, t.Time.Minute)));
        Assert.Equal(["2026", null, null, null, null, null, null, null], season.Ticks.Select(t => t.Year));

        var fortnight = TimeAxis.Of([new DateTime(2026, 6, 2, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 6, 30, 0, 0, 0, DateTimeKind.Utc)]);
        Assert.Equal(["8 Jun", "15 Jun", "22 Jun"], fortnight.Ticks.Select(t => t.Label));

        var twoYears = TimeAxis.Of([new DateTime(2025, 11, 20, 0, 0, 0, DateTimeKind.Utc), new DateTime(2027, 2, 10, 0, 0, 0, DateTimeKind.Utc)]);
        Assert.Equal(["2025", "2026", null, "2027"], twoYears.Ticks.Where(t => t.Label is "Dec" or "Jan").Select(t => t.Year));
    }

    public static TheoryData<string, Func<GrowthCurveRequest, GrowthCurveRequest>> BadRequests => new()
    {
        { "PlotId", r => r with { PlotId = "" } },
        { "Points", r => r with { Points = [] } },
        { "Points", r => r with { Points = [Requests.Point(5, 1, 1.5)] } },
        { "Points", r => r with { Points = [Requests.Point(5, 1, 0.5) with { ValidShare = double.NaN }] } },
        { "Neighbours", r => r with { Neighbours = [Requests.Point(5, 1, 0.5) with { Median = -3 }] } },
        { "Provenance", r => r with { Provenance = [(new string('k', 80), "too long a keyword")] } },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Bad_requests_throw_argument_exceptions_naming_the_field(string field, Func<GrowthCurveRequest, GrowthCurveRequest> spoil)
    {
        var request = spoil(Requests.Season(Season));
        using var stream = new MemoryStream();

        var error = Assert.ThrowsAny<ArgumentException>(() => GrowthCurve.Write(request, stream));

        Assert.Equal(field, error.ParamName);
        Assert.Equal(0, stream.Length);
    }

    private static (Func<DateTimeOffset, float> X, Func<double, float> Y) Mapping(IEnumerable<GrowthPoint> points)
    {
        var axis = TimeAxis.Of(points.Select(p => p.Time.UtcDateTime));
        var area = GrowthCurve.PlotArea;
        return (t => area.Left + (float)((t.UtcDateTime - axis.Start) / (axis.End - axis.Start)) * area.Width,
            v => area.Bottom - (float)((v + 0.2) / 1.2) * area.Height);
    }

    private static bool IsSeries(SKColor c) => c.Blue > 150 && c.Red < 120 && c.Blue - c.Red > 80;
}

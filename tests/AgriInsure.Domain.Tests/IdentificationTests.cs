using AgriInsure.Domain;
using CsCheck;

namespace AgriInsure.Domain.Tests;

public class IdentificationTests
{
    [Fact]
    public void Outcomes_and_scopes_read_back_from_their_wire_names()
    {
        Assert.All(Enum.GetValues<CaptureOutcome>(), o => Assert.Equal(o, CaptureOutcomeNames.Parse(o.Name()).Value));
        Assert.All(Enum.GetValues<SearchScope>(), s => Assert.Equal(s, SearchScopeNames.Parse(s.Name()).Value));
        Assert.Equal(Enum.GetValues<CaptureOutcome>().Length, Enum.GetValues<CaptureOutcome>().Select(o => o.Name()).Distinct().Count());
        // The names acks carried before the enums existed.
        Assert.Equal(["enrolled", "duplicate-enrolment", "claim-accepted", "claim-refused-no-match"],
            new[] { CaptureOutcome.Enrolled, CaptureOutcome.DuplicateEnrolment, CaptureOutcome.ClaimAccepted, CaptureOutcome.ClaimRefusedNoMatch }.Select(o => o.Name()));
        Assert.Equal("scope", SearchScopeNames.Parse("county").Error!.Field);
    }

    [Fact]
    public void A_scope_result_gives_its_margin_and_whether_it_matched()
    {
        var result = new ScopeResult(SearchScope.Herd, 5, 0.7f, 0.002, 150, new Match("A3", 0.9f), new Match("A1", 0.55f));
        Assert.Equal(0.35f, result.Margin!.Value, 5);
        Assert.True(result.Matched);
        Assert.Contains("herd scope of 5", result.Describe());
        var alone = new ScopeResult(SearchScope.Farmer, 1, 0.7f, null, 0, new Match("A3", 0.69f), null);
        Assert.Null(alone.Margin);
        Assert.False(alone.Matched);
        Assert.Contains("not yet estimated", alone.Describe());
    }

    [Fact]
    public void Lengths_refuse_negative_and_non_finite_values_naming_the_field()
    {
        Assert.Equal(("livestock.radiusKm", "-1 km is negative"), (Length.FromKilometres(-1, "livestock.radiusKm").Error!.Field, Length.FromKilometres(-1, "livestock.radiusKm").Error!.Reason));
        Assert.False(Length.FromMetres(double.PositiveInfinity).IsOk);
        Assert.Equal(20_000, Length.FromKilometres(20).Value.Metres);
        Assert.True(Length.FromKilometres(5).Value < Length.FromKilometres(20).Value);
    }

    [Fact]
    public void A_degree_of_latitude_is_pi_r_over_180_and_distances_are_symmetric()
    {
        Assert.Equal(Math.PI * GeoPoint.MeanEarthRadiusMetres / 180, new GeoPoint(100, 36).DistanceTo(new GeoPoint(100, 37)).Metres, 6);
        Assert.Equal(0, new GeoPoint(179.5, 10).DistanceTo(new GeoPoint(-180.5, 10)).Metres, 6);
        Gen.Select(Gen.Double[-90, 90], Gen.Double[-180, 180], Gen.Double[-90, 90], Gen.Double[-180, 180]).Sample((lat1, lon1, lat2, lon2) =>
        {
            var (a, b) = (new GeoPoint(lon1, lat1), new GeoPoint(lon2, lat2));
            Assert.Equal(a.DistanceTo(b).Metres, b.DistanceTo(a).Metres, 6);
            Assert.InRange(a.DistanceTo(b).Metres, 0, Math.PI * GeoPoint.MeanEarthRadiusMetres + 1e-6);
        });
    }
}

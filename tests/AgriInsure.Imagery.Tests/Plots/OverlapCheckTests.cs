using AgriInsure.Domain;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Imagery.Plots;
using AgriInsure.Tests;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;

namespace AgriInsure.Imagery.Tests.Plots;

public class OverlapCheckTests
{
    private static IReadOnlyList<PlotFeature> LandUse()
    {
        Assert.True(PlotReader.TryRead(Path.Combine(Repo.SharedData, "imagery", "eo-learn", "lulc.geojson"), out var plots, out var error), error?.ToString());
        return plots.Select(p => p with { Policy = $"CP-{p.Id}" }).ToList();
    }

    [Fact]
    public void Neighbouring_fields_that_only_share_a_border_are_not_flagged()
    {
        var insured = LandUse();
        var check = new OverlapCheck(insured);
        // The land-use polygons tile the patch: each touches its neighbours without overlapping.
        Assert.All(insured.Take(30), p => Assert.DoesNotContain(check.Find(p with { Id = "new" }, 0.01), o => o.OtherPlotId != p.Id));
    }

    [Fact]
    public void The_same_field_insured_again_is_flagged_with_the_policy_and_the_area()
    {
        var insured = LandUse();
        var check = new OverlapCheck(insured);
        var again = insured[5] with { Id = "resubmitted", Policy = null };
        var overlap = Assert.Single(check.Find(again, 0.01));
        Assert.Equal((insured[5].Id, $"CP-{insured[5].Id}"), (overlap.OtherPlotId, overlap.OtherPolicy));
        Assert.Equal(OverlapCheck.Area(insured[5].Outline), overlap.OverlapM2, 1e-3);
        Assert.Equal(1.0, overlap.ShareOfPlot, 9);
    }

    [Fact]
    public void A_field_moved_onto_its_neighbours_reports_each_overlap()
    {
        var insured = LandUse();
        var check = new OverlapCheck(insured);
        // The field with the most neighbours moved about 8 m east and 11 m north: it now covers strips
        // of the fields around it too.
        var field = insured.MaxBy(p => insured.Count(o => o.Id != p.Id && o.Outline.Intersects(p.Outline)))!;
        var moved = AffineTransformation.TranslationInstance(0.0001, 0.0001).Transform(field.Outline);
        var overlaps = check.Find(new PlotFeature("moved", moved), 0.001);
        Assert.Contains(overlaps, o => o.OtherPlotId == field.Id);
        Assert.True(overlaps.Count >= 2, $"{overlaps.Count} overlaps");
        Assert.True(overlaps.Sum(o => o.ShareOfPlot) <= 1.0 + 1e-9);
    }

    [Fact]
    public void A_field_given_as_one_ring_across_the_antimeridian_does_not_overlap_one_159_km_away()
    {
        using var dir = new TempFolder();
        var path = Zonal.FieldInputTests.Collection(dir, "plots.geojson",
            Zonal.FieldInputTests.Square(178.5, -17, 178.502, -16.998, "insured"),
            Zonal.FieldInputTests.Feature("new", [(179.999, -17), (-179.999, -17), (-179.999, -16.998), (179.999, -16.998), (179.999, -17)]),
            Zonal.FieldInputTests.Feature("east-half", [(-180, -17), (-179.999, -17), (-179.999, -16.998), (-180, -16.998), (-180, -17)]));
        Assert.True(PlotReader.TryRead(path, out var plots, out var error), error?.ToString());
        var check = new OverlapCheck([plots[0] with { Policy = "CP-1" }]);
        Assert.Empty(check.Find(plots[1], 0.01));
        // Against its own eastern half it overlaps by that half, measured on the ellipsoid (the half's
        // corners sit on the planar crossing, the field's on the geodesic one: 1 mm apart).
        var half = new OverlapCheck([plots[2] with { Policy = "CP-2" }]);
        var overlap = Assert.Single(half.Find(plots[1], 0.01));
        Assert.Equal(0.5, overlap.ShareOfPlot, 1e-6);
        Assert.Equal(OverlapCheck.Area(plots[2].Outline), overlap.OverlapM2, overlap.OverlapM2 * 1e-6);
    }
}

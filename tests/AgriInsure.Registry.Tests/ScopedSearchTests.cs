using AgriInsure.Domain;
using AgriInsure.Registry;
using AgriInsure.Registry.Index;
using CsCheck;

namespace AgriInsure.Registry.Tests;

public class ScopedSearchTests
{
    private static Embedding Vec(int seed) => TestData.Vec(seed);

    private static Length Km(double km) => Length.FromKilometres(km).Value;

    [Fact]
    public void The_radius_scope_holds_exactly_the_fixes_within_the_great_circle_radius() =>
        Gen.Select(Gen.Double[-89.5, 89.5].Array[1, 120], Gen.Double[-180, 180].Array[120], Gen.Double[-89.5, 89.5], Gen.Double[-180, 180], Gen.Double[0, 3000])
            .Sample(t =>
            {
                var (lats, lons, lat, lon, km) = t;
                var index = new TemplateIndex();
                var fixes = lats.Select((la, i) => new GeoPoint(lons[i], la)).ToArray();
                for (var i = 0; i < fixes.Length; i++)
                    index.Add("t1", Species.Cattle, $"A{i}", [Vec(i)], "F", fixes[i]);
                var centre = new GeoPoint(lon, lat);
                var hits = index.Search("t1", [Vec(0)], Species.Cattle, fixes.Length, new ScopeFilter.Within(centre, Km(km)));
                var expected = fixes.Select((f, i) => (f, i)).Where(p => centre.DistanceTo(p.f) <= Km(km)).Select(p => $"A{p.i}").Order();
                Assert.Equal(expected, hits.Top.Select(m => m.AnimalId).Order());
                Assert.Equal(expected.Count(), hits.Size);
            });

    [Fact]
    public void The_radius_scope_reaches_across_the_antimeridian_and_over_a_pole()
    {
        var index = new TemplateIndex();
        index.Add("t1", Species.Cattle, "east", [Vec(1)], "F", new GeoPoint(179.95, 10));
        index.Add("t1", Species.Cattle, "west", [Vec(2)], "F", new GeoPoint(-179.95, 10));
        index.Add("t1", Species.Cattle, "pole", [Vec(3)], "F", new GeoPoint(0, 89.95));
        index.Add("t1", Species.Cattle, "pole-far-side", [Vec(4)], "F", new GeoPoint(180, 89.95));
        Assert.Equal(2, index.Search("t1", [Vec(1)], Species.Cattle, 5, new ScopeFilter.Within(new GeoPoint(179.99, 10), Km(20))).Size);
        Assert.Equal(2, index.Search("t1", [Vec(1)], Species.Cattle, 5, new ScopeFilter.Within(new GeoPoint(90, 89.99), Km(20))).Size);
    }

    [Fact]
    public void Farmer_and_herd_scopes_hold_their_animals_only()
    {
        var index = new TemplateIndex();
        for (var i = 0; i < 30; i++)
            index.Add("t1", Species.Cattle, $"A{i}", [Vec(i)], i % 3 == 0 ? "F0" : "F1", new GeoPoint(100, 36));
        var farmer = index.Search("t1", [Vec(3)], Species.Cattle, 2, new ScopeFilter.OfFarmer("F0"));
        Assert.Equal((10, "A3"), (farmer.Size, farmer.Top[0].AnimalId));
        Assert.Equal(0, index.Search("t1", [Vec(3)], Species.Cattle, 2, new ScopeFilter.OfFarmer("F9")).Size);
        var herd = index.Search("t1", [Vec(4)], Species.Cattle, 2, new ScopeFilter.Animals(["A4", "A5", "A5", "nope"]));
        Assert.Equal((2, "A4", "A5"), (herd.Size, herd.Top[0].AnimalId, herd.Top[1].AnimalId));
        Assert.Equal(30, index.Search("t1", [Vec(4)], Species.Cattle, 2, new ScopeFilter.Everyone()).Size);
    }

    [Fact]
    public void A_sample_of_the_same_gallery_is_the_same()
    {
        var index = new TemplateIndex();
        for (var i = 0; i < 50; i++)
            index.Add("t1", Species.Cattle, $"A{i}", [Vec(i)]);
        var (animals, ids) = index.Sample("t1", Species.Cattle, "m1", 20);
        Assert.Equal(50, animals);
        Assert.Equal(20, ids.Distinct().Count());
        Assert.Equal(ids, index.Sample("t1", Species.Cattle, "m1", 20).Ids);
        Assert.Equal(50, index.Sample("t1", Species.Cattle, "m1", 500).Ids.Length);
        Assert.Equal((0, 0), (index.Sample("t1", Species.Yak, "m1", 5).Animals, index.Sample("t1", Species.Yak, "m1", 5).Ids.Length));
    }

    [Fact]
    public void A_prefiltered_radius_scope_keeps_every_member_the_exact_scan_finds_at_or_above_the_floor()
    {
        // A dense district: 4,000 animals of 3 templates, 3,500 of them (10,500 templates, past the pre-filter's size) within
        // 20 km of the capture; captures are new photos of members, of animals outside and of new animals.
        var herds = new TemplateIndexTests.Herds(31, 64, 6);
        var r = new Random(32);
        var index = new TemplateIndex();
        var centre = new GeoPoint(100, 36);
        var identities = Enumerable.Range(0, 4000).Select(_ => herds.Identity()).ToArray();
        for (var a = 0; a < identities.Length; a++)
            index.Add("t1", Species.Cattle, $"A{a}", herds.Photos(identities[a], 3), "F", a < 3500 ? new GeoPoint(100.05, 36.05) : new GeoPoint(103, 36));
        var scope = new ScopeFilter.Within(centre, Km(20));
        var found = 0;
        for (var q = 0; q < 30; q++)
        {
            var probes = herds.Photos(q % 3 == 2 ? herds.Identity() : identities[r.Next(identities.Length)], 3);
            foreach (var floor in new[] { 0.69f, 0.8f, 0.9f })
            {
                var (exact, fast, _) = TemplateIndexTests.AtOrAbove(index, probes, floor, scope);
                Assert.Equal(exact, fast);
                found += exact.Length;
            }
        }
        Assert.True(index.Prefiltered.Searches >= 90, "the radius scope should have been pre-filtered");
        Assert.True(found > 20, $"only {found} members at or above a floor: the data tests too little");
    }
}

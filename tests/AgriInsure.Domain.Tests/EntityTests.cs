using AgriInsure.Domain;

namespace AgriInsure.Domain.Tests;

public class EntityTests
{
    private static readonly Embedding Template = Embedding.Create(Enumerable.Range(1, 16).Select(i => (float)i).ToArray(), "m").Value;
    private static readonly Money Sum = Money.Create(1000m, "CNY").Value;
    private static readonly Money Premium = Money.Create(40m, "CNY").Value;
    private static readonly Coverage Year = Coverage.Create(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)).Value;

    [Theory]
    [InlineData("", "Wang", "Hebei", "farmer.id")]
    [InlineData("F 1", "Wang", "Hebei", "farmer.id")]
    [InlineData("F1", " ", "Hebei", "farmer.name")]
    [InlineData("F1", "Wang", "", "farmer.region")]
    [InlineData("F1", "Wang\0", "Hebei", "farmer.name")]
    [InlineData("F1", "Wang\a", "Hebei", "farmer.name")]
    [InlineData("F1", "\u202Egnaw", "Hebei", "farmer.name")]
    [InlineData("F1", "Wang", "He\nbei", "farmer.region")]
    public void Farmer_names_the_bad_field(string id, string name, string region, string field) =>
        Assert.Equal(field, Farmer.Create("t1", id, name, region).Error!.Field);

    [Theory]
    [InlineData("王建国", "四川 雅安")]
    [InlineData("Zhang O'Neil-Li", "Gansu, Zhangye")]
    [InlineData("<script>", "Hebei")]
    public void Farmer_takes_names_as_people_write_them(string name, string region) =>
        Assert.True(Farmer.Create("t1", "F1", name, region).IsOk);

    [Fact]
    public void Animal_refuses_bad_ear_tag_and_unknown_species()
    {
        Assert.Equal("animal.earTag", Animal.Create("A1", "F1", Species.Cattle, "tag with spaces", [Template]).Error!.Field);
        Assert.Equal("animal.species", Animal.Create("A1", "F1", (Species)99, null, [Template]).Error!.Field);
        Assert.True(Animal.Create("A1", "F1", Species.Cattle, null, [Template]).IsOk);
    }

    [Fact]
    public void Animal_has_one_to_five_templates_of_one_model()
    {
        var other = Embedding.Create(Template.Values, "another-model").Value;
        Assert.Equal("animal.templates", Animal.Create("A1", "F1", Species.Cattle, null, []).Error!.Field);
        Assert.Equal("animal.templates", Animal.Create("A1", "F1", Species.Cattle, null, Enumerable.Repeat(Template, Animal.MaxTemplates + 1).ToList()).Error!.Field);
        Assert.Equal("animal.templates", Animal.Create("A1", "F1", Species.Cattle, null, [Template, other]).Error!.Field);
        Assert.Equal(Animal.MaxTemplates, Animal.Create("A1", "F1", Species.Cattle, null, Enumerable.Repeat(Template, Animal.MaxTemplates).ToList()).Value.Templates.Count);
    }

    [Fact]
    public void Species_parse_names_the_known_ones()
    {
        Assert.Equal(Species.Cattle, SpeciesNames.Parse("CATTLE").Value);
        var error = SpeciesNames.Parse("unicorn").Error!;
        Assert.Equal("species", error.Field);
        Assert.Contains("cattle", error.Reason);
    }

    [Fact]
    public void Livestock_policy_invariants()
    {
        Assert.Equal("policy.animalIds", LivestockPolicy.Create("P1", "F1", [], Sum, Premium, Year).Error!.Field);
        Assert.Contains("more than once", LivestockPolicy.Create("P1", "F1", ["A1", "A1"], Sum, Premium, Year).Error!.Reason);
        Assert.Equal("policy.premium", LivestockPolicy.Create("P1", "F1", ["A1"], Sum, Money.Create(1m, "EUR").Value, Year).Error!.Field);
        Assert.Equal("policy.sumInsuredPerHead", LivestockPolicy.Create("P1", "F1", ["A1"], Money.Zero("CNY"), Premium, Year).Error!.Field);
        var policy = LivestockPolicy.Create("P1", "F1", ["A1"], Sum, Premium, Year).Value;
        Assert.True(policy.Covers("A1", new DateOnly(2026, 6, 1)));
        Assert.False(policy.Covers("A1", new DateOnly(2027, 1, 1)));
        Assert.False(policy.Covers("A2", new DateOnly(2026, 6, 1)));
    }

    [Fact]
    public void Coverage_must_not_end_before_it_starts() =>
        Assert.Equal("coverage.end", Coverage.Create(new DateOnly(2026, 2, 1), new DateOnly(2026, 1, 1)).Error!.Field);

    [Fact]
    public void Plot_outline_must_be_a_closed_ring()
    {
        var a = new GeoPoint(14.5, 45.8);
        var b = new GeoPoint(14.6, 45.8);
        var c = new GeoPoint(14.6, 45.9);
        var area = Area.FromHectares(1).Value;
        Assert.Contains("not closed", Plot.Create("PL1", "F1", [a, b, c, b], area).Error!.Reason);
        Assert.Contains("3 distinct", Plot.Create("PL1", "F1", [a, b, b, a], area).Error!.Reason);
        Assert.True(Plot.Create("PL1", "F1", [a, b, c, a], area).IsOk);
        Assert.Equal("point.latitude", GeoPoint.Create(0, 91).Error!.Field);
    }

    [Fact]
    public void Claim_keys_depend_on_every_part_and_not_on_separators()
    {
        Assert.Equal(ClaimKey.ForAnimal("P1", "A1"), ClaimKey.ForAnimal("P1", "A1"));
        Assert.NotEqual(ClaimKey.ForAnimal("P1", "A1"), ClaimKey.ForAnimal("P1", "A2"));
        var window = EventWindow.Create(new DateOnly(2026, 7, 1), new DateOnly(2026, 7, 10)).Value;
        Assert.NotEqual(ClaimKey.ForPlotEvent("a|b", "c", Peril.Flood, window), ClaimKey.ForPlotEvent("a", "b|c", Peril.Flood, window));
        Assert.Equal(64, ClaimKey.ForAnimal("P1", "A1").Hex.Length);
        Assert.False(ClaimKey.FromHex("xyz").IsOk);
    }

    [Fact]
    public void A_death_claim_key_follows_the_ear_tag_across_insurers_and_policies_and_the_policy_without_one()
    {
        var atA = Animal.Create("A-1", "F1", Species.Cattle, "SI-1234.56", [Template]).Value;
        var atB = Animal.Create("A-9", "F7", Species.Cattle, "si123456", [Template]).Value;
        Assert.Equal(ClaimKey.ForDeath(atA, "LP-A"), ClaimKey.ForDeath(atB, "LP-B"));
        // The documented derivation, pinned: Digest.Of("livestock-death", "cattle", "SI123456").
        Assert.Equal(Digest.Of("livestock-death", "cattle", "SI123456").Hex, ClaimKey.ForDeath(atA, "LP-A").Hex);
        Assert.NotEqual(ClaimKey.ForDeath(atA, "LP-A"), ClaimKey.ForDeath(Animal.Create("A-1", "F1", Species.Cattle, "SI123457", [Template]).Value, "LP-A"));
        Assert.NotEqual(ClaimKey.ForEarTag(Species.Cattle, "X1"), ClaimKey.ForEarTag(Species.Sheep, "X1"));
        var untagged = Animal.Create("A-1", "F1", Species.Cattle, null, [Template]).Value;
        Assert.Equal(ClaimKey.ForAnimal("LP-A", "A-1"), ClaimKey.ForDeath(untagged, "LP-A"));
        Assert.NotEqual(ClaimKey.ForDeath(untagged, "LP-A"), ClaimKey.ForDeath(untagged, "LP-B"));
    }
}

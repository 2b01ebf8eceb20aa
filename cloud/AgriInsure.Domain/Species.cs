namespace AgriInsure.Domain;

public enum Species
{
    Cattle,
    Buffalo,
    Sheep,
    Goat,
    Pig,
    Yak,
}

public static class SpeciesNames
{
    public static Result<Species> Parse(string? text, string field = "species") => WireNames.Parse<Species>(text, field, "species", Name);

    public static string Name(this Species species) => species.ToString().ToLowerInvariant();
}

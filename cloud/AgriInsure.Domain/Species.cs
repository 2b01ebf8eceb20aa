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
    public static Result<Species> Parse(string? text, string field = "species")
    {
        if (string.IsNullOrWhiteSpace(text))
            return Result<Species>.Fail(field, "is empty");
        foreach (var s in Enum.GetValues<Species>())
        {
            if (string.Equals(s.ToString(), text, StringComparison.OrdinalIgnoreCase))
                return Result<Species>.Ok(s);
        }
        return Result<Species>.Fail(field, $"'{text}' is not a known species ({string.Join(", ", Enum.GetNames<Species>().Select(n => n.ToLowerInvariant()))})");
    }

    public static string Name(this Species species) => species.ToString().ToLowerInvariant();
}

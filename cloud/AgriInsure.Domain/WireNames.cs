namespace AgriInsure.Domain;

/// <summary>Reads an enum from its stable wire string (the text files, APIs and the CLI carry), so every
/// enum is parsed and refused the same way.</summary>
public static class WireNames
{
    /// <summary>The value whose <paramref name="name"/> equals <paramref name="text"/>, ignoring case; else
    /// an error naming <paramref name="field"/> and listing the known names.</summary>
    public static Result<T> Parse<T>(string? text, string field, string what, Func<T, string> name) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text))
            return Result<T>.Fail(field, "is empty");
        foreach (var value in Enum.GetValues<T>())
        {
            if (string.Equals(name(value), text, StringComparison.OrdinalIgnoreCase))
                return Result<T>.Ok(value);
        }
        return Result<T>.Fail(field, $"'{text}' is not a known {what} ({string.Join(", ", Enum.GetValues<T>().Select(name))})");
    }
}

namespace AgriInsure.Domain;

/// <summary>Opaque identifiers. Their text is what goes on the ledger (hashed), never a person's data.</summary>
public static class Id
{
    public static Result<string> Check(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            return Result<string>.Fail(field, "is empty");
        if (value.Length > 64)
            return Result<string>.Fail(field, $"is {value.Length} characters; at most 64");
        if (!value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return Result<string>.Fail(field, "may hold only ASCII letters, digits, '-', '_' and '.'");
        return Result<string>.Ok(value);
    }

    /// <summary>The first failing <see cref="Check"/> among <paramref name="ids"/>, or null when all pass.</summary>
    public static ValidationError? FirstError(params (string? Value, string Field)[] ids) =>
        ids.Select(id => Check(id.Value, id.Field).Error).FirstOrDefault(e => e is not null);

    public static string New(string prefix) => $"{prefix}-{NUlid.Ulid.NewUlid()}";
}

using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>Which part of a list to read: skip <see cref="Offset"/> items of the list's stated order, then at most
/// <see cref="Limit"/>. Lists are ordered by a stable key (an id, or a time and an id), so pages of an unchanged list
/// neither overlap nor skip.</summary>
public readonly record struct Page
{
    /// <summary>The most items one page of the HTTP API holds.</summary>
    public const int MaxLimit = 200;

    private Page(int offset, int limit) => (Offset, Limit) = (offset, limit);

    public int Offset { get; }

    public int Limit { get; }

    /// <summary>The whole list, for the rules' own reads (a census reads every claim on its policy).</summary>
    public static Page All { get; } = new(0, int.MaxValue);

    /// <summary>A page asked for from outside: offset 0 or more, limit 1 to <see cref="MaxLimit"/>; errors name
    /// <c>offset</c> or <c>limit</c>.</summary>
    public static Result<Page> Create(int offset, int limit)
    {
        if (offset < 0)
            return Result<Page>.Fail("offset", $"is {offset}; it is 0 or more");
        if (limit is < 1 or > MaxLimit)
            return Result<Page>.Fail("limit", $"is {limit}; a page holds 1 to {MaxLimit} items");
        return Result<Page>.Ok(new Page(offset, limit));
    }
}

/// <summary>One page of a list and how many items the whole list holds.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Total, int Offset);

/// <summary>An enrolled animal with the enrolment that made it: the capture, when the cloud received it, and the blob
/// keys of the face crops its templates were made from, in template order.</summary>
public sealed record EnrolledAnimal(Animal Animal, string EnrolledBy, DateTimeOffset EnrolledAt, IReadOnlyList<string> CropKeys);

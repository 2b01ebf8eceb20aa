namespace AgriInsure.Domain;

/// <summary>What a herd census found of one insured animal.</summary>
public enum CensusPresence
{
    /// <summary>A photo of the visit is identified as the animal.</summary>
    Seen,

    /// <summary>No photo of the visit is: possibly dead, sold or moved — a reason to ask, not a loss.</summary>
    NotSeen,

    /// <summary>Not seen, and its death claim was paid: absent, as expected.</summary>
    ClaimedDead,

    /// <summary>A photo of the visit is identified as an animal whose death claim was paid: the claim or the
    /// photo is false (a healthy animal swapped for a dead one, or a death that did not happen).</summary>
    SeenAfterDeathClaim,
}

public static class CensusPresenceNames
{
    public static string Name(this CensusPresence presence) => presence switch
    {
        CensusPresence.Seen => "seen",
        CensusPresence.NotSeen => "not-seen",
        CensusPresence.ClaimedDead => "claimed-dead",
        CensusPresence.SeenAfterDeathClaim => "seen-after-death-claim",
        _ => throw new ArgumentOutOfRangeException(nameof(presence)),
    };

    /// <summary>The presence a name of <see cref="Name"/> stands for. Errors: <see cref="ArgumentOutOfRangeException"/> for
    /// any other text.</summary>
    public static CensusPresence Parse(string name) => name switch
    {
        "seen" => CensusPresence.Seen,
        "not-seen" => CensusPresence.NotSeen,
        "claimed-dead" => CensusPresence.ClaimedDead,
        "seen-after-death-claim" => CensusPresence.SeenAfterDeathClaim,
        _ => throw new ArgumentOutOfRangeException(nameof(name), $"'{name}' is not a census presence"),
    };
}

/// <summary>One sighting of a census visit: one animal, its name (a photo's, or a folder's holding several photos of
/// it) and the face embeddings the handheld pipeline made of its photos (1 to <see cref="Animal.MaxTemplates"/>).</summary>
public sealed record CensusPhoto(string Name, IReadOnlyList<Embedding> Embeddings);

/// <summary>A photo searched among the policy's animals (<see cref="SearchScope.Policy"/>).</summary>
/// <param name="AnimalId">The insured animal it is identified as, or null: it matches no animal on the policy
/// (possible substitution: a healthy animal shown in place of an insured one).</param>
public sealed record CensusSighting(string Photo, ScopeResult Search, string? AnimalId);

/// <param name="Photo">The photo that identified it best, and its score, when seen.</param>
public sealed record CensusAnimal(string AnimalId, CensusPresence Presence, string? Photo, float? Score);

/// <summary>A herd census ("dynamic monitoring" of insured animals): which of a policy's animals a visit's
/// photos show, which they do not, and which photos show none of them; anchored on the ledger.</summary>
public sealed record HerdCensus(string PolicyId, DateOnly Day, IReadOnlyList<CensusAnimal> Animals, IReadOnlyList<CensusSighting> Photos, long LedgerEntry)
{
    public IReadOnlyList<CensusAnimal> NotSeen => Animals.Where(a => a.Presence == CensusPresence.NotSeen).ToList();

    /// <summary>Animals paid for as dead that a photo of this visit shows.</summary>
    public IReadOnlyList<CensusAnimal> SeenAfterDeathClaim => Animals.Where(a => a.Presence == CensusPresence.SeenAfterDeathClaim).ToList();

    public IReadOnlyList<CensusSighting> Unmatched => Photos.Where(p => p.AnimalId is null).ToList();
}

/// <summary>A census sighting as the registry keeps it: its name and the insured animal it showed (null: none).</summary>
public sealed record CensusVisitSighting(string Photo, string? AnimalId);

/// <summary>A census visit as the registry keeps it: what it found of each of the policy's animals (policy order) and of
/// each sighting (visit order), the ledger key it was anchored under (a digest of its photos' embeddings, which the
/// registry does not keep) and its entry.</summary>
public sealed record CensusVisit(string PolicyId, DateOnly Day, string LedgerKey, IReadOnlyList<CensusAnimal> Animals, IReadOnlyList<CensusVisitSighting> Sightings,
    long LedgerEntry, DateTimeOffset RecordedAt);

/// <summary>What a census report (as of a day) says of one insured animal: what the latest census visit of its policy on
/// or before that day found (<see cref="CensusPresence"/>), <see cref="ClaimedDead"/> also when a death claim on it was
/// paid by that day after its last visit, or <see cref="Unknown"/> when no visit was made yet.</summary>
public enum CensusOutcome
{
    Seen,
    NotSeen,
    ClaimedDead,
    SeenAfterDeathClaim,

    /// <summary>No census visit of the animal's policy on or before the day: nobody has looked.</summary>
    Unknown,
}

public static class CensusOutcomeNames
{
    public static CensusOutcome Of(CensusPresence presence) => presence switch
    {
        CensusPresence.Seen => CensusOutcome.Seen,
        CensusPresence.NotSeen => CensusOutcome.NotSeen,
        CensusPresence.ClaimedDead => CensusOutcome.ClaimedDead,
        CensusPresence.SeenAfterDeathClaim => CensusOutcome.SeenAfterDeathClaim,
        _ => throw new ArgumentOutOfRangeException(nameof(presence)),
    };

    public static string Name(this CensusOutcome outcome) => outcome switch
    {
        CensusOutcome.Unknown => "unknown",
        CensusOutcome.Seen => "seen",
        CensusOutcome.NotSeen => "not-seen",
        CensusOutcome.ClaimedDead => "claimed-dead",
        CensusOutcome.SeenAfterDeathClaim => "seen-after-death-claim",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    /// <summary>The outcome a wire name stands for; errors name <paramref name="field"/> and the names it takes.</summary>
    public static Result<CensusOutcome> Parse(string? text, string field) => WireNames.Parse<CensusOutcome>(text, field, "census outcome", Name);
}

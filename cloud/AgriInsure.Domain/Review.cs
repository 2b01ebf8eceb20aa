namespace AgriInsure.Domain;

/// <summary>A reviewer's verdict on a flagged duplicate enrolment.</summary>
public enum ReviewVerdict
{
    /// <summary>The same animal enrolled again: confirmed, nothing enrolled.</summary>
    Duplicate,

    /// <summary>A different animal after all: enrolled, and the pair kept as a confirmed impostor pair.</summary>
    NewAnimal,
}

public static class ReviewVerdictNames
{
    public static Result<ReviewVerdict> Parse(string? text, string field = "verdict") => WireNames.Parse<ReviewVerdict>(text, field, "review verdict", Name);

    public static string Name(this ReviewVerdict verdict) => verdict switch
    {
        ReviewVerdict.Duplicate => "duplicate",
        ReviewVerdict.NewAnimal => "new-animal",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, null),
    };
}

/// <summary>What a reviewer decided, who, when, why, and where it is anchored.</summary>
/// <param name="EnrolledAnimalId">The animal enrolled on a <see cref="ReviewVerdict.NewAnimal"/> verdict.</param>
public sealed record ReviewDecision(string CaptureId, ReviewVerdict Verdict, string Reviewer, string Reason, DateTimeOffset DecidedAt, string? EnrolledAnimalId, long LedgerEntry);

/// <summary>A flagged duplicate enrolment as a case with its evidence: the new capture and the enrolled
/// animal it matched (farmers, the crops of every photo, GPS fixes, dates) and the scores, open until a reviewer
/// decides it.</summary>
/// <param name="CropKeys">The new capture's photos' crops, in order.</param>
/// <param name="Score">The fused score the decision flagged it at.</param>
/// <param name="PhotoScores">Per photo of the new capture, in order, its best cosine among the matched animal's
/// templates (the fused score is their mean); empty where the two were embedded by different models.</param>
/// <param name="MatchedCropKeys">The crops of the matched animal's templates, in order.</param>
public sealed record DuplicateCase(
    string CaptureId, string? FarmerId, GeoPoint Fix, DateTimeOffset TakenAt, IReadOnlyList<string> CropKeys, float Score, IReadOnlyList<float> PhotoScores,
    string MatchedAnimalId, string MatchedFarmerId, GeoPoint MatchedFix, DateTimeOffset MatchedTakenAt, IReadOnlyList<string> MatchedCropKeys,
    ReviewDecision? Decision)
{
    /// <summary>Great-circle distance between the two enrolment fixes.</summary>
    public Length Distance => Fix.DistanceTo(MatchedFix);

    public bool IsOpen => Decision is null;
}

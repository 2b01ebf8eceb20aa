using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>An animal already insured by <paramref name="Policy"/> on some day of a cover asked for.</summary>
public sealed record PolicyOverlap(string AnimalId, LivestockPolicy Policy)
{
    public override string ToString() =>
        $"animal '{AnimalId}' is already insured by {Policy.Id} from {Policy.Coverage.Start:yyyy-MM-dd} to {Policy.Coverage.End:yyyy-MM-dd}";
}

/// <summary>Why a stored crop is known to show its animal.</summary>
public enum LabelSource
{
    /// <summary>A crop the animal's templates were made from: its enrolment (accepted, or overridden to a new
    /// animal by a reviewer).</summary>
    Template,

    /// <summary>A later enrolment photo flagged as a duplicate of the animal, which a reviewer confirmed.</summary>
    ConfirmedDuplicate,
}

public static class LabelSourceNames
{
    public static Result<LabelSource> Parse(string? text, string field = "source") => WireNames.Parse<LabelSource>(text, field, "label source", Name);

    public static string Name(this LabelSource source) => source switch
    {
        LabelSource.Template => "template",
        LabelSource.ConfirmedDuplicate => "confirmed-duplicate",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, null),
    };
}

/// <summary>One stored photo crop of an animal: the capture it came with and its place among that capture's photos
/// (for a <see cref="LabelSource.Template"/> crop also the template's ordinal: template i is its enrolling capture's photo i).</summary>
public sealed record LabelledCrop(string CaptureId, int Ordinal, string CropKey, LabelSource Source);

/// <summary>An enrolled animal with every crop the registry knows to show it (each of its templates' crops, then
/// every photo of each duplicate a reviewer confirmed); <paramref name="ModelId"/> is the model its templates come from.</summary>
public sealed record LabelledAnimal(string AnimalId, string FarmerId, string? EarTag, string ModelId, IReadOnlyList<LabelledCrop> Crops);

/// <summary>Template <paramref name="Ordinal"/> of an animal made again by another model from its own crop,
/// <paramref name="CropKey"/> (the switch checks it is that template's).</summary>
public sealed record ReembeddedTemplate(string AnimalId, int Ordinal, string CropKey, Embedding Template);

/// <summary>The face model a registry's templates of one species come from, since when and on whose figures:
/// recorded by a promote, anchored at <paramref name="LedgerEntry"/>. <paramref name="ManifestPath"/> is where
/// the model's manifest lies (inside the cloud's folder), <paramref name="ManifestSha256"/> its content;
/// <paramref name="Animals"/> and <paramref name="Templates"/> how many were re-embedded (template rows, 1 to 5 an animal).</summary>
public sealed record ActiveModel(
    Species Species, string ModelId, string Version, string ManifestPath, string ManifestSha256, string? PreviousModelId,
    DateTimeOffset SwitchedAt, long LedgerEntry, int Animals, int Templates);

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

/// <summary>What a promote's re-embedded templates must be, whichever engine stores them: all of the new model, each
/// template row once, and exactly the species' template rows, each made from that row's own crop. Errors name the field
/// <c>templates</c>.</summary>
public static class ModelSwitchRule
{
    /// <summary>Checked before any store is touched: every template of <paramref name="model"/>'s id, none given twice.</summary>
    public static ValidationError? CheckGiven(ActiveModel model, IReadOnlyList<ReembeddedTemplate> templates)
    {
        if (templates.FirstOrDefault(t => t.Template.ModelId != model.ModelId) is { } other)
            return new ValidationError("templates", $"template {other.Ordinal} of {other.AnimalId} comes from {other.Template.ModelId}, not {model.ModelId}");
        if (templates.CountBy(t => (t.AnimalId, t.Ordinal)).FirstOrDefault(g => g.Value > 1) is { Value: > 1 } twice)
            return new ValidationError("templates", $"template {twice.Key.Ordinal} of {twice.Key.AnimalId} is given {twice.Value} times");
        return null;
    }

    /// <summary>Checked inside the switch's transaction against the species' template <paramref name="rows"/> as stored: an
    /// animal enrolled after the crops were re-embedded would be left with the old model's templates, and its searches would
    /// compare two versions.</summary>
    public static ValidationError? CheckCover(ActiveModel model, IReadOnlyList<ReembeddedTemplate> templates, IReadOnlyList<(string AnimalId, int Ordinal, string CropKey)> rows)
    {
        var given = templates.ToDictionary(t => (t.AnimalId, t.Ordinal));
        foreach (var (animal, ordinal, crop) in rows)
        {
            if (!given.TryGetValue((animal, ordinal), out var made))
                return new ValidationError("templates", $"template {ordinal} of animal {animal} (crop {crop}) was not re-embedded; the animal was enrolled since the crops were re-embedded: promote again");
            if (made.CropKey != crop)
                return new ValidationError("templates", $"template {ordinal} of animal {animal} was re-embedded from {made.CropKey}, not from its own crop {crop}");
        }
        return given.Count == rows.Count ? null
            : new ValidationError("templates", $"{given.Count} templates given for the {rows.Count} template rows of the registry's {model.Species.Name()}");
    }
}

/// <summary>Rows as the registry engines store them, read back into domain records, in one place for every engine.</summary>
public static class StoredRows
{
    /// <summary>A signed contract's row; one no contract could have written is a corrupt store
    /// (<see cref="InvalidDataException"/>).</summary>
    public static SignedContract Contract(string policyId, string documentHex, string blobKey, long anchorIndex, DateTimeOffset activatedAt)
    {
        var contract = Digest.FromHex(documentHex, "contract.document").Then(d => SignedContract.Create(policyId, d, blobKey, anchorIndex, activatedAt));
        return contract.IsOk ? contract.Value : throw new InvalidDataException($"registry: the signed contract of {policyId} is stored unreadably: {contract.Error}");
    }

    /// <summary>An identity check's row (time as ISO 8601 text, method and outcome by wire name); one no check could have
    /// written is a corrupt store (<see cref="InvalidDataException"/>).</summary>
    public static IdentityCheck IdentityCheck(string id, string farmer, string agent, string method, DateTimeOffset at, string outcome, string keyId, string hash)
    {
        var check = IdentityHash.Create(keyId, hash).Then(h => IdentityCheckMethodNames.Parse(method).Then(m => IdentityCheckOutcomeNames.Parse(outcome)
            .Then(o => Domain.IdentityCheck.Create(id, farmer, agent, m, at.ToUniversalTime(), o, h))));
        return check.IsOk ? check.Value : throw new InvalidDataException($"registry: identity check {id} is stored unreadably: {check.Error}");
    }
}

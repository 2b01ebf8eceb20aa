using AgriInsure.Domain;
using AgriInsure.Registry;

namespace AgriInsure.Cli.Retraining;

/// <summary>The registry's animals as a retrain uses them: held out (never trained on; the slice both models
/// are compared on), validation (the candidate's threshold is set on them) and training.</summary>
internal sealed record RetrainSplit(IReadOnlyList<LabelledAnimal> Train, IReadOnlyList<LabelledAnimal> Validation, IReadOnlyList<LabelledAnimal> HeldOut, int Learned)
{
    /// <summary>Animals a retrain needs at least: <see cref="MinHeldOut"/> held out, <see cref="MinValidation"/>
    /// for the threshold and <see cref="MinTrain"/> to train on.</summary>
    public const int MinAnimals = MinHeldOut + MinValidation + MinTrain;

    /// <summary>Below 10 animals one animal moves rank-1 by more than 10 points: the comparison would be a coin toss.</summary>
    public const int MinHeldOut = 10;

    /// <summary>The candidate's threshold is its validation animals' FAR 0.1 % point; fewer than 4 give under 100 impostor pairs.</summary>
    public const int MinValidation = 4;

    /// <summary>One batch of the training code's triplet term: 16 animals × 4 photos (train_embedder.py refuses fewer
    /// training animals for the same reason).</summary>
    public const int MinTrain = 16;

    /// <summary>A 3-shot gallery and one query: what TAR at FAR 1 % and rank-1 3-shot need of each evaluated animal.</summary>
    public const int PhotosToEvaluate = 4;

    /// <summary>The held-out share of the animals that can be held out (at least <see cref="MinHeldOut"/>).</summary>
    public const double HeldOutShare = 0.2;

    public const double ValidationShare = 0.1;

    /// <summary>Held out: the animals with <see cref="PhotosToEvaluate"/> crops or more that the current model did not
    /// learn from, in the order of SHA-256(seed, animal id), the first 20 % (at least 10). The order of an animal
    /// never changes as the registry grows, so the held-out animals of one retrain stay held out in the next
    /// (unless the current model learned them). Validation: the next 10 % (at least 4) of those with enough crops.
    /// <paramref name="learned"/> names what the current model's manifest lists as trained or validated on
    /// (matched against an animal's ear tag and registry/&lt;animal id&gt;).</summary>
    public static Result<RetrainSplit> Draw(IReadOnlyList<LabelledAnimal> animals, IReadOnlySet<string> learned, int seed)
    {
        if (animals.Count < MinAnimals)
        {
            return Result<RetrainSplit>.Fail("animals",
                $"the registry has {animals.Count} eligible animals (enrolled, or overridden to a new animal by review); a retrain needs at least {MinAnimals}: " +
                $"{MinHeldOut} held out to compare the models on, {MinValidation} to set the candidate's threshold and {MinTrain} to train on (one batch of the training code's triplet term)");
        }
        bool Learned(LabelledAnimal a) => learned.Contains($"registry/{a.AnimalId}") || (a.EarTag is { } tag && learned.Contains(tag));
        var ordered = animals.OrderBy(a => Digest.Of("held-out", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), a.AnimalId).Hex, StringComparer.Ordinal).ToList();
        var evaluable = ordered.Where(a => a.Crops.Count >= PhotosToEvaluate).ToList();
        var canHoldOut = evaluable.Where(a => !Learned(a)).ToList();
        var heldOutCount = Math.Max(MinHeldOut, (int)Math.Round(HeldOutShare * canHoldOut.Count));
        if (canHoldOut.Count < MinHeldOut)
        {
            return Result<RetrainSplit>.Fail("held-out",
                $"{canHoldOut.Count} animals have {PhotosToEvaluate} or more crops and were not learned by the current model ({animals.Count(Learned)} were); " +
                $"at least {MinHeldOut} are needed to compare the models on (a 3-shot gallery and a query each)");
        }
        var heldOut = canHoldOut.Take(heldOutCount).ToList();
        var validationPool = evaluable.Except(heldOut).ToList();
        var validationCount = Math.Max(MinValidation, (int)Math.Round(ValidationShare * validationPool.Count));
        if (validationPool.Count < MinValidation)
        {
            return Result<RetrainSplit>.Fail("validation",
                $"{validationPool.Count} animals with {PhotosToEvaluate} or more crops are left once {heldOut.Count} are held out; the candidate's threshold needs {MinValidation}");
        }
        var validation = validationPool.Take(validationCount).ToList();
        var train = ordered.Except(heldOut).Except(validation).ToList();
        if (train.Count < MinTrain)
            return Result<RetrainSplit>.Fail("animals", $"{train.Count} animals are left to train on once {heldOut.Count} are held out and {validation.Count} validate; at least {MinTrain} are needed");
        return Result<RetrainSplit>.Ok(new RetrainSplit(train, validation, heldOut, animals.Count(Learned)));
    }
}

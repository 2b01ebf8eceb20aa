using System.Security.Cryptography;
using System.Text.Json.Serialization;
using AgriInsure.Edge.Vision;
using AgriInsure.Evaluation;
using AgriInsure.Registry;
using AgriInsure.Storage;

namespace AgriInsure.Cli.Retraining;

/// <summary>Whether a candidate beat the current model on the registry's held-out animals.</summary>
internal enum ComparisonVerdict
{
    /// <summary>Higher TAR at FAR 1 %, or the same and a higher rank-1 3-shot.</summary>
    Better,

    /// <summary>Lower or equal: the current model stays.</summary>
    NotBetter,
}

internal static class ComparisonVerdictNames
{
    public static string Name(this ComparisonVerdict verdict) => verdict switch
    {
        ComparisonVerdict.Better => "better",
        ComparisonVerdict.NotBetter => "not-better",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, null),
    };
}

/// <summary>One model's figures on the held-out animals; <see cref="ManifestSha256"/> ties them to its manifest.</summary>
internal sealed record ModelFigures(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("manifest_sha256")] string ManifestSha256,
    [property: JsonPropertyName("report")] EvaluationReport Report);

/// <summary>Both models on the same held-out animals of a registry, and the verdict; what the candidate's
/// manifest records under <c>registry_evaluation</c>.</summary>
internal sealed record RegistryComparison(
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("held_out")] IReadOnlyList<string> HeldOut,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("crops_refused")] int CropsRefused,
    [property: JsonPropertyName("current")] ModelFigures Current,
    [property: JsonPropertyName("candidate")] ModelFigures Candidate,
    [property: JsonPropertyName("verdict")] string Verdict)
{
    [JsonIgnore]
    public bool Better => Verdict == ComparisonVerdict.Better.Name();
}

/// <summary>Evaluates two face models on the stored crops of the same animals (protocol of ../shared/EVAL.md,
/// the handheld's quality gate and embedder) and says which is better.</summary>
internal static class ModelComparison
{
    public const string Metric = "tar_at_far_1pct, then rank1_3shot: 3-shot galleries of the registry's held-out animals (../shared/EVAL.md), each model at its own manifest's threshold";

    /// <summary>The first figure decides; the second only on a tie. A false match pays a claim on the wrong
    /// animal, so the verification figure comes first.</summary>
    public static ComparisonVerdict Judge(EvaluationReport current, EvaluationReport candidate) =>
        candidate.TarAtFar1Pct > current.TarAtFar1Pct || (candidate.TarAtFar1Pct == current.TarAtFar1Pct && candidate.Rank1ThreeShot > current.Rank1ThreeShot)
            ? ComparisonVerdict.Better
            : ComparisonVerdict.NotBetter;

    /// <summary>Errors: <see cref="UsageException"/> when a held-out crop is missing from the blob store.</summary>
    public static async Task<RegistryComparison> CompareAsync(
        IBlobStore blobs, IReadOnlyList<LabelledAnimal> heldOut, string currentPath, string candidatePath, int seed, IProgress<int>? progress, CancellationToken ct)
    {
        var crops = new List<(string Animal, byte[] Crop)>();
        foreach (var animal in heldOut)
        {
            foreach (var crop in animal.Crops)
            {
                crops.Add((animal.AnimalId, await blobs.GetAsync(crop.CropKey, ct)
                    ?? throw new UsageException($"held-out animal {animal.AnimalId}: its crop {crop.CropKey} is not in the cloud's blob store")));
            }
        }
        var done = 0;
        var (current, refused) = Figures(currentPath, crops, seed, () => progress?.Report(++done), ct);
        var (candidate, _) = Figures(candidatePath, crops, seed, () => progress?.Report(++done), ct);
        return new RegistryComparison(Metric, heldOut.Select(a => a.AnimalId).ToList(), seed, refused, current, candidate, Judge(current.Report, candidate.Report).Name());
    }

    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static (ModelFigures Figures, int Refused) Figures(string manifestPath, IReadOnlyList<(string Animal, byte[] Crop)> crops, int seed, Action step, CancellationToken ct)
    {
        if (!ModelManifest.TryLoad(manifestPath, out var manifest, out var error))
            throw new UsageException($"model {manifestPath}: {error}");
        using var embedder = new FaceEmbedder(manifest!);
        var pipeline = new FacePipeline(embedder, new QualityGate(new QualityOptions()), null);
        var refused = 0;
        var samples = new List<IdentitySamples>();
        foreach (var group in crops.GroupBy(c => c.Animal))
        {
            var embeddings = new List<float[]>();
            foreach (var (_, crop) in group)
            {
                ct.ThrowIfCancellationRequested();
                step();
                using var face = pipeline.Run(crop);
                if (face.Accepted)
                    embeddings.Add(face.Embedding!);
                else
                    refused++;
            }
            samples.Add(new IdentitySamples(group.Key, embeddings));
        }
        var report = OpenSetEvaluation.Evaluate(samples, manifest!.Threshold, seed);
        return (new ModelFigures(manifest.Id, manifest.Version, Sha256(manifestPath), report), refused);
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgriInsure.Domain;
using AgriInsure.Edge.Vision;
using AgriInsure.Registry;
using AgriInsure.Storage;

namespace AgriInsure.Cli.Retraining;

/// <summary>What a retrain was asked for: the registry and its blobs, the current model, where the candidate
/// goes (a new or empty folder), the held-out seed and the training budget.</summary>
internal sealed record RetrainOptions(string OutFolder, int Seed, int Epochs, int BudgetSeconds, string? InitFrom, DateTimeOffset Now);

/// <summary>What a retrain made: the candidate's manifest (in the output folder), the split and the comparison.</summary>
internal sealed record RetrainResult(string CandidateManifest, RetrainSplit Split, RegistryComparison Comparison, int MissingCrops);

/// <summary>The model learns from the registry: the labelled crops of eligible animals exported by animal, a
/// seeded held-out split, the training code run on the rest, and the candidate and the current model compared on
/// the held-out animals; the comparison goes into the candidate's manifest and card.</summary>
internal sealed partial class Retrain(IRegistry registry, IBlobStore blobs, string currentManifestPath, ITrainer trainer)
{
    /// <summary>Where a phase stands: its name, how many are done and of how many.</summary>
    public Action<string, int, int>? Progress { get; init; }

    /// <summary>Errors: <see cref="UsageException"/> naming the reason (too few animals, a model that is not the
    /// registry's); <see cref="TrainingException"/> when the training code fails. Nothing is left in
    /// <see cref="RetrainOptions.OutFolder"/> unless the whole run succeeds.</summary>
    public async Task<RetrainResult> RunAsync(RetrainOptions options, CancellationToken ct)
    {
        if (!ModelManifest.TryLoad(currentManifestPath, out var current, out var error))
            throw new UsageException($"--model: {error}");
        var labelled = await registry.LabelledAnimalsAsync(Species.Cattle, ct);
        if (labelled.FirstOrDefault(a => a.ModelId != current!.Id) is { } other)
            throw new UsageException($"--model: the registry's templates come from {other.ModelId}, not {current!.Id}; give the manifest of the model they were made with");

        var (animals, missing) = await WithStoredCropsAsync(labelled, ct);
        var split = Split(animals, options.Seed);
        using var staging = new StagingFolder(options.OutFolder);
        var data = Path.Combine(staging.Path, "data");
        await ExportAsync(split, data, ct);
        var splitFile = Path.Combine(staging.Path, "split.json");
        await File.WriteAllTextAsync(splitFile, JsonSerializer.Serialize(new
        {
            train = split.Train.Select(Name), val = split.Validation.Select(Name), test = split.HeldOut.Select(Name),
        }), ct);

        var stamp = options.Now.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var name = $"{Family().Replace(current!.Id, "")}-r{stamp}";
        var candidateFolder = Path.Combine(staging.Path, "candidate");
        Directory.CreateDirectory(candidateFolder);
        var request = new TrainingRequest(data, splitFile, candidateFolder, name, $"r{stamp}", current.Input.Width, current.Input.Height,
            options.Epochs, options.BudgetSeconds, options.InitFrom, options.Seed);
        var manifestPath = await trainer.TrainAsync(request, new CallbackProgress<(int Done, int Of)>(e => Progress?.Invoke("training", e.Done, e.Of)), ct);

        var photos = split.HeldOut.Sum(a => a.Crops.Count);
        var comparison = await ModelComparison.CompareAsync(blobs, split.HeldOut, currentManifestPath, manifestPath, options.Seed,
            new CallbackProgress<int>(n => Progress?.Invoke("evaluating both models on the held-out animals", n, 2 * photos)), ct);
        Record(manifestPath, comparison, split);
        File.Copy(splitFile, Path.Combine(candidateFolder, "split.json"));

        ct.ThrowIfCancellationRequested();
        // The exported crops stay behind with the staging folder: the registry keeps them, the candidate does not need them.
        foreach (var file in Directory.GetFiles(candidateFolder))
            File.Move(file, Path.Combine(options.OutFolder, Path.GetFileName(file)));
        return new RetrainResult(Path.Combine(options.OutFolder, Path.GetFileName(manifestPath)), split, comparison, missing);
    }

    /// <summary>A retrained model is named after the shipped family with its own stamp, so its templates never
    /// share a model id with another version's (the index and every similarity refuse to compare across ids).</summary>
    [GeneratedRegex(@"(-r\d{14})+$")]
    private static partial Regex Family();

    private static string Name(LabelledAnimal a) => $"registry/{a.AnimalId}";

    private RetrainSplit Split(IReadOnlyList<LabelledAnimal> animals, int seed)
    {
        var split = TrainingSplit.Read(currentManifestPath);
        // A retrained model names its animals registry/<animal id>; the shipped one dataset/animal, which a
        // seeded registry carries as the ear tag dataset.animal.
        var learned = split.Train.Concat(split.Val).SelectMany(a => new[] { $"{a.Dataset}/{a.Animal}", RegistrySeed.EarTag(a.Dataset, a.Animal) }).ToHashSet(StringComparer.Ordinal);
        var drawn = RetrainSplit.Draw(animals, learned, seed);
        if (!drawn.TryGet(out var value, out var refusal))
            throw new UsageException($"retrain refused ({refusal.Field}): {refusal.Reason}");
        return value;
    }

    /// <summary>The animals with only the crops the blob store still holds (a crop lost from storage is not a
    /// reason to refuse a retrain; it is counted).</summary>
    private async Task<(List<LabelledAnimal> Animals, int Missing)> WithStoredCropsAsync(IReadOnlyList<LabelledAnimal> labelled, CancellationToken ct)
    {
        var missing = 0;
        var animals = new List<LabelledAnimal>();
        foreach (var animal in labelled)
        {
            var kept = new List<LabelledCrop>();
            foreach (var crop in animal.Crops)
            {
                if (await blobs.ExistsAsync(crop.CropKey, ct))
                    kept.Add(crop);
                else
                    missing++;
            }
            if (kept.Count > 0)
                animals.Add(animal with { Crops = kept });
        }
        return (animals, missing);
    }

    /// <summary>DIR/registry/&lt;animal id&gt;/&lt;n&gt;.jpg: one folder of stored crops per animal, as the training code reads.</summary>
    private async Task ExportAsync(RetrainSplit split, string folder, CancellationToken ct)
    {
        var animals = split.Train.Concat(split.Validation).Concat(split.HeldOut).ToList();
        var total = animals.Sum(a => a.Crops.Count);
        var done = 0;
        foreach (var animal in animals)
        {
            var dir = Path.Combine(folder, "registry", animal.AnimalId);
            Directory.CreateDirectory(dir);
            for (var i = 0; i < animal.Crops.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var bytes = await blobs.GetAsync(animal.Crops[i].CropKey, ct) ?? throw new UsageException($"crop {animal.Crops[i].CropKey} vanished from the blob store during the export");
                await File.WriteAllBytesAsync(Path.Combine(dir, $"{i:00}.jpg"), bytes, ct);
                Progress?.Invoke("exporting the registry's crops", ++done, total);
            }
        }
    }

    /// <summary>The comparison and the split's sizes into the candidate's manifest (<c>registry_evaluation</c>) and a
    /// section of its card.</summary>
    private static void Record(string manifestPath, RegistryComparison comparison, RetrainSplit split)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        var evaluation = JsonSerializer.SerializeToNode(comparison)!.AsObject();
        evaluation["split"] = JsonSerializer.SerializeToNode(new { train = split.Train.Count, validation = split.Validation.Count, held_out = split.HeldOut.Count, learned_by_current = split.Learned });
        manifest["registry_evaluation"] = evaluation;
        File.WriteAllText(manifestPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        var card = Path.Combine(Path.GetDirectoryName(manifestPath)!, $"{manifest["id"]!.GetValue<string>()}.md");
        string Row(ModelFigures f) => string.Create(CultureInfo.InvariantCulture,
            $"| {f.Id} {f.Version} | {f.Report.Identities} | {f.Report.Images} | {f.Report.Rank1ThreeShot:P1} | {f.Report.TarAtFar1Pct:P1} | {f.Report.TarAtFar01Pct:P1} | {f.Report.Eer:P1} |");
        File.AppendAllText(card, $"""

            ## On the registry's held-out animals (tools/agri model retrain)

            Both models through the handheld's pipeline on the stored crops of the same {comparison.HeldOut.Count} held-out animals (never
            trained on; listed in the manifest under `registry_evaluation`), seed {comparison.Seed}. The comparison: {comparison.Metric}.

            | model | identities | images | rank-1 3-shot | TAR @ FAR 1 % | TAR @ FAR 0.1 % | EER |
            |---|---|---|---|---|---|---|
            {Row(comparison.Current)}
            {Row(comparison.Candidate)}

            Verdict: **{comparison.Verdict}**{(comparison.Better ? "; `tools/agri model promote` may switch the registry to it." : "; `tools/agri model promote` refuses it.")}

            """);
    }
}

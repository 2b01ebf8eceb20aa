using System.Globalization;
using System.Text.Json;
using AgriInsure.Domain;
using AgriInsure.Edge.Vision;
using AgriInsure.Ledger;
using AgriInsure.Livestock;
using AgriInsure.Registry;
using AgriInsure.Storage;

namespace AgriInsure.Cli.Retraining;

/// <summary>How a promote ended.</summary>
internal enum PromotionOutcome
{
    /// <summary>Every template re-embedded with the candidate, which is now the registry's model.</summary>
    Switched,

    /// <summary>The candidate is not better than the current model on the held-out animals: nothing changed.</summary>
    RefusedNotBetter,

    /// <summary>The candidate is the registry's model already.</summary>
    AlreadyActive,
}

internal static class PromotionOutcomeNames
{
    public static string Name(this PromotionOutcome outcome) => outcome switch
    {
        PromotionOutcome.Switched => "switched",
        PromotionOutcome.RefusedNotBetter => "refused-not-better",
        PromotionOutcome.AlreadyActive => "already-active",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}

internal sealed record PromotionResult(PromotionOutcome Outcome, RegistryComparison? Comparison, ActiveModel? Active);

/// <summary>Switches a registry to a retrained model only when it beats the current one on the held-out animals
/// its retrain recorded, evaluated again here: every template is re-embedded from its stored crop with the
/// candidate, the switch is anchored on the ledger, then stored in one transaction with the new templates. An
/// interrupted promote leaves the old model active and every template as it was; run again, it finishes (the
/// ledger answers the same anchor as already there).</summary>
internal sealed class ModelPromotion(IRegistry registry, ILedger ledger, IBlobStore blobs, string cloudFolder, string currentManifestPath)
{
    public Action<string, int, int>? Progress { get; init; }

    /// <summary>Errors: <see cref="UsageException"/> for a manifest retrain did not write, a comparison made against
    /// another model than the registry's, a crop that cannot be embedded, or a switch the registry refuses.</summary>
    public async Task<PromotionResult> RunAsync(string candidatePath, DateTimeOffset now, CancellationToken ct)
    {
        if (!ModelManifest.TryLoad(candidatePath, out var candidate, out var error))
            throw new UsageException($"--candidate: {error}");
        var recorded = Recorded(candidatePath);
        var active = await registry.ActiveModelAsync(Species.Cattle, ct);
        if (active?.ModelId == candidate!.Id)
            return new PromotionResult(PromotionOutcome.AlreadyActive, null, active);
        var currentSha = ModelComparison.Sha256(currentManifestPath);
        if (recorded.Current.ManifestSha256 != currentSha)
            throw new UsageException($"--candidate: it was compared with {recorded.Current.Id} {recorded.Current.Version} (manifest SHA-256 {recorded.Current.ManifestSha256[..12]}…), but the registry's model is {currentManifestPath} ({currentSha[..12]}…); retrain against the registry's model");

        var labelled = await registry.LabelledAnimalsAsync(Species.Cattle, ct);
        var ids = recorded.HeldOut.ToHashSet(StringComparer.Ordinal);
        var heldOut = labelled.Where(a => ids.Contains(a.AnimalId)).ToList();
        if (heldOut.Count < RetrainSplit.MinHeldOut)
            throw new UsageException($"--candidate: {heldOut.Count} of its {ids.Count} held-out animals are still in the registry; at least {RetrainSplit.MinHeldOut} are needed to compare the models");
        var photos = heldOut.Sum(a => a.Crops.Count);
        var comparison = await ModelComparison.CompareAsync(blobs, heldOut, currentManifestPath, candidatePath, recorded.Seed,
            new CallbackProgress<int>(n => Progress?.Invoke("evaluating both models on the held-out animals", n, 2 * photos)), ct);
        if (!comparison.Better)
            return new PromotionResult(PromotionOutcome.RefusedNotBetter, comparison, active);

        var templates = await ReembedAsync(labelled, candidate, ct);
        var (manifestInCloud, copied) = CopyIntoCloud(candidatePath, candidate);
        try
        {
            var manifestSha = ModelComparison.Sha256(Path.Combine(cloudFolder, manifestInCloud));
            var previous = active?.ModelId ?? labelled.FirstOrDefault()?.ModelId;
            var figures = string.Create(CultureInfo.InvariantCulture,
                $"{comparison.Current.Report.TarAtFar1Pct:R}/{comparison.Current.Report.Rank1ThreeShot:R} -> {comparison.Candidate.Report.TarAtFar1Pct:R}/{comparison.Candidate.Report.Rank1ThreeShot:R}");
            var anchored = await ledger.AppendAsync(new LedgerRecord(LivestockAnchors.ModelKind,
                LivestockAnchors.ModelKey(Species.Cattle, candidate.Id),
                Digest.Of("model-switch", candidate.Id, candidate.Version, manifestSha, previous ?? "", currentSha, string.Join(",", comparison.HeldOut), figures).Hex), ct);
            if (anchored is AppendResult.Refused refused)
                throw new UsageException($"--candidate: the ledger refused the switch to {candidate.Id}: {refused.Reason}");
            var switched = await registry.SwitchModelAsync(
                new ActiveModel(Species.Cattle, candidate.Id, candidate.Version, manifestInCloud, manifestSha, previous, now, anchored.Entry.Index, 0, 0), templates, ct);
            if (!switched.TryGet(out var model, out var refusal))
                throw new UsageException($"the registry refused the switch ({refusal.Field}): {refusal.Reason}");
            copied = false;
            return new PromotionResult(PromotionOutcome.Switched, comparison, model);
        }
        finally
        {
            // Nothing points at the copy unless the switch was stored.
            if (copied)
                Directory.Delete(Path.Combine(cloudFolder, Path.GetDirectoryName(manifestInCloud)!), recursive: true);
        }
    }

    /// <summary>The comparison retrain wrote into the candidate's manifest.</summary>
    private static RegistryComparison Recorded(string candidatePath)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(candidatePath));
        if (!json.RootElement.TryGetProperty("registry_evaluation", out var evaluation))
            throw new UsageException($"--candidate {candidatePath}: no registry_evaluation; promote takes a candidate that tools/agri model retrain made");
        return evaluation.Deserialize<RegistryComparison>()
            ?? throw new UsageException($"--candidate {candidatePath}: registry_evaluation is empty");
    }

    /// <summary>Every template row embedded again by the candidate from its own crop (1 to 5 an animal): all or none
    /// (a crop it refuses stops the promote).</summary>
    private async Task<List<ReembeddedTemplate>> ReembedAsync(IReadOnlyList<LabelledAnimal> animals, ModelManifest candidate, CancellationToken ct)
    {
        using var embedder = new FaceEmbedder(candidate);
        var pipeline = new FacePipeline(embedder, new QualityGate(new QualityOptions()), null);
        var crops = animals.SelectMany(a => a.Crops.Where(c => c.Source == LabelSource.Template).Select(c => (a.AnimalId, c))).ToList();
        var templates = new List<ReembeddedTemplate>(crops.Count);
        foreach (var (animal, crop) in crops)
        {
            ct.ThrowIfCancellationRequested();
            var bytes = await blobs.GetAsync(crop.CropKey, ct)
                ?? throw new UsageException($"animal {animal}: the crop of its template {crop.Ordinal}, {crop.CropKey}, is not in the blob store, so it cannot be re-embedded; nothing was switched");
            using var face = pipeline.Run(bytes);
            if (!face.Accepted)
                throw new UsageException($"animal {animal}: the candidate's pipeline refused the crop of its template {crop.Ordinal}, {crop.CropKey} ({string.Join("; ", face.Problems)}); nothing was switched");
            templates.Add(new ReembeddedTemplate(animal, crop.Ordinal, crop.CropKey, Embedding.Create(face.Embedding!, candidate.Id).Value));
            Progress?.Invoke("re-embedding every template with the candidate", templates.Count, crops.Count);
        }
        return templates;
    }

    /// <summary>The candidate's files into the cloud's folder (models/&lt;id&gt;/), so the registry's model travels
    /// with it; the manifest's path relative to the folder, and whether this call made the copy.</summary>
    private (string Manifest, bool Copied) CopyIntoCloud(string candidatePath, ModelManifest candidate)
    {
        var relative = Path.Combine("models", candidate.Id);
        var target = Path.Combine(cloudFolder, relative);
        var manifestName = Path.GetFileName(candidatePath);
        if (Directory.Exists(target))
            return (Path.Combine(relative, manifestName), false);
        var staging = $"{target}.{Guid.NewGuid():N}.tmp";
        Directory.CreateDirectory(staging);
        foreach (var file in new[] { candidatePath, candidate.ModelPath, Path.Combine(candidate.Folder, $"{candidate.Id}.md") }.Where(File.Exists))
            File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
        Directory.Move(staging, target);
        return (Path.Combine(relative, manifestName), true);
    }
}

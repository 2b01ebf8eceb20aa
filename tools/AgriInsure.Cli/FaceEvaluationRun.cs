using AgriInsure.Edge.Vision;
using AgriInsure.Evaluation;

namespace AgriInsure.Cli;

/// <summary>What happened to the photos of one evaluation run besides the figures.</summary>
internal sealed record PhotoAccounting(int Folders, int EmptyFolders, int Photos, int Unreadable, int RefusedByGate, int RefusedAsNotAFace, IReadOnlyList<string> Problems);

/// <summary>Embeds every photo of DIR/&lt;animal&gt;/ through the same pipeline a handheld runs (safe decode,
/// quality gate, manifest-driven ONNX embedder), then computes the figures of ../shared/EVAL.md.</summary>
internal sealed class FaceEvaluationRun(ModelManifest manifest, QualityGate gate, FaceCheck? faceCheck)
{
    private static readonly string[] PhotoExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif"];

    public (EvaluationReport Report, PhotoAccounting Photos) Run(string folder, int seed, Action<int, int>? progress = null)
    {
        if (!Directory.Exists(folder))
            throw new UsageException($"--data: {folder} is not a folder");
        var animals = Directory.GetDirectories(folder).Order(StringComparer.Ordinal).ToArray();
        if (animals.Length == 0)
            throw new UsageException($"--data: {folder} holds no sub-folders; it needs one folder of photos per animal");
        var files = animals.ToDictionary(a => a, a => Directory.GetFiles(a)
            .Where(f => PhotoExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToArray());
        var total = files.Values.Sum(f => f.Length);

        using var embedder = new FaceEmbedder(manifest, threads: Environment.ProcessorCount);
        var pipeline = new FacePipeline(embedder, gate, faceCheck);
        var problems = new List<string>();
        int unreadable = 0, refused = 0, notAFace = 0, done = 0;
        var samples = new List<IdentitySamples>();
        foreach (var animal in animals)
        {
            var embeddings = new List<float[]>();
            foreach (var file in files[animal])
            {
                progress?.Invoke(++done, total);
                byte[] bytes;
                try
                {
                    bytes = File.ReadAllBytes(file);
                }
                catch (IOException e)
                {
                    unreadable++;
                    problems.Add($"{Relative(folder, file)}: {e.Message}");
                    continue;
                }
                using var face = pipeline.Run(bytes);
                if (face.Accepted)
                {
                    embeddings.Add(face.Embedding!);
                    continue;
                }
                problems.Add($"{Relative(folder, file)}: {string.Join("; ", face.Problems)}");
                switch (face.RefusedAt)
                {
                    case RefusedAt.Decode:
                        unreadable++;
                        break;
                    case RefusedAt.QualityGate:
                        refused++;
                        break;
                    default:
                        notAFace++;
                        break;
                }
            }
            samples.Add(new IdentitySamples(Path.GetFileName(animal), embeddings));
        }
        var report = OpenSetEvaluation.Evaluate(samples, manifest.Threshold, seed);
        return (report, new PhotoAccounting(animals.Length, samples.Count(s => s.Embeddings.Count == 0), total, unreadable, refused, notAFace, problems));
    }

    private static string Relative(string root, string file) => Path.GetRelativePath(root, file);
}

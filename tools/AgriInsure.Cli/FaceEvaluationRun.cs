using AgriInsure.Edge.Vision;
using AgriInsure.Evaluation;

namespace AgriInsure.Cli;

/// <summary>What happened to the files of one evaluation run besides the figures. <see cref="UnreadableByReason"/>
/// counts the unreadable photos by error code (<see cref="VisionError.UnsupportedFormat"/> for a HEIC…) and
/// sums to <see cref="Unreadable"/>; <see cref="NotPhotos"/> are files neither named nor shaped like a photo.</summary>
internal sealed record PhotoAccounting(
    int Folders, int EmptyFolders, int Photos, int Unreadable, IReadOnlyDictionary<string, int> UnreadableByReason,
    int RefusedByGate, int RefusedAsNotAFace, IReadOnlyList<string> NotPhotos, IReadOnlyList<string> Problems)
{
    /// <summary>The rows the summary prints about the files, as (figure, value).</summary>
    public IEnumerable<(string Figure, string Value)> SummaryRows()
    {
        yield return ("photos unreadable / refused by the gate / not a face", $"{Unreadable} / {RefusedByGate} / {RefusedAsNotAFace} of {Photos}");
        if (UnreadableByReason.Count > 0)
            yield return ("unreadable photos by reason", string.Join(", ", UnreadableByReason.Select(r => $"{r.Key} {r.Value}")));
        yield return ("other files (not photos, ignored)", $"{NotPhotos.Count}");
        yield return ("empty animal folders", $"{EmptyFolders} of {Folders}");
    }
}

/// <summary>DIR/&lt;animal&gt;/&lt;photos&gt;: the animal folders, the photos of each, and the other files.</summary>
internal sealed record PhotoFolder(string Folder, string[] Animals, IReadOnlyDictionary<string, string[]> Photos, IReadOnlyList<string> NotPhotos)
{
    public int Total => Photos.Values.Sum(f => f.Length);

    /// <summary>The same folder without the animals named (by folder name).</summary>
    public PhotoFolder Without(IReadOnlyCollection<string> names)
    {
        var kept = Animals.Where(a => !names.Contains(Path.GetFileName(a))).ToArray();
        return this with { Animals = kept, Photos = kept.ToDictionary(a => a, a => Photos[a]) };
    }
}

/// <summary>Embeds every photo of DIR/&lt;animal&gt;/ through the same pipeline a handheld runs (safe decode,
/// quality gate, manifest-driven ONNX embedder), then computes the figures of ../shared/EVAL.md.</summary>
internal sealed class FaceEvaluationRun(ModelManifest manifest, QualityGate gate, FaceCheck? faceCheck)
{
    /// <summary>Error code of a photo file that cannot be read from disk (permissions, I/O).</summary>
    public const string ReadError = "read-error";

    /// <summary>The animals and photos of <paramref name="folder"/> (DIR/&lt;animal&gt;/&lt;photos&gt;), before
    /// any is read. Errors: <see cref="UsageException"/> when it is not a folder or holds no animal folders.</summary>
    public static PhotoFolder Scan(string folder)
    {
        if (!Directory.Exists(folder))
            throw new UsageException($"--data: {folder} is not a folder");
        var animals = Directory.GetDirectories(folder).Order(StringComparer.Ordinal).ToArray();
        if (animals.Length == 0)
            throw new UsageException($"--data: {folder} holds no sub-folders; it needs one folder of photos per animal");
        var all = animals.ToDictionary(a => a, a => Directory.GetFiles(a).Order(StringComparer.Ordinal).ToLookup(IsPhoto));
        return new PhotoFolder(folder, animals, all.ToDictionary(a => a.Key, a => a.Value[true].ToArray()),
            all.Values.SelectMany(f => f[false]).Select(f => Relative(folder, f)).ToList());
    }

    /// <summary>Embeds every photo, reporting how many are done; stops between photos when
    /// <paramref name="ct"/> is cancelled (<see cref="OperationCanceledException"/>). The samples are each
    /// animal's embeddings, in file order.</summary>
    public (EvaluationReport Report, PhotoAccounting Photos, IReadOnlyList<IdentitySamples> Samples) Run(PhotoFolder photoFolder, int seed, CancellationToken ct, IProgress<int>? progress = null)
    {
        var (folder, animals, files, notPhotos) = photoFolder;
        var total = photoFolder.Total;
        using var embedder = new FaceEmbedder(manifest, threads: Environment.ProcessorCount);
        var pipeline = new FacePipeline(embedder, gate, faceCheck);
        var problems = new List<string>();
        var unreadable = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int refused = 0, notAFace = 0, done = 0;
        var samples = new List<IdentitySamples>();
        foreach (var animal in animals)
        {
            var embeddings = new List<float[]>();
            foreach (var file in files[animal])
            {
                ct.ThrowIfCancellationRequested();
                progress?.Report(++done);
                byte[] bytes;
                try
                {
                    bytes = File.ReadAllBytes(file);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Unreadable(file, new VisionError(ReadError, e.Message));
                    continue;
                }
                using var face = pipeline.Run(bytes);
                if (face.Accepted)
                {
                    embeddings.Add(face.Embedding!);
                    continue;
                }
                switch (face.RefusedAt)
                {
                    case RefusedAt.Decode:
                        Unreadable(file, face.Problems[0]);
                        continue;
                    case RefusedAt.QualityGate:
                        refused++;
                        break;
                    default:
                        notAFace++;
                        break;
                }
                problems.Add($"{Relative(folder, file)}: {string.Join("; ", face.Problems)}");
            }
            samples.Add(new IdentitySamples(Path.GetFileName(animal), embeddings));
        }
        var report = OpenSetEvaluation.Evaluate(samples, manifest.Threshold, seed);
        return (report, new PhotoAccounting(animals.Length, samples.Count(s => s.Embeddings.Count == 0), total, unreadable.Values.Sum(), unreadable,
            refused, notAFace, notPhotos, problems), samples);

        void Unreadable(string file, VisionError error)
        {
            unreadable[error.Code] = unreadable.GetValueOrDefault(error.Code) + 1;
            problems.Add($"{Relative(folder, file)}: {error}");
        }
    }

    /// <summary>A photo by its name (<c>.jpg</c>, <c>.jfif</c>, <c>.HEIC</c>…) or, whatever its name, by
    /// its first bytes, so a photo saved without an extension is evaluated and a HEIC is counted as
    /// refused rather than passed over.</summary>
    internal static bool IsPhoto(string file)
    {
        if (PhotoFormats.HasPhotoExtension(file))
            return true;
        Span<byte> head = stackalloc byte[PhotoFormats.SignatureLength];
        try
        {
            using var stream = File.OpenRead(file);
            return PhotoFormats.Sniff(head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)]) != PhotoFormat.Unknown;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Counted as a photo so that reading it again reports why it is unreadable, instead of hiding it.
            return true;
        }
    }

    private static string Relative(string root, string file) => Path.GetRelativePath(root, file);
}

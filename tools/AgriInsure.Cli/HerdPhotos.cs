namespace AgriInsure.Cli;

/// <summary>Photos of one animal, in a fixed order.</summary>
internal sealed record AnimalPhotos(string Name, IReadOnlyList<Func<byte[]>> Shots);

/// <summary>Where the demo's cows come from: real photos from ../shared/data, or the generated sample herd.</summary>
internal sealed record HerdPhotos(string Source, bool Real, IReadOnlyList<AnimalPhotos> Animals)
{
    /// <summary>Datasets in the order the demo prefers them: Cattely's frontal face crops look like what
    /// an agent photographs with a handheld; Holstein2025 comes from fixed side-view barn cameras.</summary>
    private static readonly (string Name, string Folder)[] Datasets = [("cattely", "cattely"), ("holstein2025", Path.Combine("holstein2025", "datasets_v2"))];

    /// <summary>Real cattle from the identities the shipped model never saw in training (its manifest
    /// lists the split), so the demo shows what enrolment of a new animal really looks like.</summary>
    public static HerdPhotos Load(string dataRoot, string manifestPath, int count)
    {
        var cattle = Path.Combine(dataRoot, "cattle");
        if (!Directory.Exists(cattle))
            return Generated(count, $"{cattle} not found");
        var heldOut = TrainingSplit.Read(manifestPath).Test;
        var animals = Datasets
            .SelectMany(d => heldOut.Where(h => h.Dataset == d.Name).Select(h => h.Animal).Order(StringComparer.Ordinal)
                .Select(id => (d.Name, id, files: Photos(Path.Combine(cattle, d.Folder, id)))))
            .Where(a => a.files.Length >= 4)
            .Take(count)
            .Select(a => new AnimalPhotos($"{a.Name}/{a.id}", a.files.Select(f => (Func<byte[]>)(() => File.ReadAllBytes(f))).ToArray()))
            .ToList();
        return animals.Count < count
            ? Generated(count, $"{cattle} has {animals.Count} held-out cows with 4 or more photos, {count} are needed")
            : new HerdPhotos($"{cattle} (cows the model never saw in training)", true, animals);
    }

    private static string[] Photos(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).ToArray() : [];

    private static HerdPhotos Generated(int count, string why) =>
        new($"generated sample herd ({why})", false,
            Enumerable.Range(0, count)
                .Select(i => new AnimalPhotos($"sample cow {i + 1}", Enumerable.Range(0, 6).Select(s => (Func<byte[]>)(() => SampleHerd.Photo(i, s))).ToArray()))
                .ToList());
}

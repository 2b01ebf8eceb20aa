namespace AgriInsure.Cli;

/// <summary>Photos of one animal, in a fixed order, spread over what was taken of it (no two neighbouring frames).</summary>
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
            .Where(a => a.files.Length >= MinPhotos)
            .Take(count)
            .Select(a => new AnimalPhotos($"{a.Name}/{a.id}", Spread(a.files).Select(f => (Func<byte[]>)(() => File.ReadAllBytes(f))).ToArray()))
            .ToList();
        return animals.Count < count
            ? Generated(count, $"{cattle} has {animals.Count} held-out cows with {MinPhotos} or more photos, {count} are needed")
            : new HerdPhotos($"{cattle} (cows the model never saw in training)", true, animals);
    }

    /// <summary>The demo's photos of an animal, evenly spaced through its files in order: neighbouring files are often
    /// neighbouring frames of one clip, near-duplicates the handheld refuses as one view taken twice.</summary>
    private static IEnumerable<string> Spread(string[] files) =>
        Enumerable.Range(0, Math.Min(files.Length, DemoSeason.ShotsPerAnimal)).Select(i => files[i * files.Length / Math.Min(files.Length, DemoSeason.ShotsPerAnimal)]);

    /// <summary>A three-photo enrolment and a census photo.</summary>
    private const int MinPhotos = 4;

    private static string[] Photos(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).ToArray() : [];

    private static HerdPhotos Generated(int count, string why) =>
        new($"generated sample herd ({why})", false,
            Enumerable.Range(0, count)
                .Select(i => new AnimalPhotos($"sample cow {i + 1}", Enumerable.Range(0, DemoSeason.ShotsPerAnimal).Select(s => (Func<byte[]>)(() => SampleHerd.Photo(i, s))).ToArray()))
                .ToList());
}

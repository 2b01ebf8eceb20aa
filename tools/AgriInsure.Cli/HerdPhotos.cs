using System.Text.Json;

namespace AgriInsure.Cli;

/// <summary>Photos of one animal, in a fixed order.</summary>
internal sealed record AnimalPhotos(string Name, IReadOnlyList<Func<byte[]>> Shots);

/// <summary>Where the demo's cows come from: real photos from ../shared/data, or the generated sample herd.</summary>
internal sealed record HerdPhotos(string Source, bool Real, IReadOnlyList<AnimalPhotos> Animals)
{
    /// <summary>Real cattle from the identities the shipped model never saw in training (its manifest
    /// lists the split), so the demo shows what enrolment of a new animal really looks like.</summary>
    public static HerdPhotos Load(string dataRoot, string manifestPath, int count)
    {
        var holstein = Path.Combine(dataRoot, "cattle", "holstein2025", "datasets_v2");
        if (!Directory.Exists(holstein))
            return Generated(count, $"{holstein} not found");
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        var heldOut = manifest.RootElement.GetProperty("training").GetProperty("split").GetProperty("test")
            .EnumerateArray().Select(e => e.GetString()!)
            .Where(s => s.StartsWith("holstein2025/", StringComparison.Ordinal))
            .Select(s => s["holstein2025/".Length..])
            .Order(StringComparer.Ordinal)
            .ToList();
        var animals = heldOut
            .Select(id => (id, files: Directory.Exists(Path.Combine(holstein, id))
                ? Directory.GetFiles(Path.Combine(holstein, id), "*.jpg").Order(StringComparer.Ordinal).ToArray()
                : []))
            .Where(a => a.files.Length >= 4)
            .Take(count)
            .Select(a => new AnimalPhotos($"cow {a.id[^4..]}", a.files.Select(f => (Func<byte[]>)(() => File.ReadAllBytes(f))).ToArray()))
            .ToList();
        return animals.Count < count
            ? Generated(count, $"{holstein} has {animals.Count} held-out cows with 4 or more photos, {count} are needed")
            : new HerdPhotos($"{holstein} (held-out identities of the model)", true, animals);
    }

    private static HerdPhotos Generated(int count, string why) =>
        new($"generated sample herd ({why})", false,
            Enumerable.Range(0, count)
                .Select(i => new AnimalPhotos($"sample cow {i + 1}", Enumerable.Range(0, 6).Select(s => (Func<byte[]>)(() => SampleHerd.Photo(i, s))).ToArray()))
                .ToList());
}

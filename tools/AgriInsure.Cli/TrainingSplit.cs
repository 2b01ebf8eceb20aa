using System.Text.Json;

namespace AgriInsure.Cli;

/// <summary>The animals a model's manifest says it was trained, validated and tested on
/// (<c>training.split</c>, each named dataset/animal), read once for the demo's held-out herd and for
/// leaving trained animals out of an evaluation. A manifest without a split gives empty lists.</summary>
internal sealed record TrainingSplit(IReadOnlyList<(string Dataset, string Animal)> Train, IReadOnlyList<(string Dataset, string Animal)> Val, IReadOnlyList<(string Dataset, string Animal)> Test)
{
    public static TrainingSplit Read(string manifestPath)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        if (!manifest.RootElement.TryGetProperty("training", out var training) || !training.TryGetProperty("split", out var split))
            return new TrainingSplit([], [], []);
        List<(string, string)> Part(string name) => split.TryGetProperty(name, out var part)
            ? part.EnumerateArray().Select(e => e.GetString()!.Split('/')).Select(p => (p[0], p[^1])).ToList()
            : [];
        return new TrainingSplit(Part("train"), Part("val"), Part("test"));
    }

    /// <summary>Animal folder names the model learned from (trained or validated on).</summary>
    public IReadOnlySet<string> Learned => Train.Concat(Val).Select(a => a.Animal).ToHashSet(StringComparer.Ordinal);
}

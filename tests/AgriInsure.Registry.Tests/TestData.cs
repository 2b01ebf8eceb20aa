using AgriInsure.Domain;

namespace AgriInsure.Registry.Tests;

internal static class TestData
{
    /// <summary>A random embedding of <paramref name="dim"/> values, the same for the same seed.</summary>
    public static Embedding Vec(int seed, string model = "m1", int dim = 32)
    {
        var r = new Random(seed);
        return Embedding.Create(Enumerable.Range(0, dim).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray(), model).Value;
    }
}

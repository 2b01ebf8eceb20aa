using AgriInsure.Domain;
using AgriInsure.Registry;
using BenchmarkDotNet.Attributes;

namespace AgriInsure.Bench;

/// <summary>Goal (biometrics issue): top-k of 1,000,000 enrolled templates on one core in ≤ 50 ms per query,
/// at 128 dimensions (one network) and 256 (the shipped two-network ensemble). The index is filled with
/// random unit vectors: the scan costs the same whatever they hold. Each template also has a farmer (20
/// animals each) and an enrolment fix, as the registry adds them.</summary>
[MemoryDiagnoser]
public class TemplateSearchBench
{
    private readonly TemplateIndex _index = new();
    private Embedding[] _probes = [];
    private int _next;

    [Params(1_000_000)]
    public int Templates { get; set; }

    [Params(128, 256)]
    public int Dimensions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(42);
        var values = new float[Dimensions];
        for (var i = 0; i < Templates; i++)
            _index.Add(Species.Cattle, $"A{i}", [Random(r, values)], $"F{i / 20}", Fix(r));
        _probes = Enumerable.Range(0, 64).Select(_ => Random(r, values)).ToArray();
        _centres = Enumerable.Range(0, 64).Select(_ => Fix(r)).ToArray();
    }

    private GeoPoint[] _centres = [];
    private static readonly Length Radius = Length.FromKilometres(20).Value;

    /// <summary>Enrolment fixes spread evenly over 20° × 20° of farmland (about 4.9 million km² at 30° N):
    /// a 20 km radius holds some 250 of the million animals.</summary>
    private static GeoPoint Fix(Random r) => new(100 + r.NextDouble() * 20, 20 + r.NextDouble() * 20);

    private static Embedding Random(Random r, float[] values)
    {
        for (var d = 0; d < values.Length; d++)
            values[d] = (float)(r.NextDouble() * 2 - 1);
        return Embedding.Create(values, "bench").Value;
    }

    [Benchmark]
    public int Top10() => _index.Search([_probes[_next++ & 63]], Species.Cattle, 10).Count;

    /// <summary>The enrolment's radius scope: the grid lookup and the scoring of the animals it finds.</summary>
    [Benchmark]
    public int Radius20Km()
    {
        var i = _next++ & 63;
        return _index.Search([_probes[i]], Species.Cattle, 2, new ScopeFilter.Within(_centres[i], Radius)).Size;
    }
}

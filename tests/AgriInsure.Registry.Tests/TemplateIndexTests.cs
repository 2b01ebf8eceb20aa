using AgriInsure.Domain;
using AgriInsure.Registry;
using AgriInsure.Registry.Index;
using CsCheck;
using Xunit.Abstractions;

namespace AgriInsure.Registry.Tests;

public class TemplateIndexTests(ITestOutputHelper output)
{
    private const int Words = TemplateIndex.SignBits / 64;

    private static Embedding Unit(Random r, int dim = 128, string model = "m") =>
        Embedding.Create(Enumerable.Range(0, dim).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray(), model).Value;

    [Fact]
    public void The_simd_dot_product_equals_the_plain_one() =>
        Gen.Int[1, 300].SelectMany(n => Gen.Select(Gen.Short[-127, 127].Array[n], Gen.SByte[-127, 127].Array[n])).Sample(t =>
        {
            var (probe, codes) = t;
            var expected = probe.Zip(codes, (p, c) => p * c).Sum();
            Assert.Equal(expected, TemplateIndex.Dot(probe, codes));
        });

    [Fact]
    public void Quantised_scores_stay_within_a_hundredth_of_the_exact_cosine()
    {
        var r = new Random(5);
        var index = new TemplateIndex();
        var templates = Enumerable.Range(0, 500).Select(_ => Unit(r)).ToList();
        for (var i = 0; i < templates.Count; i++)
            index.Add("t1", Species.Cattle, $"A{i}", [templates[i]]);
        for (var q = 0; q < 50; q++)
        {
            var probe = Unit(r);
            foreach (var m in index.Search("t1", [probe], Species.Cattle, 500))
            {
                var exact = probe.Similarity(templates[int.Parse(m.AnimalId[1..])]);
                Assert.True(Math.Abs(exact - m.Score) < 0.01, $"{m.Score} vs {exact}");
            }
        }
    }

    [Fact]
    public void Finds_the_same_best_match_as_an_exact_scan()
    {
        var r = new Random(9);
        var index = new TemplateIndex();
        var templates = Enumerable.Range(0, 2000).Select(_ => Unit(r, 64)).ToList();
        for (var i = 0; i < templates.Count; i++)
            index.Add("t1", Species.Cattle, $"A{i}", [templates[i]]);
        for (var q = 0; q < 100; q++)
        {
            // A noisy second photo of template q.
            var noisy = Embedding.Create(templates[q].Values.ToArray().Select(v => v + (float)(r.NextDouble() - 0.5) * 0.1f).ToArray(), "m").Value;
            var hits = index.Search("t1", [noisy], Species.Cattle, 5);
            Assert.Equal($"A{q}", hits[0].AnimalId);
            Assert.Equal(5, hits.Count);
            Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        }
    }

    [Fact]
    public void Keeps_species_and_models_apart_and_grows()
    {
        var r = new Random(1);
        var index = new TemplateIndex();
        for (var i = 0; i < 1000; i++)
            index.Add("t1", i % 2 == 0 ? Species.Cattle : Species.Yak, $"A{i}", [Unit(r, 32)]);
        Assert.Equal(500, index.Count("t1", Species.Cattle, "m"));
        Assert.Equal(0, index.Count("t1", Species.Cattle, "other"));
        Assert.Empty(index.Search("t1", [Unit(r, 32, "other")], Species.Cattle, 3));
        Assert.Empty(index.Search("t1", [Unit(r, 32)], Species.Sheep, 3));
        Assert.Throws<InvalidOperationException>(() => index.Add("t1", Species.Cattle, "X", [Unit(r, 16)]));
        Assert.Equal(196, TemplateIndex.BytesPerTemplate(128));
        Assert.Equal(324, TemplateIndex.BytesPerTemplate(256));
    }

    [Fact]
    public void Scores_several_probes_against_several_templates_by_the_mean_of_each_probes_best()
    {
        var r = new Random(3);
        var index = new TemplateIndex();
        var animals = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, 3).Select(_ => Unit(r, 64)).ToArray()).ToArray();
        for (var a = 0; a < animals.Length; a++)
            index.Add("t1", Species.Cattle, $"A{a}", animals[a], "F", new GeoPoint(100, 30));
        var probes = Enumerable.Range(0, 2).Select(_ => Unit(r, 64)).ToArray();
        var hits = index.Search("t1", probes, Species.Cattle, animals.Length, new ScopeFilter.OfFarmer("F"));
        Assert.Equal(animals.Length, hits.Size);
        foreach (var m in hits.Top)
        {
            var templates = animals[int.Parse(m.AnimalId[1..])];
            var exact = probes.Average(p => templates.Max(t => p.Similarity(t)));
            Assert.True(Math.Abs(exact - m.Score) < 0.01, $"{m.Score} vs {exact}");
        }
    }

    [Fact]
    public void Refuses_an_animal_without_templates_with_too_many_or_from_two_models()
    {
        var r = new Random(4);
        var index = new TemplateIndex();
        Assert.Throws<ArgumentException>(() => index.Add("t1", Species.Cattle, "X", []));
        Assert.Throws<ArgumentException>(() => index.Add("t1", Species.Cattle, "X", [.. Enumerable.Range(0, TemplateIndex.MaxTemplates + 1).Select(_ => Unit(r, 32))]));
        Assert.Throws<ArgumentException>(() => index.Add("t1", Species.Cattle, "X", [Unit(r, 32), Unit(r, 32, "other")]));
        Assert.Throws<ArgumentException>(() => index.Search("t1", [], Species.Cattle, 3));
        Assert.Equal(0, index.Count("t1", Species.Cattle, "m"));
    }

    /// <summary>Registry-like data rather than uniform noise: identities mix a direction all animals share, one of
    /// <paramref name="clusters"/> cluster centres (a breed, a camera) and their own direction (squared weights 0.2,
    /// 0.35, 0.45), so impostor cosines gather near 0.2 across clusters and 0.55 inside one; a photo is its identity
    /// plus isotropic noise of norm 0.3 to 0.8 (cosine to the identity 0.78 to 0.96, two photos 0.6 to 0.92).</summary>
    internal sealed class Herds(int seed, int dim, int clusters)
    {
        private readonly Random _r = new(seed);
        private readonly float[] _shared = Direction(new Random(seed + 1), dim);
        private readonly float[][] _centres = [.. Enumerable.Range(0, clusters).Select(c => Direction(new Random(seed + 2 + c), dim))];

        public float[] Identity()
        {
            var own = Direction(_r, dim);
            var centre = _centres[_r.Next(_centres.Length)];
            return [.. Enumerable.Range(0, dim).Select(i => (float)(Math.Sqrt(0.2) * _shared[i] + Math.Sqrt(0.35) * centre[i] + Math.Sqrt(0.45) * own[i]))];
        }

        public Embedding Photo(float[] identity, string model = "m")
        {
            var noise = Direction(_r, dim);
            var size = 0.3 + 0.5 * _r.NextDouble();
            return Embedding.Create(identity.Select((v, i) => v + (float)(size * noise[i])).ToArray(), model).Value;
        }

        public Embedding[] Photos(float[] identity, int count) => [.. Enumerable.Range(0, count).Select(_ => Photo(identity))];

        private static float[] Direction(Random r, int dim)
        {
            var v = Enumerable.Range(0, dim).Select(_ => Gaussian(r)).ToArray();
            var norm = Math.Sqrt(v.Sum(x => x * x));
            return [.. v.Select(x => (float)(x / norm))];
        }

        private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
    }

    /// <summary>The exact scan's animals at or above <paramref name="floor"/>, best first, beside the pre-filtered
    /// search's when asked for as many (and two more): the same ids with the same scores, and the pre-filtered search's
    /// candidates (animals scored exactly).</summary>
    internal static (Match[] Exact, Match[] Fast, long Rescored) AtOrAbove(TemplateIndex index, Embedding[] probes, float floor, ScopeFilter scope)
    {
        var exact = index.Search("t1", probes, Species.Cattle, int.MaxValue, scope).Top.Where(m => m.Score >= floor).ToArray();
        var before = index.Prefiltered.AnimalsRescored;
        var fast = index.Search("t1", probes, Species.Cattle, exact.Length + 2, scope, floor).Top;
        return (exact, [.. fast.Where(m => m.Score >= floor)], index.Prefiltered.AnimalsRescored - before);
    }

    [Fact]
    public void The_simd_hamming_scan_passes_the_templates_the_scalar_distance_passes() =>
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 5], Gen.Int[0, 256], Gen.Int[1, 20], Gen.Int)
            .Sample(t =>
            {
                var (templates, probes, cutoff, nearestCount, seed) = t;
                var r = new Random(seed);
                var signs = Enumerable.Range(0, (templates + 7) / 8 * 8 * Words).Select(_ => (ulong)r.NextInt64() ^ ((ulong)r.Next(2) << 63)).ToArray();
                var probeSigns = Enumerable.Range(0, probes * Words).Select(_ => (ulong)r.NextInt64()).ToArray();
                var passed = new List<int>();
                var nearest = new TemplateIndex.NearestSigns(nearestCount);
                TemplateIndex.ScanSigns(signs, templates, probeSigns, cutoff, passed, nearest);
                var distances = Enumerable.Range(0, templates).Select(i => TemplateIndex.SignDistance(signs, i, probeSigns)).ToArray();
                Assert.Equal(Enumerable.Range(0, templates).Where(i => distances[i] <= cutoff), passed);
                var kept = nearest.Ids.Select(i => distances[i]).Order().ToArray();
                Assert.Equal(distances.Order().Take(nearestCount), kept);
            });

    [Fact]
    public void The_hamming_distance_of_sign_codes_follows_the_angle_between_the_vectors()
    {
        // Pairs at a known cosine: y = c·x + √(1 − c²)·z with z orthogonal to x. Over many pairs the distance must
        // average bits·θ/π with the binomial's spread (Charikar's relation, which the cut-off rests on).
        var r = new Random(11);
        var hyperplanes = TemplateIndex.HyperplanesOf(256);
        foreach (var cosine in new[] { 0.2, 0.5, 0.69, 0.9 })
        {
            var distances = Enumerable.Range(0, 2000).Select(_ =>
            {
                var x = Normal(r, 256);
                var z = Normal(r, 256);
                var along = x.Zip(z, (a, b) => a * b).Sum();
                z = Normalise([.. z.Select((v, i) => v - along * x[i])]);
                var y = x.Select((v, i) => (float)(cosine * v + Math.Sqrt(1 - cosine * cosine) * z[i])).ToArray();
                var (cx, cy) = (new ulong[Words], new ulong[Words]);
                TemplateIndex.SignCode(x, hyperplanes, cx);
                TemplateIndex.SignCode(y, hyperplanes, cy);
                return (double)cx.Zip(cy, (a, b) => System.Numerics.BitOperations.PopCount(a ^ b)).Sum();
            }).ToArray();
            var p = Math.Acos(cosine) / Math.PI;
            var mean = distances.Average();
            var variance = distances.Select(d => (d - mean) * (d - mean)).Average();
            var n = TemplateIndex.SignBits;
            Assert.InRange(mean, n * p - 1.5, n * p + 1.5);
            Assert.InRange(variance, 0.8 * n * p * (1 - p), 1.25 * n * p * (1 - p));
        }
    }

    [Fact]
    public void The_cut_off_is_the_least_distance_that_keeps_a_pair_at_the_floor_but_for_the_miss_bound()
    {
        foreach (var (floor, cutoff) in new[] { (0.69f, 185), (0.8f, 156), (0.9f, 122) })
            Assert.Equal(cutoff, TemplateIndex.SignCutoff(floor));
        var previous = TemplateIndex.SignBits;
        for (var floor = 0.05f; floor <= 1.0f; floor += 0.05f)
        {
            var cutoff = TemplateIndex.SignCutoff(floor);
            var cosine = floor - TemplateIndex.QuantisationMargin;
            Assert.True(TemplateIndex.BeyondCutoff(cosine, cutoff) <= TemplateIndex.MissBound);
            Assert.True(cutoff == 0 || TemplateIndex.BeyondCutoff(cosine, cutoff - 1) > TemplateIndex.MissBound);
            Assert.True(cutoff <= previous);
            previous = cutoff;
        }
        Assert.Equal(TemplateIndex.SignBits, TemplateIndex.SignCutoff(TemplateIndex.QuantisationMargin));
    }

    [Fact]
    public void A_prefiltered_registry_search_finds_every_animal_the_exact_scan_finds_at_or_above_the_floor()
    {
        // 8,000 animals of 1 to 5 templates in 12 clusters; half the captures are new photos of an enrolled animal
        // (cosine 0.6–0.92 to its templates), half of new animals from the same clusters, so impostors near 0.55 crowd
        // the lower floors.
        var herds = new Herds(21, 128, 12);
        var r = new Random(22);
        var index = new TemplateIndex();
        var identities = Enumerable.Range(0, 8000).Select(_ => herds.Identity()).ToArray();
        for (var a = 0; a < identities.Length; a++)
            index.Add("t1", Species.Cattle, $"A{a}", herds.Photos(identities[a], 1 + r.Next(5)));
        var (found, topAgrees, belowAgrees, below) = (0, 0, 0, 0);
        long rescored = 0;
        for (var q = 0; q < 60; q++)
        {
            var probes = herds.Photos(q % 2 == 0 ? identities[r.Next(identities.Length)] : herds.Identity(), 1 + q % 3);
            foreach (var floor in new[] { 0.6f, 0.69f, 0.8f, 0.9f })
            {
                var (exact, fast, candidates) = AtOrAbove(index, probes, floor, new ScopeFilter.Everyone());
                Assert.Equal(exact, fast);
                found += exact.Length;
                rescored += candidates;
                var exactTop = index.Search("t1", probes, Species.Cattle, 2, new ScopeFilter.Everyone()).Top;
                var fastTop = index.Search("t1", probes, Species.Cattle, 2, new ScopeFilter.Everyone(), floor).Top;
                if (exactTop.All(m => m.Score >= floor))
                    Assert.Equal(exactTop, fastTop);
                else
                {
                    below++;
                    belowAgrees += exactTop.SequenceEqual(fastTop) ? 1 : 0;
                }
                topAgrees += exactTop.SequenceEqual(fastTop) ? 1 : 0;
            }
        }
        output.WriteLine($"{found} animals at or above a floor, all found; top-2 equal in {topAgrees} of 240 searches, " +
                         $"{belowAgrees} of the {below} whose top 2 reach below the floor; {rescored / 240.0:0} animals rescored a search of 8,000");
        Assert.True(found > 60, $"only {found} animals at or above a floor: the data tests too little");
        Assert.True(rescored < 240L * 8000 / 2, "the pre-filter should leave most animals unscored");
    }

    [Fact]
    public void Planted_near_duplicates_are_never_lost_by_the_prefilter() =>
        Gen.Select(Gen.Int, Gen.Float[0.6f, 0.95f], Gen.Int[1, 4], Gen.Int[1, 5])
            .Sample(t =>
            {
                // Uniform random animals (3,400 of 3 templates: past the pre-filter's size) and twins of the
                // capture's animal planted at cosines around the floor, so its cut-off is what decides.
                var (seed, floor, probeCount, twins) = t;
                var r = new Random(seed);
                var index = new TemplateIndex();
                for (var a = 0; a < 3400; a++)
                    index.Add("t1", Species.Cattle, $"A{a}", [Unit(r, 32), Unit(r, 32), Unit(r, 32)]);
                var identity = Unit(r, 32);
                for (var k = 0; k < twins; k++)
                    index.Add("t1", Species.Cattle, $"T{k}", [Near(r, identity, floor - 0.1 + 0.25 * r.NextDouble()), Unit(r, 32)]);
                var probes = Enumerable.Range(0, probeCount).Select(_ => Near(r, identity, 0.97)).ToArray();
                var (exact, fast, _) = AtOrAbove(index, probes, floor, new ScopeFilter.Everyone());
                Assert.Equal(exact, fast);
            }, iter: 25);

    /// <summary>A unit vector at about <paramref name="cosine"/> to <paramref name="of"/>.</summary>
    private static Embedding Near(Random r, Embedding of, double cosine)
    {
        var x = of.Values.ToArray();
        var noise = Normal(r, x.Length);
        var along = noise.Select((v, i) => v * x[i]).Sum();
        var orthogonal = Normalise([.. noise.Select((v, i) => v - along * x[i])]);
        var c = Math.Clamp(cosine, -1, 1);
        return Embedding.Create(x.Select((v, i) => (float)(c * v + Math.Sqrt(1 - c * c) * orthogonal[i])).ToArray(), of.ModelId).Value;
    }

    private static float[] Normal(Random r, int dim) =>
        Normalise([.. Enumerable.Range(0, dim).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble())))]);

    private static float[] Normalise(float[] v)
    {
        var norm = (float)Math.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }
}

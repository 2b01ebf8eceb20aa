using AgriInsure.Domain;
using AgriInsure.Registry;
using CsCheck;

namespace AgriInsure.Registry.Tests;

public class TemplateIndexTests
{
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
            index.Add(Species.Cattle, $"A{i}", [templates[i]]);
        for (var q = 0; q < 50; q++)
        {
            var probe = Unit(r);
            foreach (var m in index.Search([probe], Species.Cattle, 500))
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
            index.Add(Species.Cattle, $"A{i}", [templates[i]]);
        for (var q = 0; q < 100; q++)
        {
            // A noisy second photo of template q.
            var noisy = Embedding.Create(templates[q].Values.ToArray().Select(v => v + (float)(r.NextDouble() - 0.5) * 0.1f).ToArray(), "m").Value;
            var hits = index.Search([noisy], Species.Cattle, 5);
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
            index.Add(i % 2 == 0 ? Species.Cattle : Species.Yak, $"A{i}", [Unit(r, 32)]);
        Assert.Equal(500, index.Count(Species.Cattle, "m"));
        Assert.Equal(0, index.Count(Species.Cattle, "other"));
        Assert.Empty(index.Search([Unit(r, 32, "other")], Species.Cattle, 3));
        Assert.Empty(index.Search([Unit(r, 32)], Species.Sheep, 3));
        Assert.Throws<InvalidOperationException>(() => index.Add(Species.Cattle, "X", [Unit(r, 16)]));
        Assert.Equal(132, TemplateIndex.BytesPerTemplate(128));
    }

    [Fact]
    public void Scores_several_probes_against_several_templates_by_the_mean_of_each_probes_best()
    {
        var r = new Random(3);
        var index = new TemplateIndex();
        var animals = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, 3).Select(_ => Unit(r, 64)).ToArray()).ToArray();
        for (var a = 0; a < animals.Length; a++)
            index.Add(Species.Cattle, $"A{a}", animals[a], "F", new GeoPoint(100, 30));
        var probes = Enumerable.Range(0, 2).Select(_ => Unit(r, 64)).ToArray();
        var hits = index.Search(probes, Species.Cattle, animals.Length, new ScopeFilter.OfFarmer("F"));
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
        Assert.Throws<ArgumentException>(() => index.Add(Species.Cattle, "X", []));
        Assert.Throws<ArgumentException>(() => index.Add(Species.Cattle, "X", [.. Enumerable.Range(0, TemplateIndex.MaxTemplates + 1).Select(_ => Unit(r, 32))]));
        Assert.Throws<ArgumentException>(() => index.Add(Species.Cattle, "X", [Unit(r, 32), Unit(r, 32, "other")]));
        Assert.Throws<ArgumentException>(() => index.Search([], Species.Cattle, 3));
        Assert.Equal(0, index.Count(Species.Cattle, "m"));
    }
}

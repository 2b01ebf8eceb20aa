using AgriInsure.Evaluation;
using CsCheck;

namespace AgriInsure.Evaluation.Tests;

public class OpenSetEvaluationTests
{
    private static float[] Unit(Random r, int dim = 32)
    {
        var v = Enumerable.Range(0, dim).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray();
        var n = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / n).ToArray();
    }

    /// <summary>Animals whose photos are their own direction plus noise of the given size.</summary>
    private static List<IdentitySamples> Herd(int animals, int photos, double noise, int seed = 1)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, animals).Select(a =>
        {
            var centre = Unit(r);
            var shots = Enumerable.Range(0, photos).Select(_ =>
            {
                var v = centre.Select(c => c + (float)((r.NextDouble() - 0.5) * noise)).ToArray();
                var n = MathF.Sqrt(v.Sum(x => x * x));
                return v.Select(x => x / n).ToArray();
            }).ToList();
            return new IdentitySamples($"cow-{a:D3}", shots);
        }).ToList();
    }

    [Fact]
    public void Separable_animals_score_perfectly()
    {
        var report = OpenSetEvaluation.Evaluate(Herd(20, 6, 0.02), threshold: 0.8, seed: 7);
        Assert.Equal(1.0, report.Rank1OneShot);
        Assert.Equal(1.0, report.Rank1ThreeShot);
        Assert.Equal(1.0, report.TarAtFar1Pct);
        Assert.Equal(0.0, report.Eer);
        Assert.Equal(0.0, report.FalseDuplicateRate);
        Assert.Equal((20, 120, 7), (report.Identities, report.Images, report.Seed));
        // 3-shot: 20 animals × 3 queries, each scored against all 20 galleries.
        Assert.Equal(60, report.GenuineScores);
        Assert.Equal(60 * 19, report.ImpostorScores);
    }

    [Fact]
    public void Indistinguishable_animals_score_like_chance()
    {
        var r = new Random(3);
        var noise = Enumerable.Range(0, 30).Select(a => new IdentitySamples($"a{a}", Enumerable.Range(0, 8).Select(_ => Unit(r)).ToList())).ToList();
        var report = OpenSetEvaluation.Evaluate(noise, threshold: 0.0, seed: 1);
        Assert.InRange(report.Rank1ThreeShot, 0.0, 0.2);
        Assert.InRange(report.Eer, 0.3, 0.7);
        Assert.True(report.FalseDuplicateRate > 0.5, "at threshold 0 random vectors collide");
    }

    [Fact]
    public void Animals_with_too_few_photos_are_counted_not_used()
    {
        var herd = Herd(5, 6, 0.02);
        herd.Add(new IdentitySamples("one-photo", [herd[0].Embeddings[0]]));
        herd.Add(new IdentitySamples("three-photos", herd[1].Embeddings.Take(3).ToList()));
        herd.Add(new IdentitySamples("empty", []));
        var report = OpenSetEvaluation.Evaluate(herd, 0.9, 1);
        Assert.Equal(2, report.SkippedOneShot);
        Assert.Equal(3, report.SkippedThreeShot);
        Assert.Equal(7, report.Identities);
    }

    [Fact]
    public void Nothing_to_compare_gives_zeros_not_a_crash()
    {
        var report = OpenSetEvaluation.Evaluate([new IdentitySamples("solo", [Unit(new Random(1))])], 0.5, 1);
        Assert.Equal((0.0, 0.0, 0.0), (report.Rank1OneShot, report.TarAtFar1Pct, report.Eer));
        Assert.Equal(0.0, OpenSetEvaluation.Evaluate([], 0.5, 1).FalseDuplicateRate);
    }

    [Fact]
    public void The_threshold_at_far_lets_through_at_most_that_share_of_impostors() =>
        Gen.Float[-1, 1].Array[1, 500].Select(Gen.Double[0, 0.2]).Sample((scores, far) =>
        {
            Array.Sort(scores);
            var t = OpenSetEvaluation.ThresholdAtFar(scores, far);
            var through = scores.Count(s => s >= t) / (double)scores.Length;
            Assert.True(through <= far + 1e-12, $"{through} > {far}");
        });

    [Fact]
    public void The_same_seed_gives_the_same_report_and_another_seed_may_not()
    {
        var herd = Herd(15, 7, 0.9);
        Assert.Equal(OpenSetEvaluation.Evaluate(herd, 0.7, 5) with { Det = [] }, OpenSetEvaluation.Evaluate(herd, 0.7, 5) with { Det = [] });
    }

    [Fact]
    public void False_duplicates_grow_as_the_threshold_falls()
    {
        var herd = Herd(40, 2, 0.5);
        var strict = OpenSetEvaluation.Evaluate(herd, 0.9, 1).FalseDuplicateRate;
        var lax = OpenSetEvaluation.Evaluate(herd, 0.1, 1).FalseDuplicateRate;
        Assert.True(lax >= strict);
    }
}

using AgriInsure.Domain;
using AgriInsure.Livestock.Calibration;
using AgriInsure.Registry;

namespace AgriInsure.Livestock.Tests;

public class ThresholdCalibrationTests
{
    /// <summary>Impostor scores like a 64-d embedding's: normal, mean 0, standard deviation 1/8.</summary>
    private static float[] Scores(int count, int seed = 3)
    {
        var r = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()) / 8))];
    }

    private static double Formula(double p, int n) => 1 - Math.Pow(1 - p, n);

    [Fact]
    public void The_tail_is_the_empirical_share_where_enough_pairs_exceed_and_the_fitted_exponential_beyond()
    {
        var scores = Scores(200_000);
        var copy = scores.ToArray();
        var tail = ImpostorTail.FromScores(copy, 633);
        foreach (var t in new[] { -0.2f, 0f, 0.2f, 0.35f, 0.45f })
        {
            var count = scores.Count(s => s >= t);
            if (count >= ImpostorTail.MinExceedances)
                Assert.Equal((double)count / scores.Length, tail.Probability(t), 12);
        }
        var descending = scores.OrderDescending().ToArray();
        var anchor = descending[ImpostorTail.MinExceedances - 1];
        var fitted = (int)Math.Ceiling(ImpostorTail.FitFraction * scores.Length);
        var sigma = descending.Take(fitted).Average(s => (double)s - descending[fitted]);
        Assert.Equal(anchor, tail.Anchor);
        Assert.Equal(sigma, tail.Scale, 6);
        foreach (var t in new[] { 0.6f, 0.7f, 0.9f })
        {
            var expected = Math.Max((double)scores.Count(s => s >= t) / scores.Length, tail.AnchorTail * Math.Exp(-(t - anchor) / sigma));
            Assert.Equal(expected, tail.Probability(t), 15);
        }
        Assert.Equal(633, tail.Animals);
    }

    [Fact]
    public void Thresholds_rise_with_the_scope_and_hold_the_expected_rate_at_the_target()
    {
        var tail = ImpostorTail.FromScores(Scores(2_000_000), 2_000);
        const float floor = 0.3f;
        const double target = 0.01;
        var previous = floor;
        foreach (var n in new[] { 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000 })
        {
            var chosen = ScopeThresholds.For(n, floor, target, tail);
            Assert.True(chosen.Threshold >= previous, $"n = {n}: {chosen.Threshold} < {previous}");
            Assert.Equal(Formula(tail.Probability(chosen.Threshold), n), chosen.ExpectedFalseDuplicateRate!.Value, 9);
            Assert.True(chosen.ExpectedFalseDuplicateRate <= target);
            if (chosen.Threshold > floor)
            {
                // The smallest such threshold: one float lower breaks the target.
                Assert.True(Formula(tail.Probability(MathF.BitDecrement(chosen.Threshold)), n) > target, $"n = {n}");
            }
            Assert.Equal(2_000, chosen.CalibrationAnimals);
            previous = chosen.Threshold;
        }
        Assert.True(previous > ScopeThresholds.For(100, floor, target, tail).Threshold);
    }

    [Fact]
    public void Per_million_rates_keep_their_digits()
    {
        // 1 − (1 − 10⁻⁹)¹⁰⁰⁰ = 10⁻⁶ − C(1000, 2)·10⁻¹⁸ + C(1000, 3)·10⁻²⁷ − …; 1 − Math.Pow(…) keeps only about 7 of these digits.
        Assert.InRange(ScopeThresholds.ExpectedFalseDuplicateRate(1e-9, 1000) - (1e-6 - 499_500e-18 + 166_167_000e-27), -1e-21, 1e-21);
        // 1 − 0.99^(1/n) = −ln 0.99 / n − (ln 0.99 / n)² / 2 − …: about 1.005·10⁻⁸ at a million, not 0.01 / n.
        Assert.Equal(1.0, ScopeThresholds.PairwiseBudget(0.01, 1_000_000) / (-Math.Log(0.99) / 1_000_000), 7);
        Assert.Equal(Formula(0.003, 300), ScopeThresholds.ExpectedFalseDuplicateRate(0.003, 300), 12);
        Assert.Equal(0, ScopeThresholds.ExpectedFalseDuplicateRate(0.5, 0));
        Assert.Equal(1, ScopeThresholds.ExpectedFalseDuplicateRate(1, 3));
    }

    [Fact]
    public void Without_an_estimate_the_floor_stands_and_its_rate_is_unknown()
    {
        Assert.Equal(new ScopeThreshold(0.69f, null, 0), ScopeThresholds.For(50, 0.69f, 0.01, null));
        var tail = ImpostorTail.FromScores(Scores(10_000), 150);
        Assert.Equal(new ScopeThreshold(0.69f, 0, 150), ScopeThresholds.For(0, 0.69f, 0.01, tail));
        // A floor above every impostor score: the floor itself meets the target.
        Assert.Equal(0.99f, ScopeThresholds.For(1000, 0.99f, 0.01, tail).Threshold);
    }

    [Fact]
    public void A_tail_too_heavy_for_the_target_stops_at_the_ceiling_and_says_the_rate_is_missed()
    {
        // Every "impostor" pair scores 1: the gallery is one animal enrolled again and again.
        var tail = ImpostorTail.FromScores([.. Enumerable.Repeat(1f, 5_000)], 100);
        var chosen = ScopeThresholds.For(100, 0.5f, 0.01, tail);
        Assert.Equal(ScopeThresholds.Ceiling, chosen.Threshold);
        Assert.Equal(1, chosen.ExpectedFalseDuplicateRate);
        // A floor above the ceiling is still the floor.
        Assert.Equal(0.99995f, ScopeThresholds.For(100, 0.99995f, 0.01, tail).Threshold);
    }

    [Fact]
    public void The_tail_for_k_photo_decisions_is_estimated_from_fused_scores_of_k_templates_against_each_other_animals_set()
    {
        Embedding Unit(int seed) => Embedding.Create(Scores(16, seed), "m").Value;
        var sets = Enumerable.Range(0, 100).Select(a => (IReadOnlyList<Embedding>)[.. Enumerable.Range(0, 3).Select(t => Unit(a * 10 + t))]).ToList();
        var tail = ImpostorTail.Estimate(new GallerySample(100, sets), 3)!;
        var fused = new List<float>();
        for (var i = 0; i < sets.Count; i++)
        {
            for (var j = i + 1; j < sets.Count; j++)
                fused.Add(AgriInsure.Registry.FusedScore.Of(sets[i], sets[j]));
        }
        var median = fused.Order().ElementAt(fused.Count / 2);
        Assert.Equal((3, 4_950L), (tail.Probes, tail.Pairs));
        Assert.Equal(fused.Count(f => f >= median) / (double)fused.Count, tail.Probability(median), 9);
        // One photo against three templates is another distribution: its own estimate.
        Assert.NotEqual(tail.Probability(median), ImpostorTail.Estimate(new GallerySample(100, sets), 1)!.Probability(median));
    }

    [Fact]
    public void A_gallery_under_a_hundred_animals_gives_no_estimate()
    {
        Embedding Unit(int seed) => Embedding.Create(Scores(16, seed), "m").Value;
        Assert.Null(ImpostorTail.Estimate(new GallerySample(99, [.. Enumerable.Range(1, 99).Select(i => (IReadOnlyList<Embedding>)[Unit(i)])]), 1));
        var tail = ImpostorTail.Estimate(new GallerySample(5_000, [.. Enumerable.Range(1, 100).Select(i => (IReadOnlyList<Embedding>)[Unit(i)])]), 1);
        Assert.Equal((4_950L, 5_000), (tail!.Pairs, tail.Animals));
        Assert.Throws<ArgumentException>(() => ImpostorTail.FromScores(new float[4_949], 100));
    }

    [Theory]
    [InlineData(100, 109, false)]
    [InlineData(100, 110, true)]
    [InlineData(1_000, 1_099, false)]
    [InlineData(1_000, 1_100, true)]
    public void An_estimate_is_refreshed_when_the_gallery_has_grown_by_a_tenth(int estimatedAt, int now, bool stale) =>
        Assert.Equal(stale, GalleryCalibration.IsStale(estimatedAt, now));

    [Theory]
    [InlineData(-1, 0.01, "livestock.radiusKm")]
    [InlineData(double.NaN, 0.01, "livestock.radiusKm")]
    [InlineData(20, 0, "livestock.targetFalseDuplicateRate")]
    [InlineData(20, 1, "livestock.targetFalseDuplicateRate")]
    [InlineData(20, -0.5, "livestock.targetFalseDuplicateRate")]
    [InlineData(20, 1.5, "livestock.targetFalseDuplicateRate")]
    [InlineData(20, double.NaN, "livestock.targetFalseDuplicateRate")]
    public void Bad_settings_are_refused_naming_the_setting(double radiusKm, double target, string field)
    {
        var options = LivestockOptions.Create(0.69f, radiusKm, target);
        Assert.False(options.IsOk);
        Assert.Equal(field, options.Error!.Field);
    }

    [Fact]
    public void Settings_default_to_twenty_kilometres_and_one_percent()
    {
        var options = new LivestockOptions(0.69f);
        Assert.Equal((20_000d, 0.01, 0.69f), (options.Radius.Metres, options.TargetFalseDuplicateRate, options.MatchThreshold));
        Assert.Equal(0.0, LivestockOptions.Create(0.69f, 0).Value.Radius.Metres);
        Assert.Equal("livestock.matchThreshold", LivestockOptions.Create(float.NaN).Error!.Field);
        Assert.Equal("livestock.matchThreshold", LivestockOptions.Create(1.5f).Error!.Field);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LivestockOptions(2f));
    }
}

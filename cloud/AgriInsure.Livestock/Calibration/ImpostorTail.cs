using AgriInsure.Domain;
using AgriInsure.Registry;

namespace AgriInsure.Livestock.Calibration;

/// <summary>The registry's own estimate of p(t), the chance that one comparison of two different animals
/// scores at or above t. Different enrolled animals are impostors by construction, so every pair of sampled
/// gallery animals gives one impostor score (an undetected duplicate in the gallery only makes the
/// estimate, and so the thresholds, err high). The score is the one decisions use, fused by
/// <see cref="FusedScore.Fuse"/> (<see cref="FusedScore"/>): for a decision on k photos, k templates of the first
/// animal (all it has when fewer) are the probes and all of the second animal's templates the gallery side, so the
/// tail is that of k-photo decisions against enrolled template sets. Fusing changes the tail (the best of several
/// templates lifts impostor scores, the mean over photos narrows them), so each k has its own estimate.
/// <para>Where at least <see cref="MinExceedances"/> pairs score at or above t, p(t) is the empirical share.
/// Beyond that, too few pairs are seen to count, and the tail is extrapolated as an exponential
/// (peaks over threshold with a generalised Pareto shape of 0; Pickands 1975, Davison &amp; Smith 1990):
/// p(t) = p(a) · exp(−(t − a) / σ), from the anchor a (the <see cref="MinExceedances"/>-th highest score), with
/// σ the mean excess of the top <see cref="FitFraction"/> of scores over their lowest, the exponential's
/// maximum-likelihood scale. Cosine scores are bounded and their tails fall faster than an exponential,
/// and σ measured lower in the tail is larger than far out, so the extrapolation overstates p: thresholds
/// come out high (more missed duplicates, not more false ones). It never goes below the observed share.</para></summary>
public sealed class ImpostorTail
{
    /// <summary>The fewest gallery animals the estimate is made from: 100 animals give 4,950 pairs, whose
    /// top 1 % (the fit) holds 50 scores, enough for σ to within about ±14 % (1/√50). A smaller gallery cannot
    /// say anything about a per-mille tail; its scopes keep the manifest's threshold.</summary>
    public const int MinAnimals = 100;

    /// <summary>Pairs that must score at or above t for the empirical share to be used as it is (relative
    /// error about 1/√25 = 20 %).</summary>
    public const int MinExceedances = 25;

    /// <summary>The share of highest pair scores the exponential's scale is fitted to.</summary>
    public const double FitFraction = 0.01;

    private readonly float[] _descending;

    private ImpostorTail(float[] descending, int animals, int probes)
    {
        _descending = descending;
        Animals = animals;
        Probes = probes;
        Anchor = descending[MinExceedances - 1];
        AnchorTail = (double)AtOrAbove(Anchor) / descending.Length;
        var fitted = (int)Math.Ceiling(FitFraction * descending.Length);
        var lowest = descending[fitted];
        double excess = 0;
        for (var i = 0; i < fitted; i++)
            excess += descending[i] - lowest;
        Scale = Math.Max(excess / fitted, MinScale);
    }

    /// <summary>The gallery size the sample came from (not the sample's size).</summary>
    public int Animals { get; }

    public long Pairs => _descending.Length;

    /// <summary>k: the photos on the probe side of each impostor comparison.</summary>
    public int Probes { get; }

    /// <summary>Where the extrapolation starts: the <see cref="MinExceedances"/>-th highest pair score.</summary>
    public float Anchor { get; }

    /// <summary>The empirical p at <see cref="Anchor"/>.</summary>
    public double AnchorTail { get; }

    /// <summary>σ, the exponential tail's scale in cosine units.</summary>
    public double Scale { get; }

    /// <summary>A floor on σ so that a gallery of identical scores still gives a finite, falling tail.</summary>
    private const double MinScale = 1e-6;

    /// <summary>The estimate for decisions on <paramref name="probes"/> photos from a gallery sample, or null when the
    /// sample holds fewer than <see cref="MinAnimals"/> animals. Scores are exact float fused scores of the stored
    /// templates, one per pair of sampled animals.</summary>
    public static ImpostorTail? Estimate(GallerySample sample, int probes)
    {
        var sets = sample.TemplateSets;
        if (sets.Count < MinAnimals)
            return null;
        var scores = new float[sets.Count * (sets.Count - 1) / 2];
        var n = 0;
        for (var i = 0; i < sets.Count; i++)
        {
            IReadOnlyList<Embedding> photos = [.. sets[i].Take(probes)];
            for (var j = i + 1; j < sets.Count; j++)
                scores[n++] = FusedScore.Of(photos, sets[j]);
        }
        return FromScores(scores, sample.Animals, probes);
    }

    /// <summary>The estimate from impostor pair scores of <paramref name="probes"/>-photo comparisons drawn from a
    /// gallery of <paramref name="animals"/> animals. Takes ownership of <paramref name="scores"/> (sorts it).</summary>
    public static ImpostorTail FromScores(float[] scores, int animals, int probes = 1)
    {
        var needed = MinAnimals * (MinAnimals - 1) / 2;
        if (scores.Length < needed)
            throw new ArgumentException($"{scores.Length} impostor scores; the tail needs at least {needed} ({MinAnimals} animals)", nameof(scores));
        Array.Sort(scores);
        Array.Reverse(scores);
        return new ImpostorTail(scores, animals, probes);
    }

    /// <summary>p(t): the estimated chance that one impostor comparison scores at or above <paramref name="threshold"/>.</summary>
    public double Probability(float threshold)
    {
        var count = AtOrAbove(threshold);
        var share = (double)count / Pairs;
        return count >= MinExceedances ? share : Math.Max(share, AnchorTail * Math.Exp(-(threshold - Anchor) / Scale));
    }

    /// <summary>How many pair scores are at or above <paramref name="threshold"/> (binary search on the descending scores).</summary>
    private int AtOrAbove(float threshold)
    {
        int lo = 0, hi = _descending.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_descending[mid] >= threshold)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}

using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace AgriInsure.Evaluation;

/// <summary>All photos of one animal, embedded (L2-normalised), in a fixed order.</summary>
public sealed record IdentitySamples(string Identity, IReadOnlyList<float[]> Embeddings);

/// <summary>The figures of ../shared/EVAL.md; JSON names are the ones the biometrics issue asks for.</summary>
public sealed record EvaluationReport
{
    [JsonPropertyName("rank1_1shot")] public double Rank1OneShot { get; init; }
    [JsonPropertyName("rank1_3shot")] public double Rank1ThreeShot { get; init; }
    [JsonPropertyName("tar_at_far_1pct")] public double TarAtFar1Pct { get; init; }
    [JsonPropertyName("tar_at_far_0_1pct")] public double TarAtFar01Pct { get; init; }
    [JsonPropertyName("eer")] public double Eer { get; init; }
    [JsonPropertyName("false_duplicate_rate")] public double FalseDuplicateRate { get; init; }
    [JsonPropertyName("threshold")] public double Threshold { get; init; }
    [JsonPropertyName("identities")] public int Identities { get; init; }
    [JsonPropertyName("images")] public int Images { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("skipped_identities_1shot")] public int SkippedOneShot { get; init; }
    [JsonPropertyName("skipped_identities_3shot")] public int SkippedThreeShot { get; init; }
    [JsonPropertyName("genuine_scores")] public int GenuineScores { get; init; }
    [JsonPropertyName("impostor_scores")] public int ImpostorScores { get; init; }

    /// <summary>Points of the DET curve (false accept rate, false reject rate), for plotting.</summary>
    [JsonIgnore] public IReadOnlyList<(double Far, double Frr)> Det { get; init; } = [];

    /// <summary>Where the operating threshold sits on the 3-shot genuine and impostor scores.</summary>
    [JsonPropertyName("far_at_threshold")] public double FarAtThreshold { get; init; }
    [JsonPropertyName("frr_at_threshold")] public double FrrAtThreshold { get; init; }
}

/// <summary>Open-set identification and verification figures, computed exactly as ../shared/EVAL.md says,
/// from embeddings alone: no model, no files. TAR, FAR and EER use the 3-shot galleries.</summary>
public static class OpenSetEvaluation
{
    public static EvaluationReport Evaluate(IReadOnlyList<IdentitySamples> identities, double threshold, int seed)
    {
        var one = Shots(identities, 1, seed);
        var three = Shots(identities, 3, seed);
        var impostors = three.Impostor.ToArray();
        var genuine = three.Genuine.ToArray();
        Array.Sort(impostors);
        Array.Sort(genuine);
        return new EvaluationReport
        {
            Rank1OneShot = one.Rank1,
            Rank1ThreeShot = three.Rank1,
            TarAtFar1Pct = TarAtFar(genuine, impostors, 0.01),
            TarAtFar01Pct = TarAtFar(genuine, impostors, 0.001),
            Eer = EqualErrorRate(genuine, impostors),
            FalseDuplicateRate = FalseDuplicates(identities, threshold, seed),
            Threshold = threshold,
            Identities = identities.Count(i => i.Embeddings.Count > 0),
            Images = identities.Sum(i => i.Embeddings.Count),
            Seed = seed,
            SkippedOneShot = one.Skipped,
            SkippedThreeShot = three.Skipped,
            GenuineScores = genuine.Length,
            ImpostorScores = impostors.Length,
            Det = DetCurve(genuine, impostors),
            FarAtThreshold = impostors.Length == 0 ? 0 : Share(impostors, (float)threshold, atOrAbove: true),
            FrrAtThreshold = genuine.Length == 0 ? 0 : Share(genuine, (float)threshold, atOrAbove: false),
        };
    }

    private sealed record ShotResult(double Rank1, int Skipped, List<float> Genuine, List<float> Impostor);

    private static ShotResult Shots(IReadOnlyList<IdentitySamples> identities, int k, int seed)
    {
        var gallery = new List<(string Identity, float[][] Templates, HashSet<int> Enrolled, IdentitySamples Samples)>();
        var skipped = 0;
        foreach (var id in identities)
        {
            if (id.Embeddings.Count < k + 1)
            {
                skipped++;
                continue;
            }
            var rng = new Random(StableSeed($"{seed}/{k}/{id.Identity}"));
            var chosen = Enumerable.Range(0, id.Embeddings.Count).OrderBy(_ => rng.Next()).Take(k).ToHashSet();
            gallery.Add((id.Identity, chosen.Select(i => id.Embeddings[i]).ToArray(), chosen, id));
        }
        var genuine = new List<float>();
        var impostor = new List<float>();
        int queries = 0, correct = 0;
        foreach (var own in gallery)
        {
            for (var q = 0; q < own.Samples.Embeddings.Count; q++)
            {
                if (own.Enrolled.Contains(q))
                    continue;
                var probe = own.Samples.Embeddings[q];
                var bestScore = float.NegativeInfinity;
                string? best = null;
                foreach (var candidate in gallery)
                {
                    var score = candidate.Templates.Max(t => TensorPrimitives.Dot(probe, t));
                    if (candidate.Identity == own.Identity)
                        genuine.Add(score);
                    else
                        impostor.Add(score);
                    if (score > bestScore)
                        (bestScore, best) = (score, candidate.Identity);
                }
                queries++;
                if (best == own.Identity)
                    correct++;
            }
        }
        return new ShotResult(queries == 0 ? 0 : correct / (double)queries, skipped, genuine, impostor);
    }

    /// <summary>The share of genuine scores at or above the lowest threshold that lets through at most
    /// <paramref name="far"/> of the impostor scores. Both arrays sorted ascending.</summary>
    internal static double TarAtFar(float[] genuine, float[] impostors, double far)
    {
        if (genuine.Length == 0)
            return 0;
        var threshold = ThresholdAtFar(impostors, far);
        return genuine.Count(g => g >= threshold) / (double)genuine.Length;
    }

    /// <summary>The lowest score t with share(impostor ≥ t) ≤ far: just above the (⌊far·n⌋+1)-th highest impostor.</summary>
    public static float ThresholdAtFar(float[] sortedImpostors, double far)
    {
        if (sortedImpostors.Length == 0)
            return float.NegativeInfinity;
        var allowed = (int)Math.Floor(far * sortedImpostors.Length);
        var blocking = sortedImpostors[sortedImpostors.Length - 1 - Math.Min(allowed, sortedImpostors.Length - 1)];
        return MathF.BitIncrement(blocking);
    }

    internal static double EqualErrorRate(float[] genuine, float[] impostors)
    {
        if (genuine.Length == 0 || impostors.Length == 0)
            return 0;
        var best = (Gap: double.MaxValue, Rate: 0.0);
        foreach (var t in genuine.Concat(impostors).Distinct())
        {
            var far = Share(impostors, t, atOrAbove: true);
            var frr = Share(genuine, t, atOrAbove: false);
            if (Math.Abs(far - frr) < best.Gap)
                best = (Math.Abs(far - frr), (far + frr) / 2);
        }
        return best.Rate;
    }

    private static IReadOnlyList<(double Far, double Frr)> DetCurve(float[] genuine, float[] impostors)
    {
        if (genuine.Length == 0 || impostors.Length == 0)
            return [];
        var all = genuine.Concat(impostors).Distinct().Order().ToArray();
        var step = Math.Max(1, all.Length / 400);
        return all.Where((_, i) => i % step == 0).Select(t => (Share(impostors, t, true), Share(genuine, t, false))).ToList();
    }

    /// <summary>Share of a sorted array at or above t (or below t).</summary>
    private static double Share(float[] sorted, float t, bool atOrAbove)
    {
        var index = LowerBound(sorted, t);
        var below = index;
        return (atOrAbove ? sorted.Length - below : below) / (double)sorted.Length;
    }

    private static int LowerBound(float[] sorted, float t)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid] < t)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    internal static double FalseDuplicates(IReadOnlyList<IdentitySamples> identities, double threshold, int seed)
    {
        var rng = new Random(StableSeed($"{seed}/enrolment-order"));
        var order = identities.Where(i => i.Embeddings.Count > 0).OrderBy(i => i.Identity, StringComparer.Ordinal).OrderBy(_ => rng.Next()).ToList();
        if (order.Count == 0)
            return 0;
        var enrolled = new List<float[]>();
        var falseDuplicates = 0;
        foreach (var animal in order)
        {
            var first = animal.Embeddings[0];
            if (enrolled.Any(e => TensorPrimitives.Dot(e, first) >= threshold))
                falseDuplicates++;
            enrolled.Add(first);
        }
        return falseDuplicates / (double)order.Count;
    }

    private static int StableSeed(string text) => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);
}

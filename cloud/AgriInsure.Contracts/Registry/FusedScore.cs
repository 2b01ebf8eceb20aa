using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>Exact float scores of a capture's photos (probes) against one animal's templates, under the one
/// fusion rule, <see cref="Fuse"/>: each probe's best cosine among the templates, averaged over
/// the probes. The index ranks with int8 codes; decisions, review evidence and calibration use these.</summary>
public static class FusedScore
{
    /// <summary>Each probe's best cosine among <paramref name="templates"/>, in probe order. All of one model
    /// (else <see cref="InvalidOperationException"/>, as <see cref="Embedding.Similarity"/>).</summary>
    public static float[] BestPerProbe(IReadOnlyList<Embedding> probes, IReadOnlyList<Embedding> templates) =>
        [.. probes.Select(p => templates.Max(p.Similarity))];

    public static float Of(IReadOnlyList<Embedding> probes, IReadOnlyList<Embedding> templates) => Fuse(BestPerProbe(probes, templates));

    /// <summary>The fusion rule for several probe photos against several templates of one animal: the mean over
    /// probes of the best template score (max over an animal's templates, as <c>../shared/EVAL.md</c> scores a
    /// query; the mean over probes, so one lucky photo cannot carry an impostor over the threshold alone).</summary>
    public static float Fuse(ReadOnlySpan<float> bestPerProbe)
    {
        var sum = 0f;
        foreach (var s in bestPerProbe)
            sum += s;
        return sum / bestPerProbe.Length;
    }
}

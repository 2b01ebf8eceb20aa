using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>Exact float scores of a capture's photos (probes) against one animal's templates, under the one
/// fusion rule, <see cref="TemplateIndex.Fuse"/>: each probe's best cosine among the templates, averaged over
/// the probes. The index ranks with int8 codes; decisions, review evidence and calibration use these.</summary>
public static class FusedScore
{
    /// <summary>Each probe's best cosine among <paramref name="templates"/>, in probe order. All of one model
    /// (else <see cref="InvalidOperationException"/>, as <see cref="Embedding.Similarity"/>).</summary>
    public static float[] BestPerProbe(IReadOnlyList<Embedding> probes, IReadOnlyList<Embedding> templates) =>
        [.. probes.Select(p => templates.Max(p.Similarity))];

    public static float Of(IReadOnlyList<Embedding> probes, IReadOnlyList<Embedding> templates) => TemplateIndex.Fuse(BestPerProbe(probes, templates));
}

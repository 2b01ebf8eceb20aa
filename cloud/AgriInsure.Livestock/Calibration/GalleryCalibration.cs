using System.Collections.Concurrent;
using AgriInsure.Domain;
using AgriInsure.Registry;

namespace AgriInsure.Livestock.Calibration;

/// <summary>Keeps one <see cref="ImpostorTail"/> per tenant (each tenant's gallery is its own), species, template model and number of photos decided on
/// (fused scores of k photos have a tail of their own), estimated from the registry's own gallery. The rule: no estimate below <see cref="ImpostorTail.MinAnimals"/> animals (scopes use the
/// manifest's floor); the first estimate when the gallery reaches that size; a new one whenever the gallery
/// has grown by <see cref="RefreshGrowthPercent"/> % since the last (so at most about log(N/100)/log(1.1) estimates
/// over a registry's life, 97 up to a million animals), each from at most <see cref="SampleAnimals"/>
/// animals. Estimates live in memory: a restarted host makes a fresh one at its first decision, and every
/// decision records the gallery size its estimate came from, so the same sample can be drawn again to explain
/// it (<see cref="IRegistry.SampleGalleryAsync"/> with that size as <c>asOfAnimals</c>).</summary>
public sealed class GalleryCalibration(IRegistry registry)
{
    /// <summary>At most 2,000 animals per estimate: about 2 million pairs, some 0.3 s of scoring and sorting here (256-d,
    /// one template each; k photos against t templates cost k·t cosines a pair, some 2 s at 3 against 3),
    /// whose empirical tail reaches down to about 1.25·10⁻⁵ (25 pairs of 2 million) before the extrapolation takes over.</summary>
    public const int SampleAnimals = 2_000;

    /// <summary>Growth of the gallery, in per cent of its size at the last estimate, that triggers a new one.</summary>
    public const int RefreshGrowthPercent = 10;

    private readonly ConcurrentDictionary<(string, Species, string, int), ImpostorTail> _tails = new();

    /// <summary>The estimate for decisions on <paramref name="probes"/> photos against a gallery now holding
    /// <paramref name="galleryAnimals"/> animals, refreshed by the rule above; null while the gallery is too small.</summary>
    public async Task<ImpostorTail?> CurrentAsync(string tenant, Species species, string modelId, int probes, int galleryAnimals, CancellationToken ct = default)
    {
        if (galleryAnimals < ImpostorTail.MinAnimals)
            return null;
        var key = (tenant, species, modelId, probes);
        if (_tails.TryGetValue(key, out var tail) && !IsStale(tail.Animals, galleryAnimals))
            return tail;
        var fresh = ImpostorTail.Estimate(await registry.SampleGalleryAsync(tenant, species, modelId, SampleAnimals, galleryAnimals, ct), probes);
        if (fresh is not null)
            _tails[key] = fresh;
        return fresh ?? tail;
    }

    /// <summary>True when a gallery of <paramref name="now"/> animals has outgrown an estimate made at <paramref name="estimatedAt"/>.</summary>
    public static bool IsStale(int estimatedAt, int now) => 100L * now >= (100L + RefreshGrowthPercent) * estimatedAt;
}

namespace AgriInsure.Domain;

/// <summary>Whether the photos of one enrolment show one animal. The rule: two photos are linked when their
/// cosine reaches the consistency threshold (a setting, at most the model manifest's: one comparison faces one
/// impostor, so no scope calibration applies, and photos of one visit need not all reach the 1:N threshold); the photos are of one animal
/// when the links join them all (single linkage: one group). Photos of two animals fall into two groups however
/// many of each there are; one poor photo of the right animal still joins when it reaches any other photo.</summary>
/// <param name="Groups">The photos' indices, grouped by the links; one group when consistent.</param>
/// <param name="BestAcross">With two or more groups, the highest cosine between photos of different groups (below the threshold).</param>
public sealed record PhotoConsistency(IReadOnlyList<IReadOnlyList<int>> Groups, float? BestAcross, float Threshold)
{
    public bool OfOneAnimal => Groups.Count == 1;

    /// <summary>The check over a capture's photos (all of one model); one photo is trivially consistent.</summary>
    public static PhotoConsistency Check(IReadOnlyList<Embedding> photos, float threshold)
    {
        var group = Enumerable.Range(0, photos.Count).ToArray();
        int Root(int i) => group[i] == i ? i : group[i] = Root(group[i]);
        var cosines = new float[photos.Count, photos.Count];
        for (var i = 0; i < photos.Count; i++)
        {
            for (var j = i + 1; j < photos.Count; j++)
            {
                cosines[i, j] = photos[i].Similarity(photos[j]);
                if (cosines[i, j] >= threshold)
                    group[Root(j)] = Root(i);
            }
        }
        var groups = Enumerable.Range(0, photos.Count).GroupBy(Root).Select(g => (IReadOnlyList<int>)[.. g]).ToList();
        float? across = null;
        for (var i = 0; i < photos.Count; i++)
        {
            for (var j = i + 1; j < photos.Count; j++)
            {
                if (Root(i) != Root(j))
                    across = Math.Max(across ?? float.NegativeInfinity, cosines[i, j]);
            }
        }
        return new PhotoConsistency(groups, across, threshold);
    }

    /// <summary>The finding in words, photos numbered from 1.</summary>
    public string Describe() => OfOneAnimal
        ? $"the {Groups[0].Count} photos are of one animal"
        : $"the photos fall into {Groups.Count} groups ({string.Join(" | ", Groups.Select(g => string.Join(", ", g.Select(i => i + 1))))}): " +
          string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the best cosine between groups is {BestAcross:0.000}, under the threshold {Threshold:0.0000}");
}

using System.Numerics.Tensors;
using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>Enrolled templates held in memory as one contiguous float array per species and model, scored
/// with SIMD dot products. Appends only write past the count a reader saw, and growth allocates new
/// arrays, so a search works on a consistent snapshot and an enrolment never waits for a search.</summary>
internal sealed class TemplateIndex
{
    private sealed class Shelf(int dimension)
    {
        public readonly int Dimension = dimension;
        public string[] Ids = new string[16];
        public float[] Vectors = new float[16 * dimension];
        public int Count;
    }

    private readonly Dictionary<(Species, string), Shelf> _shelves = [];
    private readonly Lock _lock = new();

    public void Add(Species species, string animalId, Embedding template)
    {
        lock (_lock)
        {
            var key = (species, template.ModelId);
            if (!_shelves.TryGetValue(key, out var shelf))
                _shelves[key] = shelf = new Shelf(template.Dimension);
            if (shelf.Dimension != template.Dimension)
                throw new InvalidOperationException($"model {template.ModelId} gave {template.Dimension} dimensions, the index holds {shelf.Dimension}");
            if (shelf.Count == shelf.Ids.Length)
            {
                Array.Resize(ref shelf.Ids, shelf.Ids.Length * 2);
                Array.Resize(ref shelf.Vectors, shelf.Vectors.Length * 2);
            }
            template.Values.CopyTo(shelf.Vectors.AsSpan(shelf.Count * shelf.Dimension));
            shelf.Ids[shelf.Count] = animalId;
            shelf.Count++;
        }
    }

    public IReadOnlyList<Match> Search(Embedding probe, Species species, int top)
    {
        string[] ids;
        float[] vectors;
        int count, dim;
        lock (_lock)
        {
            if (!_shelves.TryGetValue((species, probe.ModelId), out var shelf) || shelf.Dimension != probe.Dimension)
                return [];
            (ids, vectors, count, dim) = (shelf.Ids, shelf.Vectors, shelf.Count, shelf.Dimension);
        }
        if (top <= 0)
            return [];
        var best = new PriorityQueue<int, float>(top + 1);
        for (var i = 0; i < count; i++)
        {
            best.Enqueue(i, TensorPrimitives.Dot(probe.Values, vectors.AsSpan(i * dim, dim)));
            if (best.Count > top)
                best.Dequeue();
        }
        var result = new List<Match>(best.Count);
        while (best.TryDequeue(out var i, out var score))
            result.Add(new Match(ids[i], score));
        result.Reverse();
        return result;
    }
}

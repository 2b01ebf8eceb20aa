using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>Enrolled templates in memory for 1:N search, one shelf per species and model. Each template
/// is stored as int8 codes with one float scale (dimension + 4 bytes, 132 bytes for 128-d instead of
/// 512), and scored against the probe with AVX2 integer multiply-adds: at 1,000,000 templates a query
/// reads 132 MB instead of 512 MB. Quantisation moves a cosine score by well under 0.01.
/// Appends only write past the count a reader saw, and growth allocates new arrays, so a search works
/// on a consistent snapshot and an enrolment never waits for a search. Beside the codes each shelf keeps what
/// the narrower scopes look members up by: animal id, farmer, and enrolment fix in an <see cref="EnrolmentGrid"/>
/// (some 60 more bytes a template: a dictionary entry, a list slot, a grid entry of id and fix).</summary>
public sealed class TemplateIndex
{
    private sealed class Shelf(int dimension)
    {
        public readonly int Dimension = dimension;
        public string[] Ids = new string[64];
        public sbyte[] Codes = new sbyte[64 * dimension];
        public float[] Scales = new float[64];
        public int Count;
        public readonly Dictionary<string, List<int>> ByFarmer = new(StringComparer.Ordinal);
        public readonly Dictionary<string, int> ByAnimal = new(StringComparer.Ordinal);
        public readonly EnrolmentGrid Fixes = new();
    }

    private readonly Dictionary<(Species, string), Shelf> _shelves = [];
    private readonly Lock _lock = new();

    public static int BytesPerTemplate(int dimension) => dimension + sizeof(float);

    public int Count(Species species, string modelId)
    {
        lock (_lock)
            return _shelves.TryGetValue((species, modelId), out var shelf) ? shelf.Count : 0;
    }

    /// <summary>Up to <paramref name="max"/> animal ids of a species and model, drawn without replacement from the
    /// first <paramref name="asOf"/> templates in enrolment order (all when null), with a seed of that gallery's
    /// size (a partial Fisher–Yates shuffle), and the gallery's size. Templates are only ever appended, so the
    /// gallery as it stood at a size always gives the same sample and a calibration can be recomputed later.</summary>
    public (int Animals, string[] Ids) Sample(Species species, string modelId, int max, int? asOf = null)
    {
        string[] ids;
        int count;
        lock (_lock)
        {
            if (!_shelves.TryGetValue((species, modelId), out var shelf))
                return (0, []);
            (ids, count) = (shelf.Ids, Math.Min(shelf.Count, asOf ?? int.MaxValue));
        }
        var order = Enumerable.Range(0, count).ToArray();
        var take = Math.Min(max, count);
        var random = new Random(count);
        for (var i = 0; i < take; i++)
        {
            var j = random.Next(i, count);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return (count, [.. order.Take(take).Select(i => ids[i])]);
    }

    /// <summary>Adds one animal's template; <paramref name="farmerId"/> and the enrolment <paramref name="fix"/>
    /// put it in the farmer and radius scopes (an animal without them is searched only registry-wide).</summary>
    public void Add(Species species, string animalId, Embedding template, string? farmerId = null, GeoPoint? fix = null)
    {
        var codes = new sbyte[template.Dimension];
        var scale = Quantise(template.Values, codes);
        lock (_lock)
        {
            var key = (species, template.ModelId);
            if (!_shelves.TryGetValue(key, out var shelf))
                _shelves[key] = shelf = new Shelf(template.Dimension);
            if (shelf.Dimension != template.Dimension)
                throw new InvalidOperationException($"model {template.ModelId} gave {template.Dimension} dimensions, the index holds {shelf.Dimension}");
            if (shelf.Count == shelf.Ids.Length)
            {
                var capacity = shelf.Ids.Length * 2;
                var ids = shelf.Ids;
                var all = shelf.Codes;
                var scales = shelf.Scales;
                Array.Resize(ref ids, capacity);
                Array.Resize(ref all, capacity * shelf.Dimension);
                Array.Resize(ref scales, capacity);
                (shelf.Ids, shelf.Codes, shelf.Scales) = (ids, all, scales);
            }
            codes.CopyTo(shelf.Codes.AsSpan(shelf.Count * shelf.Dimension));
            shelf.Scales[shelf.Count] = scale;
            shelf.Ids[shelf.Count] = animalId;
            shelf.ByAnimal[animalId] = shelf.Count;
            if (farmerId is not null)
            {
                if (!shelf.ByFarmer.TryGetValue(farmerId, out var herd))
                    shelf.ByFarmer[farmerId] = herd = [];
                herd.Add(shelf.Count);
            }
            if (fix is { } at)
                shelf.Fixes.Add(shelf.Count, at);
            // Publish the new count last: a concurrent reader either sees the whole template or none of it.
            Volatile.Write(ref shelf.Count, shelf.Count + 1);
        }
    }

    /// <summary>The best <paramref name="top"/> of every template of the species and the probe's model.</summary>
    public IReadOnlyList<Match> Search(Embedding probe, Species species, int top) => Search(probe, species, top, new ScopeFilter.Everyone()).Top;

    /// <summary>The best <paramref name="top"/> templates in a scope, and the scope's size. The whole registry is
    /// one linear scan; the other scopes look their members up (a farmer's list, the enrolment grid, the ids)
    /// under the lock and score only those, so a scoped search costs its scope's size, not the registry's.</summary>
    public ScopeHits Search(Embedding probe, Species species, int top, ScopeFilter scope)
    {
        string[] ids;
        sbyte[] codes;
        float[] scales;
        int count, dim;
        int[]? members;
        lock (_lock)
        {
            if (!_shelves.TryGetValue((species, probe.ModelId), out var shelf) || shelf.Dimension != probe.Dimension)
                return new ScopeHits(0, []);
            (ids, codes, scales, count, dim) = (shelf.Ids, shelf.Codes, shelf.Scales, shelf.Count, shelf.Dimension);
            members = scope switch
            {
                ScopeFilter.Everyone => null,
                ScopeFilter.OfFarmer f => shelf.ByFarmer.TryGetValue(f.FarmerId, out var herd) ? [.. herd] : [],
                ScopeFilter.Within w => shelf.Fixes.Within(w.Centre, w.Radius),
                ScopeFilter.Animals a => [.. a.Ids.Distinct(StringComparer.Ordinal).Select(id => shelf.ByAnimal.TryGetValue(id, out var at) ? at : -1).Where(at => at >= 0)],
                _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, null),
            };
        }
        var size = members?.Length ?? count;
        if (top <= 0 || size == 0)
            return new ScopeHits(size, []);

        var probeCodes = new sbyte[dim];
        var probeScale = Quantise(probe.Values, probeCodes);
        var wide = new short[dim];
        for (var i = 0; i < dim; i++)
            wide[i] = probeCodes[i];

        var best = new TopScores(top);
        if (members is null)
        {
            for (var t = 0; t < count; t++)
                best.Offer(t, Dot(wide, codes.AsSpan(t * dim, dim)) * scales[t] * probeScale);
        }
        else
        {
            foreach (var t in members)
                best.Offer(t, Dot(wide, codes.AsSpan(t * dim, dim)) * scales[t] * probeScale);
        }
        return new ScopeHits(size, best.Drain(ids));
    }

    /// <summary>The <c>top</c> highest scores seen, kept in a min-heap so each offer costs one compare
    /// unless it enters the best.</summary>
    private struct TopScores(int top)
    {
        private readonly PriorityQueue<int, float> _best = new(top + 1);
        private float _floor = float.NegativeInfinity;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Offer(int template, float score)
        {
            if (_best.Count < top)
            {
                _best.Enqueue(template, score);
                if (_best.Count == top)
                    _best.TryPeek(out _, out _floor);
            }
            else if (score > _floor)
            {
                _best.EnqueueDequeue(template, score);
                _best.TryPeek(out _, out _floor);
            }
        }

        public readonly List<Match> Drain(string[] ids)
        {
            var result = new List<Match>(_best.Count);
            while (_best.TryDequeue(out var i, out var score))
                result.Add(new Match(ids[i], score));
            result.Reverse();
            return result;
        }
    }

    /// <summary>Symmetric int8 codes: value ≈ code × scale, scale = max |value| / 127.</summary>
    internal static float Quantise(ReadOnlySpan<float> values, Span<sbyte> codes)
    {
        var magnitude = Math.Abs(TensorPrimitives.MaxMagnitude(values));
        var scale = magnitude > 0 ? magnitude / 127f : 1f;
        for (var i = 0; i < values.Length; i++)
            codes[i] = (sbyte)Math.Clamp(MathF.Round(values[i] / scale), -127, 127);
        return scale;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Dot(ReadOnlySpan<short> probe, ReadOnlySpan<sbyte> codes)
    {
        var i = 0;
        var sum = 0;
        if (Avx2.IsSupported && codes.Length >= 16)
        {
            var acc = Vector256<int>.Zero;
            ref var p = ref MemoryMarshal.GetReference(probe);
            ref var c = ref MemoryMarshal.GetReference(codes);
            for (; i <= codes.Length - 16; i += 16)
            {
                var code = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref c, i))).AsSByte());
                var pv = Vector256.LoadUnsafe(ref Unsafe.Add(ref p, i));
                acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(code, pv));
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < codes.Length; i++)
            sum += probe[i] * codes[i];
        return sum;
    }
}

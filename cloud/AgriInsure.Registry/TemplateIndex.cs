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
/// on a consistent snapshot and an enrolment never waits for a search.</summary>
public sealed class TemplateIndex
{
    private sealed class Shelf(int dimension)
    {
        public readonly int Dimension = dimension;
        public string[] Ids = new string[64];
        public sbyte[] Codes = new sbyte[64 * dimension];
        public float[] Scales = new float[64];
        public int Count;
    }

    private readonly Dictionary<(Species, string), Shelf> _shelves = [];
    private readonly Lock _lock = new();

    public static int BytesPerTemplate(int dimension) => dimension + sizeof(float);

    public int Count(Species species, string modelId)
    {
        lock (_lock)
            return _shelves.TryGetValue((species, modelId), out var shelf) ? shelf.Count : 0;
    }

    public void Add(Species species, string animalId, Embedding template)
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
            // Publish the new count last: a concurrent reader either sees the whole template or none of it.
            Volatile.Write(ref shelf.Count, shelf.Count + 1);
        }
    }

    public IReadOnlyList<Match> Search(Embedding probe, Species species, int top)
    {
        string[] ids;
        sbyte[] codes;
        float[] scales;
        int count, dim;
        lock (_lock)
        {
            if (!_shelves.TryGetValue((species, probe.ModelId), out var shelf) || shelf.Dimension != probe.Dimension)
                return [];
            (ids, codes, scales, count, dim) = (shelf.Ids, shelf.Codes, shelf.Scales, shelf.Count, shelf.Dimension);
        }
        if (top <= 0 || count == 0)
            return [];

        var probeCodes = new sbyte[dim];
        var probeScale = Quantise(probe.Values, probeCodes);
        var wide = new short[dim];
        for (var i = 0; i < dim; i++)
            wide[i] = probeCodes[i];

        var best = new PriorityQueue<int, float>(top + 1);
        var floor = float.NegativeInfinity;
        for (var t = 0; t < count; t++)
        {
            var score = Dot(wide, codes.AsSpan(t * dim, dim)) * scales[t] * probeScale;
            if (best.Count < top)
            {
                best.Enqueue(t, score);
                if (best.Count == top)
                    best.TryPeek(out _, out floor);
            }
            else if (score > floor)
            {
                best.EnqueueDequeue(t, score);
                best.TryPeek(out _, out floor);
            }
        }
        var result = new List<Match>(best.Count);
        while (best.TryDequeue(out var i, out var score))
            result.Add(new Match(ids[i], score));
        result.Reverse();
        return result;
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

using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>Enrolled templates in memory for 1:N search, one shelf per species and model. An animal has one
/// to <see cref="MaxTemplates"/> templates (its enrolment photos), stored next to each other. Each template is stored
/// as int8 codes with one float scale (dimension + 4 bytes, 260 bytes for 256-d instead of 1,024), and scored
/// against the probe with AVX2 integer multiply-adds. Quantisation moves a cosine score by well under 0.01.
/// <para>Scores are fused (<see cref="Fuse"/>): an animal's score for a set of probe photos is the mean, over
/// the probes, of each probe's best score among the animal's templates.</para>
/// Appends only write past the count a reader saw, and growth allocates new arrays, so a search works
/// on a consistent snapshot and an enrolment never waits for a search. Beside the codes each shelf keeps what
/// the narrower scopes look members up by: animal id, farmer, and enrolment fix in an <see cref="EnrolmentGrid"/>
/// (some 60 more bytes an animal: a dictionary entry, a list slot, a grid entry of id and fix).</summary>
public sealed class TemplateIndex
{
    /// <summary>Per animal: the first of its templates in the shelf's template arrays and how many it has.</summary>
    private sealed class Shelf(int dimension)
    {
        public readonly int Dimension = dimension;
        public string[] Ids = new string[64];
        public int[] FirstTemplate = new int[64];
        public byte[] TemplateCount = new byte[64];
        public int Count;
        public sbyte[] Codes = new sbyte[64 * dimension];
        public float[] Scales = new float[64];
        public int Templates;
        public readonly Dictionary<string, List<int>> ByFarmer = new(StringComparer.Ordinal);
        public readonly Dictionary<string, int> ByAnimal = new(StringComparer.Ordinal);
        public readonly EnrolmentGrid Fixes = new();
    }

    private readonly Dictionary<(Species, string), Shelf> _shelves = [];
    private readonly Lock _lock = new();

    public static int BytesPerTemplate(int dimension) => dimension + sizeof(float);

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

    /// <summary>The number of animals of a species enrolled with a model's templates.</summary>
    public int Count(Species species, string modelId)
    {
        lock (_lock)
            return _shelves.TryGetValue((species, modelId), out var shelf) ? shelf.Count : 0;
    }

    /// <summary>Up to <paramref name="max"/> animal ids of a species and model, drawn without replacement from the
    /// first <paramref name="asOf"/> animals in enrolment order (all when null), with a seed of that gallery's
    /// size (a partial Fisher–Yates shuffle), and the gallery's size. Animals are only ever appended, so the
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

    /// <summary>Adds one animal with its templates (1 to <see cref="MaxTemplates"/>, all of one model);
    /// <paramref name="farmerId"/> and the enrolment <paramref name="fix"/> put it in the farmer and radius scopes
    /// (an animal without them is searched only registry-wide). Throws <see cref="ArgumentException"/> on no,
    /// too many or mixed-model templates, <see cref="InvalidOperationException"/> on a dimension the shelf does not hold.</summary>
    public void Add(Species species, string animalId, IReadOnlyList<Embedding> templates, string? farmerId = null, GeoPoint? fix = null)
    {
        if (templates.Count is < 1 or > MaxTemplates)
            throw new ArgumentException($"an animal has 1 to {MaxTemplates} templates, not {templates.Count}", nameof(templates));
        var model = templates[0].ModelId;
        var dim = templates[0].Dimension;
        if (templates.Any(t => t.ModelId != model || t.Dimension != dim))
            throw new ArgumentException("an animal's templates come from one model", nameof(templates));
        var codes = new sbyte[templates.Count * dim];
        var scales = new float[templates.Count];
        for (var t = 0; t < templates.Count; t++)
            scales[t] = Quantise(templates[t].Values, codes.AsSpan(t * dim, dim));
        lock (_lock)
        {
            var key = (species, model);
            if (!_shelves.TryGetValue(key, out var shelf))
                _shelves[key] = shelf = new Shelf(dim);
            if (shelf.Dimension != dim)
                throw new InvalidOperationException($"model {model} gave {dim} dimensions, the index holds {shelf.Dimension}");
            Grow(shelf, templates.Count);
            codes.CopyTo(shelf.Codes.AsSpan(shelf.Templates * dim));
            scales.CopyTo(shelf.Scales.AsSpan(shelf.Templates));
            var at = shelf.Count;
            shelf.Ids[at] = animalId;
            shelf.FirstTemplate[at] = shelf.Templates;
            shelf.TemplateCount[at] = (byte)templates.Count;
            shelf.Templates += templates.Count;
            shelf.ByAnimal[animalId] = at;
            if (farmerId is not null)
            {
                if (!shelf.ByFarmer.TryGetValue(farmerId, out var herd))
                    shelf.ByFarmer[farmerId] = herd = [];
                herd.Add(at);
            }
            if (fix is { } where)
                shelf.Fixes.Add(at, where);
            // Publish the new count last: a concurrent reader either sees the whole animal or none of it.
            Volatile.Write(ref shelf.Count, at + 1);
        }
    }

    /// <summary>The most templates one animal holds: the enrolment protocol's most photos.</summary>
    public const int MaxTemplates = 5;

    private static void Grow(Shelf shelf, int templates)
    {
        if (shelf.Count == shelf.Ids.Length)
        {
            var capacity = shelf.Ids.Length * 2;
            var ids = shelf.Ids;
            var first = shelf.FirstTemplate;
            var counts = shelf.TemplateCount;
            Array.Resize(ref ids, capacity);
            Array.Resize(ref first, capacity);
            Array.Resize(ref counts, capacity);
            (shelf.Ids, shelf.FirstTemplate, shelf.TemplateCount) = (ids, first, counts);
        }
        if (shelf.Templates + templates > shelf.Scales.Length)
        {
            var capacity = Math.Max(shelf.Scales.Length * 2, shelf.Templates + templates);
            var codes = shelf.Codes;
            var scales = shelf.Scales;
            Array.Resize(ref codes, capacity * shelf.Dimension);
            Array.Resize(ref scales, capacity);
            (shelf.Codes, shelf.Scales) = (codes, scales);
        }
    }

    /// <summary>The best <paramref name="top"/> animals of the species and the probes' model, by fused score.</summary>
    public IReadOnlyList<Match> Search(IReadOnlyList<Embedding> probes, Species species, int top) => Search(probes, species, top, new ScopeFilter.Everyone()).Top;

    /// <summary>The best <paramref name="top"/> animals in a scope by fused score (<see cref="Fuse"/>), and the scope's
    /// size in animals. The probes (1 or more, one model and dimension, else <see cref="ArgumentException"/>) are
    /// the photos of one capture. The whole registry is one linear scan; the other scopes look their members up
    /// (a farmer's list, the enrolment grid, the ids) under the lock and score only those, so a scoped search
    /// costs its scope's size, not the registry's.</summary>
    public ScopeHits Search(IReadOnlyList<Embedding> probes, Species species, int top, ScopeFilter scope)
    {
        if (probes.Count == 0)
            throw new ArgumentException("a search needs at least one probe", nameof(probes));
        var model = probes[0].ModelId;
        if (probes.Any(p => p.ModelId != model || p.Dimension != probes[0].Dimension))
            throw new ArgumentException("a search's probes come from one model", nameof(probes));
        string[] ids;
        int[] first;
        byte[] counts;
        sbyte[] codes;
        float[] scales;
        int count, dim;
        int[]? members;
        lock (_lock)
        {
            if (!_shelves.TryGetValue((species, model), out var shelf) || shelf.Dimension != probes[0].Dimension)
                return new ScopeHits(0, []);
            (ids, first, counts, codes, scales, count, dim) = (shelf.Ids, shelf.FirstTemplate, shelf.TemplateCount, shelf.Codes, shelf.Scales, shelf.Count, shelf.Dimension);
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

        var wide = new short[probes.Count * dim];
        var probeScales = new float[probes.Count];
        var probeCodes = new sbyte[dim];
        for (var p = 0; p < probes.Count; p++)
        {
            probeScales[p] = Quantise(probes[p].Values, probeCodes);
            for (var i = 0; i < dim; i++)
                wide[p * dim + i] = probeCodes[i];
        }
        var perProbe = new float[probes.Count];
        var best = new TopScores(top);
        if (members is null)
        {
            for (var a = 0; a < count; a++)
                best.Offer(a, Score(a));
        }
        else
        {
            foreach (var a in members)
                best.Offer(a, Score(a));
        }
        return new ScopeHits(size, best.Drain(ids));

        float Score(int animal)
        {
            var from = first[animal];
            var to = from + counts[animal];
            for (var p = 0; p < perProbe.Length; p++)
            {
                var probe = wide.AsSpan(p * dim, dim);
                var max = float.NegativeInfinity;
                for (var t = from; t < to; t++)
                    max = Math.Max(max, Dot(probe, codes.AsSpan(t * dim, dim)) * scales[t] * probeScales[p]);
                perProbe[p] = max;
            }
            return Fuse(perProbe);
        }
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

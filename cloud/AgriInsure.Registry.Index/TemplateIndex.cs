using System.Collections.Concurrent;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AgriInsure.Domain;

namespace AgriInsure.Registry.Index;

/// <summary>Enrolled templates in memory for 1:N search, one shelf per species and model. An animal has one
/// to <see cref="MaxTemplates"/> templates (its enrolment photos), stored next to each other. Each template is stored
/// twice: as int8 codes with one float scale (dimension + 4 bytes, 260 bytes for 256-d instead of 1,024), scored
/// against a probe with AVX2 integer multiply-adds (quantisation moves a cosine score by well under 0.01); and as a
/// 512-bit sign code (64 bytes, <see cref="SignBits"/>) for the pre-filter of large scopes. So a template costs
/// <see cref="BytesPerTemplate"/> = dimension + 68 bytes (324 for 256-d: 972 MB for 1,000,000 animals of 3 templates).
/// <para>Scores are fused (<see cref="FusedScore.Fuse"/>): an animal's score for a set of probe photos is the mean, over
/// the probes, of each probe's best score among the animal's templates.</para>
/// <para>Search with a floor (the lowest threshold the answer is judged against) pre-filters scopes of
/// <see cref="PrefilterFromTemplates"/> templates or more, as binary-code engines do (FAISS's <c>IndexBinaryFlat</c>
/// ahead of a re-ranking): the sign codes of all the scope's templates are compared with the probes' in Hamming
/// distance (each code loaded once for all probes), and only the animals with a template within the floor's
/// cut-off (<see cref="SignCutoff"/>), plus the few nearest in Hamming, are scored exactly. Smaller scopes, and
/// searches without a floor, score every member exactly.</para>
/// Appends only write past the count a reader saw, and growth allocates new arrays, so a search works
/// on a consistent snapshot and an enrolment never waits for a search. Beside the codes each shelf keeps what
/// the narrower scopes look members up by: animal id, farmer, and enrolment fix in an <see cref="EnrolmentGrid"/>
/// (some 60 more bytes an animal: a dictionary entry, a list slot, a grid entry of id and fix).</summary>
public sealed class TemplateIndex
{
    /// <summary>Per animal: the first of its templates in the shelf's template arrays and how many it has. Sign codes
    /// are kept in blocks of <see cref="BlockTemplates"/> templates, word-major inside a block (word w of the block's
    /// templates side by side), so one 512-bit load holds one word of eight templates.</summary>
    private sealed class Shelf(int dimension)
    {
        public readonly int Dimension = dimension;
        public readonly float[] Hyperplanes = HyperplanesOf(dimension);
        public string[] Ids = new string[64];
        public int[] FirstTemplate = new int[64];
        public byte[] TemplateCount = new byte[64];
        public int Count;
        public sbyte[] Codes = new sbyte[64 * dimension];
        public float[] Scales = new float[64];
        public ulong[] Signs = new ulong[SignWordsFor(64)];
        public int Templates;
        public readonly Dictionary<string, List<int>> ByFarmer = new(StringComparer.Ordinal);
        public readonly Dictionary<string, int> ByAnimal = new(StringComparer.Ordinal);
        public readonly EnrolmentGrid Fixes = new();
    }

    // One shelf per tenant, species and model: a search never sees another tenant's animals.
    private readonly Dictionary<(string Tenant, Species Species, string Model), Shelf> _shelves = [];
    private readonly Lock _lock = new();

    /// <summary>The hyperplanes for each dimension, made once a process: they depend on the dimension alone.</summary>
    private static readonly ConcurrentDictionary<int, float[]> Hyperplanes = new();

    private long _prefilteredSearches, _prefilterScanned, _prefilterRescored;

    /// <summary>Memory of one template in bytes: its int8 codes, their float scale and its sign code.</summary>
    public static int BytesPerTemplate(int dimension) => dimension + sizeof(float) + SignWords * sizeof(ulong);

    /// <summary>Bits of a template's sign code: one per fixed random hyperplane, whatever the dimension. 512 rather than
    /// 256 because the cut-off's slack shrinks as 1/√bits: at 256 a floor of 0.69 let an impostor pair of cosine 0.15
    /// through 6 times in 100 (with 9 pairs an animal, 45 % of the benchmark's clustered registry went on to exact
    /// scoring); at 512, 2 times in 100,000.</summary>
    public const int SignBits = 512;

    private const int SignWords = SignBits / 64;

    /// <summary>Templates per block of sign codes: one word of each in a 512-bit vector (two 256-bit ones for AVX2).</summary>
    private const int BlockTemplates = 8;

    private const int BlockWords = BlockTemplates * SignWords;

    /// <summary>The smallest scope, in templates, that a search with a floor pre-filters; below it the exact scan costs
    /// well under a millisecond (about 25 ns a template for three probes at 256-d).</summary>
    public const int PrefilterFromTemplates = 10_000;

    /// <summary>The largest chance that the pre-filter drops one probe–template pair at or above the floor's cosine
    /// (<see cref="SignCutoff"/>): far below the embedder's own miss rate, so it never shows in a decision.</summary>
    public const double MissBound = 1e-6;

    /// <summary>How far below the floor the pre-filter keeps pairs, in cosine: int8 scoring moves a score by well
    /// under 0.01, so an animal the exact scan scores at the floor has a float pair within 0.02 of it.</summary>
    public const float QuantisationMargin = 0.02f;

    /// <summary>The number of a tenant's animals of a species enrolled with a model's templates.</summary>
    public int Count(string tenant, Species species, string modelId)
    {
        lock (_lock)
            return _shelves.TryGetValue((tenant, species, modelId), out var shelf) ? shelf.Count : 0;
    }

    /// <summary>Up to <paramref name="max"/> animal ids of a tenant, species and model, drawn without replacement from the
    /// first <paramref name="asOf"/> animals in enrolment order (all when null), with a seed of that gallery's
    /// size (a partial Fisher–Yates shuffle), and the gallery's size. Animals are only ever appended, so the
    /// gallery as it stood at a size always gives the same sample and a calibration can be recomputed later.</summary>
    public (int Animals, string[] Ids) Sample(string tenant, Species species, string modelId, int max, int? asOf = null)
    {
        string[] ids;
        int count;
        lock (_lock)
        {
            if (!_shelves.TryGetValue((tenant, species, modelId), out var shelf))
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

    /// <summary>Adds one of a tenant's animals with its templates (1 to <see cref="MaxTemplates"/>, all of one model);
    /// <paramref name="farmerId"/> and the enrolment <paramref name="fix"/> put it in the farmer and radius scopes
    /// (an animal without them is searched only registry-wide). An animal the shelf already holds is left as it is and
    /// false returned: an index that follows a store other processes write (<see cref="IndexFollower"/>) reads its own
    /// enrolments back. Throws <see cref="ArgumentException"/> on no, too many or mixed-model templates,
    /// <see cref="InvalidOperationException"/> on a dimension the shelf does not hold.</summary>
    public bool Add(string tenant, Species species, string animalId, IReadOnlyList<Embedding> templates, string? farmerId = null, GeoPoint? fix = null)
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
        var hyperplanes = HyperplanesOf(dim);
        var signs = new ulong[templates.Count * SignWords];
        for (var t = 0; t < templates.Count; t++)
            SignCode(templates[t].Values, hyperplanes, signs.AsSpan(t * SignWords, SignWords));
        lock (_lock)
        {
            var key = (tenant, species, model);
            if (!_shelves.TryGetValue(key, out var shelf))
                _shelves[key] = shelf = new Shelf(dim);
            if (shelf.Dimension != dim)
                throw new InvalidOperationException($"model {model} gave {dim} dimensions, the index holds {shelf.Dimension}");
            if (shelf.ByAnimal.ContainsKey(animalId))
                return false;
            Grow(shelf, templates.Count);
            codes.CopyTo(shelf.Codes.AsSpan(shelf.Templates * dim));
            scales.CopyTo(shelf.Scales.AsSpan(shelf.Templates));
            for (var t = 0; t < templates.Count; t++)
            {
                for (var w = 0; w < SignWords; w++)
                    shelf.Signs[SignAt(shelf.Templates + t, w)] = signs[t * SignWords + w];
            }
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
        return true;
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
            var signs = shelf.Signs;
            Array.Resize(ref codes, capacity * shelf.Dimension);
            Array.Resize(ref scales, capacity);
            Array.Resize(ref signs, SignWordsFor(capacity));
            (shelf.Codes, shelf.Scales, shelf.Signs) = (codes, scales, signs);
        }
    }

    /// <summary>Words of sign codes that hold <paramref name="templates"/> templates, in whole blocks.</summary>
    private static int SignWordsFor(int templates) => (templates + BlockTemplates - 1) / BlockTemplates * BlockWords;

    /// <summary>Where word <paramref name="word"/> of a template's sign code lies in the blocked layout.</summary>
    private static int SignAt(int template, int word) =>
        template / BlockTemplates * BlockWords + word * BlockTemplates + template % BlockTemplates;

    /// <summary>The best <paramref name="top"/> of a tenant's animals of the species and the probes' model, by fused score.</summary>
    public IReadOnlyList<Match> Search(string tenant, IReadOnlyList<Embedding> probes, Species species, int top) => Search(tenant, probes, species, top, new ScopeFilter.Everyone()).Top;

    /// <summary>The best <paramref name="top"/> of a tenant's animals in a scope by fused score (<see cref="FusedScore.Fuse"/>), and the scope's
    /// size in animals. The probes (1 or more, one model and dimension, else <see cref="ArgumentException"/>) are
    /// the photos of one capture. The whole registry is one linear scan; the other scopes look their members up
    /// (a farmer's list, the enrolment grid, the ids) under the lock and score only those, so a scoped search
    /// costs its scope's size, not the registry's. Every member is scored exactly.</summary>
    public ScopeHits Search(string tenant, IReadOnlyList<Embedding> probes, Species species, int top, ScopeFilter scope) =>
        Search(tenant, probes, species, top, scope, null);

    /// <summary>As the exact search, for a caller that judges the answer against a threshold no lower than
    /// <paramref name="floor"/> (a fused score). Scopes of <see cref="PrefilterFromTemplates"/> templates or more are
    /// pre-filtered by sign code: every animal the exact search scores at or above the floor is in the answer, ranked
    /// and scored as the exact search ranks and scores it, except with probability at most <see cref="MissBound"/>
    /// each (<see cref="SignCutoff"/>). Below the floor the answer is the best of the animals that passed and of those
    /// nearest in Hamming distance: each score listed is exact, but an animal left out may score higher, so ranks
    /// there (a runner-up below the floor) are the best found, not certainly the best. Costs one pass over the scope's
    /// sign codes (64 bytes a template, all probes at once) and the exact scoring of the animals that pass
    /// (<see cref="Prefiltered"/>), which the floor decides: the lower the floor, the more impostors pass.</summary>
    public ScopeHits Search(string tenant, IReadOnlyList<Embedding> probes, Species species, int top, ScopeFilter scope, float floor) =>
        Search(tenant, probes, species, top, scope, (float?)floor);

    /// <summary>What pre-filtered searches have cost since the index was made: how many there were, the templates
    /// their Hamming scans read, and the animals they scored exactly.</summary>
    public PrefilterTotals Prefiltered =>
        new(Interlocked.Read(ref _prefilteredSearches), Interlocked.Read(ref _prefilterScanned), Interlocked.Read(ref _prefilterRescored));

    private ScopeHits Search(string tenant, IReadOnlyList<Embedding> probes, Species species, int top, ScopeFilter scope, float? floor)
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
        ulong[] signs;
        float[] hyperplanes;
        int count, templates, dim;
        int[]? members;
        lock (_lock)
        {
            if (!_shelves.TryGetValue((tenant, species, model), out var shelf) || shelf.Dimension != probes[0].Dimension)
                return new ScopeHits(0, []);
            (ids, first, counts, codes, scales, count, dim) = (shelf.Ids, shelf.FirstTemplate, shelf.TemplateCount, shelf.Codes, shelf.Scales, shelf.Count, shelf.Dimension);
            (signs, hyperplanes, templates) = (shelf.Signs, shelf.Hyperplanes, shelf.Templates);
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
        top = Math.Min(top, size);

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
        var scanned = members is null ? templates : members.Sum(a => counts[a]);
        // A cut-off of every bit would pass every template: the exact scan is then the cheaper.
        if (floor is { } least && scanned >= PrefilterFromTemplates && SignCutoff(least) is var cutoff and < SignBits)
        {
            var probeSigns = new ulong[probes.Count * SignWords];
            for (var p = 0; p < probes.Count; p++)
                SignCode(probes[p].Values, hyperplanes, probeSigns.AsSpan(p * SignWords, SignWords));
            var candidates = Prefilter(probeSigns, cutoff, NearestFor(top, scanned));
            foreach (var a in candidates)
                best.Offer(a, Score(a));
            Interlocked.Increment(ref _prefilteredSearches);
            Interlocked.Add(ref _prefilterScanned, scanned);
            Interlocked.Add(ref _prefilterRescored, candidates.Count);
        }
        else if (members is null)
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
            return FusedScore.Fuse(perProbe);
        }

        // The animals to score exactly, ascending: those with a template within the cut-off of a probe, and those
        // nearest in Hamming distance. The whole registry is scanned template by template (and each template mapped
        // to its animal afterwards); a member scope animal by animal, its distance the least of its templates'.
        List<int> Prefilter(ulong[] probeSigns, int cutoff, int nearestCount)
        {
            var passed = new List<int>();
            var nearest = new NearestSigns(nearestCount);
            if (members is null)
            {
                ScanSigns(signs, templates, probeSigns, cutoff, passed, nearest);
                for (var i = 0; i < passed.Count; i++)
                    passed[i] = OwnerOf(passed[i]);
                passed.AddRange(nearest.Ids.Select(OwnerOf));
            }
            else
            {
                foreach (var a in members)
                {
                    var distance = SignBits;
                    for (var t = first[a]; t < first[a] + counts[a]; t++)
                        distance = Math.Min(distance, SignDistance(signs, t, probeSigns));
                    if (distance <= cutoff)
                        passed.Add(a);
                    nearest.Offer(a, distance);
                }
                passed.AddRange(nearest.Ids);
            }
            passed.Sort();
            return [.. passed.Distinct()];
        }

        int OwnerOf(int template)
        {
            var at = Array.BinarySearch(first, 0, count, template);
            return at >= 0 ? at : ~at - 1;
        }
    }

    /// <summary>How many of the nearest in Hamming distance a pre-filtered search also scores: enough for
    /// <paramref name="top"/> animals even if each brought <see cref="MaxTemplates"/> templates, four times over, so
    /// that ranks below the floor come from the nearest rather than from whichever few passed.</summary>
    private static int NearestFor(int top, int scanned) => (int)Math.Min(scanned, Math.Max(64L, 4L * MaxTemplates * top));

    /// <summary>The sign-code distance at or under which a probe–template pair passes the pre-filter, for a floor on
    /// the fused score. A fused score of t or more means some probe–template pair scores t or more (a mean of
    /// per-probe maxima reaches t only if one of them does), so it suffices to keep every pair whose cosine is at
    /// least s = floor − <see cref="QuantisationMargin"/>. For two vectors at angle θ each sign bit differs with
    /// probability θ/π independently over the draw of the hyperplanes (Charikar 2002, after Goemans–Williamson), so
    /// their Hamming distance is Binomial(<see cref="SignBits"/>, θ/π), and a pair of cosine s or more lies beyond
    /// the cut-off c with probability P(Binomial(512, arccos(s)/π) &gt; c): the cut-off is the least c with that at
    /// most <see cref="MissBound"/>. For example floor 0.69: c = 185 bits of 512; 0.80: 156; 0.90: 122. A floor at or below
    /// the margin (s ≤ 0) passes everything.</summary>
    public static int SignCutoff(float floor)
    {
        var cosine = (double)floor - QuantisationMargin;
        if (cosine <= 0)
            return SignBits;
        var pmf = BinomialPmf(Math.Acos(Math.Min(cosine, 1)) / Math.PI);
        double tail = 0;
        var cutoff = SignBits;
        while (cutoff > 0 && tail + pmf[cutoff] <= MissBound)
            tail += pmf[cutoff--];
        return cutoff;
    }

    /// <summary>P(Binomial(<see cref="SignBits"/>, arccos(<paramref name="cosine"/>)/π) &gt; <paramref name="cutoff"/>):
    /// the chance that a pair of that cosine (0 to 1) lies beyond the cut-off, or, for an impostor pair, one minus the
    /// chance that it passes.</summary>
    public static double BeyondCutoff(double cosine, int cutoff)
    {
        var pmf = BinomialPmf(Math.Acos(Math.Clamp(cosine, 0, 1)) / Math.PI);
        double tail = 0;
        for (var k = cutoff + 1; k <= SignBits; k++)
            tail += pmf[k];
        return tail;
    }

    /// <summary>The probabilities of 0 to <see cref="SignBits"/> differing bits, each differing with probability
    /// <paramref name="p"/> (at most ½): the recurrence pmf(k+1) = pmf(k)·(n−k)/(k+1)·p/(1−p) from (1−p)ⁿ, which stays
    /// above double's range floor (2⁻⁵¹² at p = ½).</summary>
    private static double[] BinomialPmf(double p)
    {
        var pmf = new double[SignBits + 1];
        pmf[0] = Math.Pow(1 - p, SignBits);
        for (var k = 0; k < SignBits; k++)
            pmf[k + 1] = pmf[k] * (SignBits - k) / (k + 1) * p / (1 - p);
        return pmf;
    }

    /// <summary><see cref="SignBits"/> hyperplanes through the origin, as rows of <paramref name="dimension"/> values drawn
    /// from N(0, 1) (Box–Muller) with a fixed seed, so every process draws the same ones. Gaussian rows, not an
    /// orthogonal rotation: their directions are uniform and independent, which is what makes the bits of a pair
    /// independent and the binomial relation of <see cref="SignCutoff"/> exact.</summary>
    private static float[] SignHyperplanes(int dimension)
    {
        var random = new Random(HyperplaneSeed);
        var rows = new float[SignBits * dimension];
        for (var i = 0; i < rows.Length; i += 2)
        {
            var radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            var angle = 2 * Math.PI * random.NextDouble();
            rows[i] = (float)(radius * Math.Cos(angle));
            if (i + 1 < rows.Length)
                rows[i + 1] = (float)(radius * Math.Sin(angle));
        }
        return rows;
    }

    private const int HyperplaneSeed = 256_014;

    /// <summary>The hyperplanes every shelf of <paramref name="dimension"/> codes its templates with.</summary>
    internal static float[] HyperplanesOf(int dimension) => Hyperplanes.GetOrAdd(dimension, SignHyperplanes);

    /// <summary>Bit b of the code is set when the values lie on the positive side of hyperplane b (or on it).</summary>
    internal static void SignCode(ReadOnlySpan<float> values, float[] hyperplanes, Span<ulong> words)
    {
        words.Clear();
        for (var b = 0; b < SignBits; b++)
        {
            if (TensorPrimitives.Dot(hyperplanes.AsSpan(b * values.Length, values.Length), values) >= 0)
                words[b / 64] |= 1UL << (b % 64);
        }
    }

    /// <summary>The least Hamming distance between a template's sign code and the probes' (<see cref="SignWords"/>
    /// words each, one after another).</summary>
    internal static int SignDistance(ulong[] signs, int template, ReadOnlySpan<ulong> probeSigns)
    {
        var least = SignBits;
        for (var p = 0; p < probeSigns.Length; p += SignWords)
        {
            var distance = 0;
            for (var w = 0; w < SignWords; w++)
                distance += BitOperations.PopCount(signs[SignAt(template, w)] ^ probeSigns[p + w]);
            least = Math.Min(least, distance);
        }
        return least;
    }

    /// <summary>The Hamming scan of templates 0 to <paramref name="templates"/>: each template whose least distance
    /// to a probe is at most <paramref name="cutoff"/> goes to <paramref name="passed"/> (ascending), and every one is
    /// offered to <paramref name="nearest"/>. With AVX-512 (AVX2: half as wide) a block of eight templates is scored per
    /// probe as eight XORs of its words (the block's 512 bytes stay in L1 across the probes), a nibble-table byte
    /// popcount (Muła, Kurz and Lemire 2018, "Faster population counts using AVX2 instructions"), byte sums and one sum
    /// of absolute differences, which leaves each template's distance in its own 64-bit lane; only blocks with a lane
    /// under the cut-off (or the nearest's worst) leave the vector loop.</summary>
    internal static void ScanSigns(ulong[] signs, int templates, ulong[] probeSigns, int cutoff, List<int> passed, NearestSigns nearest)
    {
        var blocks = (templates + BlockTemplates - 1) / BlockTemplates;
        ref var start = ref MemoryMarshal.GetArrayDataReference(signs);
        var table = Vector256.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        if (Avx512BW.IsSupported)
        {
            var probeWords = probeSigns.Select(Vector512.Create).ToArray();
            var (table512, nibble) = (Vector512.Create(table, table), Vector512.Create((byte)0x0F));
            var limit = Vector512.Create((long)Limit());
            for (var b = 0; b < blocks; b++)
            {
                ref var block = ref Unsafe.Add(ref start, b * BlockWords);
                var least = Vector512.Create((uint)SignBits);
                for (var p = 0; p < probeWords.Length; p += SignWords)
                {
                    // At most 8 bits a byte from each of the 8 words: 64, within a byte.
                    var bytes = Vector512<byte>.Zero;
                    for (var w = 0; w < SignWords; w++)
                    {
                        var x = Vector512.LoadUnsafe(ref block, (nuint)(w * BlockTemplates)) ^ probeWords[p + w];
                        bytes += Avx512BW.Shuffle(table512, x.AsByte() & nibble) + Avx512BW.Shuffle(table512, Avx512BW.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & nibble);
                    }
                    // Each 64-bit lane's eight byte counts summed into its low bits; the high half of the lane stays 0,
                    // so a 32-bit minimum keeps each template's least distance over the probes.
                    least = Avx512F.Min(least, Avx512BW.SumAbsoluteDifferences(bytes, Vector512<byte>.Zero).AsUInt32());
                }
                var within = (uint)Vector512.LessThanOrEqual(least.AsInt64(), limit).ExtractMostSignificantBits();
                if (within == 0)
                    continue;
                var distances = least.AsInt64();
                OfferLanes(b * BlockTemplates, within, lane => distances.GetElement(lane));
                limit = Vector512.Create((long)Limit());
            }
        }
        else if (Avx2.IsSupported)
        {
            // Each block as two halves of four templates: word w of a half is a 256-bit vector.
            var probeWords = probeSigns.Select(Vector256.Create).ToArray();
            var nibble = Vector256.Create((byte)0x0F);
            var limit = Vector256.Create((long)Limit());
            const int halfTemplates = BlockTemplates / 2;
            for (var half = 0; half < 2 * blocks; half++)
            {
                ref var block = ref Unsafe.Add(ref start, half / 2 * BlockWords + half % 2 * halfTemplates);
                var least = Vector256.Create((uint)SignBits);
                for (var p = 0; p < probeWords.Length; p += SignWords)
                {
                    var bytes = Vector256<byte>.Zero;
                    for (var w = 0; w < SignWords; w++)
                    {
                        var x = Vector256.LoadUnsafe(ref block, (nuint)(w * BlockTemplates)) ^ probeWords[p + w];
                        bytes += Avx2.Shuffle(table, x.AsByte() & nibble) + Avx2.Shuffle(table, Avx2.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & nibble);
                    }
                    least = Avx2.Min(least, Avx2.SumAbsoluteDifferences(bytes, Vector256<byte>.Zero).AsUInt32());
                }
                var within = Vector256.LessThanOrEqual(least.AsInt64(), limit).ExtractMostSignificantBits();
                if (within == 0)
                    continue;
                var distances = least.AsInt64();
                OfferLanes(half * halfTemplates, within, lane => distances.GetElement(lane));
                limit = Vector256.Create((long)Limit());
            }
        }
        else
        {
            for (var t = 0; t < templates; t++)
                Offer(t, SignDistance(signs, t, probeSigns));
        }

        int Limit() => Math.Max(cutoff, nearest.Worst - 1);

        void OfferLanes(int first, uint within, Func<int, long> distance)
        {
            for (var lane = 0; within != 0 && first + lane < templates; lane++, within >>= 1)
            {
                if ((within & 1) != 0)
                    Offer(first + lane, (int)distance(lane));
            }
        }

        void Offer(int template, int distance)
        {
            if (distance <= cutoff)
                passed.Add(template);
            nearest.Offer(template, distance);
        }
    }

    /// <summary>The <c>capacity</c> ids with the least Hamming distance offered, in a max-heap on distance, so an offer
    /// costs one compare unless it enters.</summary>
    internal sealed class NearestSigns(int capacity)
    {
        private readonly PriorityQueue<int, int> _heap = new(capacity + 1, Comparer<int>.Create((a, b) => b.CompareTo(a)));

        /// <summary>The distance an offer must beat to enter: one more than any distance while the heap has room.</summary>
        public int Worst => _heap.Count < capacity ? SignBits + 1 : _heap.TryPeek(out _, out var worst) ? worst : SignBits + 1;

        public void Offer(int id, int distance)
        {
            if (distance >= Worst)
                return;
            if (_heap.Count < capacity)
                _heap.Enqueue(id, distance);
            else
                _heap.EnqueueDequeue(id, distance);
        }

        public IEnumerable<int> Ids => _heap.UnorderedItems.Select(x => x.Element);
    }

    /// <summary>The <c>top</c> highest scores seen, kept in a min-heap so each offer costs one compare
    /// unless it enters the best. Equal scores rank the earlier enrolled animal first, so every way of reaching the
    /// same animals (the exact scan, a pre-filter) ranks them the same.</summary>
    private struct TopScores(int top)
    {
        private static readonly Comparer<(float Score, int Animal)> Worse =
            Comparer<(float Score, int Animal)>.Create((a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : b.Animal.CompareTo(a.Animal));

        private readonly PriorityQueue<int, (float Score, int Animal)> _best = new(top + 1, Worse);
        private (float Score, int Animal) _floor = (float.NegativeInfinity, int.MaxValue);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Offer(int animal, float score)
        {
            if (_best.Count < top)
            {
                _best.Enqueue(animal, (score, animal));
                if (_best.Count == top)
                    _best.TryPeek(out _, out _floor);
            }
            else if (score > _floor.Score || (score == _floor.Score && animal < _floor.Animal))
            {
                _best.EnqueueDequeue(animal, (score, animal));
                _best.TryPeek(out _, out _floor);
            }
        }

        public readonly List<Match> Drain(string[] ids)
        {
            var result = new List<Match>(_best.Count);
            while (_best.TryDequeue(out var i, out var entry))
                result.Add(new Match(ids[i], entry.Score));
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

/// <summary>What pre-filtered searches have cost: <see cref="Searches"/> of them, <see cref="TemplatesScanned"/> sign
/// codes read in their Hamming scans, <see cref="AnimalsRescored"/> animals scored exactly after it.</summary>
public readonly record struct PrefilterTotals(long Searches, long TemplatesScanned, long AnimalsRescored);

using System.Data.Common;
using System.Runtime.InteropServices;
using AgriInsure.Domain;

namespace AgriInsure.Registry.Index;

/// <summary>Reads the rows an engine's index query gives, in the columns <see cref="Columns"/> names, into an index.</summary>
public static class IndexRows
{
    /// <summary>The select list every engine's index query uses, given the expression of its enrolment order (SQLite's
    /// <c>a.rowid</c>, PostgreSQL's <c>a.seq</c>), over <c>animals a JOIN templates t LEFT JOIN captures c</c> (the
    /// enrolling capture's fix) and ordered by that expression and <c>t.ordinal</c>.</summary>
    public static string Columns(string order) => $"a.id, a.species, a.farmer_id, c.lon, c.lat, t.model_id, t.embedding, a.tenant, {order}";

    /// <summary>Adds every animal of the rows (one row per template, an animal's rows together) that the index does not
    /// hold yet, and raises each tenant's entry in <paramref name="seen"/> to the highest enrolment order read.</summary>
    public static async Task AddAsync(TemplateIndex index, DbDataReader r, IDictionary<string, long> seen, CancellationToken ct)
    {
        var more = await r.ReadAsync(ct);
        while (more)
        {
            var (id, species, farmer, tenant, order) = (r.GetString(0), Enum.Parse<Species>(r.GetString(1)), r.GetString(2), r.GetString(7), r.GetInt64(8));
            // The enrolment fix is the enrolling capture's, stored with it since the first schema: databases written before
            // scoped search put their animals in the radius scope without a migration.
            GeoPoint? fix = r.IsDBNull(3) ? null : new GeoPoint(r.GetDouble(3), r.GetDouble(4));
            var templates = new List<Embedding>();
            do
                templates.Add(Embedding.Create(MemoryMarshal.Cast<byte, float>((byte[])r[6]).ToArray(), r.GetString(5)).Value);
            while ((more = await r.ReadAsync(ct)) && r.GetString(0) == id);
            index.Add(tenant, species, id, templates, farmer, fix);
            if (!seen.TryGetValue(tenant, out var before) || before < order)
                seen[tenant] = order;
        }
    }
}

/// <summary>A process's <see cref="TemplateIndex"/> kept level with a store that other processes write too: before a
/// search, <see cref="CatchUpAsync"/> adds the tenant's animals enrolled since it last looked (by the store's enrolment
/// order: each tenant's enrolments are written under the tenant's decision lock, so that order is their commit order),
/// and loads the index whole again when another process switched the templates to a new model.</summary>
/// <param name="load">Reads the store's animals of one tenant (every tenant when null) enrolled after the given order
/// into the index, raising the per-tenant orders read (<see cref="IndexRows.AddAsync"/>).</param>
/// <param name="lastSwitch">The store's latest model switch (its order; 0 when there was none).</param>
public sealed class IndexFollower(Func<TemplateIndex, string?, long, IDictionary<string, long>, CancellationToken, Task> load, Func<CancellationToken, Task<long>> lastSwitch)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<string, long> _seen = new(StringComparer.Ordinal);
    private long _switch;
    private volatile bool _discarded;

    /// <summary>Replaced whole when the templates switch model, so a search sees one model's templates or the other's.</summary>
    public TemplateIndex Index { get; private set; } = new();

    /// <summary>Loads the index whole from the store.</summary>
    public async Task LoadAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await ReloadAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Brings the tenant's part of the index level with the store.</summary>
    public async Task CatchUpAsync(string tenant, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_discarded || await lastSwitch(ct) != _switch)
            {
                await ReloadAsync(ct);
                return;
            }
            var seen = new Dictionary<string, long>(StringComparer.Ordinal);
            await load(Index, tenant, _seen.GetValueOrDefault(tenant), seen, ct);
            if (seen.TryGetValue(tenant, out var latest))
                _seen[tenant] = latest;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Marks the index as holding changes that were rolled back: the next catch-up loads it whole from the store.</summary>
    public void Discard() => _discarded = true;

    /// <summary>Takes an index built by this process's own model switch (<paramref name="switchOrder"/>), with the per-tenant
    /// orders it was read up to.</summary>
    public void Replace(TemplateIndex index, IDictionary<string, long> seen, long switchOrder)
    {
        _gate.Wait();
        try
        {
            (Index, _seen, _switch, _discarded) = (index, new Dictionary<string, long>(seen, StringComparer.Ordinal), switchOrder, false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReloadAsync(CancellationToken ct)
    {
        _discarded = false;
        var switchOrder = await lastSwitch(ct);
        var (index, seen) = (new TemplateIndex(), new Dictionary<string, long>(StringComparer.Ordinal));
        await load(index, null, 0, seen, ct);
        (Index, _seen, _switch) = (index, seen, switchOrder);
    }
}

using AgriInsure.Ledger;

namespace AgriInsure.Audit;

public enum DivergenceKind
{
    /// <summary>A registry record's anchor is not on the ledger.</summary>
    MissingOnLedger,

    /// <summary>A ledger entry no registry record calls for.</summary>
    UnknownToRegistry,

    /// <summary>An entry under a record's key whose kind, payload or index is not what the registry derives.</summary>
    HashMismatch,
}

public static class DivergenceKindNames
{
    public static string Name(this DivergenceKind kind) => kind switch
    {
        DivergenceKind.MissingOnLedger => "missing-on-ledger",
        DivergenceKind.UnknownToRegistry => "unknown-to-registry",
        DivergenceKind.HashMismatch => "hash-mismatch",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>One divergence: the registry record concerned (null for an entry unknown to the registry), the entry (null
/// when missing) and why, in words.</summary>
public sealed record Divergence(DivergenceKind Kind, ExpectedAnchor? Record, LedgerEntry? Entry, string Detail);

/// <summary>The registry's anchors set against the ledger's entries: how many of each, how many agree, and every
/// divergence (missing ones in the registry's order, then unknown entries in the ledger's).</summary>
public sealed record Reconciliation(long LedgerEntries, int RegistryAnchors, int Agreeing, IReadOnlyList<Divergence> Divergences)
{
    public bool Agrees => Divergences.Count == 0;
}

/// <summary>Compares what the registry's records call for (<see cref="RegistryAnchors.AllAsync"/>) with every entry the
/// ledger serves (<see cref="ILedger.EntriesAsync"/>), through the ledger contract alone, so the embedded log and a chain
/// are reconciled alike. Several records may rest on one key (a refused duplicate claim on the first claim's): an entry
/// one record calls for is known.</summary>
public static class LedgerReconciler
{
    /// <summary>Entries read per call: a page of a chain's log or of the file.</summary>
    private const int PageSize = 4096;

    public static async Task<Reconciliation> ReconcileAsync(IReadOnlyList<ExpectedAnchor> expected, ILedger ledger, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        var entries = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
        var order = new List<LedgerEntry>();
        for (long from = 0; ; )
        {
            var page = await ledger.EntriesAsync(from, PageSize, ct);
            foreach (var e in page)
            {
                entries.TryAdd(e.Key, e);
                order.Add(e);
            }
            from += page.Count;
            progress?.Report(from);
            if (page.Count < PageSize)
                break;
        }
        var divergences = new List<Divergence>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        var agreeing = 0;
        foreach (var record in expected)
        {
            if (!entries.TryGetValue(record.Key, out var entry))
            {
                divergences.Add(new Divergence(DivergenceKind.MissingOnLedger, record, null, $"{record.Record}: no ledger entry under its key {AnchorChecker.Short(record.Key)}"));
                continue;
            }
            known.Add(record.Key);
            if (AnchorChecker.Mismatch(record, entry) is { } why)
                divergences.Add(new Divergence(DivergenceKind.HashMismatch, record, entry, $"{record.Record}: {why}"));
            else
                agreeing++;
        }
        foreach (var entry in order.Where(e => !known.Contains(e.Key)))
            divergences.Add(new Divergence(DivergenceKind.UnknownToRegistry, null, entry, $"entry {entry.Index} ({entry.Kind} {AnchorChecker.Short(entry.Key)}): no registry record calls for it"));
        return new Reconciliation(order.Count, expected.Count, agreeing, divergences);
    }
}

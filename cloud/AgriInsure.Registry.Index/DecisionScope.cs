namespace AgriInsure.Registry.Index;

/// <summary>The decision a flow of control runs inside (<see cref="IRegistry.DecideAsync"/>), for an engine whose
/// transactions are <typeparamref name="TTransaction"/>: the writes made inside it join its transaction, and what they
/// change in memory (the template index) changes at once, so the rest of the decision sees it (an ingest batch decides
/// each capture after the ones before it), and is discarded when the decision rolls back. Until the commit, a search of
/// the same process outside the decision may see an animal the decision enrolled; no other process can.</summary>
public sealed class DecisionScope<TTransaction> where TTransaction : class
{
    private readonly AsyncLocal<Held?> _held = new();

    private sealed record Held(string Tenant, TTransaction Transaction)
    {
        public bool ChangedMemory { get; set; }
    }

    /// <summary>The tenant of the decision this flow runs inside; null outside one.</summary>
    public string? Tenant => _held.Value?.Tenant;

    /// <summary>The transaction of the decision this flow runs inside; null outside one.</summary>
    public TTransaction? Transaction => _held.Value?.Transaction;

    /// <summary>Runs <paramref name="decide"/> inside <paramref name="transaction"/> (the engine holds the tenant's lock), then
    /// <paramref name="commit"/>; when either throws after a write changed memory, <paramref name="discard"/> (which must undo
    /// every such change, e.g. by reloading the index from the store). The flows <paramref name="decide"/> starts see the
    /// decision; the caller's does not.</summary>
    public async Task<T> RunAsync<T>(string tenant, TTransaction transaction, Func<CancellationToken, Task<T>> decide, Func<CancellationToken, Task> commit,
        Action discard, CancellationToken ct)
    {
        var held = new Held(tenant, transaction);
        try
        {
            T result;
            _held.Value = held;
            try
            {
                result = await decide(ct);
            }
            finally
            {
                _held.Value = null;
            }
            await commit(ct);
            return result;
        }
        catch
        {
            if (held.ChangedMemory)
                discard();
            throw;
        }
    }

    /// <summary>Runs a write inside the current decision's transaction, then <paramref name="inMemory"/>; false (nothing run)
    /// outside a decision.</summary>
    public async Task<bool> JoinAsync(Func<TTransaction, Task> work, Action? inMemory)
    {
        if (_held.Value is not { } held)
            return false;
        await work(held.Transaction);
        if (inMemory is not null)
        {
            held.ChangedMemory = true;
            inMemory();
        }
        return true;
    }

    /// <summary>The error of a decision of <paramref name="tenant"/> started inside another tenant's.</summary>
    public InvalidOperationException Nested(string tenant) => new($"a decision of tenant {tenant} inside one of tenant {Tenant}");
}

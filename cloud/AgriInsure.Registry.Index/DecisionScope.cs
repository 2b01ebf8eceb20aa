namespace AgriInsure.Registry.Index;

/// <summary>The decision a flow of control runs inside (<see cref="IRegistry.DecideAsync"/>), for an engine whose
/// transactions are <typeparamref name="TTransaction"/>: the writes made inside it join its transaction, and what they
/// change in memory (the template index) waits for the commit, so a rolled-back decision leaves no trace there either.</summary>
public sealed class DecisionScope<TTransaction> where TTransaction : class
{
    private readonly AsyncLocal<Held?> _held = new();

    private sealed record Held(string Tenant, TTransaction Transaction)
    {
        public List<Action> AfterCommit { get; } = [];
    }

    /// <summary>The tenant of the decision this flow runs inside; null outside one.</summary>
    public string? Tenant => _held.Value?.Tenant;

    /// <summary>The transaction of the decision this flow runs inside; null outside one.</summary>
    public TTransaction? Transaction => _held.Value?.Transaction;

    /// <summary>Runs <paramref name="decide"/> inside <paramref name="transaction"/> (the engine holds the tenant's lock), then
    /// <paramref name="commit"/>, then what the writes left for after the commit. The flows <paramref name="decide"/>
    /// starts see the decision; the caller's does not.</summary>
    public async Task<T> RunAsync<T>(string tenant, TTransaction transaction, Func<CancellationToken, Task<T>> decide, Func<CancellationToken, Task> commit, CancellationToken ct)
    {
        var held = new Held(tenant, transaction);
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
        foreach (var after in held.AfterCommit)
            after();
        return result;
    }

    /// <summary>Runs a write inside the current decision's transaction, <paramref name="after"/> once it commits; false
    /// (nothing run) outside a decision.</summary>
    public async Task<bool> JoinAsync(Func<TTransaction, Task> work, Action? after)
    {
        if (_held.Value is not { } held)
            return false;
        await work(held.Transaction);
        if (after is not null)
            held.AfterCommit.Add(after);
        return true;
    }

    /// <summary>The error of a decision of <paramref name="tenant"/> started inside another tenant's.</summary>
    public InvalidOperationException Nested(string tenant) => new($"a decision of tenant {tenant} inside one of tenant {Tenant}");
}

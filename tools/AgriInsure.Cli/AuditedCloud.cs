using AgriInsure.Cloud.Host;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Registry.Sqlite;

namespace AgriInsure.Cli;

/// <summary>An embedded cloud's registry and ledger opened to be checked against each other (<c>herd history</c>,
/// <c>ledger reconcile</c>): no face model is loaded, and the ledger is opened read-only, so checking it changes nothing
/// in it (the folder's <c>ledger.db</c>, or the chain a host with <c>Cloud:Ledger=evm</c> anchors on). The folder's lock is
/// held meanwhile, so no cloud process decides in between.</summary>
internal sealed class AuditedCloud : IAsyncDisposable
{
    private readonly CloudFolderLock _lock;

    private AuditedCloud(string path, CloudFolderLock folderLock, SqliteRegistry registry, ILedger ledger)
    {
        (Path, _lock, Registry, Ledger) = (path, folderLock, registry, ledger);
    }

    public string Path { get; }

    public SqliteRegistry Registry { get; }

    public ILedger Ledger { get; }

    /// <summary>--cloud DIR, or the newest demo's, with its <c>ledger.db</c> or the ledger <paramref name="chain"/> opens.
    /// Errors: <see cref="UsageException"/> when there is no such cloud; <see cref="OutputException"/> while a cloud
    /// process runs on it.</summary>
    public static async Task<AuditedCloud> OpenAsync(string? given, CancellationToken ct, Func<CancellationToken, Task<ILedger>>? chain = null)
    {
        var path = CloudFolder.PathOf(given);
        var folderLock = CloudFolder.Lock(path);
        SqliteRegistry? registry = null;
        try
        {
            registry = await SqliteRegistry.OpenAsync(CloudEngines.RegistryPath(path), ct);
            var ledger = chain is null ? await SqliteLedger.OpenReadOnlyAsync(CloudEngines.LedgerPath(path), ct) : await chain(ct);
            return new AuditedCloud(path, folderLock, registry, ledger);
        }
        catch
        {
            if (registry is not null)
                await registry.DisposeAsync();
            await folderLock.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Ledger.DisposeAsync();
        await Registry.DisposeAsync();
        await _lock.DisposeAsync();
    }
}

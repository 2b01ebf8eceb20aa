using AgriInsure.Cloud.Host;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Registry.Sqlite;

namespace AgriInsure.Cli;

/// <summary>An embedded cloud's registry and ledger opened to be checked against each other (<c>herd history</c>,
/// <c>ledger reconcile</c>): no face model is loaded, and the ledger is opened read-only, so checking it changes nothing
/// in it. The folder's lock is held meanwhile, so no cloud process decides in between.</summary>
internal sealed class AuditedCloud : IAsyncDisposable
{
    private readonly CloudFolderLock _lock;

    private AuditedCloud(string path, CloudFolderLock folderLock, SqliteRegistry registry, SqliteLedger ledger)
    {
        (Path, _lock, Registry, Ledger) = (path, folderLock, registry, ledger);
    }

    public string Path { get; }

    public SqliteRegistry Registry { get; }

    public SqliteLedger Ledger { get; }

    /// <summary>--cloud DIR, or the newest demo's. Errors: <see cref="UsageException"/> when there is no such cloud;
    /// <see cref="OutputException"/> while a cloud process runs on it.</summary>
    public static async Task<AuditedCloud> OpenAsync(string? given, CancellationToken ct)
    {
        var path = CloudFolder.PathOf(given);
        var folderLock = CloudFolder.Lock(path);
        SqliteRegistry? registry = null;
        try
        {
            registry = await SqliteRegistry.OpenAsync(CloudEngines.RegistryPath(path), ct);
            var ledger = await SqliteLedger.OpenReadOnlyAsync(CloudEngines.LedgerPath(path), ct);
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

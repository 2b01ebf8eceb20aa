using System.CommandLine;
using AgriInsure.Cloud.Host;
using AgriInsure.Edge.Vision;
using AgriInsure.Ledger;
using AgriInsure.Livestock;
using AgriInsure.Registry;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Cli;

/// <summary>The embedded cloud's files (registry, ledger, blobs) opened for a verb that works on what a
/// season left: --cloud DIR, or the newest demo's under .agri/.</summary>
internal sealed class CloudFolder : IAsyncDisposable
{
    private CloudFolder(string path, ModelManifest manifest, SqliteRegistry registry, SqliteLedger ledger, LivestockDesk desk)
    {
        (Path, Manifest, Registry, Ledger, Desk) = (path, manifest, registry, ledger, desk);
    }

    public string Path { get; }

    /// <summary>The face model the herd was enrolled with: its threshold is the desk's floor.</summary>
    public ModelManifest Manifest { get; }

    public SqliteRegistry Registry { get; }

    public SqliteLedger Ledger { get; }

    public LivestockDesk Desk { get; }

    /// <summary>Where a stored photo crop lies in the folder's blob store.</summary>
    public string Blob(string key) => System.IO.Path.Combine(CloudEngines.BlobsPath(Path), key.Replace('/', System.IO.Path.DirectorySeparatorChar));

    public static Option<string?> Option() =>
        CliOptions.Optional("--cloud", "DIR", "the embedded cloud's folder (registry.db, ledger.db, blobs/; default: the newest demo's, under .agri/)");

    public static Option<string> ModelOption() =>
        new("--model") { HelpName = "MANIFEST", Description = "face model manifest (the one the herd was enrolled with: its threshold is the floor)", DefaultValueFactory = _ => Commands.DefaultManifest };

    /// <summary>Errors: <see cref="UsageException"/> when there is no such cloud or model.</summary>
    public static async Task<CloudFolder> OpenAsync(string? given, string manifestPath, CancellationToken ct)
    {
        var path = given ?? (DemoFolder.LatestLedger(Commands.AgriFolder) is { } ledger ? System.IO.Path.GetDirectoryName(ledger)! : null)
            ?? throw new UsageException($"no demo cloud under {Commands.AgriFolder} (run tools/agri demo first, or pass --cloud DIR)");
        var registryPath = CloudEngines.RegistryPath(path);
        if (!File.Exists(registryPath) || !File.Exists(CloudEngines.LedgerPath(path)))
            throw new UsageException($"--cloud {path}: no registry.db and ledger.db there");
        if (!ModelManifest.TryLoad(manifestPath, out var manifest, out var error))
            throw new UsageException($"--model: {error}");
        // The default is the newest demo under .agri/: say which cloud this is, so a surprise is visible.
        Console.Error.WriteLine($"agri: cloud: {System.IO.Path.GetFullPath(path)}");
        var registry = await SqliteRegistry.OpenAsync(registryPath, ct);
        var ledgerFile = await SqliteLedger.OpenAsync(CloudEngines.LedgerPath(path), ct: ct);
        return new CloudFolder(path, manifest!, registry, ledgerFile, new LivestockDesk(registry, ledgerFile, new LivestockOptions(manifest!.Threshold), NullLogger<LivestockDesk>.Instance));
    }

    public async ValueTask DisposeAsync()
    {
        await Ledger.DisposeAsync();
        await Registry.DisposeAsync();
    }
}

using System.CommandLine;
using AgriInsure.Cloud.Host;
using AgriInsure.Domain;
using AgriInsure.Edge.Vision;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Livestock;
using AgriInsure.Registry;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Storage;
using AgriInsure.Storage.LocalFolder;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Cli;

/// <summary>--model as given, or the registry's own, resolved once the registry is open (<see cref="CloudFolder.ModelOfAsync"/>);
/// its text is what help shows as the default.</summary>
internal sealed record ModelChoice(string? Path)
{
    public static readonly ModelChoice Registry = new((string?)null);

    public override string ToString() => Path ?? "the model the registry was last promoted to, else models/cattle-face-embedder.manifest.json";
}

/// <summary>The embedded cloud's files (registry, ledger, blobs) opened for a verb that works on what a
/// season left: --cloud DIR, or the newest demo's under .agri/.</summary>
internal sealed class CloudFolder : IAsyncDisposable
{
    private CloudFolderLock? _lock;

    private CloudFolder(string path, string manifestPath, ModelManifest manifest, SqliteRegistry registry, SqliteLedger ledger, LivestockDesk desk)
    {
        (Path, ManifestPath, Manifest, Registry, Ledger, Desk) = (path, manifestPath, manifest, registry, ledger, desk);
    }

    /// <summary>Where <see cref="Manifest"/> was read from.</summary>
    public string ManifestPath { get; }

    public string Path { get; }

    /// <summary>The face model the herd was enrolled with: its threshold is the desk's floor.</summary>
    public ModelManifest Manifest { get; }

    public SqliteRegistry Registry { get; }

    public SqliteLedger Ledger { get; }

    public LivestockDesk Desk { get; }

    /// <summary>Where a stored photo crop lies in the folder's blob store.</summary>
    public LocalFolderBlobStore Blobs => new(CloudEngines.BlobsPath(Path));

    public string Blob(string key) => Blobs.FileOf(key);

    public static Option<string?> Option() =>
        CliOptions.Optional("--cloud", "DIR", "the embedded cloud's folder (registry.db, ledger.db, blobs/; default: the newest demo's, under .agri/)");

    /// <summary>The tenant a verb reads and decides for: the cloud's records are each one insurer's, and no verb
    /// crosses tenants.</summary>
    public static Option<string> TenantOption() =>
        new("--tenant")
        {
            HelpName = "TENANT",
            Description = $"the insurer whose records to read and decide (default: {DemoSeason.Tenant}, the tenant tools/agri demo writes)",
            DefaultValueFactory = _ => DemoSeason.Tenant,
            Validators =
            {
                r =>
                {
                    if (Id.Check(r.GetValueOrDefault<string>(), "--tenant").Error is { } bad)
                        r.AddError(bad.ToString());
                },
            },
        };

    public static Option<ModelChoice> ModelOption() =>
        new("--model")
        {
            HelpName = "MANIFEST",
            Description = "face model manifest (the one the registry's templates come from: its threshold is the floor)",
            DefaultValueFactory = _ => ModelChoice.Registry,
            CustomParser = r => new ModelChoice(r.Tokens.Count == 1 ? r.Tokens[0].Value : null),
        };

    /// <summary>The model a registry's cattle templates come from: <paramref name="given"/>, else the one its last
    /// promote switched to (its copy inside the cloud folder), else the shipped one.</summary>
    public static async Task<string> ModelOfAsync(SqliteRegistry registry, string folder, string? given, CancellationToken ct) =>
        given ?? (await registry.ActiveModelAsync(Species.Cattle, ct) is { } active ? System.IO.Path.Combine(folder, active.ManifestPath) : Commands.DefaultManifest);

    /// <summary>The folder's lock (<see cref="CloudFolderLock"/>): a running cloud keeps its own index of the
    /// templates, so a change made beside it would not reach it. Errors: <see cref="OutputException"/> (exit 3)
    /// while another process holds it.</summary>
    public static CloudFolderLock Lock(string path)
    {
        try
        {
            return CloudFolderLock.Take(path);
        }
        catch (CloudStartException e)
        {
            throw new OutputException($"--cloud: {e.Reason}");
        }
    }

    /// <summary>The cloud folder of --cloud, or the newest demo's, said on stderr (a default surprise is then visible).
    /// Errors: <see cref="UsageException"/> when there is none, or it holds no registry.db and ledger.db.</summary>
    public static string PathOf(string? given)
    {
        var path = given ?? (DemoFolder.LatestLedger(Commands.AgriFolder) is { } ledger ? System.IO.Path.GetDirectoryName(ledger)! : null)
            ?? throw new UsageException($"no demo cloud under {Commands.AgriFolder} (run tools/agri demo first, or pass --cloud DIR)");
        var missing = new[] { CloudEngines.RegistryPath(path), CloudEngines.LedgerPath(path) }.Where(f => !File.Exists(f)).Select(System.IO.Path.GetFileName).ToList();
        if (missing.Count > 0)
            throw new UsageException($"--cloud {path}: no {string.Join(" and no ", missing)} there (a cloud folder holds registry.db and ledger.db)");
        Console.Error.WriteLine($"agri: cloud: {System.IO.Path.GetFullPath(path)}");
        return path;
    }

    /// <summary>Errors: <see cref="UsageException"/> when there is no such cloud or model; <see cref="OutputException"/>
    /// while a cloud process runs on it.</summary>
    public static async Task<CloudFolder> OpenAsync(string? given, string? manifestPath, CancellationToken ct)
    {
        var path = PathOf(given);
        var registryPath = CloudEngines.RegistryPath(path);
        var folderLock = Lock(path);
        var registry = await SqliteRegistry.OpenAsync(registryPath, ct);
        var model = await ModelOfAsync(registry, path, manifestPath, ct);
        if (!ModelManifest.TryLoad(model, out var manifest, out var error))
        {
            await registry.DisposeAsync();
            await folderLock.DisposeAsync();
            throw new UsageException($"--model: {error}");
        }
        var ledgerFile = await SqliteLedger.OpenAsync(CloudEngines.LedgerPath(path), ct: ct);
        return new CloudFolder(path, model, manifest!, registry, ledgerFile, new LivestockDesk(registry, ledgerFile, new LivestockOptions(manifest!.Threshold), NullLogger<LivestockDesk>.Instance))
        {
            _lock = folderLock,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await Ledger.DisposeAsync();
        await Registry.DisposeAsync();
        if (_lock is not null)
            await _lock.DisposeAsync();
    }
}

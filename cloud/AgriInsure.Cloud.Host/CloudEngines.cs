using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AgriInsure.Audit;
using AgriInsure.Broker;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Crops;
using AgriInsure.Edge.Vision;
using AgriInsure.Ingest;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Evm;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Livestock;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Registry.Postgres;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Storage;
using AgriInsure.Storage.AzureBlob;
using AgriInsure.Storage.LocalFolder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgriInsure.Cloud.Host;

/// <summary>The cloud's engines, on embedded defaults in one folder: MQTTnet's in-process broker, a SQLite
/// registry, a local-folder blob store and the SQLite Merkle ledger, the livestock rules and one ingest worker; or real
/// engines where settings name them: a PostgreSQL registry (<see cref="CloudOptions.RegistryConnectionString"/>), Azure
/// Blob Storage (<see cref="CloudOptions.BlobConnectionString"/>), an external broker over TLS
/// (<see cref="CloudOptions.BrokerHost"/>; <see cref="Broker"/> is then null). Everything past the composition sees the
/// stores through their contracts.</summary>
public sealed record CloudEngines(
    EmbeddedBroker? Broker, IRegistry Registry, ILedger Ledger, IBlobStore Blobs, LivestockDesk Desk, CaptureIngest Ingest, MqttIngestWorker Worker)
    : IAsyncDisposable
{
    public static string RegistryPath(string folder) => Path.Combine(folder, "registry.db");

    public static string LedgerPath(string folder) => Path.Combine(folder, "ledger.db");

    public static string BlobsPath(string folder) => Path.Combine(folder, "blobs");

    /// <summary>Starts every engine in order, and stops those already started when a later one fails.
    /// Errors: <see cref="CloudStartException"/> naming the setting behind a folder or port that cannot be used.</summary>
    internal static async Task<CloudEngines> StartAsync(CloudOptions options, AuthOptions auth, ILoggerFactory logs, TimeProvider clock, CancellationToken ct)
    {
        if (!ModelManifest.TryLoad(options.Manifest, out var manifest, out var error))
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.Manifest)), error!);
        var livestock = LivestockOptions.Create(manifest!.Threshold, options.RadiusKm, options.TargetFalseDuplicateRate, options.ConsistencyThreshold,
            options.LongestOffline, options.AllowedClockSkew);
        if (!livestock.IsOk)
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.ConsistencyThreshold)), livestock.Error.Reason);
        var folder = Path.GetFullPath(options.Folder);
        var made = !Directory.Exists(folder);
        await using var started = new StartedEngines(made ? folder : null);
        try
        {
            // Farmers' names and animals' locations are in it: the owner's alone (what is inside takes no other mode).
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(folder);
            else
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.Folder)), $"cannot create {folder}: {e.Message}");
        }
        var external = !string.IsNullOrWhiteSpace(options.BrokerHost);
        var onPostgres = !string.IsNullOrWhiteSpace(options.RegistryConnectionString);
        // Several hosts may share a folder (its keys, blobs and ledger) only when nothing in it is one process's alone:
        // the embedded broker's port, and the SQLite registry that the CLI's verbs also open.
        var folderLock = external && onPostgres ? null : started.Add(CloudFolderLock.Take(folder));
        var links = LinkKeys.Load(folder);
        // The broker starts first (a taken port fails before any file is written) and admits no device until the
        // registry it asks is open.
        IRegistry? opened = null;
        var broker = external ? null : started.Add(await StartBrokerAsync(links.BrokerSecret,
            (device, token) => opened is { } r ? r.IsDeviceActiveAsync(device, token) : Task.FromResult(false), options.BrokerPort, logs, ct));
        var registry = started.Add(onPostgres
            ? await OpenPostgresAsync(options.RegistryConnectionString, logs, ct)
            : await Opened(() => SqliteRegistry.OpenAsync(RegistryPath(folder), ct)));
        opened = registry;
        var onChain = options.Ledger == "evm";
        var ledgerPath = onChain ? $"contract {options.EvmContract} at {options.EvmRpcUrl}"
            : string.IsNullOrWhiteSpace(options.LedgerPath) ? LedgerPath(folder) : Path.GetFullPath(options.LedgerPath);
        ILedger ledger = onChain
            ? started.Add(await OpenEvmLedgerAsync(options, logs, ct))
            : started.Add(await Opened(() => SqliteLedger.OpenAsync(ledgerPath, logs.CreateLogger<SqliteLedger>(), clock, ct)));
        var checkpoints = options.CheckpointInterval is { } every
            ? started.Add(await CheckpointSchedule.StartAsync(ledger, await ConnectChainAsync(options, logs, ct), options.EvmContract, every, clock, logs.CreateLogger<CheckpointSchedule>()))
            : null;
        var blobs = await OpenBlobsAsync(options, folder, logs, ct);
        var contracts = ContractServices.Open(options, folder, registry, ledger, blobs, logs);
        var desk = new LivestockDesk(registry, ledger, livestock.Value, logs.CreateLogger<LivestockDesk>(), clock);
        var ingest = new CaptureIngest(registry, blobs, desk, logs.CreateLogger<CaptureIngest>(), clock);
        var ingestOptions = broker is null
            ? new IngestOptions
            {
                Host = options.BrokerHost, Port = options.BrokerPort, ClientId = options.IngestClientId, SharedGroup = options.SharedGroup,
                Login = ExternalLogin(options),
            }
            : new IngestOptions
            {
                Host = broker.Host, Port = broker.Port, ClientId = options.IngestClientId,
                Login = new BrokerLogin { UserName = BrokerLogin.CloudUser, Password = broker.IssueToken(BrokerLogin.CloudUser) },
            };
        var worker = started.Add(new MqttIngestWorker(ingestOptions, ingest, links.AckKey, blobs, logs.CreateLogger<MqttIngestWorker>()));
        try
        {
            await worker.StartAsync(ct);
        }
        catch (Exception e) when (broker is null && e is not OperationCanceledException)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.BrokerHost)), $"cannot subscribe at {options.BrokerHost}:{options.BrokerPort}: {e.Message}");
        }
        // The API's signing key exists from the first start, so tools/agri token finds the one the host uses.
        Access.Secret(auth, folder);
        links.Save();
        started.Keep();
        logs.CreateLogger<CloudEngines>().LogInformation("Cloud engines started in {Folder}: registry on {Registry}, ledger {Ledger}, blobs; MQTT on {Broker}; model {Model} {Version}, threshold {Threshold}",
            folder, onPostgres ? "PostgreSQL" : "SQLite", ledgerPath, DescribeBroker(options, broker), manifest.Id, manifest.Version, manifest.Threshold);
        // Both registry engines keep the crop tables beside the livestock ones.
        var (cropDesk, rasterFolder) = (new CropDesk(ledger, logs.CreateLogger<CropDesk>(), clock), RasterFolderOf(options, folder));
        var crops = new CropUnderwriting(registry, (ICropRegistry)registry, cropDesk, rasterFolder, logs.CreateLogger<CropUnderwriting>(), clock);
        var cropClaims = new CropClaiming((ICropRegistry)registry, (ICropClaimRegistry)registry, cropDesk, rasterFolder, logs.CreateLogger<CropClaiming>(), clock);
        var engines = new CloudEngines(broker, registry, ledger, blobs, desk, ingest, worker)
        {
            Lock = folderLock, AckKey = links.AckKey, BrokerAddress = DescribeBroker(options, broker), Crops = crops, Checkpoints = checkpoints,
            Contracts = contracts, CropClaims = cropClaims,
        };
        // The witness reads the ledger whole once (O(n)) in the background, so a ledger tampered with before this start is
        // reported by /health/ready within seconds, and the first proof asked for does not wait for the read.
        var witnessLog = logs.CreateLogger<LedgerWitness>();
        engines._witnessWarmUp = Task.Run(async () =>
        {
            try
            {
                if (await engines.Witness.HeadAsync() is { IsIntact: false } head)
                    witnessLog.LogError("The ledger is TAMPERED: {Problem}", head.Problem);
            }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
            {
                // Stopped before the read ended; the next request reads it.
            }
        });
        return engines;

        async Task<T> Opened<T>(Func<Task<T>> open)
        {
            try
            {
                return await open();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or Migrations.SchemaTooNewException)
            {
                // InvalidDataException (an upgrade that failed and was rolled back) is an IOException.
                throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.Folder)), $"cannot open the engines' files in {folder}: {e.Message}");
            }
        }
    }

    /// <summary>The insurer's chain key, from the keystore or the environment variable the settings name. Errors:
    /// <see cref="CloudStartException"/> naming the setting (the key is never in the message).</summary>
    private static string ChainKey(CloudOptions options)
    {
        var keystore = !string.IsNullOrWhiteSpace(options.EvmKeystore);
        try
        {
            return keystore ? EvmKeys.FromKeystore(options.EvmKeystore, options.EvmPassphraseVariable) : EvmKeys.FromEnvironment(options.EvmKeyVariable);
        }
        catch (EvmKeyException e)
        {
            throw new CloudStartException(CloudOptions.Key(keystore ? nameof(CloudOptions.EvmKeystore) : nameof(CloudOptions.EvmKeyVariable)), e.Message);
        }
    }

    private static EvmChainOptions ChainOptions(CloudOptions options) =>
        new() { Endpoint = new Uri(options.EvmRpcUrl), Confirmations = options.EvmConfirmations };

    /// <summary>The insurer's connection to the chain. Errors: <see cref="CloudStartException"/> naming
    /// <see cref="CloudOptions.EvmRpcUrl"/> when the node does not answer.</summary>
    private static Task<EvmChain> ConnectChainAsync(CloudOptions options, ILoggerFactory logs, CancellationToken ct) =>
        Reached(options, () => EvmChain.ConnectAsync(ChainOptions(options), ChainKey(options), logs.CreateLogger<EvmChain>(), ct));

    private static async Task<T> Reached<T>(CloudOptions options, Func<Task<T>> connect)
    {
        try
        {
            return await connect();
        }
        catch (Exception e) when (e is HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException or Nethereum.JsonRpc.Client.RpcClientTimeoutException)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.EvmRpcUrl)), $"the chain node at {options.EvmRpcUrl} does not answer: {e.GetBaseException().Message}");
        }
        catch (EvmContractMissingException e)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.EvmContract)), e.Message);
        }
    }

    /// <summary>The shared ledger on the chain, written from this insurer's account. Errors: <see cref="CloudStartException"/>
    /// naming the node, the contract (no AgriLedger there, or this account not admitted by the consortium's owner) or the key.</summary>
    private static async Task<EvmLedger> OpenEvmLedgerAsync(CloudOptions options, ILoggerFactory logs, CancellationToken ct)
    {
        var ledger = await Reached(options, () => EvmLedger.ConnectAsync(ChainOptions(options), ChainKey(options), options.EvmContract, options.EvmContractBlock, logs, ct));
        try
        {
            if (!await ledger.IsInsurerAsync(ledger.Account, ct))
                throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.EvmContract)), $"account {ledger.Account} is not an insurer admitted on contract {options.EvmContract}; the consortium's owner admits it");
            return ledger;
        }
        catch (Exception e) when (e is not CloudStartException and not OperationCanceledException)
        {
            await ledger.DisposeAsync();
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.EvmContract)), $"no AgriLedger contract answers at {options.EvmContract}: {e.GetBaseException().Message}");
        }
        catch
        {
            await ledger.DisposeAsync();
            throw;
        }
    }

    /// <summary>The embedded ledger's checkpoints published on a schedule (<see cref="CloudOptions.CheckpointInterval"/>),
    /// null when none is set.</summary>
    public CheckpointSchedule? Checkpoints { get; private init; }

    /// <summary>Where handhelds publish: the embedded broker's loopback address, or the external broker's.</summary>
    public string BrokerAddress { get; private init; } = "";

    private static string DescribeBroker(CloudOptions options, EmbeddedBroker? broker) =>
        broker is null ? $"{options.BrokerHost}:{options.BrokerPort} (TLS)" : $"{broker.Host}:{broker.Port}";

    private static async Task<IRegistry> OpenPostgresAsync(string connectionString, ILoggerFactory logs, CancellationToken ct)
    {
        var setting = CloudOptions.Key(nameof(CloudOptions.RegistryConnectionString));
        try
        {
            return await PostgresRegistry.OpenAsync(connectionString, logs.CreateLogger<PostgresRegistry>(), ct);
        }
        catch (ArgumentException e)
        {
            throw new CloudStartException(setting, $"is not a PostgreSQL connection string: {e.Message}");
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or Migrations.SchemaTooNewException or InvalidDataException or TimeoutException)
        {
            throw new CloudStartException(setting, $"cannot open the registry there: {e.Message}");
        }
    }

    /// <summary>The ingest's login on an external broker: TLS with the cloud's client certificate, trusting only the broker's CA.</summary>
    private static BrokerLogin ExternalLogin(CloudOptions options)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(options.BrokerCertificate, options.BrokerKey);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.BrokerCertificate)), $"cannot read the certificate {options.BrokerCertificate} with the key {options.BrokerKey}: {e.Message}");
        }
        try
        {
            return new BrokerLogin { UserName = BrokerLogin.CloudUser, ClientCertificate = certificate, BrokerCa = X509CertificateLoader.LoadCertificateFromFile(options.BrokerCa) };
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            certificate.Dispose();
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.BrokerCa)), $"cannot read the CA certificate {options.BrokerCa}: {e.Message}");
        }
    }

    /// <summary>The rasters' folder (<see cref="CloudOptions.Rasters"/>), made when missing.</summary>
    private static RasterFolder RasterFolderOf(CloudOptions options, string folder)
    {
        var rasters = string.IsNullOrWhiteSpace(options.Rasters) ? Path.Combine(folder, "rasters") : Path.GetFullPath(options.Rasters);
        try
        {
            Directory.CreateDirectory(rasters);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.Rasters)), $"cannot create {rasters}: {e.Message}");
        }
        return new RasterFolder(rasters);
    }

    /// <summary>Plots, acreage measurements and crop policies: the crop rules over the registry's crop tables.</summary>
    public required CropUnderwriting Crops { get; init; }

    /// <summary>Crop claims assessed by map on the cloud's rasters, decided by the crop rules and kept with their assessment.</summary>
    public required CropClaiming CropClaims { get; init; }

    /// <summary>The certificate authority, its trust services, the identity-number key and the contract desk.</summary>
    public required ContractServices Contracts { get; init; }

    /// <summary>The root recomputed from the ledger's content that the API's proofs and head are checked against, kept
    /// between requests so each costs O(k + log n), not a whole verification.</summary>
    public LedgerWitness Witness { get; } = new(Ledger);

    private static async Task<IBlobStore> OpenBlobsAsync(CloudOptions options, string folder, ILoggerFactory logs, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(options.BlobConnectionString))
            return new LocalFolderBlobStore(BlobsPath(folder));
        try
        {
            return await AzureBlobStore.OpenAsync(options.BlobConnectionString, options.BlobContainer, logs.CreateLogger<AzureBlobStore>(), ct: ct);
        }
        catch (ArgumentException e)
        {
            var setting = e.ParamName == "container" ? nameof(CloudOptions.BlobContainer) : nameof(CloudOptions.BlobConnectionString);
            throw new CloudStartException(CloudOptions.Key(setting), e.Message);
        }
        catch (BlobStoreException e)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.BlobConnectionString)), e.Reason);
        }
    }

    private static async Task<EmbeddedBroker> StartBrokerAsync(byte[] secret, DeviceAdmission admit, int port, ILoggerFactory logs, CancellationToken ct)
    {
        try
        {
            return await EmbeddedBroker.StartAsync(secret, admit, port, logs.CreateLogger<EmbeddedBroker>(), ct);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.BrokerPort)), $"cannot listen on 127.0.0.1:{port}: {e.Message}");
        }
    }

    /// <summary>The folder's lock, held while the engines run.</summary>
    private IAsyncDisposable? Lock { get; init; }

    /// <summary>The key the worker signs acks with (<see cref="LinkKeys"/>).</summary>
    private IDisposable? AckKey { get; init; }

    /// <summary>Stops the worker first, so no capture is taken in while the stores close; the folder's lock last.</summary>
    private Task _witnessWarmUp = Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await Worker.DisposeAsync();
        await _witnessWarmUp;
        if (Checkpoints is not null)
            await Checkpoints.DisposeAsync();
        if (Broker is not null)
            await Broker.DisposeAsync();
        AckKey?.Dispose();
        await Ledger.DisposeAsync();
        await Registry.DisposeAsync();
        if (Lock is not null)
            await Lock.DisposeAsync();
    }

    /// <summary>Engines started so far, disposed in reverse unless <see cref="Keep"/> was called; then the folder
    /// too when this start made it, so a failed start leaves no trace.</summary>
    private sealed class StartedEngines(string? madeFolder) : IAsyncDisposable
    {
        private readonly Stack<IAsyncDisposable> _started = new();
        private bool _keep;

        public T Add<T>(T engine) where T : IAsyncDisposable
        {
            _started.Push(engine);
            return engine;
        }

        public void Keep() => _keep = true;

        public async ValueTask DisposeAsync()
        {
            while (!_keep && _started.TryPop(out var engine))
                await engine.DisposeAsync();
            // This start made the folder, so everything in it is this start's (an engine that failed after others had
            // written their files): it goes whole.
            if (!_keep && madeFolder is not null && Directory.Exists(madeFolder))
                Directory.Delete(madeFolder, recursive: true);
        }
    }

}

/// <summary>A setting the host cannot start with: <see cref="Setting"/> is its configuration key.</summary>
public sealed class CloudStartException(string setting, string reason) : Exception($"{setting}: {reason}")
{
    public string Setting { get; } = setting;

    public string Reason { get; } = reason;
}

/// <summary>Starts the engines with the host and stops them with it; <see cref="Engines"/> is null until then. The clock
/// is the host's <see cref="TimeProvider"/>: the system's, or a simulated season's in the demo.</summary>
public sealed class CloudRuntime(IOptions<CloudOptions> options, IOptions<AuthOptions> auth, ILoggerFactory logs, TimeProvider clock) : IHostedService, IAsyncDisposable
{
    public CloudEngines? Engines { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken) =>
        Engines = await CloudEngines.StartAsync(options.Value, auth.Value, logs, clock, cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Engines is { } engines)
        {
            Engines = null;
            await engines.DisposeAsync();
        }
    }
}

/// <summary>One cloud process per folder while the folder holds something one process runs alone: the embedded broker
/// (its port, its in-process sessions) or the SQLite registry, which the CLI's verbs open too (they take the lock, so an
/// operator's review never runs beside a live service on the same file). An exclusive lock on <c>cloud.lock</c>,
/// released by the operating system if the process dies.</summary>
public sealed class CloudFolderLock(FileStream file) : IAsyncDisposable
{
    public static CloudFolderLock Take(string folder)
    {
        var path = Path.Combine(folder, "cloud.lock");
        try
        {
            return new CloudFolderLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose));
        }
        catch (IOException e) when (HeldByAnother(e))
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.Folder)), $"another cloud process is running on {folder} (it holds {path}); stop it, or give another folder");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.Folder)),
                $"{folder} is not writable: cannot create or open {path} ({e.Message}); give a folder this process can write, or make it writable");
        }
    }

    /// <summary>Whether opening the lock failed because another process holds it, rather than because the folder cannot be
    /// written. .NET gives the lock's refusal as a plain <see cref="IOException"/> whose HResult is flock(2)'s EWOULDBLOCK
    /// (= EAGAIN: 11 on Linux, 35 on macOS) or, on Windows, ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION (HRESULT
    /// 0x80070020 / 0x80070021). A read-only file system (EROFS, HResult 30 on Linux), a denied permission (EACCES, given
    /// as <see cref="UnauthorizedAccessException"/>) or a missing folder is not a held lock.</summary>
    public static bool HeldByAnother(Exception e) =>
        e.GetType() == typeof(IOException) && e.HResult == (OperatingSystem.IsWindows() ? unchecked((int)0x80070020) : OperatingSystem.IsMacOS() ? 35 : 11)
        || OperatingSystem.IsWindows() && e.GetType() == typeof(IOException) && e.HResult == unchecked((int)0x80070021);

    public ValueTask DisposeAsync() => file.DisposeAsync();
}

using AgriInsure.Broker;
using AgriInsure.Ingest;
using AgriInsure.Ledger;
using AgriInsure.Livestock;
using AgriInsure.Registry;
using AgriInsure.Storage;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Cli;

/// <summary>The cloud on embedded defaults, in one folder: MQTTnet's in-process broker, a SQLite
/// registry, a local-folder blob store and the SQLite Merkle ledger, with one ingest worker.</summary>
internal sealed record EmbeddedCloud(
    EmbeddedBroker Broker, SqliteRegistry Registry, SqliteLedger Ledger, LocalFolderBlobStore Blobs, LivestockDesk Desk, CaptureIngest Ingest, MqttIngestWorker Worker)
    : IAsyncDisposable
{
    public static string LedgerPath(string folder) => Path.Combine(folder, "ledger.db");

    public static async Task<EmbeddedCloud> StartAsync(string folder, float matchThreshold, ILoggerFactory logs, CancellationToken ct = default)
    {
        Directory.CreateDirectory(folder);
        var broker = await EmbeddedBroker.StartAsync(0, logs.CreateLogger<EmbeddedBroker>(), ct);
        var registry = await SqliteRegistry.OpenAsync(Path.Combine(folder, "registry.db"), ct);
        var ledger = await SqliteLedger.OpenAsync(LedgerPath(folder), logs.CreateLogger<SqliteLedger>(), ct: ct);
        var blobs = new LocalFolderBlobStore(Path.Combine(folder, "blobs"));
        var desk = new LivestockDesk(registry, ledger, new LivestockOptions(matchThreshold), logs.CreateLogger<LivestockDesk>());
        var ingest = new CaptureIngest(registry, blobs, desk, logs.CreateLogger<CaptureIngest>());
        var worker = new MqttIngestWorker(new IngestOptions { Host = broker.Host, Port = broker.Port }, ingest, logs.CreateLogger<MqttIngestWorker>());
        await worker.StartAsync(ct);
        return new EmbeddedCloud(broker, registry, ledger, blobs, desk, ingest, worker);
    }

    public async ValueTask DisposeAsync()
    {
        await Worker.DisposeAsync();
        await Broker.DisposeAsync();
        await Ledger.DisposeAsync();
        await Registry.DisposeAsync();
    }
}

using AgriInsure.Broker;
using AgriInsure.Cli;
using AgriInsure.Domain;
using AgriInsure.Edge.Agent;
using AgriInsure.Edge.Vision;
using AgriInsure.Ingest;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Storage.LocalFolder;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging.Abstractions;
using CapturePurpose = AgriInsure.Protocol.CapturePurpose;

namespace AgriInsure.EndToEnd.Tests;

public class BrokerRestartTests
{
    [Fact]
    public async Task Captures_taken_while_the_broker_is_down_arrive_exactly_once_after_it_returns()
    {
        using var dir = new TempFolder();
        Assert.True(ModelManifest.TryLoad(Repo.Manifest, out var manifest, out _));
        var port = EmbeddedBroker.FreePort();
        var secret = EmbeddedBroker.NewSecret();
        var broker = await EmbeddedBroker.StartAsync(secret, port);
        using var ackKey = AckKey.Create();

        await using var registry = await SqliteRegistry.OpenAsync(dir.File("registry.db"));
        await using var ledger = await SqliteLedger.OpenAsync(dir.File("ledger.db"));
        var desk = new Livestock.LivestockDesk(registry, ledger, new Livestock.LivestockOptions(manifest!.Threshold), NullLogger<Livestock.LivestockDesk>.Instance);
        var blobs = new LocalFolderBlobStore(dir.File("blobs"));
        var ingest = new CaptureIngest(registry, blobs, desk, NullLogger<CaptureIngest>.Instance);
        await using var worker = new MqttIngestWorker(new IngestOptions
        {
            Port = port,
            ReconnectDelay = TimeSpan.FromMilliseconds(100),
            Login = new BrokerLogin { UserName = BrokerLogin.CloudUser, Password = broker.IssueToken(BrokerLogin.CloudUser) },
        }, ingest, ackKey, blobs, NullLogger<MqttIngestWorker>.Instance);
        await worker.StartAsync();

        using var key = DeviceKey.Create();
        await registry.RegisterDeviceAsync(new DeviceRecord("t1", "hh-1", "agent-1", key.PublicKey));
        await registry.AddFarmerAsync(Farmer.Create("t1", "F1", "Sun", "Yunnan").Value);
        using var embedder = new FaceEmbedder(manifest);
        await using var outbox = await Outbox.OpenAsync(dir.File("outbox.db"));
        var handheld = new Handheld(new HandheldIdentity("t1", "hh-1", "agent-1"), new FacePipeline(embedder, new QualityGate(new QualityOptions()), faceCheck: null), key, outbox, NullLogger<Handheld>.Instance);
        await using var uplink = new Uplink("t1", "hh-1", outbox, new UplinkOptions
        {
            Port = port,
            Resend = new RetrySchedule(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
            PollInterval = TimeSpan.FromMilliseconds(50),
            Login = new BrokerLogin { UserName = "hh-1", Password = broker.IssueToken("hh-1") },
            CloudAckKey = ackKey.PublicKey,
        }, NullLogger<Uplink>.Instance);
        using var stop = new CancellationTokenSource();
        var loop = uplink.RunAsync(stop.Token);

        await broker.DisposeAsync();
        for (var animal = 0; animal < 4; animal++)
        {
            var outcome = await handheld.CaptureAsync(SampleHerd.Photo(animal, 0), new CaptureRequest(CapturePurpose.Enrol, "cattle", new GpsFix(25, 102, 5), DateTimeOffset.UtcNow, "F1"));
            Assert.True(outcome.Queued);
        }
        await Task.Delay(300);
        Assert.Equal(4, await outbox.PendingCountAsync());

        await using var restarted = await EmbeddedBroker.StartAsync(secret, port);
        for (var i = 0; i < 1200 && await outbox.PendingCountAsync() > 0; i++)
            await Task.Delay(50);
        await stop.CancelAsync();
        await loop;

        Assert.Equal(0, await outbox.PendingCountAsync());
        var counts = await registry.CountsAsync("t1");
        Assert.Equal(4, counts.Captures);
        Assert.Equal(4, counts.Animals);
    }
}

using AgriInsure.Domain;
using AgriInsure.Ingest;
using AgriInsure.Ledger;
using AgriInsure.Livestock;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Storage;
using AgriInsure.Tests;
using CapturePurpose = AgriInsure.Protocol.CapturePurpose;
using Microsoft.Extensions.Logging.Abstractions;
using AgriInsure.Storage.LocalFolder;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Ledger.Sqlite;

namespace AgriInsure.Ingest.Tests;

/// <summary>The cloud side on embedded engines in a temporary folder, with one provisioned device.</summary>
internal sealed class IngestFixture : IAsyncDisposable
{
    public const string Tenant = "t1";
    public const string Device = "hh-1";
    /// <summary>A JPEG-shaped crop of its own (a comment segment holds 8 random bytes): every photo taken anew differs,
    /// and the ingest refuses the same bytes sent again.</summary>
    public static byte[] Crop() => [0xFF, 0xD8, 0xFF, 0xFE, 0, 10, .. System.Security.Cryptography.RandomNumberGenerator.GetBytes(8), 0xFF, 0xD9];

    public TempFolder Dir { get; } = new();
    public DeviceKey Key { get; } = DeviceKey.Create();

    /// <summary>The cloud's ack-signing key.</summary>
    public AckKey AckKey { get; } = AckKey.Create();
    public SqliteRegistry Registry { get; private set; } = null!;
    public SqliteLedger Ledger { get; private set; } = null!;
    public LocalFolderBlobStore Blobs { get; private set; } = null!;

    /// <summary>Where the worker parks messages that fail every attempt: a store apart from <see cref="Blobs"/>, so a test
    /// can break the ingest's.</summary>
    public LocalFolderBlobStore Parking { get; private set; } = null!;
    public CaptureIngest Ingest { get; private set; } = null!;

    /// <summary>The cloud's clock: the captures' device time plus the few minutes a sync takes.</summary>
    public FixedClock Clock { get; } = new(new DateTimeOffset(2026, 5, 1, 10, 5, 0, TimeSpan.Zero));

    public static async Task<IngestFixture> StartAsync()
    {
        var f = new IngestFixture();
        f.Registry = await SqliteRegistry.OpenAsync(f.Dir.File("registry.db"));
        f.Ledger = await SqliteLedger.OpenAsync(f.Dir.File("ledger.db"));
        f.Blobs = new LocalFolderBlobStore(f.Dir.File("blobs"));
        f.Parking = new LocalFolderBlobStore(f.Dir.File("parked"));
        var desk = new LivestockDesk(f.Registry, f.Ledger, new LivestockOptions(0.8f), NullLogger<LivestockDesk>.Instance, f.Clock);
        f.Ingest = new CaptureIngest(f.Registry, f.Blobs, desk, NullLogger<CaptureIngest>.Instance, f.Clock);
        await f.Registry.RegisterDeviceAsync(new DeviceRecord(Tenant, Device, "agent-1", f.Key.PublicKey));
        await f.Registry.AddFarmerAsync(Farmer.Create(IngestFixture.Tenant, "F1", "Ma", "Qinghai").Value);
        return f;
    }

    public static float[] Face(int animal)
    {
        var r = new Random(animal);
        return Enumerable.Range(0, 32).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray();
    }

    public Capture Signed(int animal, CapturePurpose purpose = CapturePurpose.Enrol, string species = "cattle") =>
        Key.Sign(Unsigned(animal, purpose, species));

    public static Capture Unsigned(int animal, CapturePurpose purpose = CapturePurpose.Enrol, string species = "cattle", int photos = 1) => new()
    {
        CaptureId = NUlid.Ulid.NewUlid().ToString(),
        Tenant = Tenant,
        DeviceId = Device,
        AgentId = "agent-1",
        Purpose = purpose,
        Species = species,
        FarmerId = purpose == CapturePurpose.Enrol ? "F1" : null,
        Gps = new GpsFix(36.6, 101.8, 5),
        TakenAt = new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.Zero),
        Model = new ModelRef("test-model", "1"),
        Photos = [.. Enumerable.Range(0, photos).Select(_ => new CapturePhoto { Embedding = Face(animal), CropJpeg = Crop() })],
    };

    public static string Topic => Topics.Captures(Tenant, Device);

    /// <summary>An ingest worker on <paramref name="broker"/>, logged in as the cloud and signing acks with <see cref="AckKey"/>.</summary>
    public MqttIngestWorker Worker(ITestBroker broker, string clientId = "agri-ingest-1", string? sharedGroup = null) =>
        new(new IngestOptions
        {
            Host = broker.Host, Port = broker.PortFor(BrokerLogin.CloudUser), ClientId = clientId, SharedGroup = sharedGroup, Login = broker.Login(BrokerLogin.CloudUser),
            RetryDelay = TimeSpan.FromMilliseconds(20),
        }, Ingest, AckKey, Parking, NullLogger<MqttIngestWorker>.Instance);

    public async Task<int> CapturesStored() => (await Registry.CountsAsync(IngestFixture.Tenant)).Captures;

    public async ValueTask DisposeAsync()
    {
        await Registry.DisposeAsync();
        await Ledger.DisposeAsync();
        Key.Dispose();
        AckKey.Dispose();
        Dir.Dispose();
    }
}


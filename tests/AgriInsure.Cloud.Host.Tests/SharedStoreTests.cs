using AgriInsure.Domain;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Registry.Tests;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging.Abstractions;
using Capture = AgriInsure.Protocol.Capture;
using CapturePurpose = AgriInsure.Protocol.CapturePurpose;

namespace AgriInsure.Cloud.Host.Tests;

/// <summary>Two cloud hosts on one PostgreSQL registry and one ledger file, as two hosts behind a shared subscription
/// see them: captures of one animal reach both at once.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedStoreTests(PostgresServer server)
{
    private const string Tenant = "A";

    [Fact]
    public async Task Two_hosts_on_one_store_decide_each_capture_once_and_flag_every_second_enrolment_of_an_animal()
    {
        using var home = new TempFolder();
        var store = await server.CreateStoreAsync(GetType());
        Dictionary<string, string?> Settings(string folder) => new()
        {
            ["Cloud:Folder"] = home.File(folder),
            ["Cloud:Manifest"] = Repo.Manifest,
            ["Cloud:BrokerPort"] = "0",
            ["Cloud:RegistryConnectionString"] = store,
            ["Cloud:LedgerPath"] = home.File("ledger.db"),
        };
        await using var first = await AgriCloud.StartAsync(Settings("one"), NullLoggerFactory.Instance);
        await using var second = await AgriCloud.StartAsync(Settings("two"), NullLoggerFactory.Instance);
        using var key = DeviceKey.Create();
        await first.Engines.Registry.AddFarmerAsync(Farmer.Create(Tenant, "F1", "王建国", "四川 雅安").Value);
        await second.Engines.Registry.RegisterDeviceAsync(new DeviceRecord(Tenant, "hh-1", "agent-1", key.PublicKey));

        // Each animal photographed twice; the two captures reach the two hosts at the same moment.
        const int Animals = 40;
        var captures = Enumerable.Range(1, Animals).SelectMany(animal => new[] { Enrolment(key, animal), Enrolment(key, animal) }).ToList();
        var acks = await Task.WhenAll(captures.Select((c, i) => Task.Run(async () =>
            (await (i % 2 == 0 ? first : second).Engines.Ingest.HandleAsync(Topics.Captures(Tenant, "hh-1"), Codec.Encode(c))).Ack!)));

        for (var animal = 0; animal < Animals; animal++)
        {
            var pair = acks.Skip(2 * animal).Take(2).ToList();
            Assert.Equal(["duplicate-enrolment", "enrolled"], pair.Select(a => a.Outcome).Order());
            Assert.Equal(pair[0].AnimalId, pair[1].AnimalId);
        }
        var counts = await first.Engines.Registry.CountsAsync(Tenant);
        Assert.Equal((Animals, Animals, 2 * Animals), (counts.Animals, counts.FlaggedEnrolments, counts.Captures));
        // Both indexes hold every animal once, whichever host enrolled it.
        Assert.Equal(Animals, await first.Engines.Registry.GallerySizeAsync(Tenant, Species.Cattle, "test-model"));
        Assert.Equal(Animals, await second.Engines.Registry.GallerySizeAsync(Tenant, Species.Cattle, "test-model"));

        // One enrolment anchored per animal, at consecutive indexes from both hosts, and the log verifies.
        var verified = await second.Engines.Ledger.VerifyAsync();
        Assert.True(verified.IsIntact, verified.Problem);
        Assert.Equal(Animals, verified.Entries);

        // A redelivery to the host that did not decide it is answered with the stored decision and changes nothing.
        var again = (await second.Engines.Ingest.HandleAsync(Topics.Captures(Tenant, "hh-1"), Codec.Encode(captures[0]))).Ack!;
        Assert.Equal((acks[0].Outcome, acks[0].AnimalId), (again.Outcome, again.AnimalId));
        Assert.Equal(2 * Animals, (await first.Engines.Registry.CountsAsync(Tenant)).Captures);
        Assert.Equal(Animals, (await first.Engines.Ledger.HeadAsync()).Size);
    }

    [Fact]
    public async Task A_registry_server_that_does_not_answer_stops_the_start_naming_the_setting()
    {
        using var home = new TempFolder();
        var e = await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(new Dictionary<string, string?>
        {
            ["Cloud:Folder"] = home.File("cloud"),
            ["Cloud:Manifest"] = Repo.Manifest,
            ["Cloud:BrokerPort"] = "0",
            ["Cloud:RegistryConnectionString"] = $"Host=127.0.0.1;Port={FreePort()};Username=agri;Timeout=2",
        }, NullLoggerFactory.Instance));
        Assert.Equal("Cloud:RegistryConnectionString", e.Setting);
        Assert.False(Directory.Exists(home.File("cloud")));
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        return ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static Capture Enrolment(DeviceKey key, int animal)
    {
        var face = new Random(animal);
        return key.Sign(new Capture
        {
            CaptureId = NUlid.Ulid.NewUlid().ToString(), Tenant = Tenant, DeviceId = "hh-1", AgentId = "agent-1", Purpose = CapturePurpose.Enrol,
            Species = "cattle", FarmerId = "F1", Gps = new GpsFix(30.0, 103.0, 5), TakenAt = DateTimeOffset.UtcNow.AddMinutes(-5), Model = new ModelRef("test-model", "1"),
            Photos = [new CapturePhoto
            {
                Embedding = [.. Enumerable.Range(0, 32).Select(_ => (float)(face.NextDouble() - 0.5))],
                CropJpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, .. System.Security.Cryptography.RandomNumberGenerator.GetBytes(8), 0xFF, 0xD9],
            }],
        });
    }
}

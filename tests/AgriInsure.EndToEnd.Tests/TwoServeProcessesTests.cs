using AgriInsure.Domain;
using AgriInsure.Ingest.Tests;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Registry.Postgres;
using AgriInsure.Registry.Tests;
using AgriInsure.Tests;
using Npgsql;
using Xunit.Abstractions;

namespace AgriInsure.EndToEnd.Tests;

/// <summary>The cloud at scale on one machine (issue 15, point 5): two OS processes of <c>agri serve</c> on one PostgreSQL
/// registry, one cloud folder (keys, blobs, ledger file) and one Mosquitto shared subscription, fed by handhelds over TLS
/// with client certificates, as a deployment runs them.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TwoServeProcessesTests(PostgresServer server, ITestOutputHelper output)
{
    private const string Tenant = "picc-sichuan";

    [Fact]
    public async Task Two_serve_processes_on_one_store_and_one_shared_subscription_decide_every_capture_once_and_flag_every_second_photo()
    {
        using var home = new TempFolder();
        var store = await server.CreateStoreAsync(GetType());
        await using var broker = await MosquittoBroker.StartAsync();
        var (certificate, key, ca) = await broker.WriteCloudLoginAsync(home.File("tls"));
        var folder = home.File("cloud");
        var plan = new LoadPlan(Tenant, ["F-1", "F-2", "F-3", "F-4"], Animals: 1_800, SecondPhotos: 200, CropBytes: 4 * 1024, WindowPerDevice: 25);
        var devices = Enumerable.Range(1, 8).Select(i => $"hh-{i}").ToList();

        string[] Settings(int host) =>
        [
            "--model", Repo.Manifest, "--Cloud:BrokerHost=127.0.0.1", $"--Cloud:BrokerPort={broker.CloudPort}", $"--Cloud:BrokerCertificate={certificate}",
            $"--Cloud:BrokerKey={key}", $"--Cloud:BrokerCa={ca}", "--Cloud:SharedGroup=agri-ingest", $"--Cloud:IngestClientId=agri-ingest-{host}",
            "--Logging:Console:FormatterName=json",
        ];
        var environment = new Dictionary<string, string> { ["Cloud__RegistryConnectionString"] = store };
        // The first start makes the folder's keys; the second, once the first is ready, shares them.
        await using var first = ServeProcess.Start("host 1", home.Path, folder, Settings(1), environment);
        await first.WaitReadyAsync(TimeSpan.FromSeconds(60));
        await using var second = ServeProcess.Start("host 2", home.Path, folder, Settings(2), environment);
        await second.WaitReadyAsync(TimeSpan.FromSeconds(60));

        using var ackKey = AckKey.FromPkcs8(await File.ReadAllBytesAsync(Path.Combine(folder, "ack.key")));
        await using var load = await CaptureLoad.ConnectAsync(broker, plan, devices, ackKey.PublicKey);
        foreach (var farmer in plan.Farmers)
            await first.AddFarmerAsync(folder, Tenant, farmer, "王建国", "四川 雅安");
        // Devices are provisioned straight into the shared registry: the HTTP API has no device route yet.
        await using (var registry = await PostgresRegistry.OpenAsync(store))
        {
            foreach (var (id, publicKey) in load.Devices)
                await registry.RegisterDeviceAsync(new DeviceRecord(Tenant, id, "agent-" + id, publicKey));
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await load.RunAsync(TimeSpan.FromMinutes(2));
        var elapsed = clock.Elapsed;
        var sent = load.Sent.Values.ToList();
        var acked = sent.Count(p => p.Acks.Count > 0);
        output.WriteLine($"{acked} of {plan.Captures} captures acked in {elapsed.TotalSeconds:0.0} s ({acked / elapsed.TotalSeconds:0} a second)");

        // Both stop cleanly on SIGTERM, before anything is read back, so the ledger file and the logs are complete.
        Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await second.StopAsync(TimeSpan.FromSeconds(30)));

        // Every capture acked once, to the device that sent it, signed by the cloud's ack key.
        Assert.Equal(plan.Captures, sent.Count);
        Assert.Equal(plan.Captures, acked);
        Assert.All(sent, p => Assert.Single(p.Acks));
        Assert.All(sent, p => Assert.True(p.Acks[0].SignedByCloud && p.Acks[0].OnDevice == p.DeviceId && p.Acks[0].Ack.DeviceId == p.DeviceId, $"ack of {p.CaptureId}"));

        // Every first photo enrolled its animal; every second photo flagged as a duplicate of the first's animal.
        var firsts = sent.Where(p => !p.Second).ToDictionary(p => p.Animal);
        Assert.All(firsts.Values, p => Assert.Equal(("enrolled", $"A-{p.CaptureId}"), (p.Acks[0].Ack.Outcome, p.Acks[0].Ack.AnimalId)));
        var seconds = sent.Where(p => p.Second).ToList();
        Assert.Equal(plan.SecondPhotos, seconds.Count);
        Assert.All(seconds, p => Assert.Equal(("duplicate-enrolment", firsts[p.Animal].Acks[0].Ack.AnimalId), (p.Acks[0].Ack.Outcome, p.Acks[0].Ack.AnimalId)));

        // The registry holds each capture id once, and no other.
        var stored = new List<string>();
        await using (var db = new NpgsqlConnection(store))
        {
            await db.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT capture_id FROM captures", db);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
                stored.Add(r.GetString(0));
        }
        Assert.Equal(sent.Select(p => p.CaptureId).Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));

        // Both processes decided some, and no capture was decided by both.
        var (one, two) = (first.DecidedCaptureIds(), second.DecidedCaptureIds());
        output.WriteLine($"host 1 decided {one.Count}, host 2 {two.Count}");
        Assert.True(one.Count > 0 && two.Count > 0, $"host 1 decided {one.Count}, host 2 {two.Count}");
        Assert.Empty(one.Intersect(two));
        Assert.Equal(plan.Captures, one.Count + two.Count);

        // The shared ledger verifies, with one enrolment entry per animal and nothing else.
        await using var ledger = await SqliteLedger.OpenReadOnlyAsync(Path.Combine(folder, "ledger.db"));
        var verified = await ledger.VerifyAsync();
        Assert.True(verified.IsIntact, verified.Problem);
        Assert.Equal(plan.Animals, verified.Entries);
        foreach (var p in firsts.Values)
        {
            var entry = await ledger.FindAsync(Digest.Of("animal", p.Acks[0].Ack.AnimalId!).Hex);
            Assert.Equal("enrolment", entry?.Kind);
        }
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using AgriInsure.Domain;
using AgriInsure.Edge.Agent;
using AgriInsure.Ingest.Tests;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Registry.Postgres;
using AgriInsure.Registry.Tests;
using AgriInsure.Tests;
using Microsoft.Data.Sqlite;
using MQTTnet;
using MQTTnet.Protocol;
using Npgsql;
using Xunit.Abstractions;
using CapturePurpose = AgriInsure.Protocol.CapturePurpose;

namespace AgriInsure.EndToEnd.Tests;

/// <summary>Nothing lost, proven by fault injection (issue 15, point 10), counting ids: 10,000 captures queued on two
/// handhelds go through Mosquitto (TLS, client certificates, the ACL, persistence on) to two <c>agri serve</c> processes on
/// one PostgreSQL, published by <c>agri edge sync</c> OS processes, while the handheld's sync is killed with SIGKILL
/// mid-publish and started again, already-acked captures are published again with the device's certificate, the broker
/// is stopped for 30 s, and one host is killed with SIGKILL while it holds the tenant's decision lock and started again
/// with the same ingest client id. Each fault is set off by progress (captures settled on the handhelds), not by time.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FaultInjectionTests(PostgresServer server, ITestOutputHelper output)
{
    private const string Tenant = "picc-sichuan";
    private const string Passphrase = "fault injection";
    private static readonly string[] Farmers = ["F-1", "F-2", "F-3", "F-4"];

    /// <summary>Enrolments of distinct animals, queued on hh-1.</summary>
    private const int Firsts = 9_000;

    /// <summary>Second photos of animals 0 to Seconds − 1, queued on hh-2 (a later visit to the same farms).</summary>
    private const int Seconds = 1_000;

    /// <summary>Already-acked captures hh-1 publishes again while its sync is down.</summary>
    private const int Republished = 200;

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(25);

    [Fact]
    public async Task Ten_thousand_queued_captures_are_each_decided_once_through_killed_processes_a_broker_outage_and_duplicates()
    {
        using var home = new TempFolder();
        var store = await server.CreateStoreAsync(GetType());
        await using var broker = await MosquittoBroker.StartAsync(persistent: true);
        var (certificate, key, ca) = await broker.WriteCloudLoginAsync(home.File("tls"));
        var folder = home.File("cloud");
        var started = new List<IAsyncDisposable>();
        try
        {
            string[] Settings(int host) =>
            [
                "--model", Repo.Manifest, "--Cloud:BrokerHost=127.0.0.1", $"--Cloud:BrokerPort={broker.CloudPort}", $"--Cloud:BrokerCertificate={certificate}",
                $"--Cloud:BrokerKey={key}", $"--Cloud:BrokerCa={ca}", "--Cloud:SharedGroup=agri-ingest", $"--Cloud:IngestClientId=agri-ingest-{host}",
                "--Logging:Console:FormatterName=json",
            ];
            // Each host's connections carry its name, so the test can see in pg_locks which host holds the decision lock.
            Dictionary<string, string> Env(int host) => new() { ["Cloud__RegistryConnectionString"] = $"{store};Application Name=agri-ingest-{host}" };
            var hostOne = ServeProcess.Start("host 1", home.Path, folder, Settings(1), Env(1));
            started.Add(hostOne);
            await hostOne.WaitReadyAsync(TimeSpan.FromSeconds(60));
            var hostTwo = ServeProcess.Start("host 2", home.Path, folder, Settings(2), Env(2));
            started.Add(hostTwo);
            await hostTwo.WaitReadyAsync(TimeSpan.FromSeconds(60));
            foreach (var farmer in Farmers)
                await hostOne.AddFarmerAsync(folder, Tenant, farmer, "王建国", "四川 雅安");

            // Provisioning over the API issues embedded-broker logins only (501 on an external broker): the devices are
            // registered in the shared registry, and their folders written as agri edge reads them, with a TLS login.
            using var ackKey = AckKey.FromPkcs8(await File.ReadAllBytesAsync(Path.Combine(folder, "ack.key")));
            using var keyOne = DeviceKey.Create();
            using var keyTwo = DeviceKey.Create();
            await using (var registry = await PostgresRegistry.OpenAsync(store))
            {
                foreach (var (id, deviceKey) in new[] { ("hh-1", keyOne), ("hh-2", keyTwo) })
                    await registry.RegisterDeviceAsync(new DeviceRecord(Tenant, id, "agent-" + id, deviceKey.PublicKey));
            }
            var one = WriteHandheld(home.File("hh-1"), "hh-1", keyOne, broker, hostOne.Url, ackKey.PublicKey);
            var two = WriteHandheld(home.File("hh-2"), "hh-2", keyTwo, broker, hostOne.Url, ackKey.PublicKey);

            // The outboxes filled through the handheld's own Outbox, oldest first: hh-1 the first photos, hh-2 the second ones.
            var clock = Stopwatch.StartNew();
            var firstOf = new string[Firsts];
            var secondOf = new string[Seconds];
            var replays = new List<(string CaptureId, byte[] Payload)>();
            await using (var outbox = await Outbox.OpenAsync(HandheldFolder.OutboxPath(one)))
            {
                for (var animal = 0; animal < Firsts; animal++)
                {
                    var capture = keyOne.Sign(Enrolment("hh-1", animal, second: false));
                    var payload = Codec.Encode(capture);
                    await outbox.AddAsync(capture.CaptureId, Topics.Captures(Tenant, "hh-1"), payload);
                    firstOf[animal] = capture.CaptureId;
                    if (animal < Republished)
                        replays.Add((capture.CaptureId, payload));
                }
            }
            await using (var outbox = await Outbox.OpenAsync(HandheldFolder.OutboxPath(two)))
            {
                for (var animal = 0; animal < Seconds; animal++)
                {
                    var capture = keyTwo.Sign(Enrolment("hh-2", animal, second: true));
                    await outbox.AddAsync(capture.CaptureId, Topics.Captures(Tenant, "hh-2"), Codec.Encode(capture));
                    secondOf[animal] = capture.CaptureId;
                }
            }
            output.WriteLine($"{Firsts + Seconds} captures queued in {clock.Elapsed.TotalSeconds:0.0} s");

            clock.Restart();
            var watch = new Watch(clock, Limit);
            watch.Serve(hostOne);
            watch.Serve(hostTwo);
            var syncOne = watch.Sync(Sync(home.Path, one, "sync hh-1"));
            started.Add(syncOne);

            // hh-2 goes out once every animal it photographs again is settled on hh-1.
            await watch.UntilAsync(async () => await OutboxCountAsync(one, $"rowid <= {Seconds} AND acked_at IS NULL") == 0, $"hh-1's first {Seconds} captures settled");
            var syncTwo = watch.Sync(Sync(home.Path, two, "sync hh-2"));
            started.Add(syncTwo);
            output.WriteLine($"{watch.At}: hh-1's first {Seconds} settled; sync hh-2 started");

            // Fault 1: kill -9 of hh-1's sync mid-publish.
            await watch.UntilAsync(async () => await SettledAsync(one) >= 2_000, "2,000 settled on hh-1");
            var sentUnacked = await OutboxCountAsync(one, "attempts > 0 AND acked_at IS NULL");
            watch.Forget(syncOne);
            await syncOne.KillAsync();
            output.WriteLine($"{watch.At}: kill -9 sync hh-1 at {await SettledAsync(one)} settled, {sentUnacked} sent and not yet acked");

            // Fault 2, while it is down: captures the cloud has decided published again with hh-1's own certificate; each
            // is answered with its stored decision. This client takes over hh-1's persistent session, so the acks queued
            // for captures still in flight come to it: lost to the handheld, which sends those again when sync restarts.
            var (answers, taken, resent) = await RepublishAsync(broker, "hh-1", replays, ackKey.PublicKey);
            await using (var outbox = await Outbox.OpenAsync(HandheldFolder.OutboxPath(one)))
            {
                foreach (var (id, _) in replays)
                {
                    var receipt = await outbox.ReceiptAsync(id);
                    Assert.NotNull(receipt);
                    Assert.Equal((receipt.Status, receipt.Outcome, receipt.AnimalId), (answers[id].Status, answers[id].Outcome, answers[id].AnimalId));
                }
            }
            output.WriteLine($"{watch.At}: {Republished} acked captures published again ({resent} sends more for those unanswered after 10 s), each answered with its stored decision; {taken} acks of captures in flight taken by that client");
            var syncOneAgain = watch.Sync(Sync(home.Path, one, "sync hh-1 again"));
            started.Add(syncOneAgain);

            // Fault 3: the broker stopped for 30 s mid-stream; it keeps sessions and queued messages across the restart.
            await watch.UntilAsync(async () => await SettledAsync(one) + await SettledAsync(two) >= 4_500, "4,500 settled");
            await broker.StopAsync();
            output.WriteLine($"{watch.At}: broker stopped at {await SettledAsync(one) + await SettledAsync(two)} settled");
            await Task.Delay(TimeSpan.FromSeconds(30));
            watch.Check();
            await broker.StartAgainAsync();
            output.WriteLine($"{watch.At}: broker started again");

            // Fault 4: kill -9 of host 2 while it holds the tenant's decision lock, then the same host started again.
            await watch.UntilAsync(async () => await SettledAsync(one) + await SettledAsync(two) >= 7_000, "7,000 settled");
            var midDecision = await WaitForDecisionLockAsync(store, "agri-ingest-2", TimeSpan.FromSeconds(30));
            watch.Forget(hostTwo);
            await hostTwo.KillAsync();
            var settledAtKill = await SettledAsync(one) + await SettledAsync(two);
            output.WriteLine($"{watch.At}: kill -9 host 2 at {settledAtKill} settled ({(midDecision ? "holding the decision lock" : "the decision lock not seen held in 30 s")})");
            var deadline = watch.At + TimeSpan.FromSeconds(60);
            await watch.UntilAsync(async () => watch.At > deadline || await SettledAsync(one) + await SettledAsync(two) >= settledAtKill + 500, "host 1 carrying on alone");
            var hostTwoAgain = hostTwo.StartAgain();
            started.Add(hostTwoAgain);
            await hostTwoAgain.WaitReadyAsync(TimeSpan.FromSeconds(60));
            watch.Serve(hostTwoAgain);
            output.WriteLine($"{watch.At}: host 2 started again with the same ingest client id");

            // Each sync ends by itself once its outbox is empty.
            await watch.UntilAsync(() => Task.FromResult(syncOneAgain.HasExited && syncTwo.HasExited), "both outboxes empty");
            var elapsed = clock.Elapsed;
            Assert.Equal(0, await syncOneAgain.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(0, await syncTwo.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            var sends = await OutboxCountAsync(one, "1", "SUM(attempts)") + await OutboxCountAsync(two, "1", "SUM(attempts)");
            output.WriteLine($"{Firsts + Seconds} captures settled in {elapsed.TotalSeconds:0} s with {sends} sends ({(double)sends / (Firsts + Seconds):0.00} a capture)");

            watch.Forget(hostOne);
            watch.Forget(hostTwoAgain);
            Assert.Equal(0, await hostOne.StopAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, await hostTwoAgain.StopAsync(TimeSpan.FromSeconds(30)));
            var parked = hostOne.Lines.Concat(hostTwo.Lines).Concat(hostTwoAgain.Lines).Count(l => l.Contains("Parked the message", StringComparison.Ordinal));
            output.WriteLine($"messages parked by the hosts: {parked}; lines of the broker's log on messages dropped for a full queue: {broker.Log().Count(l => l.Contains("dropped", StringComparison.Ordinal))}");

            // Every outbox empty, each capture settled by a verified ack (agri edge status, and nothing refused).
            foreach (var (handheld, count) in new[] { (one, Firsts), (two, Seconds) })
            {
                await using var status = AgriProcess.Start("status", home.Path, ["edge", "status", "--folder", handheld, "--json"], new Dictionary<string, string>());
                Assert.Equal(0, await status.WaitForExitAsync(TimeSpan.FromSeconds(60)));
                using var json = JsonDocument.Parse(string.Join('\n', status.Lines));
                Assert.Equal((0, count, 0), (json.RootElement.GetProperty("pending").GetInt32(), json.RootElement.GetProperty("settled").GetInt32(),
                    json.RootElement.GetProperty("refusedAcks").GetArrayLength()));
            }

            // Each first photo enrolled its own animal; each second photo flagged as a duplicate naming the first's animal.
            await using (var outbox = await Outbox.OpenAsync(HandheldFolder.OutboxPath(one)))
            {
                var state = await outbox.StateAsync();
                Assert.Equal(firstOf.Order(StringComparer.Ordinal), state.Captures.Select(c => c.CaptureId).Order(StringComparer.Ordinal));
                Assert.All(state.Captures, c => Assert.Equal((AckStatus.Accepted, "enrolled", $"A-{c.CaptureId}"), (c.Receipt!.Status, c.Receipt.Outcome, c.Receipt.AnimalId)));
            }
            await using (var outbox = await Outbox.OpenAsync(HandheldFolder.OutboxPath(two)))
            {
                var receipts = (await outbox.StateAsync()).Captures.ToDictionary(c => c.CaptureId, c => c.Receipt!);
                Assert.Equal(Seconds, receipts.Count);
                for (var animal = 0; animal < Seconds; animal++)
                    Assert.Equal((AckStatus.Flagged, "duplicate-enrolment", $"A-{firstOf[animal]}"), (receipts[secondOf[animal]].Status, receipts[secondOf[animal]].Outcome, receipts[secondOf[animal]].AnimalId));
            }

            // The registry holds each capture id once, and no other; one animal per first photo, none for a second photo.
            await using (var db = new NpgsqlConnection(store))
            {
                await db.OpenAsync();
                var stored = await ColumnAsync(db, "SELECT capture_id FROM captures");
                Assert.Equal(stored.Count, stored.Distinct(StringComparer.Ordinal).Count());
                Assert.Equal(firstOf.Concat(secondOf).Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
                var animals = await ColumnAsync(db, "SELECT id || ' ' || enrolled_capture_id FROM animals");
                Assert.Equal(firstOf.Select(id => $"A-{id} {id}").Order(StringComparer.Ordinal), animals.Order(StringComparer.Ordinal));
                var flagged = await ColumnAsync(db, "SELECT capture_id || ' ' || outcome || ' ' || animal_id FROM captures WHERE device_id = 'hh-2'");
                Assert.Equal(Enumerable.Range(0, Seconds).Select(a => $"{secondOf[a]} duplicate-enrolment A-{firstOf[a]}").Order(StringComparer.Ordinal), flagged.Order(StringComparer.Ordinal));
            }

            // The shared ledger verifies, with one enrolment entry per animal and nothing else.
            await using var ledger = await SqliteLedger.OpenReadOnlyAsync(Path.Combine(folder, "ledger.db"));
            var verified = await ledger.VerifyAsync();
            Assert.True(verified.IsIntact, verified.Problem);
            Assert.Equal(Firsts, verified.Entries);
            foreach (var id in firstOf)
                Assert.Equal("enrolment", (await ledger.FindAsync(Digest.Of("animal", $"A-{id}").Hex))?.Kind);
        }
        catch
        {
            // What the processes said last, for the failure's report.
            foreach (var process in started.OfType<ServeProcess>())
                output.WriteLine($"--- {process.Name}:\n{string.Join('\n', process.Lines.TakeLast(15))}");
            foreach (var process in started.OfType<AgriProcess>())
                output.WriteLine($"--- {process.Name}:\n{process.Tail(15)}");
            output.WriteLine($"--- broker:\n{string.Join('\n', broker.Log().TakeLast(30))}");
            throw;
        }
        finally
        {
            // Whatever happened, no process of this test outlives it (the broker and PostgreSQL go with their fixtures).
            for (var i = started.Count - 1; i >= 0; i--)
                await started[i].DisposeAsync();
        }
    }

    /// <summary>Writes a handheld's folder as <c>agri edge</c> reads it: <c>device.json</c> with its TLS login to the broker's
    /// devices' listener and the cloud's ack key, and <c>device.key</c> encrypted under <see cref="Passphrase"/>.</summary>
    private static string WriteHandheld(string path, string deviceId, DeviceKey key, MosquittoBroker broker, string cloud, byte[] cloudAckKey)
    {
        Directory.CreateDirectory(path);
        var login = broker.Login(deviceId);
        var certificate = login.ClientCertificate!;
        using var privateKey = certificate.GetECDsaPrivateKey()!;
        var settings = new HandheldSettings(Tenant, deviceId, "agent-" + deviceId, cloud + "/", broker.Host, broker.Port, deviceId, "",
            Convert.ToBase64String(cloudAckKey), DateTimeOffset.UtcNow,
            new BrokerTls(certificate.ExportCertificatePem(), privateKey.ExportPkcs8PrivateKeyPem(), login.BrokerCa!.ExportCertificatePem()));
        File.WriteAllText(HandheldFolder.SettingsPath(path), JsonSerializer.Serialize(settings, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        File.WriteAllText(HandheldFolder.KeyPath(path), HandheldFolder.EncryptKey(key, Passphrase));
        return path;
    }

    /// <summary>An enrolment as the handheld signs it: one photo whose embedding is the animal's face (a second photo: the
    /// face plus noise, cosine about 0.95), its crop fresh random bytes inside JPEG markers (never a replay).</summary>
    private static Capture Enrolment(string deviceId, int animal, bool second) => new()
    {
        CaptureId = NUlid.Ulid.NewUlid().ToString(), Tenant = Tenant, DeviceId = deviceId, AgentId = "agent-" + deviceId, Purpose = CapturePurpose.Enrol,
        Species = "cattle", FarmerId = Farmers[animal % Farmers.Length], Gps = new GpsFix(30.0 + animal % 7 * 0.01, 103.0, 5),
        TakenAt = DateTimeOffset.UtcNow.AddMinutes(-1), Model = new ModelRef("cattle-face-embedder", "1.3.0-int8"),
        Photos = [new CapturePhoto { Embedding = CaptureLoad.Face(animal, second), CropJpeg = CaptureLoad.Crop(4 * 1024) }],
    };

    private static AgriProcess Sync(string home, string handheld, string name) =>
        AgriProcess.Start(name, home, ["edge", "sync", "--folder", handheld, "--timeout", "30m"], new Dictionary<string, string>());

    private static Task<int> SettledAsync(string handheld) => OutboxCountAsync(handheld, "acked_at IS NOT NULL");

    /// <summary>COUNT(*) (or <paramref name="what"/>) over the outbox rows matching <paramref name="where"/>, read from the
    /// file beside the sync process that writes it.</summary>
    private static async Task<int> OutboxCountAsync(string handheld, string where, string what = "COUNT(*)")
    {
        await using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = HandheldFolder.OutboxPath(handheld), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT COALESCE({what}, 0) FROM outbox WHERE {where}";
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Publishes <paramref name="captures"/> again as <paramref name="deviceId"/> (its certificate, so its client id
    /// and session) and waits for an ack of each, sending again, as a device does, what is unanswered after 10 s; the acks of
    /// those captures, each checked against the cloud's key, how many other acks the session delivered, and how many
    /// captures were sent again.</summary>
    private static async Task<(IReadOnlyDictionary<string, Ack> Answers, int Others, int Resent)> RepublishAsync(MosquittoBroker broker, string deviceId,
        IReadOnlyList<(string CaptureId, byte[] Payload)> captures, byte[] cloudAckKey)
    {
        var wanted = captures.Select(c => c.CaptureId).ToHashSet(StringComparer.Ordinal);
        var answers = new ConcurrentDictionary<string, Ack>(StringComparer.Ordinal);
        var others = 0;
        var forged = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (!Codec.TryDecodeAck(e.ApplicationMessage.Payload.ToArray(), out var ack) || !SignatureCheck.IsValid(ack!, cloudAckKey))
                Interlocked.Increment(ref forged);
            else if (!wanted.Contains(ack!.CaptureId))
                Interlocked.Increment(ref others);
            else if (answers.TryAdd(ack.CaptureId, ack) && answers.Count == wanted.Count)
                all.TrySetResult();
            return Task.CompletedTask;
        };
        // The handheld's own session (clean start false, the same expiry), so it outlives this client for the handheld.
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId(deviceId).WithLogin(broker.Login(deviceId))
            .WithCleanStart(false).WithSessionExpiryInterval(30 * 24 * 3600).Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.Acks(Tenant, deviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var resent = 0;
        for (var round = 0; !all.Task.IsCompleted; round++)
        {
            Assert.True(round < 30, $"{wanted.Count - answers.Count} republished captures unanswered after {round} rounds of 10 s");
            foreach (var (id, payload) in captures.Where(c => !answers.ContainsKey(c.CaptureId)))
            {
                var sent = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Captures(Tenant, deviceId)).WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                Assert.True(sent.IsSuccess, $"the broker refused a republished capture: {sent.ReasonCode}");
                resent += round > 0 ? 1 : 0;
            }
            await Task.WhenAny(all.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        }
        await client.DisconnectAsync();
        Assert.Equal(0, forged);
        return (answers, others, resent);
    }

    /// <summary>Waits until a connection of <paramref name="applicationName"/> holds an exclusive advisory lock (the tenant's
    /// decision lock: only a decision takes one once the hosts are up); false when none is seen within <paramref name="limit"/>.</summary>
    private static async Task<bool> WaitForDecisionLockAsync(string store, string applicationName, TimeSpan limit)
    {
        await using var db = new NpgsqlConnection(store);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.mode = 'ExclusiveLock' AND a.application_name = @name
            """, db);
        cmd.Parameters.AddWithValue("name", applicationName);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if ((long)(await cmd.ExecuteScalarAsync())! > 0)
                return true;
        }
        return false;
    }

    private static async Task<List<string>> ColumnAsync(NpgsqlConnection db, string sql)
    {
        var values = new List<string>();
        await using var cmd = new NpgsqlCommand(sql, db);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            values.Add(r.GetString(0));
        return values;
    }

    /// <summary>The processes a run depends on: waiting for progress fails at once, with the process's last lines, when a host
    /// exits or a sync exits other than 0 (its outbox empty) without the test having stopped it, and when the run passes
    /// its time limit.</summary>
    private sealed class Watch(Stopwatch clock, TimeSpan limit)
    {
        private readonly List<ServeProcess> _hosts = [];
        private readonly List<AgriProcess> _syncs = [];
        private readonly HashSet<object> _forgotten = [];

        public TimeSpan At => clock.Elapsed;

        public void Serve(ServeProcess host) => _hosts.Add(host);

        public AgriProcess Sync(AgriProcess sync)
        {
            _syncs.Add(sync);
            return sync;
        }

        /// <summary>A process the test is about to stop or kill: its exit is no failure.</summary>
        public void Forget(object process) => _forgotten.Add(process);

        public void Check()
        {
            foreach (var sync in _syncs.Where(s => !_forgotten.Contains(s) && s.HasExited && s.ExitCode != 0))
                Assert.Fail($"{sync.Name} exited {sync.ExitCode} at {At}:\n{sync.Tail(30)}");
            foreach (var host in _hosts.Where(h => !_forgotten.Contains(h) && h.HasExited))
                Assert.Fail($"{host.Name} exited at {At}:\n{string.Join('\n', host.Lines.TakeLast(30))}");
            Assert.True(At < limit, $"past the run's limit of {limit.TotalMinutes:0} minutes");
        }

        public async Task UntilAsync(Func<Task<bool>> condition, string what)
        {
            while (!await condition())
            {
                Check();
                Assert.True(At < limit, $"waited for {what} until the run's limit of {limit.TotalMinutes:0} minutes");
                await Task.Delay(200);
            }
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.EndToEnd.Tests;
using AgriInsure.Ingest.Tests;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Registry.Postgres;
using AgriInsure.Registry.Tests;
using AgriInsure.Storage;

namespace AgriInsure.Bench;

/// <summary>Issue 15's speed case: captures per second end to end (handheld publish → Mosquitto over TLS → signature check
/// → decision in PostgreSQL with the 1:N search → ledger → signed ack back to the handheld) with 20 KB crops, on one or
/// two <c>agri serve</c> processes sharing one PostgreSQL, one cloud folder and one shared subscription, and the latency
/// from publish to ack (p50, p95, p99). Starts everything itself (the end-to-end test's harness) and stops it all.
/// Options: <c>--hosts N</c> (1; 0 for the floor, <see cref="IngestFloor"/>), <c>--captures N</c> (2000, a tenth of them second photos of enrolled animals),
/// <c>--crop-kb N</c> (20), <c>--devices N</c> (8), <c>--window N</c> (25 unacknowledged captures per device),
/// <c>--durable</c> (PostgreSQL with its durability defaults; without it fsync and synchronous commit are off),
/// <c>--gallery N</c> (0: animals already enrolled before the run, so it measures a registry of that size rather than a
/// new one, whose gallery calibration is redone at every 10 % of growth).</summary>
internal static class IngestRun
{
    private const string Tenant = "bench";

    private const string SharedGroup = "agri-ingest";

    private static readonly string[] Options = ["--hosts", "--captures", "--crop-kb", "--devices", "--window", "--gallery"];

    public static async Task<int> RunAsync(string[] args)
    {
        int hosts, captures, cropKb, devices, window, gallery;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] == "--durable")
                    continue;
                if (!Options.Contains(args[i]))
                    throw new ArgumentException($"unknown option {args[i]}");
                i++;
            }
            (hosts, captures, cropKb) = (Int(args, "--hosts", 1, 0, 8), Int(args, "--captures", 2000, 10, 1_000_000), Int(args, "--crop-kb", 20, 1, 200));
            (devices, window, gallery) = (Int(args, "--devices", 8, 1, 64), Int(args, "--window", 25, 1, 1000), Int(args, "--gallery", 0, 0, 10_000_000));
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"ingest: {e.Message}\nusage: tools/bench/ingest [--captures N (≥ 10)] [--crop-kb N] [--devices N] [--window N] [--gallery N] [--durable]");
            return 2;
        }
        var durable = args.Contains("--durable");
        // Ctrl-C and SIGTERM end the run, not the process: PostgreSQL, Mosquitto, the hosts and the folders go with it.
        using var stop = new CancellationTokenSource();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        var plan = new LoadPlan(Tenant, ["F-1", "F-2", "F-3", "F-4"], Animals: captures - captures / 10, SecondPhotos: captures / 10, CropBytes: cropKb * 1024, WindowPerDevice: window);

        var home = Path.Combine(Path.GetTempPath(), "agri-bench-ingest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        var postgres = new PostgresServer { Durable = durable };
        var started = new List<ServeProcess>();
        try
        {
            await using var broker = await MosquittoBroker.StartAsync();
            var folder = Path.Combine(home, "cloud");
            IngestFloor? floor = null;
            string? store = null;
            if (hosts > 0)
            {
                await postgres.InitializeAsync();
                store = await postgres.CreateStoreAsync(typeof(IngestRun));
                var (certificate, key, ca) = await broker.WriteCloudLoginAsync(Path.Combine(home, "tls"));
                var environment = new Dictionary<string, string> { ["Cloud__RegistryConnectionString"] = store };
                for (var host = 1; host <= hosts; host++)
                {
                    var serve = ServeProcess.Start($"host {host}", home, folder,
                    [
                        "--model", Path.Combine(EdgePipelineBench.RepoRoot(), "models", "cattle-face-embedder.manifest.json"),
                        "--Cloud:BrokerHost=127.0.0.1", $"--Cloud:BrokerPort={broker.CloudPort}", $"--Cloud:BrokerCertificate={certificate}",
                        $"--Cloud:BrokerKey={key}", $"--Cloud:BrokerCa={ca}", $"--Cloud:SharedGroup={SharedGroup}", $"--Cloud:IngestClientId=agri-ingest-{host}",
                        "--Logging:Console:FormatterName=json",
                    ], environment);
                    started.Add(serve);
                    await serve.WaitReadyAsync(TimeSpan.FromSeconds(60));
                }
            }

            using var ackKey = hosts > 0 ? AckKey.FromPkcs8(await File.ReadAllBytesAsync(Path.Combine(folder, "ack.key"))) : AckKey.Create();
            await using var load = await CaptureLoad.ConnectAsync(broker, plan, Enumerable.Range(1, devices).Select(i => $"hh-{i}"), ackKey.PublicKey);
            if (hosts > 0)
            {
                foreach (var farmer in plan.Farmers)
                    await started[0].AddFarmerAsync(folder, Tenant, farmer, "Bench farmer", "Sichuan");
                await using var registry = await PostgresRegistry.OpenAsync(store!);
                foreach (var (id, publicKey) in load.Devices)
                    await registry.RegisterDeviceAsync(new DeviceRecord(Tenant, id, "agent-" + id, publicKey));
                await EnrolAsync(registry, gallery, plan.Farmers);
            }
            else
            {
                floor = await IngestFloor.StartAsync(broker, SharedGroup, ackKey, load.Devices.ToDictionary(d => d.DeviceId, d => d.PublicKey),
                    id => load.Sent.TryGetValue(id, out var p) ? p.Second : null);
            }
            await using var _ = floor;

            var cpuBefore = started.Select(s => s.CpuTime).ToList();
            var benchBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var machineBefore = MachineBusy();
            var clock = Stopwatch.StartNew();
            try
            {
                await load.RunAsync(TimeSpan.FromMinutes(10)).WaitAsync(stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("ingest: stopped; stopping the hosts, Mosquitto and PostgreSQL");
                return 130;
            }
            var elapsed = clock.Elapsed;
            var cpu = started.Select((s, i) => (s.CpuTime - cpuBefore[i]).TotalSeconds).ToList();
            var benchCpu = (Process.GetCurrentProcess().TotalProcessorTime - benchBefore).TotalSeconds;
            var machine = MachineBusy() - machineBefore;
            var sent = load.Sent.Values.Where(p => p.Latency is not null).ToList();
            var wrong = sent.Count(p => !p.Acks[0].SignedByCloud || p.Acks[0].Ack.Outcome != (p.Second ? "duplicate-enrolment" : "enrolled"));
            var latencies = sent.Select(p => p.Latency!.Value.TotalMilliseconds).Order().ToList();
            // Steady state: the acks after the first tenth (start-up, JIT and the first gallery calibrations) to the last.
            var acks = sent.Select(p => p.Acks[0].At).Order().ToList();
            var tenth = acks.Count / 10;
            var steady = acks.Count > 10 ? (acks.Count - tenth) / Stopwatch.GetElapsedTime(acks[tenth], acks[^1]).TotalSeconds : double.NaN;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ingest: {(hosts == 0 ? "the floor (no host: the bench answers each capture after checking its signature)" : $"{hosts} host(s)")}, {sent.Count}/{plan.Captures} captures acked ({plan.SecondPhotos} second photos), {cropKb} KB crops, {devices} devices × {window} in flight, " +
                $"PostgreSQL {(durable ? "durable (fsync on, synchronous_commit on)" : "fsync off, synchronous_commit off")}, {gallery} animals enrolled before"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {elapsed.TotalSeconds:0.0} s: {sent.Count / elapsed.TotalSeconds:0} captures/s overall, {steady:0} captures/s after the first tenth; " +
                $"latency publish→ack p50 {Percentile(latencies, 0.50):0} ms, p95 {Percentile(latencies, 0.95):0} ms, p99 {Percentile(latencies, 0.99):0} ms; " +
                $"host CPU {(cpu.Count == 0 ? "-" : string.Join(" + ", cpu.Select(c => $"{c:0.0}")))} s, bench process (handhelds{(hosts == 0 ? " and the answering client" : "")}) {benchCpu:0.0} s, " +
                $"whole machine {machine:0.0} CPU-s ({machine / Math.Max(1, sent.Count) * 1000:0.00} ms a capture); {wrong} acks with an unexpected outcome or signature"));
            foreach (var serve in started)
            {
                if (await serve.StopAsync(TimeSpan.FromSeconds(30)) != 0)
                    Console.Error.WriteLine($"{serve.Name} did not exit 0 on SIGTERM");
            }
            return sent.Count == plan.Captures && wrong == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var serve in started)
                await serve.DisposeAsync();
            await postgres.DisposeAsync();
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>Writes <paramref name="animals"/> enrolments straight into the registry, as decisions leave them (capture,
    /// photo, animal, template; not anchored on the ledger), a thousand to a transaction. Their faces are drawn as the
    /// load's are (<see cref="CaptureLoad.Face"/>) from seeds the load does not use.</summary>
    private static async Task EnrolAsync(PostgresRegistry registry, int animals, IReadOnlyList<string> farmers)
    {
        var now = DateTimeOffset.UtcNow;
        for (var start = 0; start < animals; start += 1000)
        {
            await registry.DecideAsync(Tenant, async ct =>
            {
                for (var i = start; i < Math.Min(animals, start + 1000); i++)
                {
                    var captureId = $"gallery-{i:D8}";
                    var farmer = farmers[i % farmers.Count];
                    var template = Embedding.Create(CaptureLoad.Face(1_000_000 + i, second: false), "cattle-face-embedder").Value;
                    var crop = BlobKeys.Of(System.Text.Encoding.UTF8.GetBytes(captureId));
                    var capture = new CaptureRecord(captureId, Tenant, "hh-1", "agent-hh-1", Domain.CapturePurpose.Enrol, Species.Cattle, null, farmer,
                        new GeoPoint(103.0, 30.0 + i % 7 * 0.01), 5, now, "1.3.0-int8", [new PhotoRecord(template, crop)], now);
                    var animal = Animal.Create("A-" + captureId, farmer, Species.Cattle, null, [template]).Value;
                    await registry.RecordEnrolmentAsync(capture, new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "enrolled before the benchmark", animal.Id, null), animal, ct);
                }
                return true;
            });
        }
    }

    /// <summary>CPU-seconds the whole machine has spent busy since boot (every core; /proc/stat's user, nice, system, irq,
    /// softirq and steal), to count what Mosquitto, PostgreSQL and everything else on it cost during a run.</summary>
    private static double MachineBusy()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..].Select(long.Parse).ToArray();
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
        return busy / 100.0;
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>The whole number after <paramref name="name"/>. Errors: <see cref="ArgumentException"/> naming the option when it is
    /// not a whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    private static int Int(string[] args, string name, int fallback, int min, int max)
    {
        var i = Array.IndexOf(args, name);
        if (i < 0)
            return fallback;
        return i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} {(i + 1 < args.Length ? args[i + 1] : "")}: give a whole number from {min} to {max}");
    }
}

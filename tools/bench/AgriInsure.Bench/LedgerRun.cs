using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Evm;
using AgriInsure.Ledger.Proofs;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Ledger.Tests;
using Nethereum.Hex.HexConvertors.Extensions;

namespace AgriInsure.Bench;

/// <summary>Issue 16's speed case (point 10), one process per case so each figure is its own:
/// <list type="bullet">
/// <item><c>ledger-appends [--entries N] [--group N]</c>: the embedded ledger's appends per second with their proofs'
/// interior hashes stored, single (one commit each: <c>synchronous=FULL</c>, one fsync) and grouped (<see cref="ILedger.GroupAsync"/>:
/// one commit per <c>--group</c> appends), in wall time and in this process's CPU time (the one-core figure);</item>
/// <item><c>ledger-proofs [--entries N] [--samples N]</c>: inclusion and consistency proof time (produced and verified) at N
/// entries (default 10^6), from a ledger filled with grouped appends;</item>
/// <item><c>ledger-anvil [--claims N] [--window N] [--samples N]</c>: claims registered per second on anvil through
/// <see cref="EvmLedger"/> with up to <c>--window</c> submissions in flight, and the gas and time of one anchor at every
/// tenth of the way (cost per write against the number already registered).</item>
/// </list></summary>
internal static class LedgerRun
{
    public static async Task<int> RunAsync(string[] args) => args[0] switch
    {
        "ledger-appends" => await AppendsAsync(Int(args, "--entries", 200_000), Int(args, "--group", 1000), Int(args, "--singles", 2000)),
        "ledger-proofs" => await ProofsAsync(Int(args, "--entries", 1_000_000), Int(args, "--samples", 1000)),
        "ledger-anvil" => await AnvilAsync(Int(args, "--claims", 2000), Int(args, "--window", 32), Int(args, "--samples", 20)),
        _ => throw new ArgumentException($"unknown case {args[0]}"),
    };

    private static async Task<int> AppendsAsync(int entries, int group, int singles)
    {
        using var folder = new Folder();
        await using var ledger = await SqliteLedger.OpenAsync(folder.File("ledger.db"));
        var (wall, cpu) = await Timed(async () =>
        {
            for (var i = 0; i < singles; i++)
                await ledger.AppendAsync(Record(i));
        });
        Report($"single appends ({singles}, one commit each)", singles, wall, cpu);
        (wall, cpu) = await Timed(async () =>
        {
            for (var start = singles; start < singles + entries; start += group)
            {
                var first = start;
                await ledger.GroupAsync(async ct =>
                {
                    for (var i = first; i < Math.Min(first + group, singles + entries); i++)
                        await ledger.AppendAsync(Record(i), ct);
                    return 0;
                });
            }
        });
        Report($"grouped appends ({entries}, {group} a commit)", entries, wall, cpu);
        var verify = Stopwatch.StartNew();
        var verified = await ledger.VerifyAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verify of {verified.Entries} entries: {verify.Elapsed.TotalSeconds:0.00} s, intact {verified.IsIntact}"));
        return verified.IsIntact ? 0 : 1;
    }

    private static async Task<int> ProofsAsync(int entries, int samples)
    {
        using var folder = new Folder();
        await using var ledger = await SqliteLedger.OpenAsync(folder.File("ledger.db"));
        var fill = Stopwatch.StartNew();
        for (var start = 0; start < entries; start += 10_000)
        {
            var first = start;
            await ledger.GroupAsync(async ct =>
            {
                for (var i = first; i < Math.Min(first + 10_000, entries); i++)
                    await ledger.AppendAsync(Record(i), ct);
                return 0;
            });
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"filled {entries} entries in {fill.Elapsed.TotalSeconds:0.0} s ({entries / fill.Elapsed.TotalSeconds:0} appends/s grouped by 10,000); file {new FileInfo(folder.File("ledger.db")).Length / 1e6:0} MB"));
        var head = await ledger.HeadAsync();
        var random = new Random(16);
        var inclusion = new List<double>();
        var consistency = new List<double>();
        var failures = 0;
        for (var s = 0; s < samples; s++)
        {
            var index = random.NextInt64(entries);
            var clock = Stopwatch.StartNew();
            var proof = await ledger.ProveAsync(index);
            failures += ProofVerifier.VerifyInclusion(proof.LeafHash, index, proof.TreeSize, proof.Path, head.Root) ? 0 : 1;
            inclusion.Add(clock.Elapsed.TotalMilliseconds);
            var size = random.NextInt64(1, entries + 1);
            clock.Restart();
            var c = await ledger.ProveConsistencyAsync(size);
            failures += ProofVerifier.VerifyConsistency(size, entries, c.FirstRoot, head.Root, c.Path) ? 0 : 1;
            consistency.Add(clock.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"inclusion proof at {entries} entries (produce + verify), ms: {Percentiles(inclusion)}");
        Console.WriteLine($"consistency proof to {entries} entries (produce + verify), ms: {Percentiles(consistency)}");
        Console.WriteLine($"proofs that failed to verify: {failures}");
        return failures == 0 ? 0 : 1;
    }

    private static async Task<int> AnvilAsync(int claims, int window, int samples)
    {
        var node = new AnvilNode();
        await node.InitializeAsync();
        try
        {
            var (contract, block, owner) = await node.DeployAsync();
            var insurer = await node.NewAccountAsync();
            await using (var admin = await EvmLedger.ConnectAsync(node.Options(), owner, contract, block))
                await admin.AdmitInsurerAsync(new Nethereum.Signer.EthECKey(insurer).GetPublicAddress());
            await using var ledger = await EvmLedger.ConnectAsync(node.Options(), insurer, contract, block);
            var step = Math.Max(1, claims / samples);
            var costs = new List<(int Before, long Gas, double Ms)>();
            var clock = Stopwatch.StartNew();
            var next = 0;
            var refused = 0;
            // Pipelined: each worker submits its next claim as soon as its last one is mined, `window` in flight.
            async Task Worker()
            {
                while (Interlocked.Increment(ref next) - 1 is var i && i < claims)
                {
                    if (i % step == 0)
                    {
                        // A sample: one anchor sent on its own connection, its gas read from the receipt.
                        var record = Record(i, "claim");
                        var sent = Stopwatch.StartNew();
                        var mined = await ledger.Chain.SendAsync(contract, new AnchorFunction
                        {
                            Key = record.Key.HexToByteArray(),
                            Kind = System.Text.Encoding.ASCII.GetBytes(record.Kind.PadRight(32, '\0')),
                            PayloadHash = record.PayloadHash.HexToByteArray(),
                        });
                        lock (costs)
                            costs.Add((i, mined.GasUsed, sent.Elapsed.TotalMilliseconds));
                        continue;
                    }
                    if (await ledger.AppendAsync(Record(i, "claim")) is not AppendResult.Appended)
                        Interlocked.Increment(ref refused);
                }
            }
            await Task.WhenAll(Enumerable.Range(0, window).Select(_ => Task.Run(Worker)));
            var elapsed = clock.Elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"anvil: {claims} claims registered in {elapsed.TotalSeconds:0.0} s with {window} in flight: {claims / elapsed.TotalSeconds:0} claims/s; refused {refused}"));
            Console.WriteLine("already registered | gas of one anchor | time to mined, ms");
            foreach (var (before, gas, ms) in costs.OrderBy(c => c.Before))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{before} | {gas} | {ms:0}"));
            var head = await ledger.HeadAsync();
            Console.WriteLine($"entries on the chain: {head.Size}");
            return refused == 0 && head.Size == claims ? 0 : 1;
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    /// <summary>A record of entry <paramref name="i"/>: a key and payload as the rules make them, SHA-256 digests.</summary>
    private static LedgerRecord Record(int i, string kind = "claim") =>
        new(kind, Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes((long)i))), Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(~(long)i))));

    private static async Task<(TimeSpan Wall, TimeSpan Cpu)> Timed(Func<Task> work)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await work();
        process.Refresh();
        return (wall.Elapsed, process.TotalProcessorTime - cpu);
    }

    private static void Report(string what, int count, TimeSpan wall, TimeSpan cpu) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {count / wall.TotalSeconds:0} appends/s wall ({wall.TotalSeconds:0.00} s), {count / cpu.TotalSeconds:0} appends per CPU-second ({cpu.TotalSeconds:0.00} s CPU)"));

    private static string Percentiles(List<double> ms)
    {
        ms.Sort();
        double At(double q) => ms[Math.Min(ms.Count - 1, (int)(q * ms.Count))];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.5):0.00}, p95 {At(0.95):0.00}, p99 {At(0.99):0.00}, max {ms[^1]:0.00} ({ms.Count} samples)");
    }

    private static int Int(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed class Folder : IDisposable
    {
        public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agri-bench-ledger-" + Guid.NewGuid().ToString("N"))).FullName;

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

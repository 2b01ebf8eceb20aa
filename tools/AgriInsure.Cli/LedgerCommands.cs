using System.CommandLine;
using System.Text.Json;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Proofs;
using AgriInsure.Ledger.Sqlite;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri ledger verify</c>, <c>ledger prove</c> and <c>ledger consistency</c>, on a ledger file opened
/// read-only. A proof is checked against the root recomputed from every entry, never against the hashes the file stores
/// (those are what a forger would change with the entry).</summary>
internal static class LedgerCommands
{
    private static Option<string?> LedgerOption() =>
        CliOptions.Optional("--ledger", "FILE", "the ledger (SQLite) to check, opened read-only (default: the newest demo's, under .agri/)");

    public static Verb Verify()
    {
        var ledger = LedgerOption();
        var json = CliOptions.Optional("--json", "OUT.json", "also write the result as JSON");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("verify", "recompute every hash of the ledger (leaf, chain and Merkle root) and name the first tampered entry",
            "the ledger is tampered (the first bad entry is named)",
            "tools/agri ledger verify",
            "tools/agri ledger verify --ledger /tmp/season/cloud/ledger.db --json /tmp/verify.json")
        {
            ledger, json, overwrite,
        };
        verb.SetAction(async (p, ct) =>
        {
            var path = LedgerPath(p.GetValue(ledger));
            var output = p.GetValue(json);
            OutputFiles.Check(p.GetValue(overwrite), ("--json", output));
            Console.WriteLine($"ledger: {Path.GetFullPath(path)}");
            await using var opened = await SqliteLedger.OpenReadOnlyAsync(path, ct);
            var result = await opened.VerifyAsync(ct: ct);
            WriteJson(output, new { ledger = Path.GetFullPath(path), intact = result.IsIntact, entries = result.Entries, root = result.Root, first_tampered = result.FirstTampered, problem = result.Problem });
            if (result.IsIntact)
            {
                Console.WriteLine($"ledger intact: {result.Entries} entries, root {result.Root}");
                return (int)ExitCode.Success;
            }
            Console.WriteLine($"ledger TAMPERED: first bad entry {result.FirstTampered}: {result.Problem}");
            return (int)ExitCode.Found;
        });
        return verb;
    }

    public static Verb Prove()
    {
        var ledger = LedgerOption();
        var index = CliOptions.Whole("--index", "N", "the entry to prove, numbered from 0", 0L, 0L, long.MaxValue, required: true);
        var json = CliOptions.Optional("--json", "OUT.json", "also write the proof (RFC 6962 audit path, hex) as JSON");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("prove", "print the inclusion proof of entry N (RFC 6962 audit path) and check it with the standalone verifier against the root recomputed from every entry",
            "the ledger is tampered, or the proof does not verify",
            "tools/agri ledger prove --index 2")
        {
            ledger, index, json, overwrite,
        };
        verb.SetAction(async (p, ct) =>
        {
            var path = LedgerPath(p.GetValue(ledger));
            var output = p.GetValue(json);
            var n = p.GetValue(index);
            OutputFiles.Check(p.GetValue(overwrite), ("--json", output));
            Console.WriteLine($"ledger: {Path.GetFullPath(path)}");
            await using var opened = await SqliteLedger.OpenReadOnlyAsync(path, ct);
            if (await RecomputedRootAsync(opened, ct) is not { } verified)
                return (int)ExitCode.Found;
            if (n >= verified.Entries)
                throw new UsageException(verified.Entries == 0 ? $"--index {n}: the ledger has no entries" : $"--index {n}: the ledger has {verified.Entries} entries (0 to {verified.Entries - 1})");
            var proof = await opened.ProveAsync(n, ct);
            var root = Convert.FromHexString(verified.Root);
            var ok = ProofVerifier.VerifyInclusion(proof.LeafHash, proof.Index, proof.TreeSize, proof.Path, root);
            WriteJson(output, new
            {
                ledger = Path.GetFullPath(path), index = proof.Index, tree_size = proof.TreeSize, leaf = Convert.ToHexStringLower(proof.LeafHash),
                path = proof.Path.Select(Convert.ToHexStringLower), root = verified.Root, verifies = ok,
            });
            Console.WriteLine($"entry {proof.Index} of {proof.TreeSize}, leaf {Convert.ToHexStringLower(proof.LeafHash)}");
            foreach (var step in proof.Path)
                Console.WriteLine($"  path {Convert.ToHexStringLower(step)}");
            Console.WriteLine($"root {verified.Root} (recomputed from every entry)");
            Console.WriteLine(ok ? "proof verifies" : "proof does NOT verify: the stored hashes it was built from do not match the entries");
            return (int)(ok ? ExitCode.Success : ExitCode.Found);
        });
        return verb;
    }

    public static Verb Consistency()
    {
        var ledger = LedgerOption();
        var from = CliOptions.Whole("--from", "SIZE", "the number of entries the ledger had when you took its root", 1L, 1L, long.MaxValue, required: true);
        var root = new Option<string>("--root")
        {
            HelpName = "HEX", Required = true,
            Description = "the root you hold for that size (64 hex digits: from an earlier verify, prove or checkpoint); the check is against it",
        };
        var json = CliOptions.Optional("--json", "OUT.json", "also write the proof (RFC 9162 consistency path, hex) as JSON");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("consistency", "prove that the ledger as it is now extends the ledger you saw at an earlier size (RFC 9162 consistency proof): nothing before was changed or removed",
            "the ledger is tampered, shorter than the size you saw, or not an extension of the root you hold",
            "tools/agri ledger consistency --from 8 --root 47e846eec2ec8d6ef0ca980201a901d8aa46ce111b5dab94f2c4e2e730034fe7")
        {
            ledger, from, root, json, overwrite,
        };
        verb.SetAction(async (p, ct) =>
        {
            var path = LedgerPath(p.GetValue(ledger));
            var output = p.GetValue(json);
            var m = p.GetValue(from);
            var held = RootOption(p.GetValue(root)!);
            OutputFiles.Check(p.GetValue(overwrite), ("--json", output));
            Console.WriteLine($"ledger: {Path.GetFullPath(path)}");
            await using var opened = await SqliteLedger.OpenReadOnlyAsync(path, ct);
            if (await RecomputedRootAsync(opened, ct) is not { } verified)
                return (int)ExitCode.Found;
            if (m > verified.Entries)
            {
                Console.WriteLine($"ledger TAMPERED: it has {verified.Entries} entries, fewer than the {m} you saw; entries were removed");
                WriteJson(output, new { ledger = Path.GetFullPath(path), from = m, size = verified.Entries, consistent = false, problem = "shorter than the size seen" });
                return (int)ExitCode.Found;
            }
            var proof = await opened.ProveConsistencyAsync(m, ct);
            var ok = ProofVerifier.VerifyConsistency(m, verified.Entries, held, Convert.FromHexString(verified.Root), proof.Path);
            WriteJson(output, new
            {
                ledger = Path.GetFullPath(path), from = m, size = verified.Entries, first_root = Convert.ToHexStringLower(held), root = verified.Root,
                path = proof.Path.Select(Convert.ToHexStringLower), consistent = ok,
            });
            Console.WriteLine($"from {m} entries, root {Convert.ToHexStringLower(held)} (yours)");
            foreach (var step in proof.Path)
                Console.WriteLine($"  path {Convert.ToHexStringLower(step)}");
            Console.WriteLine($"to {verified.Entries} entries, root {verified.Root} (recomputed from every entry)");
            Console.WriteLine(ok ? "consistent: the ledger extends the one you saw; nothing in it was changed or removed"
                : "NOT consistent: the ledger you saw at that size is not a prefix of this one");
            return (int)(ok ? ExitCode.Success : ExitCode.Found);
        });
        return verb;
    }

    /// <summary>The whole ledger checked again; null (after saying so) when it is tampered: no proof is given against it.</summary>
    private static async Task<LedgerVerification?> RecomputedRootAsync(SqliteLedger ledger, CancellationToken ct)
    {
        var verified = await ledger.VerifyAsync(ct: ct);
        if (verified.IsIntact)
            return verified;
        Console.WriteLine($"ledger TAMPERED: first bad entry {verified.FirstTampered}: {verified.Problem}; no proof is given against a tampered ledger");
        return null;
    }

    private static byte[] RootOption(string hex) =>
        hex.Length == 64 && hex.All(char.IsAsciiHexDigit)
            ? Convert.FromHexString(hex)
            : throw new UsageException($"--root {hex}: a root is 64 hex digits (SHA-256)");

    /// <summary>The ledger named by --ledger, else the newest demo's. Errors: <see cref="UsageException"/>
    /// when there is none.</summary>
    private static string LedgerPath(string? given)
    {
        if (given is not null)
        {
            return File.Exists(given) ? given
                : throw new UsageException(Directory.Exists(given) ? $"--ledger {given} is a folder; give the ledger file (a demo's is cloud/ledger.db)" : $"--ledger {given}: no such file");
        }
        return DemoFolder.LatestLedger(Commands.AgriFolder)
            ?? throw new UsageException($"no demo ledger under {Commands.AgriFolder} (run tools/agri demo first, or pass --ledger FILE)");
    }

    private static void WriteJson(string? path, object document)
    {
        if (path is not null)
            OutputFiles.WriteAll((path, temp => Reports.WriteDocument(temp, document)));
    }
}

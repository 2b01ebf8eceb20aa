using System.CommandLine;
using System.Text.Json;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Proofs;
using AgriInsure.Ledger.Sqlite;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri ledger verify</c> and <c>ledger prove</c>, on a ledger file opened read-only.</summary>
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
        var verb = new Verb("prove", "print the inclusion proof of entry N (RFC 6962 audit path) and check it with the standalone verifier",
            "the proof does not verify",
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
            var head = await opened.HeadAsync(ct);
            if (n >= head.Size)
                throw new UsageException(head.Size == 0 ? $"--index {n}: the ledger has no entries" : $"--index {n}: the ledger has {head.Size} entries (0 to {head.Size - 1})");
            var proof = await opened.ProveAsync(n, ct);
            var ok = ProofVerifier.VerifyInclusion(proof.LeafHash, proof.Index, proof.TreeSize, proof.Path, proof.Root);
            WriteJson(output, new
            {
                ledger = Path.GetFullPath(path), index = proof.Index, tree_size = proof.TreeSize, leaf = Convert.ToHexStringLower(proof.LeafHash),
                path = proof.Path.Select(Convert.ToHexStringLower), root = Convert.ToHexStringLower(proof.Root), verifies = ok,
            });
            Console.WriteLine($"entry {proof.Index} of {proof.TreeSize}, leaf {Convert.ToHexStringLower(proof.LeafHash)}");
            foreach (var step in proof.Path)
                Console.WriteLine($"  path {Convert.ToHexStringLower(step)}");
            Console.WriteLine($"root {Convert.ToHexStringLower(proof.Root)}");
            Console.WriteLine(ok ? "proof verifies" : "proof does NOT verify");
            return (int)(ok ? ExitCode.Success : ExitCode.Found);
        });
        return verb;
    }

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

using System.CommandLine;
using AgriInsure.Audit;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri ledger reconcile</c>: the registry's policies, claims and life events against the ledger's
/// entries (<see cref="LedgerReconciler"/>), through the ledger contract.</summary>
internal static class LedgerReconcileCommand
{
    public static Verb Build()
    {
        var cloud = CloudFolder.Option();
        var tenants = new Option<string[]>("--tenant")
        {
            HelpName = "TENANT",
            Description = $"an insurer whose records are reconciled; repeat it for each tenant writing to the ledger, whose entries are otherwise unknown to the registry (default: {DemoSeason.Tenant})",
            DefaultValueFactory = _ => [DemoSeason.Tenant],
        };
        var json = CliOptions.Optional("--json", "OUT.json", "also write the divergences as JSON");
        var overwrite = CliOptions.Overwrite();
        var chain = new LedgerCommands.ChainOptions();
        var verb = new Verb("reconcile", "compare the registry's policies, claims and life events with the ledger's entries and list each divergence: missing on the ledger, on the ledger but unknown to the registry, hash mismatch",
            "the registry and the ledger diverge (each divergence is listed)",
            "tools/agri ledger reconcile",
            "tools/agri ledger reconcile --cloud .agri/demo/cloud --json /tmp/reconcile.json",
            "tools/agri ledger reconcile --cloud /var/lib/agri --rpc http://127.0.0.1:8545 --contract 0x5FbDB2315678afecb367f032d93F642f64180aa3 --from-block 1")
        {
            cloud, tenants, json, overwrite, chain.Rpc, chain.Contract, chain.FromBlock,
        };
        // With --rpc, the chain's log (a host with Cloud:Ledger=evm anchors there) instead of the folder's ledger.db.
        verb.SetAction((p, ct) => RunAsync(p.GetValue(cloud), p.GetValue(tenants)!, p.GetValue(json), p.GetValue(overwrite),
            p.GetValue(chain.Rpc) is null ? null : async c => await chain.ReaderAsync(p, c), ct));
        return verb;
    }

    private static async Task<int> RunAsync(string? cloudFolder, string[] tenants, string? json, bool overwrite, Func<CancellationToken, Task<Ledger.ILedger>>? chain, CancellationToken ct)
    {
        OutputFiles.Check(overwrite, ("--json", json));
        foreach (var t in tenants)
        {
            if (AgriInsure.Domain.Id.Check(t, "--tenant").Error is { } bad)
                throw new UsageException(bad.ToString());
        }
        await using var cloud = await AuditedCloud.OpenAsync(cloudFolder, ct, chain);
        // A ledger that does not verify is said to be tampered first; the divergences are listed all the same, to show what
        // the changes touch.
        var verified = await cloud.Ledger.VerifyAsync(ct: ct);
        if (!verified.IsIntact)
            Console.WriteLine($"ledger TAMPERED: first bad entry {verified.FirstTampered}: {verified.Problem}");
        var expected = new List<ExpectedAnchor>();
        foreach (var tenant in tenants.Distinct(StringComparer.Ordinal))
            expected.AddRange(await RegistryAnchors.AllAsync(cloud.Registry, cloud.Registry, tenant, ct));
        var result = await LedgerReconciler.ReconcileAsync(expected, cloud.Ledger, ct: ct);
        if (json is not null)
        {
            OutputFiles.WriteAll((json, temp => Reports.WriteDocument(temp, new
            {
                cloud = Path.GetFullPath(cloud.Path), tenants, ledger_intact = verified.IsIntact, first_tampered = verified.FirstTampered, problem = verified.Problem,
                ledger_entries = result.LedgerEntries, registry_anchors = result.RegistryAnchors, agreeing = result.Agreeing,
                divergences = result.Divergences.Select(d => new
                {
                    kind = d.Kind.Name(), record = d.Record?.Record, expected_kind = d.Record?.Kind, key = d.Record?.Key ?? d.Entry?.Key, expected_payload = d.Record?.PayloadHash,
                    entry = d.Entry?.Index, entry_kind = d.Entry?.Kind, entry_payload = d.Entry?.PayloadHash, detail = d.Detail,
                }),
            })));
        }
        Console.WriteLine($"registry ({string.Join(", ", tenants)}): {result.RegistryAnchors} anchors called for; ledger: {result.LedgerEntries} entries");
        if (result.Divergences.Count > 0)
        {
            Terminal.Table([new Column("divergence"), new Column("entry"), new Column("what", Wraps: true)],
                result.Divergences.Select(d => new[] { d.Kind.Name(), d.Entry?.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", d.Detail }).ToList(),
                (_, column) => column == 0 ? "red" : null);
        }
        Console.WriteLine(result.Agrees
            ? verified.IsIntact ? $"registry and ledger agree: {result.Agreeing} anchors, every entry known"
                : $"every registry record has its anchor ({result.Agreeing}) and every entry is known, but the ledger does not verify (above): its records cannot be trusted"
            : $"{result.Divergences.Count} {(result.Divergences.Count == 1 ? "divergence" : "divergences")}: {result.Divergences.Count(d => d.Kind == DivergenceKind.MissingOnLedger)} missing on the ledger, " +
              $"{result.Divergences.Count(d => d.Kind == DivergenceKind.UnknownToRegistry)} unknown to the registry, {result.Divergences.Count(d => d.Kind == DivergenceKind.HashMismatch)} hash mismatches");
        return (int)(result.Agrees && verified.IsIntact ? ExitCode.Success : ExitCode.Found);
    }
}

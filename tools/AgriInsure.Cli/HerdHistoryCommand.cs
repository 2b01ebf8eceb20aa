using System.CommandLine;
using System.Globalization;
using AgriInsure.Audit;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri herd history ANIMAL</c>: an animal's life from the registry, each event with its ledger entry and
/// an inclusion proof checked on the spot against the root the ledger recomputes (<see cref="AnchorChecker"/>).</summary>
internal static class HerdHistoryCommand
{
    public static Verb Build()
    {
        var animal = new Argument<string>("ANIMAL") { Description = "the animal's id (A-…), whole or shortened as the demo prints it (A-01M8N…JHRT409)" };
        var cloud = CloudFolder.Option();
        var tenant = CloudFolder.TenantOption();
        var json = CliOptions.Optional("--json", "OUT.json", "also write the life as JSON: each event with its ledger kind, key, payload, entry, proof (hex) and status");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("history", "an animal's life from the registry (enrolment, reviews, policies and its cover, census visits, claims and their decisions), each event with its ledger entry and an inclusion proof checked against the root recomputed from every entry",
            "an event's anchor is missing, differs from the registry, or its proof does not verify (each is named), or the ledger is tampered",
            "tools/agri herd history A-01…",
            "tools/agri herd history A-01… --cloud .agri/demo/cloud --json /tmp/life.json")
        {
            animal, cloud, tenant, json, overwrite,
        };
        verb.SetAction((p, ct) => RunAsync(p.GetValue(animal)!, p.GetValue(cloud), p.GetValue(tenant)!, p.GetValue(json), p.GetValue(overwrite), ct));
        return verb;
    }

    /// <summary>An id shortened as the demo and the census print it ("A-01M8N…JHRT409"): the one animal of the tenant whose
    /// id starts and ends so. Errors: <see cref="UsageException"/> naming the candidates when several do.</summary>
    private static async Task<string> ResolveAsync(Registry.IRegistry registry, string tenant, string animalId, CancellationToken ct)
    {
        var cut = animalId.Split(["…", "..."], 2, StringSplitOptions.None);
        if (cut.Length < 2)
        {
            // Animal ids are ULIDs in upper case; one typed in lower case is the same animal.
            var upper = animalId.ToUpperInvariant();
            return upper != animalId && await registry.FindAnimalAsync(tenant, animalId, ct) is null && await registry.FindAnimalAsync(tenant, upper, ct) is not null
                ? upper : animalId;
        }
        var matches = (await registry.AnimalsAsync(tenant, null, Registry.Page.All, ct)).Items
            .Select(a => a.Animal.Id)
            .Where(id => id.Length >= cut[0].Length + cut[1].Length && id.StartsWith(cut[0], StringComparison.Ordinal) && id.EndsWith(cut[1], StringComparison.Ordinal))
            .ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => animalId,
            _ => throw new UsageException($"{animalId}: {matches.Count} animals of tenant {tenant} match ({string.Join(", ", matches.Take(5))}{(matches.Count > 5 ? ", …" : "")}); give the whole id"),
        };
    }

    private static async Task<int> RunAsync(string animalId, string? cloudFolder, string tenant, string? json, bool overwrite, CancellationToken ct)
    {
        OutputFiles.Check(overwrite, ("--json", json));
        await using var cloud = await AuditedCloud.OpenAsync(cloudFolder, ct);
        animalId = await ResolveAsync(cloud.Registry, tenant, animalId, ct);
        var found = await new HerdHistory(cloud.Registry, cloud.Ledger).OfAsync(tenant, animalId, ct);
        if (!found.TryGet(out var life, out var error))
            throw new UsageException($"{animalId}: {error.Reason}");
        if (json is not null)
        {
            OutputFiles.WriteAll((json, temp => Reports.WriteDocument(temp, new
            {
                tenant = life.Tenant, animal = life.AnimalId, farmer = life.FarmerId, species = life.Species.ToString().ToLowerInvariant(), ear_tag = life.EarTag,
                ledger = new { entries = life.Ledger.Entries, root = life.Ledger.Root, intact = life.Ledger.IsIntact, first_tampered = life.Ledger.FirstTampered, problem = life.Ledger.Problem },
                all_verified = life.AllVerified,
                events = life.Events.Select(e => new
                {
                    at = e.At, @event = e.Event, detail = e.Detail, record = e.Anchor.Record,
                    kind = e.Anchor.Kind, key = e.Anchor.Key, payload = e.Anchor.PayloadHash,
                    status = e.Check.Status.Name(), check = e.Check.Detail,
                    entry = e.Check.Entry?.Index, ledger_payload = e.Check.Entry?.PayloadHash, recorded_at = e.Check.Entry?.RecordedAt,
                    proof = e.Check.Proof is { } proof ? new { tree_size = proof.TreeSize, leaf = Convert.ToHexStringLower(proof.LeafHash), path = proof.Path.Select(Convert.ToHexStringLower) } : null,
                }),
                awaiting_review = life.OpenDuplicateCases.Select(c => new { capture = c.CaptureId, matched_animal = c.MatchedAnimalId, score = c.Score }),
            })));
        }

        Console.WriteLine($"animal {life.AnimalId} ({life.Species.ToString().ToLowerInvariant()}{(life.EarTag is { } tag ? $", ear tag {tag}" : "")}) of farmer {life.FarmerId}, tenant {life.Tenant}");
        Console.WriteLine(life.Ledger.IsIntact
            ? $"ledger: {life.Ledger.Entries} entries, root {life.Ledger.Root} (recomputed from every entry)"
            : $"ledger TAMPERED: first bad entry {life.Ledger.FirstTampered}: {life.Ledger.Problem}; no proof is checked against it");
        Terminal.Table([new Column("when"), new Column("event"), new Column("what", Wraps: true), new Column("entry"), new Column("anchor")],
            life.Events.Select(e => new[]
            {
                e.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + "Z", e.Event, e.Detail,
                e.Check.Entry?.Index.ToString(CultureInfo.InvariantCulture) ?? "", e.Check.Status.Name(),
            }).ToList(),
            (row, column) => column == 4 ? (row[4] == "verified" ? "green" : "red") : null);
        foreach (var e in life.Events.Where(e => !e.Check.Ok))
            Console.WriteLine($"{e.Event} ({e.Anchor.Record}): {e.Check.Status.Name()}: {e.Check.Detail}");
        foreach (var open in life.OpenDuplicateCases)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"not yet anchored: capture {open.CaptureId} flagged as a duplicate of {open.MatchedAnimalId} (score {open.Score:0.000}), awaiting review"));
        var bad = life.Events.Count(e => !e.Check.Ok);
        // A claim the ledger refused (a second claim on one death) has no entry of its own: nothing to verify, and no fault.
        var refused = life.Events.Count(e => e.Check.Status == AnchorStatus.Refused);
        var anchored = life.Events.Count - refused;
        Console.WriteLine(bad > 0
            ? $"{bad} of {life.Events.Count} events not verified on the ledger"
            : refused == 0
                ? $"{life.Events.Count} events, each anchored as the registry records it; every proof verifies"
                : $"{anchored} events anchored as the registry records them, every proof verifies; {refused} refused claim{(refused == 1 ? "" : "s")} with no ledger entry of {(refused == 1 ? "its" : "their")} own");
        return (int)(bad == 0 ? ExitCode.Success : ExitCode.Found);
    }
}

using System.CommandLine;
using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Registry;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri review list|show|decide</c>: flagged duplicate enrolments as cases a reviewer decides.</summary>
internal static class ReviewCommands
{
    public static Command Group() => new("review", "flagged duplicate enrolments: cases with their evidence, decided by a reviewer") { List(), Show(), Decide() };

    private static Verb List()
    {
        var cloud = CloudFolder.Option();
        var tenant = CloudFolder.TenantOption();
        var model = CloudFolder.ModelOption();
        var all = CliOptions.Switch("--all", "also the cases already decided");
        var json = CliOptions.Optional("--json", "OUT.json", "also write the cases with their evidence as JSON");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("list", "the open cases (flagged duplicate enrolments no reviewer has decided), oldest first",
            "open cases wait for a reviewer",
            "tools/agri review list", "tools/agri review list --all --json /tmp/cases.json")
        {
            cloud, tenant, model, all, json, overwrite,
        };
        verb.SetAction(async (p, ct) =>
        {
            var output = p.GetValue(json);
            OutputFiles.Check(p.GetValue(overwrite), ("--json", output));
            await using var folder = await CloudFolder.OpenAsync(p.GetValue(cloud), p.GetValue(model)!.Path, ct);
            var cases = (await folder.Registry.DuplicateCasesAsync(p.GetValue(tenant)!, openOnly: !p.GetValue(all), Page.All, ct)).Items;
            if (output is not null)
            {
                OutputFiles.WriteAll((output, temp => Reports.WriteDocument(temp, new { cloud = Path.GetFullPath(folder.Path), cases })));
                Console.WriteLine($"wrote {output}");
            }
            Terminal.Table(
                [new Column("case", Ids: true), new Column("farmer"), new Column("matches", Ids: true), new Column("its farmer"), new Column("score"), new Column("apart"), new Column("status")],
                cases.Select(c => new[]
                {
                    c.CaptureId, c.FarmerId ?? "", c.MatchedAnimalId, c.MatchedFarmerId, Score(c.Score), Km(c.Distance),
                    c.Decision is { } d ? $"{d.Verdict.Name()} ({d.Reviewer})" : "open",
                }).ToList());
            var open = cases.Count(c => c.IsOpen);
            Console.WriteLine(open == 0
                ? $"no open case ({cases.Count} listed)"
                : $"{open} open of {cases.Count} case(s) listed; decide one with: tools/agri review decide CASE --verdict duplicate|new-animal --by NAME --reason TEXT");
            return (int)(open > 0 ? ExitCode.Found : ExitCode.Success);
        });
        return verb;
    }

    private static Verb Show()
    {
        var id = new Argument<string>("case") { Description = "the case: the flagged capture's id" };
        var cloud = CloudFolder.Option();
        var tenant = CloudFolder.TenantOption();
        var model = CloudFolder.ModelOption();
        var verb = new Verb("show", "one case's evidence: both animals' photo crops, the score, the two farms and how far apart, the dates, and the decision if any",
            null,
            "tools/agri review show 01KB…")
        {
            id, cloud, tenant, model,
        };
        verb.SetAction(async (p, ct) =>
        {
            await using var folder = await CloudFolder.OpenAsync(p.GetValue(cloud), p.GetValue(model)!.Path, ct);
            var c = await Find(folder, p.GetValue(tenant)!, p.GetValue(id)!, ct);
            Console.WriteLine($"case {c.CaptureId}: flagged as a second enrolment of {c.MatchedAnimalId} (score {Score(c.Score)}: {c.CropKeys.Count} photo(s) against {c.MatchedCropKeys.Count} template(s), the mean of each photo's best)");
            Console.WriteLine($"  new photos:      farmer {c.FarmerId ?? "(none)"}, taken {c.TakenAt:yyyy-MM-dd HH:mm}Z at {c.Fix.Latitude:0.00000}, {c.Fix.Longitude:0.00000}");
            for (var i = 0; i < c.CropKeys.Count; i++)
                Console.WriteLine($"    photo {i + 1}: {(i < c.PhotoScores.Count ? $"best {Score(c.PhotoScores[i])} among {c.MatchedAnimalId}'s templates" : "not scored (another model)")}; crop {folder.Blob(c.CropKeys[i])}");
            Console.WriteLine($"  enrolled animal: farmer {c.MatchedFarmerId}, enrolled {c.MatchedTakenAt:yyyy-MM-dd HH:mm}Z at {c.MatchedFix.Latitude:0.00000}, {c.MatchedFix.Longitude:0.00000}");
            for (var i = 0; i < c.MatchedCropKeys.Count; i++)
                Console.WriteLine($"    template {i + 1}: crop {folder.Blob(c.MatchedCropKeys[i])}");
            Console.WriteLine($"  apart: {Km(c.Distance)}{(c.FarmerId == c.MatchedFarmerId ? ", same farmer" : ", different farmers")}");
            Console.WriteLine(c.Decision is { } d
                ? $"  decided {d.Verdict.Name()} by {d.Reviewer} on {d.DecidedAt:yyyy-MM-dd HH:mm}Z: {d.Reason} (ledger entry {d.LedgerEntry}{(d.EnrolledAnimalId is null ? "" : $"; enrolled {d.EnrolledAnimalId}")})"
                : "  open: tools/agri review decide " + c.CaptureId + " --verdict duplicate|new-animal --by NAME --reason TEXT");
            return (int)ExitCode.Success;
        });
        return verb;
    }

    private static Verb Decide()
    {
        var id = new Argument<string>("case") { Description = "the case: the flagged capture's id" };
        var verdict = new Option<string>("--verdict")
        {
            HelpName = "duplicate|new-animal",
            Description = "duplicate: the same animal, not enrolled; new-animal: a different one, enrolled now and the pair kept as a confirmed impostor pair",
            Required = true,
        };
        verdict.AcceptOnlyFromAmong("duplicate", "new-animal");
        var by = CliOptions.Required("--by", "NAME", "who decides (recorded and anchored with the decision)");
        var reason = CliOptions.Required("--reason", "TEXT", "why (recorded and anchored with the decision)");
        var cloud = CloudFolder.Option();
        var tenant = CloudFolder.TenantOption();
        var model = CloudFolder.ModelOption();
        var verb = new Verb("decide", "decide a case once: the decision, who and why are recorded and anchored on the ledger",
            null,
            "tools/agri review decide 01KB… --verdict new-animal --by 'Wang (claims)' --reason 'twins: ear tags 0417 and 0418'")
        {
            id, verdict, by, reason, cloud, tenant, model,
        };
        verb.SetAction(async (p, ct) =>
        {
            await using var folder = await CloudFolder.OpenAsync(p.GetValue(cloud), p.GetValue(model)!.Path, ct);
            var result = await folder.Desk.ReviewAsync(p.GetValue(tenant)!, p.GetValue(id)!, ReviewVerdictNames.Parse(p.GetValue(verdict)).Value, p.GetValue(by)!, p.GetValue(reason)!, ct);
            if (!result.TryGet(out var decision, out var error))
                throw new UsageException(error.Field switch
                {
                    "case" => $"case: {error.Reason} (tools/agri review list --all lists the cases)",
                    "reviewer" => $"--by: {error.Reason}",
                    _ => $"--{error.Field}: {error.Reason}",
                });
            Console.WriteLine($"case {decision.CaptureId} decided {decision.Verdict.Name()} by {decision.Reviewer}; ledger entry {decision.LedgerEntry}" +
                              (decision.EnrolledAnimalId is null ? "; nothing enrolled" : $"; enrolled {decision.EnrolledAnimalId}"));
            return (int)ExitCode.Success;
        });
        return verb;
    }

    private static async Task<DuplicateCase> Find(CloudFolder folder, string tenant, string id, CancellationToken ct) =>
        await folder.Registry.FindDuplicateCaseAsync(tenant, id, ct)
        ?? throw new UsageException($"case: '{id}' is not a flagged duplicate enrolment (tools/agri review list --all lists them)");

    private static string Score(float score) => score.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Km(Length distance) => distance.Metres < 1000
        ? distance.Metres.ToString("0", CultureInfo.InvariantCulture) + " m"
        : (distance.Metres / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " km";
}

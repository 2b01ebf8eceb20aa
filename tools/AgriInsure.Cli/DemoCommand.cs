using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using AgriInsure.Cloud.Host;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri demo</c>: one insurance season on embedded defaults.</summary>
internal static class DemoCommand
{
    public static Verb Build()
    {
        var work = CliOptions.Optional("--work", "DIR",
            "folder for the demo's cloud and handheld (default .agri/demo; when that holds a previous demo, a new .agri/demo-N beside it). A non-empty folder that is not a previous demo's is refused and left as it is");
        var fresh = CliOptions.Switch("--fresh", "replace the previous demo in the folder (only the files a demo wrote; anything else in it stays)");
        var data = new Option<string>("--data") { HelpName = "DIR", Description = "shared data with cattle photos; without it the demo draws a sample herd and says so", DefaultValueFactory = _ => Commands.DefaultData };
        var model = new Option<string>("--model") { HelpName = "MANIFEST", Description = "face model manifest", DefaultValueFactory = _ => Commands.DefaultManifest };
        var herd = CliOptions.Whole("--herd", "N", "animals insured (a stranger is photographed besides)", 5, 1, 50);
        var json = CliOptions.Optional("--json", "OUT.json", "also write the steps, counts and ledger root as JSON");
        var overwrite = CliOptions.Overwrite();
        var verbose = CliOptions.Switch("--verbose", "log what the cloud and the handheld do");
        var ledger = new Option<string>("--ledger")
        {
            HelpName = "ENGINE", DefaultValueFactory = _ => "sqlite",
            Description = "sqlite: the embedded ledger in the demo's folder; evm: the AgriLedger contract on a local anvil chain that the demo starts, deploys and stops (anvil from tools/setup --tests; the development key is made at the first run in .agri/)",
        }.AcceptOnlyFromAmong("sqlite", "evm");
        var verb = new Verb("demo", "one insurance season for a herd on embedded defaults: enrol offline, sync, catch a duplicate, insure, pay a death claim, refuse a second one",
            "a step did not go as expected (named in the output)",
            "tools/agri demo",
            "tools/agri demo --work /tmp/season --fresh --json /tmp/season.json",
            "tools/agri demo --ledger evm")
        {
            work, fresh, data, model, herd, json, overwrite, verbose, ledger,
        };
        verb.SetAction((p, ct) =>
        {
            // The default may be absent (a user's machine: the demo then draws its herd); a folder the user named must exist.
            if (p.GetResult(data) is { Implicit: false } && !Directory.Exists(p.GetValue(data)))
                throw new UsageException($"--data {p.GetValue(data)}: no such folder (leave --data out to use a generated sample herd)");
            return RunAsync(p.GetValue(work), p.GetValue(fresh), p.GetValue(data)!, p.GetValue(model)!, p.GetValue(herd), p.GetValue(json),
                p.GetValue(overwrite), p.GetValue(verbose), p.GetValue(ledger)!, ct);
        });
        return verb;
    }

    private static async Task<int> RunAsync(string? work, bool fresh, string data, string model, int herd, string? json, bool overwrite, bool verbose, string ledger, CancellationToken ct)
    {
        OutputFiles.Check(overwrite, ("--json", json));
        var folder = DemoFolder.Choose(work, fresh, Commands.AgriFolder);
        folder.Prepare();
        var options = new DemoOptions(folder.Path, model, data, herd, Commands.DefaultFaceCheck, ledger);
        using var logs = LoggerFactory.Create(b => b
            .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Error)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

        DemoReport report = null!;
        try
        {
            if (Terminal.Interactive)
            {
                await AnsiConsole.Status().StartAsync("Running the demo season…", async ctx =>
                {
                    report = await new DemoSeason(options, logs, line => ctx.Status(Markup.Escape(line))).RunAsync(ct);
                });
            }
            else
            {
                report = await new DemoSeason(options, logs, line => Console.Error.WriteLine($"agri: demo: {line}")).RunAsync(ct);
            }
        }
        catch
        {
            // A half-run season (Ctrl-C, a bad model) is not a demo to verify later.
            folder.Discard();
            throw;
        }

        Console.WriteLine($"AgriInsure demo season — photos: {report.PhotoSource}");
        if (!report.RealPhotos)
            Console.WriteLine("The herd is generated sample data, not real cattle: the outcomes show the pipeline, not the model's accuracy.");
        Terminal.Table(
            [new Column("#"), new Column("step", Wraps: true), new Column("expected"), new Column("outcome"), new Column("detail", Wraps: true)],
            report.Steps.Select((s, i) => new[] { $"{i + 1}", s.Step, s.Expected, s.Actual, report.Readable(s, idWidth: 15) }).ToList(),
            (row, column) => column == 3 ? (row[2] == row[3] ? "green" : "red") : null);
        var c = report.Counts;
        Console.WriteLine($"registry: {c.Farmers} farmer, {c.Animals} animals, {c.Policies} policy, {c.Captures} captures, " +
                          $"{c.AcceptedClaims} claim paid, {c.RefusedClaims} claim captures refused, {c.FlaggedEnrolments} enrolment flagged");
        Console.WriteLine(ledger == "evm"
            ? $"ledger (AgriLedger contract on the local chain, stopped with the demo): {report.LedgerEntries} entries, root {report.LedgerRoot}"
            : $"ledger: {report.LedgerEntries} entries, root {report.LedgerRoot}");
        if (folder.Kept is { } kept)
            Console.WriteLine($"the previous demo is kept in {kept} (--fresh replaces it)");
        Console.WriteLine(ledger == "evm" ? $"files: {folder.Path} (the ledger was on the chain and was verified there in the last step)" : work is null
            ? $"files: {folder.Path} (check the ledger with: tools/agri ledger verify)"
            : $"files: {folder.Path} (check the ledger with: tools/agri ledger verify --ledger {CloudEngines.LedgerPath(Path.Combine(folder.Path, "cloud"))})");
        if (ledger != "evm")
        {
            var cloudFolder = Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(folder.Path, "cloud"));
            Console.WriteLine($"web pages: tools/agri serve --cloud {cloudFolder} --urls http://127.0.0.1:8080 --Cloud:BrokerPort=0, then open the link that " +
                              $"tools/agri token --cloud {cloudFolder} --tenant {DemoSeason.Tenant} --role claims-officer --user you --link http://127.0.0.1:8080/ prints");
        }
        if (json is not null)
        {
            OutputFiles.WriteAll((json, temp => Reports.WriteDocument(temp, new
            {
                provenance = Provenance.Of("demo", "EPSG:4326 (GPS fixes)", [], new Dictionary<string, string> { ["herd"] = $"{herd}", ["model"] = Path.GetFullPath(model) }),
                folder = folder.Path,
                photos = report.PhotoSource,
                real_photos = report.RealPhotos,
                steps = report.Steps.Select(s => new { step = s.Step, expected = s.Expected, outcome = s.Actual, as_expected = s.AsExpected, detail = report.Readable(s) }),
                counts = report.Counts,
                ledger = new { engine = ledger, entries = report.LedgerEntries, root = report.LedgerRoot },
            })));
            Console.WriteLine($"wrote {json}");
        }
        var unexpected = report.Steps.Select((s, i) => (s, i)).Where(x => !x.s.AsExpected).ToList();
        if (unexpected.Count == 0)
            return (int)ExitCode.Success;
        foreach (var (s, i) in unexpected)
            Console.Error.WriteLine($"agri: step {i + 1} ({s.Step}): expected {s.Expected}, got {s.Actual}");
        return (int)ExitCode.Found;
    }
}

/// <summary>The folder a demo runs in. A demo marks its folder first thing (<see cref="MarkerName"/>,
/// listing what it writes), so a later demo can tell a previous demo's folder from a user's: a user's
/// non-empty folder is never touched, a previous demo is kept unless --fresh, and --fresh removes only
/// what the marker lists.</summary>
/// <param name="Kept">The previous demo's folder when this run was put beside it, else null.</param>
/// <param name="Made">The folder did not exist before this run.</param>
internal sealed record DemoFolder(string Path, string? Kept, bool Made)
{
    public const string MarkerName = ".agri-demo.json";

    private static readonly string[] Written = ["cloud", "handheld-outbox.db", "handheld-outbox.db-wal", "handheld-outbox.db-shm", MarkerName];

    /// <summary>Errors: <see cref="UsageException"/> for a file, a user's non-empty folder, or a previous
    /// demo's folder named with --work without --fresh.</summary>
    public static DemoFolder Choose(string? work, bool fresh, string agriFolder)
    {
        if (work is not null)
        {
            var full = System.IO.Path.GetFullPath(work);
            if (File.Exists(full))
                throw new UsageException($"--work {work} is a file; it takes a folder");
            if (IsEmpty(full))
                return new DemoFolder(full, null, !Directory.Exists(full));
            if (!IsDemo(full))
                throw new UsageException($"--work {work} is not empty and holds no previous demo (no {MarkerName}); it is left as it is: give a new or empty folder");
            if (!fresh)
                throw new UsageException($"--work {work} holds a previous demo; give --fresh to replace it, or another folder");
            Clear(full);
            return new DemoFolder(full, null, !Directory.Exists(full));
        }
        var first = System.IO.Path.Combine(agriFolder, "demo");
        if (IsEmpty(first))
            return new DemoFolder(first, null, !Directory.Exists(first));
        if (!IsDemo(first, ours: true))
            throw new UsageException($"{first} is not empty and holds no previous demo; it is left as it is: give --work DIR");
        if (fresh)
        {
            Clear(first);
            return new DemoFolder(first, null, !Directory.Exists(first));
        }
        for (var n = 2; ; n++)
        {
            var next = System.IO.Path.Combine(agriFolder, $"demo-{n}");
            if (IsEmpty(next))
                return new DemoFolder(next, first, !Directory.Exists(next));
        }
    }

    /// <summary>The ledger of the newest demo under <paramref name="agriFolder"/>, or null.</summary>
    public static string? LatestLedger(string agriFolder)
    {
        if (!Directory.Exists(agriFolder))
            return null;
        return Directory.GetDirectories(agriFolder, "demo*")
            .Where(d => IsDemo(d, ours: true))
            .Select(d => (Ledger: CloudEngines.LedgerPath(System.IO.Path.Combine(d, "cloud")), Marked: File.GetLastWriteTimeUtc(System.IO.Path.Combine(d, MarkerName))))
            .Where(d => File.Exists(d.Ledger))
            .OrderByDescending(d => d.Marked)
            .Select(d => d.Ledger)
            .FirstOrDefault();
    }

    /// <summary>Makes the folder and marks it before anything else is written there. Errors:
    /// <see cref="OutputException"/> when it cannot be written.</summary>
    public void Prepare()
    {
        try
        {
            Directory.CreateDirectory(Path);
            File.WriteAllText(System.IO.Path.Combine(Path, MarkerName),
                JsonSerializer.Serialize(new { started_at = DateTimeOffset.UtcNow, writes = Written }));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"--work {Path}: cannot write there: {e.Message}");
        }
    }

    /// <summary>Removes what this demo wrote, and the folder when this run made it and nothing else is in it.</summary>
    public void Discard()
    {
        Clear(Path);
        if (Made && IsEmpty(Path) && Directory.Exists(Path))
            Directory.Delete(Path);
    }

    private static bool IsEmpty(string folder) => !Directory.Exists(folder) || !Directory.EnumerateFileSystemEntries(folder).Any();

    /// <summary>A folder with the marker; under .agri/ (<paramref name="ours"/>) also one holding nothing
    /// but what a demo writes, as demos wrote before they marked their folders.</summary>
    private static bool IsDemo(string folder, bool ours = false) =>
        File.Exists(System.IO.Path.Combine(folder, MarkerName))
        || (ours && Directory.EnumerateFileSystemEntries(folder).All(e => Written.Contains(System.IO.Path.GetFileName(e))));

    private static void Clear(string folder)
    {
        foreach (var name in Written)
        {
            var path = System.IO.Path.Combine(folder, name);
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
            else if (File.Exists(path))
                File.Delete(path);
        }
    }
}

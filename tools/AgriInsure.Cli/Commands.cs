using System.Text.Json;
using AgriInsure.Edge.Vision;
using AgriInsure.Evaluation;
using AgriInsure.Ledger;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace AgriInsure.Cli;

/// <summary>The one CLI for everything users do. Paths default to the repository (AGRI_HOME, set by
/// tools/agri) so the commands work from a fresh clone with no arguments.</summary>
internal static class Commands
{
    private const string Usage = """
        usage: tools/agri <command> [options]

          demo [--data DIR] [--work DIR] [--model MANIFEST] [--herd N] [--verbose]
              run one insurance season for a herd on embedded defaults and print what happened
          eval faces --data DIR --json OUT.json [--plot OUT.png] [--model MANIFEST] [--face-check MANIFEST|none] [--seed N]
              open-set accuracy of the face model on DIR/<animal>/<photos> (protocol of ../shared/EVAL.md)
          plots measure --plots FILE.geojson --raster FILE [--band N] [--ndvi RED,NIR] [--min V] [--classes A,B,...]
                        [--date DAY|TIMESTAMP|DAY#N] [--clouds MASK] [--max-hidden SHARE] [--workers N] --json OUT.json [--csv OUT.csv]
              insured acreage per plot: ground areas on the WGS84 ellipsoid, exact pixel coverage, hidden and invalid shares
          plots monitor --plots FILE.geojson --stack NDVI [--clouds MASKS] [--from DAY] [--to DAY] [--group-by PROPERTY]
                        [--margin 0.15] [--consecutive 2] [--radius-km 5] [--max-hidden 0.2] --json OUT.json [--csv OUT.csv] [--png DIR]
              per plot and date the cloud-free NDVI mean, median and seen share; growth curves; alerts below neighbours
          plots overlap --plots NEW.geojson --insured INSURED.geojson [--tolerance SHARE] --json OUT.json
              new plots overlapping insured ones (policy property) by more than the tolerance (default 1 %)
          claims by-map --plots FILE.geojson (--before R1 --after R2 [--band N] | --stack S --before DATE --after DATE [--clouds MASKS])
                        [--drop 0.2] --sum-insured X [--currency CNY] [--deductible 0.1] [--max-hidden 0.2] [--workers N]
                        --json OUT.json [--csv OUT.csv] [--png DIR]
              damaged share of each whole plot (NDVI fall ≥ drop, in (0, 2]) and indemnity, with one evidence map per plot
          ledger verify [--ledger FILE]
              recompute every hash of the embedded ledger and name the first tampered entry
          ledger prove --index N [--ledger FILE]
              print the inclusion proof of entry N and check it with the standalone verifier
        """;

    private static string Home => Environment.GetEnvironmentVariable("AGRI_HOME") is { Length: > 0 } h ? h : Directory.GetCurrentDirectory();

    internal static string DefaultWork => Path.Combine(Home, ".agri", "demo");

    internal static string DefaultManifest => Path.Combine(Home, "models", "cattle-face-embedder.manifest.json");

    internal static string DefaultFaceCheck => Path.Combine(Home, "models", "cattle-face-check.manifest.json");

    internal static string DefaultData => Path.GetFullPath(Path.Combine(Home, "..", "shared", "data"));

    /// <summary>Cancelled on Ctrl-C: long imagery runs stop between plots, and their outputs, written all
    /// or nothing, are not left half-done.</summary>
    internal static CancellationToken Interrupted { get; set; }

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            return args switch
            {
                ["demo", .. var rest] => await DemoAsync(new Flags(rest)),
                ["eval", "faces", .. var rest] => EvalFaces(new Flags(rest)),
                ["plots", "measure", .. var rest] => PlotsCommands.Run(new Flags(rest)),
                ["plots", "overlap", .. var rest] => PlotsCommands.Overlap(new Flags(rest)),
                ["plots", "monitor", .. var rest] => PlotsCommands.Monitor(new Flags(rest)),
                ["claims", "by-map", .. var rest] => PlotsCommands.ClaimsByMap(new Flags(rest)),
                ["ledger", "verify", .. var rest] => await VerifyAsync(new Flags(rest)),
                ["ledger", "prove", .. var rest] => await ProveAsync(new Flags(rest)),
                ["--help" or "-h" or "help"] => Help(0),
                _ => Help(2),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"agri: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (ModelLoadException e)
        {
            Console.Error.WriteLine($"agri: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An output that cannot be written: every output is all-or-nothing, so none was left behind.
            Console.Error.WriteLine($"agri: cannot write an output: {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("agri: cancelled; no output was written");
            return 130;
        }
        catch (AgriInsure.Imagery.Rasters.RasterException e)
        {
            // A raster that cannot be opened, read or used: named in the error, nothing written.
            Console.Error.WriteLine($"agri: {e.Error}");
            return 2;
        }
    }

    private static int Help(int code)
    {
        (code == 0 ? Console.Out : Console.Error).WriteLine(Usage);
        return code;
    }

    private static ILoggerFactory Logs(bool verbose) => LoggerFactory.Create(b => b
        .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Error)
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

    private static async Task<int> DemoAsync(Flags flags)
    {
        var options = new DemoOptions(flags.Get("--work") ?? DefaultWork, flags.Get("--model") ?? DefaultManifest, flags.Get("--data") ?? DefaultData,
            (int)flags.Int("--herd", 5, min: 1, max: 50), DefaultFaceCheck);
        using var logs = Logs(flags.Has("--verbose"));
        flags.EnsureAllUsed();

        if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 160;
        DemoReport report = null!;
        await AnsiConsole.Status().StartAsync("Running the demo season…", async ctx =>
        {
            report = await new DemoSeason(options, logs, line => ctx.Status(line)).RunAsync();
        });

        AnsiConsole.MarkupLine($"[bold]AgriInsure demo season[/] — photos: {Markup.Escape(report.PhotoSource)}");
        if (!report.RealPhotos)
            AnsiConsole.MarkupLine("[yellow]The herd is generated sample data, not real cattle: the outcomes show the pipeline, not the model's accuracy.[/]");
        var table = new Table().Border(TableBorder.Rounded).AddColumns("#", "step", "expected", "outcome", "detail");
        var n = 1;
        foreach (var s in report.Steps)
        {
            var outcome = s.AsExpected ? $"[green]{Markup.Escape(s.Actual)}[/]" : $"[red]{Markup.Escape(s.Actual)}[/]";
            table.AddRow((n++).ToString(), Markup.Escape(s.Step), Markup.Escape(s.Expected), outcome, Markup.Escape(s.Detail));
        }
        AnsiConsole.Write(table);
        var c = report.Counts;
        AnsiConsole.MarkupLine($"registry: {c.Farmers} farmer, {c.Animals} animals, {c.Policies} policy, {c.Captures} captures, " +
                               $"{c.AcceptedClaims} claim paid, {c.RefusedClaims} claim captures refused, {c.FlaggedEnrolments} enrolment flagged");
        AnsiConsole.MarkupLine($"ledger: {report.LedgerEntries} entries, root {report.LedgerRoot}");
        AnsiConsole.MarkupLine($"files: {Markup.Escape(options.WorkFolder)} (check it with [bold]tools/agri ledger verify[/])");
        if (!report.AllAsExpected)
        {
            AnsiConsole.MarkupLine("[red]Some steps did not go as expected (red above).[/]");
            return 1;
        }
        return 0;
    }

    private static int EvalFaces(Flags flags)
    {
        var data = flags.Get("--data") ?? throw new UsageException("eval faces needs --data DIR");
        var json = flags.Get("--json") ?? throw new UsageException("eval faces needs --json OUT.json");
        var plot = flags.Get("--plot");
        var manifestPath = flags.Get("--model") ?? DefaultManifest;
        var faceCheckPath = flags.Get("--face-check") ?? DefaultFaceCheck;
        var seed = (int)flags.Int("--seed", 7, 0, int.MaxValue);
        flags.EnsureAllUsed();
        if (!ModelManifest.TryLoad(manifestPath, out var manifest, out var error))
        {
            Console.Error.WriteLine($"agri: --model: {error}");
            return 2;
        }
        ModelManifest? checkManifest = null;
        if (faceCheckPath != "none" && !ModelManifest.TryLoad(faceCheckPath, out checkManifest, out var checkError))
        {
            Console.Error.WriteLine($"agri: --face-check: {checkError}");
            return 2;
        }
        using var faceCheck = checkManifest is null ? null : new FaceCheck(checkManifest);

        EvaluationReport report = null!;
        PhotoAccounting photos = null!;
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask("embedding photos");
            (report, photos) = new FaceEvaluationRun(manifest!, new QualityGate(new QualityOptions()), faceCheck).Run(data, seed, (done, total) =>
            {
                task.MaxValue = Math.Max(1, total);
                task.Value = done;
            });
        });
        if (report.Identities < 2)
        {
            // Figures over fewer than two animals would print as a perfect 0 % error: say why there are none.
            foreach (var (figure, value) in photos.SummaryRows())
                Console.Error.WriteLine($"{figure}: {value}");
            PrintFirst20(photos.Problems, problem => $"skipped {problem}");
            Console.Error.WriteLine($"agri: --data {data}: {report.Identities} animal(s) with usable photos; open-set figures need at least 2. Nothing written.");
            return 2;
        }
        var document = JsonSerializer.SerializeToNode(report)!.AsObject();
        document["photos"] = JsonSerializer.SerializeToNode(new
        {
            folders = photos.Folders,
            empty_folders = photos.EmptyFolders,
            files = photos.Photos,
            unreadable = photos.Unreadable,
            unreadable_by_reason = photos.UnreadableByReason,
            not_photos = photos.NotPhotos.Count,
            refused_by_quality_gate = photos.RefusedByGate,
            refused_as_not_a_cattle_face = photos.RefusedAsNotAFace,
        });
        OutputFiles.WriteJson(json, document);

        var table = new Table().Border(TableBorder.Rounded).AddColumns("figure", "value");
        table.AddRow("identities / images used", $"{report.Identities} / {report.Images}");
        table.AddRow("rank-1, 1-shot / 3-shot", $"{report.Rank1OneShot:P1} / {report.Rank1ThreeShot:P1}");
        table.AddRow("TAR at FAR 1% / 0.1%", $"{report.TarAtFar1Pct:P1} / {report.TarAtFar01Pct:P1}");
        table.AddRow("EER", $"{report.Eer:P2}");
        table.AddRow($"false-duplicate rate at {report.Threshold:0.000}", $"{report.FalseDuplicateRate:P1}");
        table.AddRow("FAR / FRR at that threshold (3-shot)", $"{report.FarAtThreshold:P2} / {report.FrrAtThreshold:P1}");
        table.AddRow("identities skipped (1-shot / 3-shot)", $"{report.SkippedOneShot} / {report.SkippedThreeShot}");
        foreach (var (figure, value) in photos.SummaryRows())
            table.AddRow(figure, value);
        AnsiConsole.Write(table);
        PrintFirst20(photos.Problems, problem => $"skipped {problem}");
        PrintFirst20(photos.NotPhotos, other => $"ignored {other}: not a photo by its name or its first bytes");
        Console.WriteLine($"wrote {json}");
        if (plot is not null)
        {
            OutputFiles.Write(plot, temp => DetPlot.Save(report.Det, (report.FarAtThreshold, report.FrrAtThreshold), temp));
            Console.WriteLine($"wrote {plot} (DET curve, red: the operating threshold)");
        }
        return 0;
    }

    private static void PrintFirst20(IReadOnlyList<string> items, Func<string, string> line)
    {
        foreach (var item in items.Take(20))
            Console.Error.WriteLine($"  {line(item)}");
        if (items.Count > 20)
            Console.Error.WriteLine($"  … and {items.Count - 20} more");
    }

    private static async Task<int> VerifyAsync(Flags flags)
    {
        var path = LedgerPath(flags);
        flags.EnsureAllUsed();
        if (path is null)
            return 2;
        await using var ledger = await SqliteLedger.OpenAsync(path);
        var result = await ledger.VerifyAsync();
        if (result.IsIntact)
        {
            Console.WriteLine($"ledger intact: {result.Entries} entries, root {result.Root}");
            return 0;
        }
        Console.WriteLine($"ledger TAMPERED: first bad entry {result.FirstTampered}: {result.Problem}");
        return 1;
    }

    /// <summary>The ledger file named by --ledger (default: the demo's), or null after saying it is missing.</summary>
    private static string? LedgerPath(Flags flags)
    {
        var path = flags.Get("--ledger") ?? EmbeddedCloud.LedgerPath(Path.Combine(DefaultWork, "cloud"));
        if (File.Exists(path))
            return path;
        Console.Error.WriteLine($"agri: no ledger at {path} (run tools/agri demo first, or pass --ledger FILE)");
        return null;
    }

    private static async Task<int> ProveAsync(Flags flags)
    {
        var path = LedgerPath(flags);
        var index = flags.Int("--index", -1, min: 0, max: long.MaxValue);
        flags.EnsureAllUsed();
        if (path is null)
            return 2;
        await using var ledger = await SqliteLedger.OpenAsync(path);
        var head = await ledger.HeadAsync();
        if (index >= head.Size)
        {
            Console.Error.WriteLine($"agri: --index: the ledger has {head.Size} entries");
            return 2;
        }
        var proof = await ledger.ProveAsync(index);
        Console.WriteLine($"entry {proof.Index} of {proof.TreeSize}, leaf {Convert.ToHexStringLower(proof.LeafHash)}");
        foreach (var p in proof.Path)
            Console.WriteLine($"  path {Convert.ToHexStringLower(p)}");
        Console.WriteLine($"root {Convert.ToHexStringLower(proof.Root)}");
        var ok = ProofVerifier.VerifyInclusion(proof.LeafHash, proof.Index, proof.TreeSize, proof.Path, proof.Root);
        Console.WriteLine(ok ? "proof verifies" : "proof does NOT verify");
        return ok ? 0 : 1;
    }
}

internal sealed class UsageException(string message) : Exception(message);

/// <summary>--name value pairs and bare --switches; anything left unread is an error, not ignored.</summary>
internal sealed class Flags
{
    private readonly Dictionary<string, string?> _values = [];
    private readonly HashSet<string> _used = [];

    public Flags(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"unexpected argument '{args[i]}'");
            // The last of two would win silently: a threshold typed twice in a script would move payouts.
            if (_values.ContainsKey(args[i]))
                throw new UsageException($"{args[i]} is given twice; give it once");
            var hasValue = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            _values[args[i]] = hasValue ? args[++i] : null;
        }
    }

    public string? Get(string name)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v))
            return null;
        return v ?? throw new UsageException($"{name} needs a value");
    }

    public bool Has(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    public long Int(string name, long fallback, long min, long max)
    {
        var text = Get(name);
        if (text is null)
            return fallback;
        if (!long.TryParse(text, out var v) || v < min || v > max)
            throw new UsageException($"{name} must be a whole number from {min} to {max}; got '{text}'");
        return v;
    }

    public void EnsureAllUsed()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new UsageException($"unknown option {string.Join(", ", unknown)}");
    }
}

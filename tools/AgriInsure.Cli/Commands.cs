using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using AgriInsure.Edge.Vision;
using AgriInsure.Imagery.Rasters;

namespace AgriInsure.Cli;

/// <summary>What a run's exit status means, the same for every verb.</summary>
internal enum ExitCode
{
    Success = 0,

    /// <summary>The check found something: a tampered ledger, overlaps, a claim plot not payable from the
    /// map, monitor alerts, a demo step that did not go as expected.</summary>
    Found = 1,

    /// <summary>A usage or input error, named with its option and reason.</summary>
    Usage = 2,

    /// <summary>The environment: a missing dependency (GDAL, PROJ), an output that cannot be written.</summary>
    Environment = 3,

    /// <summary>Ctrl-C: stopped cleanly, no partial output left.</summary>
    Interrupted = 130,
}

/// <summary>A verb: its examples and what exit status 1 means for it, printed under its help.</summary>
internal sealed class Verb(string name, string description, string? found, params string[] examples) : Command(name, description)
{
    public string? Found { get; } = found;

    public IReadOnlyList<string> Examples { get; } = examples;

    /// <summary>A service stops on Ctrl-C or SIGTERM as its normal end (exit 0), not as an interrupted run.</summary>
    public bool RunsUntilStopped { get; set; }
}

/// <summary>The one CLI for everything users do, parsed by System.CommandLine. Paths default to the
/// repository (AGRI_HOME, set by tools/agri) so the commands work from a fresh clone with no arguments.</summary>
internal static class Commands
{
    private static string Home => Environment.GetEnvironmentVariable("AGRI_HOME") is { Length: > 0 } h ? h : Directory.GetCurrentDirectory();

    internal static string DefaultManifest => Path.Combine(Home, "models", "cattle-face-embedder.manifest.json");

    internal static string DefaultFaceCheck => Path.Combine(Home, "models", "cattle-face-check.manifest.json");

    internal static string DefaultData => Path.GetFullPath(Path.Combine(Home, "..", "shared", "data"));

    internal static string AgriFolder => Path.Combine(Home, ".agri");

    /// <summary>Cancelled on Ctrl-C: long runs stop between plots or photos, and their outputs, written all
    /// or nothing, are not left half-done.</summary>
    internal static CancellationToken Interrupted { get; set; }

    private static RootCommand Build()
    {
        var root = new RootCommand("AgriInsure: livestock identified by face, insured acreage measured from satellite rasters, claims checked against a shared ledger.")
        {
            DemoCommand.Build(),
            ServeCommand.Build(),
            TokenCommand.Build(),
            new Command("eval", "measure the models") { EvalFacesCommand.Build() },
            new Command("plots", "fields: insured acreage, overlaps with insured fields, season monitoring")
            {
                PlotsCommands.Measure(), PlotsCommands.Overlap(), PlotsCommands.Monitor(),
            },
            new Command("claims", "crop claims") { PlotsCommands.ClaimsByMap() },
            new Command("herd", "insured herds: census, an animal's life on record") { HerdCommands.Census(), HerdHistoryCommand.Build() },
            ReviewCommands.Group(),
            ModelCommands.Group(),
            new Command("ledger", "the embedded ledger: verify it (also against the checkpoints on the chain), prove an entry, prove it extends what you saw, publish a checkpoint, reconcile it with the registry; deploy the insurers' contract, admit and remove insurers") { LedgerCommands.Verify(), LedgerCommands.Prove(), LedgerCommands.Consistency(), LedgerCommands.Checkpoint(), LedgerReconcileCommand.Build(), LedgerCommands.Deploy(), LedgerCommands.Membership(admit: true), LedgerCommands.Membership(admit: false) },
            EdgeCommands.Group(),
            ContractsCommands.Group(),
        };
        foreach (var help in root.Options.OfType<HelpOption>())
            help.Action = new HelpWithExamples((SynchronousCommandLineAction)help.Action!);
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            var parsed = Build().Parse(args);
            if (parsed.Action is ParseErrorAction)
                return (int)ParseErrors(parsed);
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, Interrupted);
        }
        catch (Exception e)
        {
            var (code, message) = Explain(e);
            Console.Error.WriteLine($"agri: {message}");
            return (int)code;
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    /// <summary>The exit status and the one line a failure prints: the option and the reason, never a
    /// stack trace.</summary>
    private static (ExitCode Code, string Message) Explain(Exception e) => e switch
    {
        // After Ctrl-C whatever was running may fail in its own way (a broker connect timing out): the
        // user asked it to stop, and that is what it did.
        _ when Interrupted.IsCancellationRequested || e is OperationCanceledException => (ExitCode.Interrupted, "interrupted; no output was written"),
        UsageException or ModelLoadException or InvalidDataException => (ExitCode.Usage, e.Message),
        // What the signing engine refuses names its field (a seal that is not an image, a subject too long).
        Signing.SigningException s => (ExitCode.Usage, s.Message),
        Ledger.Evm.EvmContractMissingException => (ExitCode.Usage, $"--contract: {e.Message}; give the address ledger deploy printed"),
        // A ledger that cannot be read whole is what verify, prove and consistency exist to find, not a wrong argument.
        Ledger.Sqlite.LedgerDamagedException => (ExitCode.Found, $"ledger DAMAGED: {e.Message}"),
        RasterException r => (ExitCode.Usage, r.Error.ToString()),
        OutputException => (ExitCode.Environment, e.Message),
        // An output that failed while being written: every output is all-or-nothing, so none was left behind.
        IOException or UnauthorizedAccessException => (ExitCode.Environment, $"cannot write an output: {e.Message}; nothing was written"),
        DllNotFoundException => (ExitCode.Environment, $"a native library is missing ({e.Message}); run tools/setup --imagery, or install GDAL 3.6 and PROJ"),
        _ => throw new InvalidOperationException($"unexpected {e.GetType().Name}", e),
    };

    /// <summary>Each parse error on its own line, named as the user typed it, then where to read more; the
    /// usage is not repeated (it is one --help away).</summary>
    private static ExitCode ParseErrors(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        var names = new List<string>();
        for (var r = parsed.CommandResult; r.Command is not RootCommand && r.Parent is CommandResult parent; r = parent)
            names.Insert(0, r.Command.Name);
        var path = string.Join(' ', names);
        var unmatched = parsed.UnmatchedTokens;
        var known = command.Subcommands.Select(c => c.Name).ToList();
        var afterUnknownOption = false;
        foreach (var token in unmatched)
        {
            if (token.StartsWith('-'))
                Console.Error.WriteLine($"agri: unknown option '{token}'{(path.Length > 0 ? $" for '{path}'" : "")}");
            else if (known.Count > 0)
                Console.Error.WriteLine($"agri: unknown command '{token}'; the commands{(path.Length > 0 ? $" of '{path}'" : "")} are {string.Join(", ", known)}");
            // The value of an unknown option is not a second mistake.
            else if (!afterUnknownOption)
                Console.Error.WriteLine($"agri: unexpected argument '{token}'; options start with --");
            afterUnknownOption = token.StartsWith('-');
        }
        foreach (var error in parsed.Errors)
        {
            var message = error.Message;
            if (unmatched.Count > 0 && (message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal) || message.StartsWith("Required command was not provided", StringComparison.Ordinal)))
                continue;
            if (message.StartsWith("Required command was not provided", StringComparison.Ordinal))
                message = $"{(path.Length > 0 ? $"'{path}' needs" : "give")} a command: {string.Join(", ", known)}";
            Console.Error.WriteLine($"agri: {message}");
        }
        Console.Error.WriteLine($"Run 'tools/agri {(path.Length > 0 ? path + " " : "")}--help' for {(command.Subcommands.Count > 0 ? "the commands" : "its options")}.");
        return ExitCode.Usage;
    }

    /// <summary>The library's help, then the verb's examples and the meaning of its exit codes.</summary>
    private sealed class HelpWithExamples(SynchronousCommandLineAction standard) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            standard.Invoke(parseResult);
            var output = parseResult.InvocationConfiguration.Output;
            if (parseResult.CommandResult.Command is Verb verb)
            {
                if (verb.Examples.Count > 0)
                {
                    output.WriteLine("Examples:");
                    foreach (var example in verb.Examples)
                        output.WriteLine($"  {example}");
                    output.WriteLine();
                }
                output.WriteLine("Exit codes:");
                output.WriteLine("  0    success");
                if (verb.Found is { } found)
                    output.WriteLine($"  1    {found}");
                output.WriteLine("  2    usage or input error (the option and the reason are named)");
                output.WriteLine("  3    environment: a missing dependency (GDAL, PROJ) or an output that cannot be written");
                output.WriteLine(verb.RunsUntilStopped
                    ? "  (Ctrl-C or SIGTERM stops it cleanly, exit 0)"
                    : "  130  interrupted (Ctrl-C); no partial output is left");
            }
            else if (parseResult.CommandResult.Command is RootCommand)
            {
                output.WriteLine("Every command takes --help. Exit codes: 0 success, 1 the check found something (tampered ledger,");
                output.WriteLine("overlaps, a claim not payable from the map, alerts), 2 usage or input error, 3 environment");
                output.WriteLine("(missing dependency, unwritable output), 130 interrupted.");
            }
            return 0;
        }
    }
}

/// <summary>A usage or input error: exit 2, the message names the option and the reason.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>An output that cannot be written (checked before the work starts): exit 3.</summary>
internal sealed class OutputException(string message) : Exception(message);

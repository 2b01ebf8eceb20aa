using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AgriInsure.Cli.Retraining;

/// <summary>What the training code is asked for: the exported photos and split, where the candidate goes, its
/// name and version, the current model's input size, and how long it may take.</summary>
internal sealed record TrainingRequest(
    string DataFolder, string SplitFile, string OutFolder, string Name, string Version, int Width, int Height, int Epochs, int BudgetSeconds, string? InitFrom, int Seed);

/// <summary>The process boundary to the training code: gives the candidate's manifest path once its ONNX file,
/// manifest and card are written in <see cref="TrainingRequest.OutFolder"/>, reporting epochs done of how many
/// (fewer than asked when the budget compresses the schedule).</summary>
internal interface ITrainer
{
    /// <summary>Errors: <see cref="TrainingException"/> when the training code fails.</summary>
    Task<string> TrainAsync(TrainingRequest request, IProgress<(int Done, int Of)> epochs, CancellationToken ct);
}

/// <summary>The training code failed (Python or torch missing, a crash): exit 3, with its last lines.</summary>
internal sealed class TrainingException(string message) : Exception(message);

/// <summary>tools/train/train_embedder.py through Debian's /usr/bin/python3 (python3-torch; the python3 on PATH
/// may not see Debian's packages), on the CPU: the recipe of the shipped members (<c>fast</c>, batch-hard
/// triplet term), the current model's input size, the split the retrain drew.</summary>
internal sealed partial class PythonTrainer(string script, string python = "/usr/bin/python3") : ITrainer
{
    public async Task<string> TrainAsync(TrainingRequest r, IProgress<(int Done, int Of)> epochs, CancellationToken ct)
    {
        if (!File.Exists(python))
            throw new TrainingException($"{python} not found: training needs Debian's python3 with python3-torch (apt-get install -y python3-torch python3-pil python3-numpy)");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in Arguments(r))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new TrainingException($"{python} did not start");
        var log = new List<string>();
        var logPath = Path.Combine(r.OutFolder, "train.log");
        // Flushed line by line, so that a long run can be followed with tail -f.
        await using var logFile = new StreamWriter(logPath) { AutoFlush = true };
        async Task Read(StreamReader reader)
        {
            while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
            {
                lock (log)
                {
                    log.Add(line);
                    logFile.WriteLine(line);
                    if (EpochLine().Match(line) is { Success: true } m)
                        epochs.Report((int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));
                }
            }
        }
        var reading = Task.WhenAll(Read(process.StandardOutput), Read(process.StandardError));
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        await reading;
        if (process.ExitCode != 0)
        {
            var tail = string.Join(Environment.NewLine, log.TakeLast(8).Select(l => "  " + l));
            var hint = log.Any(l => l.Contains("No module named", StringComparison.Ordinal)) ? " (install python3-torch python3-pil python3-numpy)" : "";
            throw new TrainingException($"the training code exited with {process.ExitCode}{hint}; its last lines:{Environment.NewLine}{tail}");
        }
        return Path.Combine(r.OutFolder, $"{r.Name}.manifest.json");
    }

    private IEnumerable<string> Arguments(TrainingRequest r)
    {
        string[] args =
        [
            script, "--data", r.DataFolder, "--split", r.SplitFile, "--out", r.OutFolder, "--name", r.Name, "--version", r.Version,
            "--arch", "fast", "--triplet", "--width", $"{r.Width}", "--height", $"{r.Height}", "--epochs", $"{r.Epochs}",
            "--budget", $"{r.BudgetSeconds}", "--seed", $"{r.Seed}", "--threads", "2",
        ];
        return r.InitFrom is null ? args : [.. args, "--init-from", r.InitFrom];
    }

    [GeneratedRegex(@"^epoch (\d+)/(\d+)")]
    private static partial Regex EpochLine();
}

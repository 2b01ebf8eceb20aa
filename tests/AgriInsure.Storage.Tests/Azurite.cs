using System.Diagnostics;
using System.Text.RegularExpressions;
using AgriInsure.Tests;

namespace AgriInsure.Storage.Tests;

/// <summary>Azurite's blob service (npm, tools/servers, installed by tools/setup --tests) started on 127.0.0.1 on a
/// port the system picks, in memory only, and killed when the test class ends: nothing left on disk or running.</summary>
public sealed partial class Azurite : IAsyncLifetime
{
    // Azurite's one account, devstoreaccount1, and its key are fixed and published with the emulator.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly TempFolder _workspace = new();
    private Process? _process;

    public string ConnectionString { get; private set; } = "";

    /// <summary>How long Azurite took from start to listening.</summary>
    public TimeSpan StartTime { get; private set; }

    public async Task InitializeAsync()
    {
        var script = Path.Combine(Repo.Root, "tools", "servers", "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(script))
            throw new InvalidOperationException($"Azurite is not installed at {script}: run tools/setup --tests, which installs it with npm ci");
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo("node", [script, "--blobHost", "127.0.0.1", "--blobPort", "0", "--inMemoryPersistence", "--disableTelemetry", "--silent"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Azurite's workspace is its working folder: a folder of its own, removed with it, whatever it writes.
            WorkingDirectory = _workspace.Path,
        };
        _process = Process.Start(start)!;
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var said = new System.Text.StringBuilder();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (said)
                said.AppendLine(e.Data);
            if (ListensOn().Match(e.Data) is { Success: true } m)
                listening.TrySetResult(int.Parse(m.Groups[1].Value));
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (said)
                    said.AppendLine(e.Data);
        };
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"Azurite exited before listening: {said}"));
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            StartTime = clock.Elapsed;
            ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
            _process = null;
        }
        _workspace.Dispose();
    }

    [GeneratedRegex(@"listens on https?://[^:]+:(\d+)")]
    private static partial Regex ListensOn();
}

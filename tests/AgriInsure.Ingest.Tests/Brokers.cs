using System.Diagnostics;
using System.Net.Sockets;
using AgriInsure.Broker;

namespace AgriInsure.Ingest.Tests;

/// <summary>A broker the MQTT tests run against: the embedded MQTTnet server, or a real Mosquitto
/// started here on a free loopback port and stopped when the test ends.</summary>
internal interface ITestBroker : IAsyncDisposable
{
    string Host { get; }
    int Port { get; }
}

internal static class Brokers
{
    public const string Embedded = "embedded";
    public const string Mosquitto = "mosquitto";

    public static async Task<ITestBroker> StartAsync(string kind) => kind switch
    {
        Embedded => new EmbeddedTestBroker(await EmbeddedBroker.StartAsync()),
        Mosquitto => await MosquittoBroker.StartAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such broker"),
    };

    private sealed class EmbeddedTestBroker(EmbeddedBroker broker) : ITestBroker
    {
        public string Host => broker.Host;
        public int Port => broker.Port;
        public ValueTask DisposeAsync() => broker.DisposeAsync();
    }
}

internal sealed class MosquittoBroker : ITestBroker
{
    private readonly Process _process;
    private readonly string _folder;

    private MosquittoBroker(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public string Host => "127.0.0.1";
    public int Port { get; }

    public static async Task<MosquittoBroker> StartAsync()
    {
        var exe = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("mosquitto is not installed: run tools/test, which installs it");
        var port = EmbeddedBroker.FreePort();
        var folder = Path.Combine(Path.GetTempPath(), "agri-mosquitto-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var config = Path.Combine(folder, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\n");
        var process = Process.Start(new ProcessStartInfo(exe, ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var broker = new MosquittoBroker(process, folder, port);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(broker.Host, port);
                return broker;
            }
            catch (SocketException)
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"mosquitto exited: {await process.StandardError.ReadToEndAsync()}");
                await Task.Delay(50);
            }
        }
        await broker.DisposeAsync();
        throw new TimeoutException($"mosquitto did not listen on {port} within 5 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Server;

namespace AgriInsure.Broker;

/// <summary>The embedded default broker: MQTTnet's in-process server on loopback, with persistent
/// sessions so QoS 1 messages for a disconnected subscriber wait for it. It has no MQTT 5 shared
/// subscriptions, so one ingest worker serves it; a real broker (Mosquitto) is for several.</summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ILogger _log;

    private EmbeddedBroker(MqttServer server, int port, ILogger log)
    {
        _server = server;
        Port = port;
        _log = log;
    }

    public int Port { get; }

    public string Host => IPAddress.Loopback.ToString();

    /// <summary>Starts on <paramref name="port"/>, or on a free loopback port when it is 0.</summary>
    public static async Task<EmbeddedBroker> StartAsync(int port = 0, ILogger<EmbeddedBroker>? log = null, CancellationToken ct = default)
    {
        if (port == 0)
            port = FreePort();
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions()
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        await server.StartAsync();
        var broker = new EmbeddedBroker(server, port, (ILogger?)log ?? NullLogger.Instance);
        broker._log.LogInformation("Embedded MQTT broker listening on 127.0.0.1:{Port}", port);
        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }

    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}

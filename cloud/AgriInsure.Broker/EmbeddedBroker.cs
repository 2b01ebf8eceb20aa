using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using AgriInsure.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace AgriInsure.Broker;

/// <summary>The embedded default broker: MQTTnet's in-process server on loopback, with persistent
/// sessions so QoS 1 messages for a disconnected subscriber wait for it. It has no MQTT 5 shared
/// subscriptions, so one ingest worker serves it; a real broker (Mosquitto) is for several.
/// <para>It applies <see cref="BrokerRules"/>. A client logs in with its user name (a device id, or
/// <see cref="BrokerLogin.CloudUser"/>) and, as password, the token <see cref="IssueToken"/> made for that name from the
/// broker's secret; a device's client id is its device id, so no device takes over another's session. It listens on
/// loopback only, so the token never crosses a network in clear; a broker devices reach over a network is Mosquitto with
/// TLS and client certificates.</para></summary>
/// <summary>Whether the device of this id may log in now (provisioned, not revoked); asked after its token checks out.</summary>
public delegate Task<bool> DeviceAdmission(string deviceId, CancellationToken ct);

public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly byte[] _secret;
    private readonly ILogger _log;
    private readonly DeviceAdmission? _admit;
    private long _refused;

    private EmbeddedBroker(MqttServer server, byte[] secret, int port, ILogger log, DeviceAdmission? admit)
    {
        _server = server;
        _secret = secret;
        _admit = admit;
        Port = port;
        _log = log;
    }

    public int Port { get; }

    public string Host => IPAddress.Loopback.ToString();

    /// <summary>Connections, publishes and subscriptions refused so far.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>A new broker secret: 32 random bytes.</summary>
    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(32);

    /// <summary>Starts on <paramref name="port"/>, or on a free loopback port when it is 0. <paramref name="secret"/>
    /// (at least 32 bytes) is what its tokens are made from: the same secret gives the same tokens after a restart.
    /// Throws <see cref="ArgumentException"/> for a shorter secret.</summary>
    public static Task<EmbeddedBroker> StartAsync(byte[] secret, int port = 0, ILogger<EmbeddedBroker>? log = null, CancellationToken ct = default) =>
        StartAsync(secret, null, port, log, ct);

    /// <inheritdoc cref="StartAsync(byte[], int, ILogger{EmbeddedBroker}?, CancellationToken)"/>
    /// <param name="admit">Asked whether a device whose token checks out may log in (the cloud's registry: provisioned and
    /// not revoked); a device it refuses gets <see cref="MqttConnectReasonCode.NotAuthorized"/>. Null: every token admits.</param>
    public static async Task<EmbeddedBroker> StartAsync(byte[] secret, DeviceAdmission? admit, int port = 0, ILogger<EmbeddedBroker>? log = null, CancellationToken ct = default)
    {
        if (secret.Length < 32)
            throw new ArgumentException($"a broker secret has at least 32 bytes; this one has {secret.Length}", nameof(secret));
        if (port == 0)
            port = FreePort();
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            // MQTTnet also listens on every IPv6 interface unless told otherwise; None turns that listener off.
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions()
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var broker = new EmbeddedBroker(server, secret.ToArray(), port, (ILogger?)log ?? NullLogger.Instance, admit);
        server.ValidatingConnectionAsync += broker.OnConnectingAsync;
        server.InterceptingPublishAsync += broker.OnPublishingAsync;
        server.InterceptingSubscriptionAsync += broker.OnSubscribingAsync;
        await server.StartAsync();
        broker._log.LogInformation("Embedded MQTT broker listening on 127.0.0.1:{Port}", port);
        return broker;
    }

    /// <summary>The password for <paramref name="user"/> on this broker (see <see cref="IssueToken(byte[], string)"/>).</summary>
    public string IssueToken(string user) => IssueToken(_secret, user);

    /// <summary>The password for <paramref name="user"/> on a broker started with <paramref name="secret"/>: base64 of
    /// HMAC-SHA256 (RFC 2104) under the secret over <c>agri-broker-token-v1\0</c> and the user name. Throws
    /// <see cref="ArgumentException"/> for a name that is neither a device id (a topic segment) nor
    /// <see cref="BrokerLogin.CloudUser"/>.</summary>
    public static string IssueToken(byte[] secret, string user)
    {
        if (user != BrokerLogin.CloudUser && !Topics.IsSegment(user))
            throw new ArgumentException($"'{user}' is neither a device id nor {BrokerLogin.CloudUser}", nameof(user));
        return Convert.ToBase64String(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes("agri-broker-token-v1\0" + user)));
    }

    private async Task OnConnectingAsync(ValidatingConnectionEventArgs e)
    {
        var user = e.UserName;
        var known = user == BrokerLogin.CloudUser || (user is not null && Topics.IsSegment(user));
        if (!known || e.Password is not { } password ||
            !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(IssueToken(user!))))
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
        else if (user != BrokerLogin.CloudUser && e.ClientId != user)
            e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
        // A token outlives its device's revocation: the registry has the last word.
        else if (user != BrokerLogin.CloudUser && _admit is not null && !await _admit(user!, CancellationToken.None))
            e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
        else
            return;
        Refuse(e.ReasonCode, "connection", e.ClientId, user);
    }

    private Task OnPublishingAsync(InterceptingPublishEventArgs e)
    {
        if (!BrokerRules.MayPublish(e.UserName, e.ApplicationMessage.Topic))
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            Refuse(e.Response.ReasonCode, "publish on " + e.ApplicationMessage.Topic, e.ClientId, e.UserName);
        }
        return Task.CompletedTask;
    }

    private Task OnSubscribingAsync(InterceptingSubscriptionEventArgs e)
    {
        if (!BrokerRules.MaySubscribe(e.UserName, e.TopicFilter.Topic))
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            Refuse(e.Response.ReasonCode, "subscription to " + e.TopicFilter.Topic, e.ClientId, e.UserName);
        }
        return Task.CompletedTask;
    }

    private void Refuse<T>(T reason, string what, string clientId, string? user)
    {
        Interlocked.Increment(ref _refused);
        _log.LogWarning("Refused {What} by client {ClientId} (user {User}): {Reason}", what, clientId, user ?? "(none)", reason);
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

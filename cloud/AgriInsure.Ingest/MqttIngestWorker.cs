using System.Buffers;
using AgriInsure.Protocol;
using AgriInsure.Storage;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace AgriInsure.Ingest;

public sealed record IngestOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 1883;
    public string ClientId { get; init; } = "agri-ingest-1";

    /// <summary>How the ingest logs in: as <see cref="BrokerLogin.CloudUser"/>, with the embedded broker's token or a
    /// client certificate of that CN on Mosquitto.</summary>
    public required BrokerLogin Login { get; init; }

    /// <summary>MQTT 5 shared-subscription group. Null for brokers without shared subscriptions
    /// (MQTTnet's embedded server); set on Mosquitto or a cluster to spread captures over workers.</summary>
    public string? SharedGroup { get; init; }

    /// <summary>Wait between attempts to reach the broker again after losing it.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many times a message is handled before it is parked: a store that stays down, or a message that
    /// fails every time, must not hold the worker (nor come back on every reconnect) for ever.</summary>
    public int Attempts { get; init; } = 5;

    /// <summary>The wait before the second attempt; each later one waits twice as long (0.2, 0.4, 0.8, 1.6 s).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>Subscribes to every device's captures with a persistent session, hands each message to
/// <see cref="CaptureIngest"/>, signs the ack with the cloud's <paramref name="ackKey"/> and publishes it, and only then
/// acknowledges the MQTT delivery, so a crash before the decision is stored means the broker delivers the capture again.
/// A message whose handling fails is tried again (<see cref="IngestOptions.Attempts"/>, backing off); one that fails every
/// time is parked: its bytes are kept in <paramref name="parking"/> under their content key, the delivery is acknowledged
/// and no ack is sent, so the device, still holding the capture, sends it again later, when the fault may be gone. A
/// message that cannot even be parked stays unacknowledged.</summary>
public sealed class MqttIngestWorker(IngestOptions options, CaptureIngest ingest, AckKey ackKey, IBlobStore parking, ILogger<MqttIngestWorker> log) : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly CancellationTokenSource _stopping = new();
    private long _handled;
    private long _parked;
    private int _reconnecting;

    public long Handled => Interlocked.Read(ref _handled);

    /// <summary>Messages parked after failing every attempt, since the worker started.</summary>
    public long Parked => Interlocked.Read(ref _parked);

    /// <summary>The public half of the key acks are signed with (SubjectPublicKeyInfo): what devices are provisioned with.</summary>
    public byte[] AckPublicKey => ackKey.PublicKey;

    /// <summary>The broker's host and port.</summary>
    public string Address => $"{options.Host}:{options.Port}";

    /// <summary>Whether the worker holds its broker connection now (it reconnects by itself when it does not).</summary>
    public bool Connected => _client.IsConnected;

    public async Task StartAsync(CancellationToken ct = default)
    {
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
        await ConnectAsync(ct);
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        var connect = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(options.ClientId)
            .WithLogin(options.Login)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(7 * 24 * 3600)
            .Build();
        var connected = await _client.ConnectAsync(connect, ct);
        if (connected.ResultCode != MqttClientConnectResultCode.Success)
            throw new InvalidOperationException($"the broker refused ingest {options.ClientId}'s login as {options.Login.UserName}: {connected.ResultCode}");
        var filter = Topics.AllCaptures(options.SharedGroup);
        var subscribed = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
        if (subscribed.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
            throw new InvalidOperationException($"the broker refused ingest {options.ClientId} the subscription to {filter}: {subscribed.Items.First().ResultCode}");
        log.LogInformation("Ingest {ClientId} subscribed to {Filter} on {Host}:{Port}", options.ClientId, filter, options.Host, options.Port);
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        // Reconnect outside MQTTnet's event handler, one loop at a time.
        if (!_stopping.IsCancellationRequested && Interlocked.CompareExchange(ref _reconnecting, 1, 0) == 0)
            _ = Task.Run(() => ReconnectAsync(e.Reason.ToString()));
        return Task.CompletedTask;
    }

    private async Task ReconnectAsync(string reason)
    {
        try
        {
            log.LogWarning("Ingest {ClientId} lost the broker ({Reason}); reconnecting", options.ClientId, reason);
            while (!_stopping.IsCancellationRequested && !_client.IsConnected)
            {
                try
                {
                    await Task.Delay(options.ReconnectDelay, _stopping.Token);
                    await ConnectAsync(_stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception ex)
                {
                    log.LogInformation("Reconnect failed: {Reason}", ex.Message);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _reconnecting, 0);
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        e.AutoAcknowledge = false;
        var message = e.ApplicationMessage;
        var payload = message.Payload.ToArray();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await HandleAsync(message.Topic, payload);
                await e.AcknowledgeAsync(CancellationToken.None);
                Interlocked.Increment(ref _handled);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < options.Attempts)
            {
                // Handling is idempotent by capture id: a try after a half-done one finds what was stored.
                var wait = options.RetryDelay * Math.Pow(2, attempt - 1);
                log.LogWarning(ex, "Attempt {Attempt} of {Attempts} to handle the message on {Topic} failed; trying again in {Wait}", attempt, options.Attempts, message.Topic, wait);
                try
                {
                    await Task.Delay(wait, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await ParkAsync(e, payload, ex);
                return;
            }
        }
    }

    private async Task HandleAsync(string topic, byte[] payload)
    {
        var result = await ingest.HandleAsync(topic, payload, CancellationToken.None);
        // The ack names the device it answers, under the signature, so it cannot be replayed to another device.
        if (result.Ack is not null && Topics.TryParseAckTopic(result.AckTopic ?? "", out var tenant, out var deviceId))
        {
            var signed = ackKey.Sign(result.Ack with { Tenant = tenant, DeviceId = deviceId });
            var ack = new MqttApplicationMessageBuilder()
                .WithTopic(result.AckTopic)
                .WithPayload(Codec.Encode(signed))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            var sent = await _client.PublishAsync(ack, CancellationToken.None);
            if (!sent.IsSuccess)
                throw new InvalidOperationException($"the broker refused the ack of {signed.CaptureId} on {ack.Topic}: {sent.ReasonCode} {sent.ReasonString}");
        }
    }

    private async Task ParkAsync(MqttApplicationMessageReceivedEventArgs e, byte[] payload, Exception failure)
    {
        try
        {
            var key = await parking.PutAsync(payload, ParkedContentType, CancellationToken.None);
            await e.AcknowledgeAsync(CancellationToken.None);
            Interlocked.Increment(ref _parked);
            log.LogError(failure, "Parked the message on {Topic} at {Key} after {Attempts} failed attempts; no ack was sent, so its device sends it again later",
                e.ApplicationMessage.Topic, key, options.Attempts);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not acknowledged: the broker delivers it again when this session reconnects.
            log.LogError(failure, "Failed to handle the message on {Topic} and to park it ({ParkError}); it stays unacknowledged", e.ApplicationMessage.Topic, ex.Message);
        }
    }

    /// <summary>The content type parked messages are stored with: a capture as the wire carried it.</summary>
    public const string ParkedContentType = "application/vnd.agri.capture+json";

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _client.DisconnectQuietlyAsync();
        _client.Dispose();
        _stopping.Dispose();
    }
}

using System.Buffers;
using System.Threading.Channels;
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

    /// <summary>The most messages decided together (<see cref="CaptureIngest.HandleAsync(IReadOnlyList{IngestMessage}, CancellationToken)"/>):
    /// a batch takes what has arrived while the one before it was decided, up to this many, and never waits for more.
    /// The broker's in-flight window for the worker's session bounds it too (Mosquitto's <c>max_inflight_messages</c>).</summary>
    public int BatchSize { get; init; } = 100;
}

/// <summary>Subscribes to every device's captures with a persistent session, hands the messages to
/// <see cref="CaptureIngest"/> in batches (what arrived while the batch before was decided, up to
/// <see cref="IngestOptions.BatchSize"/>: one decision per tenant, so a batch pays for one lock, one commit and one ledger
/// fsync), signs the acks with the cloud's <paramref name="ackKey"/> and publishes them, and only then acknowledges the
/// MQTT deliveries, in the order they came, so a crash before the decisions are stored means the broker delivers the
/// captures again. When a batch fails, each of its messages is tried alone (<see cref="IngestOptions.Attempts"/>, backing
/// off); one that fails every time is parked: its bytes are kept in <paramref name="parking"/> under their content key, the
/// delivery is acknowledged and no ack is sent, so the device, still holding the capture, sends it again later, when the
/// fault may be gone. A message that cannot even be parked stays unacknowledged.</summary>
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
        _decider = Task.Run(DecideLoopAsync);
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
        await ConnectAsync(ct);
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _connection);
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

    /// <summary>A delivery waiting for its decision: the message, what acknowledges it to the broker, and the connection
    /// it came on (<see cref="_connection"/> then).</summary>
    private sealed record Delivery(IngestMessage Message, MqttApplicationMessageReceivedEventArgs Receipt, long Connection);

    private readonly Channel<Delivery> _deliveries = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _decider;

    /// <summary>Counts connections: a delivery of an earlier one cannot be acknowledged any more, and the broker sends it
    /// again on the session's next connection, so it is left to that copy.</summary>
    private long _connection;

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // Acknowledged by the decider once decided: MQTTnet hands over the next message meanwhile, so the broker's window of
        // unacknowledged messages fills the next batch while this one is decided.
        e.AutoAcknowledge = false;
        _deliveries.Writer.TryWrite(new Delivery(new IngestMessage(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray()), e, Interlocked.Read(ref _connection)));
        return Task.CompletedTask;
    }

    private async Task DecideLoopAsync()
    {
        var batch = new List<Delivery>(options.BatchSize);
        try
        {
            while (await _deliveries.Reader.WaitToReadAsync(_stopping.Token))
            {
                batch.Clear();
                while (batch.Count < options.BatchSize && _deliveries.Reader.TryRead(out var delivery))
                    batch.Add(delivery);
                var stale = batch.RemoveAll(d => !Current(d));
                if (stale > 0)
                    log.LogInformation("Left {Count} messages of a lost connection to their redelivery", stale);
                if (batch.Count > 0)
                    await DecideAsync(batch);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: what is not acknowledged is delivered again when the session resumes.
        }
    }

    /// <summary>Whether the delivery's connection is the one the worker holds: only then can it still be acknowledged.</summary>
    private bool Current(Delivery delivery) => delivery.Connection == Interlocked.Read(ref _connection) && _client.IsConnected;

    private async Task DecideAsync(List<Delivery> batch)
    {
        try
        {
            await AnswerAsync(await ingest.HandleAsync([.. batch.Select(d => d.Message)], CancellationToken.None));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (!Current(batch[0]))
            {
                // The acks could not go out because the broker went: what was decided is stored, and the redelivered copies
                // are answered from it.
                log.LogWarning(ex, "Lost the broker while deciding {Count} messages; they will be delivered again", batch.Count);
                return;
            }
            if (batch.Count == 1)
            {
                await HandleAloneAsync(batch[0], ex);
                return;
            }
            // Each alone, so one message that always fails is parked without holding back the others: a batch that fails
            // kept nothing of its failing tenant, and whatever it did keep answers a redelivery with its stored decision.
            log.LogWarning(ex, "A batch of {Count} messages failed; handling each alone", batch.Count);
            foreach (var delivery in batch)
                await HandleAloneAsync(delivery, null);
            return;
        }
        foreach (var delivery in batch)
            await AcknowledgeAsync(delivery);
        Interlocked.Add(ref _handled, batch.Count);
    }

    /// <summary>One message, tried until <see cref="IngestOptions.Attempts"/> have failed (counting <paramref name="failed"/>,
    /// a first attempt that already did), backing off, then parked; given up when the broker goes meanwhile.</summary>
    private async Task HandleAloneAsync(Delivery delivery, Exception? failed)
    {
        for (var attempt = failed is null ? 1 : 2; ; attempt++)
        {
            if (failed is not null)
            {
                if (attempt > options.Attempts)
                {
                    await ParkAsync(delivery, failed);
                    return;
                }
                // Handling is idempotent by capture id: a try after a half-done one finds what was stored.
                var wait = options.RetryDelay * Math.Pow(2, attempt - 2);
                log.LogWarning(failed, "Attempt {Attempt} of {Attempts} to handle the message on {Topic} failed; trying again in {Wait}", attempt - 1, options.Attempts, delivery.Message.Topic, wait);
                try
                {
                    await Task.Delay(wait, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            if (!Current(delivery))
                return;
            try
            {
                await AnswerAsync(await ingest.HandleAsync([delivery.Message], CancellationToken.None));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed = ex;
                continue;
            }
            await AcknowledgeAsync(delivery);
            Interlocked.Increment(ref _handled);
            return;
        }
    }

    /// <summary>Acknowledges a delivery to the broker; one whose connection went meanwhile comes again on the next, and is
    /// answered then from the stored decision.</summary>
    private async Task AcknowledgeAsync(Delivery delivery)
    {
        try
        {
            await delivery.Receipt.AcknowledgeAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogInformation("Could not acknowledge the message on {Topic} ({Reason}); the broker delivers it again", delivery.Message.Topic, ex.Message);
        }
    }

    /// <summary>Signs and publishes the acks of <paramref name="results"/>, all in flight at once. The ack names the device
    /// it answers, under the signature, so it cannot be replayed to another device.</summary>
    private async Task AnswerAsync(IReadOnlyList<IngestResult> results)
    {
        var sends = new List<Task>(results.Count);
        foreach (var result in results)
        {
            if (result.Ack is null || !Topics.TryParseAckTopic(result.AckTopic ?? "", out var tenant, out var deviceId))
                continue;
            var signed = ackKey.Sign(result.Ack with { Tenant = tenant, DeviceId = deviceId });
            var ack = new MqttApplicationMessageBuilder()
                .WithTopic(result.AckTopic)
                .WithPayload(Codec.Encode(signed))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            sends.Add(PublishAsync(ack, signed.CaptureId));
        }
        await Task.WhenAll(sends);
    }

    private async Task PublishAsync(MqttApplicationMessage ack, string captureId)
    {
        var sent = await _client.PublishAsync(ack, CancellationToken.None);
        if (!sent.IsSuccess)
            throw new InvalidOperationException($"the broker refused the ack of {captureId} on {ack.Topic}: {sent.ReasonCode} {sent.ReasonString}");
    }

    private async Task ParkAsync(Delivery delivery, Exception failure)
    {
        var topic = delivery.Message.Topic;
        try
        {
            var key = await parking.PutAsync(delivery.Message.Payload, ParkedContentType, CancellationToken.None);
            await delivery.Receipt.AcknowledgeAsync(CancellationToken.None);
            Interlocked.Increment(ref _parked);
            log.LogError(failure, "Parked the message on {Topic} at {Key} after {Attempts} failed attempts; no ack was sent, so its device sends it again later",
                topic, key, options.Attempts);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not acknowledged: the broker delivers it again when this session reconnects.
            log.LogError(failure, "Failed to handle the message on {Topic} and to park it ({ParkError}); it stays unacknowledged", topic, ex.Message);
        }
    }

    /// <summary>The content type parked messages are stored with: a capture as the wire carried it.</summary>
    public const string ParkedContentType = "application/vnd.agri.capture+json";

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_decider is not null)
            await _decider;
        await _client.DisconnectQuietlyAsync();
        _client.Dispose();
        _stopping.Dispose();
    }
}

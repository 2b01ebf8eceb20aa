using System.Buffers;
using AgriInsure.Protocol;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace AgriInsure.Edge.Agent;

public sealed record UplinkOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 1883;

    /// <summary>How the device logs in to the broker; its user name is the device id.</summary>
    public required BrokerLogin Login { get; init; }

    /// <summary>The cloud's ack key (SubjectPublicKeyInfo), provisioned with the device: only acks signed by it settle captures.</summary>
    public required byte[] CloudAckKey { get; init; }

    /// <summary>Captures still unacked this long after being sent are sent again; the cloud answers a
    /// repeat with its stored decision, so a resend is harmless.</summary>
    public TimeSpan ResendAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often <see cref="Uplink.RunAsync"/> retries the link and flushes the outbox.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>An ack the device ignored: where it came, the capture id it named (null when unreadable), and why.</summary>
public sealed record RefusedAck(string Topic, string? CaptureId, string Reason);

/// <summary>The handheld's link to the cloud: publishes outbox captures at QoS 1 on a persistent session
/// and settles them as acks arrive. Offline is the normal case: <see cref="FlushAsync"/> simply does
/// nothing until <see cref="TryConnectAsync"/> succeeds. A capture is settled only by a version 2 ack signed by the
/// cloud's ack key, addressed to this device and naming a pending capture; any other ack is logged, reported through
/// <see cref="Refused"/> and ignored, and the capture stays queued. Throws <see cref="ArgumentException"/> when the
/// login's user name is not <paramref name="deviceId"/> (a broker knows a device by its id).</summary>
public sealed class Uplink(string tenant, string deviceId, Outbox outbox, UplinkOptions options, ILogger<Uplink> log) : IAsyncDisposable
{
    private readonly BrokerLogin _login = options.Login.UserName == deviceId
        ? options.Login
        : throw new ArgumentException($"the broker login is for '{options.Login.UserName}', not device '{deviceId}'", nameof(options));
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly Dictionary<string, DateTimeOffset> _sentAt = [];
    private readonly Lock _sentLock = new();
    private bool _subscribed;

    public bool IsConnected => _client.IsConnected;

    public event Action<Ack>? Settled;

    public event Action<RefusedAck>? Refused;

    public async Task<bool> TryConnectAsync(CancellationToken ct = default)
    {
        if (_client.IsConnected)
            return true;
        if (!_subscribed)
            _client.ApplicationMessageReceivedAsync += OnAckAsync;
        _subscribed = true;
        var connect = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(deviceId)
            .WithLogin(_login)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(30 * 24 * 3600)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        try
        {
            var connected = await _client.ConnectAsync(connect, ct);
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                log.LogWarning("Device {DeviceId}: the broker refused the login ({Code})", deviceId, connected.ResultCode);
                return false;
            }
            var filter = Topics.Acks(tenant, deviceId);
            var subscribed = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
            if (subscribed.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
                log.LogWarning("Device {DeviceId}: the broker refused the subscription to {Filter} ({Code}); no ack will reach it", deviceId, filter, subscribed.Items.First().ResultCode);
            log.LogInformation("Device {DeviceId} connected to {Host}:{Port}", deviceId, options.Host, options.Port);
            return true;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or MQTTnet.Adapter.MqttConnectingFailedException)
        {
            log.LogInformation("Device {DeviceId} offline: {Reason}", deviceId, e.Message);
            return false;
        }
    }

    /// <summary>Publishes every pending capture not sent within <see cref="UplinkOptions.ResendAfter"/>;
    /// returns how many were published.</summary>
    public async Task<int> FlushAsync(CancellationToken ct = default)
    {
        if (!_client.IsConnected)
            return 0;
        var published = 0;
        foreach (var item in await outbox.PendingAsync(500, ct))
        {
            lock (_sentLock)
            {
                if (_sentAt.TryGetValue(item.CaptureId, out var at) && DateTimeOffset.UtcNow - at < options.ResendAfter)
                    continue;
            }
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(item.Topic)
                .WithPayload(item.Payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            try
            {
                await _client.PublishAsync(message, ct);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException e)
            {
                log.LogInformation("Publish of {CaptureId} failed, kept for later: {Reason}", item.CaptureId, e.Message);
                break;
            }
            await outbox.MarkAttemptAsync(item.CaptureId, ct);
            lock (_sentLock)
                _sentAt[item.CaptureId] = DateTimeOffset.UtcNow;
            published++;
        }
        return published;
    }

    /// <summary>The device's background loop: reconnects whenever the link is down and flushes the
    /// outbox, until cancelled. A broker restart or a dead zone only delays captures.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (await TryConnectAsync(ct))
                    await FlushAsync(ct);
                await Task.Delay(options.PollInterval, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // A link that drops mid-publish is the normal case on a farm: keep the loop alive.
                log.LogInformation("Uplink round failed, will retry: {Reason}", e.Message);
                await Task.Delay(options.PollInterval, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Waits until the outbox is empty, flushing as it goes; false when <paramref name="timeout"/> passes first.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await FlushAsync(ct);
            if (await outbox.PendingCountAsync(ct) == 0)
                return true;
            await Task.Delay(20, ct);
        }
        return false;
    }

    private async Task OnAckAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (!Codec.TryDecodeAck(e.ApplicationMessage.Payload.ToArray(), out var ack) || ack is null)
        {
            Refuse(new RefusedAck(topic, null, $"not a version {Ack.CurrentVersion} ack"));
            return;
        }
        if (!SignatureCheck.IsValid(ack, options.CloudAckKey))
        {
            Refuse(new RefusedAck(topic, ack.CaptureId, "not signed by the cloud's ack key"));
            return;
        }
        if (ack.Tenant != tenant || ack.DeviceId != deviceId)
        {
            Refuse(new RefusedAck(topic, ack.CaptureId, $"addressed to {ack.Tenant}/{ack.DeviceId}, not this device"));
            return;
        }
        if (await outbox.SettleAsync(ack))
        {
            lock (_sentLock)
                _sentAt.Remove(ack.CaptureId);
            log.LogInformation("Capture {CaptureId} settled: {Status} {Outcome}", ack.CaptureId, ack.Status, ack.Outcome);
            Settled?.Invoke(ack);
        }
    }

    private void Refuse(RefusedAck refused)
    {
        log.LogWarning("Ignored an ack on {Topic} for {CaptureId}: {Reason}; the capture stays queued", refused.Topic, refused.CaptureId ?? "(unreadable)", refused.Reason);
        Refused?.Invoke(refused);
    }

    public async Task DisconnectAsync()
    {
        if (_client.IsConnected)
            await _client.DisconnectAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync();
        _client.Dispose();
    }
}

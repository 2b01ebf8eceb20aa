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

    /// <summary>When a capture still unacked is sent again (exponential backoff with jitter, capped); the cloud answers a
    /// repeat with its stored decision, so a resend is harmless. A capture's first send in a session goes at once.</summary>
    public RetrySchedule Resend { get; init; } = RetrySchedule.Default;

    /// <summary>The most captures sent and not yet acked at once (a sliding window, as TCP's or MQTT's Receive Maximum): the
    /// next capture goes when an ack frees a place; resends that fall due go regardless. A handheld back in range with
    /// thousands queued would otherwise put them all before a busy cloud at once, and resend each one that waits longer
    /// than its resend delay in the broker's queue: the cloud then decides the same captures several times over, and a
    /// broker whose queue for the cloud is full drops what comes next. 100 captures take under 2 s at one host's rate
    /// (about 60 a second), less than the 2.5 s a first resend waits at least.</summary>
    public int MaxInFlight { get; init; } = 100;

    /// <summary>How often <see cref="Uplink.RunAsync"/> retries the link and flushes the outbox.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>An ack the device ignored: where it came, the capture id it named (null when unreadable), and why.</summary>
public sealed record RefusedAck(string Topic, string? CaptureId, string Reason);

/// <summary>Why the cloud will never take this device's captures, and what the agent can do about it: the broker refused
/// its login for good (<see cref="LoginRefused"/>: an unknown or revoked device, a login of another cloud), or the cloud
/// answered a capture with a signed <see cref="ProtocolError.DeviceRevoked"/> rejection.</summary>
public sealed record LinkBlocked(string Reason, string WhatToDo, MqttClientConnectResultCode? LoginRefused = null);

/// <summary>The handheld's link to the cloud: publishes outbox captures at QoS 1 on a persistent session
/// and settles them as acks arrive. Offline is the normal case: <see cref="FlushAsync"/> simply does
/// nothing until <see cref="TryConnectAsync"/> succeeds. A capture is settled only by a version 2 ack signed by the
/// cloud's ack key, addressed to this device and naming a pending capture; any other ack is logged, reported through
/// <see cref="Refused"/> (and recorded in the outbox) and ignored, and the capture stays queued. A device the cloud will
/// never answer is not retried forever: once the broker refuses its login for good, or the cloud answers that it is
/// revoked, the uplink is <see cref="Blocked"/>, sends nothing more and says why. Throws <see cref="ArgumentException"/>
/// when the login's user name is not <paramref name="deviceId"/> (a broker knows a device by its id).</summary>
/// <param name="clock">Times resends (<see cref="UplinkOptions.Resend"/>); the system's by default.</param>
public sealed class Uplink(string tenant, string deviceId, Outbox outbox, UplinkOptions options, ILogger<Uplink> log, TimeProvider? clock = null) : IAsyncDisposable
{
    /// <summary>Connect answers that no retry will change: the broker does not take this login.</summary>
    private static readonly MqttClientConnectResultCode[] Final =
    [
        MqttClientConnectResultCode.BadUserNameOrPassword, MqttClientConnectResultCode.NotAuthorized,
        MqttClientConnectResultCode.Banned, MqttClientConnectResultCode.ClientIdentifierNotValid,
    ];

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly BrokerLogin _login = options.Login.UserName == deviceId
        ? options.Login
        : throw new ArgumentException($"the broker login is for '{options.Login.UserName}', not device '{deviceId}'", nameof(options));
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly Dictionary<string, DateTimeOffset> _dueAt = [];
    private readonly Lock _sentLock = new();
    private bool _subscribed;
    private LinkBlocked? _blocked;

    public bool IsConnected => _client.IsConnected;

    /// <summary>Why the cloud will take no more of this device's captures; null while it may.</summary>
    public LinkBlocked? Blocked => Volatile.Read(ref _blocked);

    public event Action<Ack>? Settled;

    public event Action<RefusedAck>? Refused;

    /// <summary>Raised once, when the uplink becomes <see cref="Blocked"/>.</summary>
    public event Action<LinkBlocked>? BlockedNow;

    public async Task<bool> TryConnectAsync(CancellationToken ct = default)
    {
        if (_client.IsConnected)
            return true;
        if (Blocked is not null)
            return false;
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
                if (Final.Contains(connected.ResultCode))
                    Block(new LinkBlocked($"the broker at {options.Host}:{options.Port} refused device {deviceId}'s login ({connected.ResultCode}): the cloud does not know this device or has revoked it",
                        "ask the insurer's office whether the device was revoked; if it was, take the animals' photos again on a provisioned handheld", connected.ResultCode));
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
        catch (InvalidOperationException e) when (!_client.IsConnected)
        {
            // MQTTnet refuses a connect while it is still tearing down the connection a broker restart broke ("Not allowed to
            // connect while connect/disconnect is pending"): offline a moment longer. Uncaught, it ended agri edge sync
            // with an unhandled exception in the fault-injection test's broker outage.
            log.LogInformation("Device {DeviceId} offline: {Reason}", deviceId, e.Message);
            return false;
        }
    }

    /// <summary>Publishes every pending capture whose resend is due: unacked past the wait <see cref="UplinkOptions.Resend"/>
    /// gives after its latest send, or not yet sent in this session while fewer than <see cref="UplinkOptions.MaxInFlight"/>
    /// wait for their acks; returns how many were published. Nothing while offline or <see cref="Blocked"/>.</summary>
    public async Task<int> FlushAsync(CancellationToken ct = default)
    {
        if (!_client.IsConnected || Blocked is not null)
            return 0;
        var published = 0;
        foreach (var item in await outbox.PendingAsync(500, ct))
        {
            lock (_sentLock)
            {
                if (_dueAt.TryGetValue(item.CaptureId, out var due) ? _clock.GetUtcNow() < due : _dueAt.Count >= options.MaxInFlight)
                    continue;
            }
            if (Blocked is not null)
                break;
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
            var sentAt = _clock.GetUtcNow();
            var sends = await outbox.MarkSentAsync(item.CaptureId, sentAt, ct);
            lock (_sentLock)
                _dueAt[item.CaptureId] = sentAt + options.Resend.Delay(Math.Max(sends, 1));
            published++;
        }
        return published;
    }

    /// <summary>The device's background loop: reconnects whenever the link is down and flushes the
    /// outbox, until cancelled or <see cref="Blocked"/>. A broker restart or a dead zone only delays captures.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested && Blocked is null)
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

    /// <summary>Waits until the outbox is empty, flushing as it goes; false when <paramref name="timeout"/> passes first
    /// or the uplink is <see cref="Blocked"/>.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline && Blocked is null)
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
            await RefuseAsync(new RefusedAck(topic, null, $"not a version {Ack.CurrentVersion} ack"));
            return;
        }
        if (!SignatureCheck.IsValid(ack, options.CloudAckKey))
        {
            await RefuseAsync(new RefusedAck(topic, ack.CaptureId, "not signed by the cloud's ack key"));
            return;
        }
        if (ack.Tenant != tenant || ack.DeviceId != deviceId)
        {
            await RefuseAsync(new RefusedAck(topic, ack.CaptureId, $"addressed to {ack.Tenant}/{ack.DeviceId}, not this device"));
            return;
        }
        if (await outbox.SettleAsync(ack))
        {
            lock (_sentLock)
                _dueAt.Remove(ack.CaptureId);
            log.LogInformation("Capture {CaptureId} settled: {Status} {Outcome}", ack.CaptureId, ack.Status, ack.Outcome);
            if (ack is { Status: AckStatus.Rejected, Outcome: ProtocolError.DeviceRevoked })
                Block(new LinkBlocked($"the cloud refused capture {ack.CaptureId}: {ack.Reason ?? "the device is revoked"}",
                    "the captures still queued will not be taken from this device: take the animals' photos again on a provisioned handheld"));
            Settled?.Invoke(ack);
        }
    }

    private async Task RefuseAsync(RefusedAck refused)
    {
        log.LogWarning("Ignored an ack on {Topic} for {CaptureId}: {Reason}; the capture stays queued", refused.Topic, refused.CaptureId ?? "(unreadable)", refused.Reason);
        await outbox.RecordRefusedAckAsync(refused, _clock.GetUtcNow());
        Refused?.Invoke(refused);
    }

    private void Block(LinkBlocked blocked)
    {
        if (Interlocked.CompareExchange(ref _blocked, blocked, null) is not null)
            return;
        log.LogWarning("Device {DeviceId} stops sending: {Reason}", deviceId, blocked.Reason);
        BlockedNow?.Invoke(blocked);
    }

    public Task DisconnectAsync() => _client.DisconnectQuietlyAsync();

    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync();
        _client.Dispose();
    }
}

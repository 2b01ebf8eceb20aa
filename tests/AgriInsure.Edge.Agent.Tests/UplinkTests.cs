using System.Buffers;
using AgriInsure.Broker;
using AgriInsure.Edge.Agent;
using AgriInsure.Protocol;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace AgriInsure.Edge.Agent.Tests;

public class OutboxTests
{
    [Fact]
    public async Task Pending_captures_survive_a_power_loss()
    {
        using var dir = new TempFolder();
        var path = dir.File("outbox.db");
        await using (var outbox = await Outbox.OpenAsync(path))
        {
            await outbox.AddAsync("C1", "agri/v1/t/captures/d", [1]);
            await outbox.AddAsync("C2", "agri/v1/t/captures/d", [2]);
        }
        await using var reopened = await Outbox.OpenAsync(path);
        Assert.Equal(["C1", "C2"], (await reopened.PendingAsync()).Select(i => i.CaptureId));
    }

    [Fact]
    public async Task A_capture_leaves_only_on_its_own_ack_and_only_once()
    {
        using var dir = new TempFolder();
        await using var outbox = await Outbox.OpenAsync(dir.File("outbox.db"));
        await outbox.AddAsync("C1", "t", [1]);
        Assert.False(await outbox.SettleAsync(new Ack { CaptureId = "C9", Status = AckStatus.Accepted, Outcome = "enrolled" }));
        Assert.Equal(1, await outbox.PendingCountAsync());
        var ack = new Ack { CaptureId = "C1", Status = AckStatus.Flagged, Outcome = "duplicate-enrolment", Reason = "matches A-1", AnimalId = "A-1", Score = 0.93f };
        Assert.True(await outbox.SettleAsync(ack));
        Assert.False(await outbox.SettleAsync(ack));
        Assert.Equal(0, await outbox.PendingCountAsync());
        var receipt = await outbox.ReceiptAsync("C1");
        Assert.Equal(("duplicate-enrolment", "A-1", 0.93f), (receipt!.Outcome, receipt.AnimalId, receipt.Score));
    }
}

public class UplinkTests
{
    private const string Tenant = "t1";
    private const string Device = "hh-1";

    private static readonly byte[] Secret = EmbeddedBroker.NewSecret();

    /// <summary>Stands in for the cloud: acks every capture it receives with a signed ack, unless told to stay silent.</summary>
    private sealed class AckingCloud(AckKey key) : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        public int Received;
        public bool Silent;
        public (AckStatus Status, string Outcome) Answer = (AckStatus.Accepted, "enrolled");

        public async Task StartAsync(EmbeddedBroker broker)
        {
            _client.ApplicationMessageReceivedAsync += async e =>
            {
                Interlocked.Increment(ref Received);
                if (Silent || !Codec.TryDecodeCapture(e.ApplicationMessage.Payload.ToArray(), e.ApplicationMessage.Topic, out var capture, out _))
                    return;
                var ack = key.Sign(new Ack { CaptureId = capture!.CaptureId, Tenant = Tenant, DeviceId = Device, Status = Answer.Status, Outcome = Answer.Outcome });
                await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Acks(Tenant, Device)).WithPayload(Codec.Encode(ack))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            };
            await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId("cloud")
                .WithLogin(new BrokerLogin { UserName = BrokerLogin.CloudUser, Password = broker.IssueToken(BrokerLogin.CloudUser) }).Build());
            await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.AllCaptures(), MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }

        public async ValueTask DisposeAsync()
        {
            await _client.DisconnectAsync();
            _client.Dispose();
        }
    }

    private static async Task AddCaptures(Outbox outbox, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var capture = new Capture
            {
                CaptureId = NUlid.Ulid.NewUlid().ToString(), Tenant = Tenant, DeviceId = Device, AgentId = "a", Purpose = CapturePurpose.Enrol,
                Species = "cattle", FarmerId = "F1", Gps = new GpsFix(0, 0, 1), TakenAt = DateTimeOffset.UnixEpoch,
                Model = new ModelRef("m", "1"), Photos = [new CapturePhoto { Embedding = [1, 2, 3], CropJpeg = [0xFF, 0xD8, 0, 0] }],
            };
            await outbox.AddAsync(capture.CaptureId, Topics.Captures(Tenant, Device), Codec.Encode(capture));
        }
    }

    private static UplinkOptions Options(int port, byte[] cloudAckKey) => new()
    {
        Port = port,
        Login = new BrokerLogin { UserName = Device, Password = EmbeddedBroker.IssueToken(Secret, Device) },
        CloudAckKey = cloudAckKey,
    };

    [Fact]
    public async Task Offline_captures_wait_and_go_when_the_link_returns()
    {
        using var dir = new TempFolder();
        await using var outbox = await Outbox.OpenAsync(dir.File("outbox.db"));
        await AddCaptures(outbox, 3);
        var port = EmbeddedBroker.FreePort();
        using var cloudKey = AckKey.Create();
        await using var uplink = new Uplink(Tenant, Device, outbox, Options(port, cloudKey.PublicKey), NullLogger<Uplink>.Instance);
        Assert.False(await uplink.TryConnectAsync());
        Assert.Equal(0, await uplink.FlushAsync());
        Assert.Equal(3, await outbox.PendingCountAsync());

        await using var broker = await EmbeddedBroker.StartAsync(Secret, port);
        await using var cloud = new AckingCloud(cloudKey);
        await cloud.StartAsync(broker);
        Assert.True(await uplink.TryConnectAsync());
        Assert.True(await uplink.DrainAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(3, cloud.Received);
    }

    [Fact]
    public async Task Without_an_ack_a_capture_is_resent_on_the_backoff_schedule_and_settles_when_the_ack_comes()
    {
        using var dir = new TempFolder();
        await using var outbox = await Outbox.OpenAsync(dir.File("outbox.db"));
        await AddCaptures(outbox, 1);
        await using var broker = await EmbeddedBroker.StartAsync(Secret);
        using var cloudKey = AckKey.Create();
        await using var cloud = new AckingCloud(cloudKey) { Silent = true };
        await cloud.StartAsync(broker);
        var clock = new FixedClock(DateTimeOffset.UnixEpoch);
        // No jitter drawn (0): each wait is half its ceiling, 10 s doubling to a 40 s cap → 5, 10, 20, 20 s.
        var schedule = new RetrySchedule(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(40), () => 0);
        await using var uplink = new Uplink(Tenant, Device, outbox, Options(broker.Port, cloudKey.PublicKey) with { Resend = schedule }, NullLogger<Uplink>.Instance, clock);
        Assert.True(await uplink.TryConnectAsync());
        var sends = new List<double>();
        for (var t = 0.0; t <= 60; t += 0.5)
        {
            clock.Now = DateTimeOffset.UnixEpoch.AddSeconds(t);
            if (await uplink.FlushAsync() == 1)
                sends.Add(t);
        }
        Assert.Equal([0, 5, 15, 35, 55], sends);
        Assert.Equal(5, (await outbox.PendingAsync())[0].Attempts);
        for (var i = 0; i < 200 && Volatile.Read(ref cloud.Received) < 5; i++)
            await Task.Delay(25);
        Assert.Equal(5, cloud.Received);

        cloud.Silent = false;
        clock.Now = clock.Now.AddMinutes(1);
        Assert.True(await uplink.DrainAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("enrolled", (await outbox.StateAsync()).Captures.Single().Receipt!.Outcome);
    }

    [Fact]
    public async Task No_more_than_the_window_of_captures_waits_for_acks_and_the_next_go_as_acks_free_it()
    {
        using var dir = new TempFolder();
        await using var outbox = await Outbox.OpenAsync(dir.File("outbox.db"));
        await AddCaptures(outbox, 5);
        var ids = (await outbox.PendingAsync()).Select(i => i.CaptureId).ToList();
        await using var broker = await EmbeddedBroker.StartAsync(Secret);
        using var cloudKey = AckKey.Create();
        await using var cloud = new AckingCloud(cloudKey) { Silent = true };
        await cloud.StartAsync(broker);
        var clock = new FixedClock(DateTimeOffset.UnixEpoch);
        var options = Options(broker.Port, cloudKey.PublicKey) with { MaxInFlight = 3, Resend = new RetrySchedule(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(40), () => 0) };
        await using var uplink = new Uplink(Tenant, Device, outbox, options, NullLogger<Uplink>.Instance, clock);
        Assert.True(await uplink.TryConnectAsync());
        Assert.Equal(3, await uplink.FlushAsync());
        Assert.Equal(0, await uplink.FlushAsync());
        // Their resends fall due (5 s): the same three go again, and the window still holds the last two back.
        clock.Now = clock.Now.AddSeconds(6);
        Assert.Equal(3, await uplink.FlushAsync());

        cloud.Silent = false;
        clock.Now = clock.Now.AddSeconds(20);
        Assert.True(await uplink.DrainAsync(TimeSpan.FromSeconds(20)));
        var sends = (await outbox.StateAsync()).Captures.ToDictionary(c => c.CaptureId, c => c.Attempts);
        Assert.Equal([3, 3, 3, 1, 1], ids.Select(id => sends[id]));
    }

    [Fact]
    public async Task A_login_the_broker_refuses_for_good_blocks_the_uplink_instead_of_retrying_forever()
    {
        using var dir = new TempFolder();
        await using var outbox = await Outbox.OpenAsync(dir.File("outbox.db"));
        await AddCaptures(outbox, 2);
        using var cloudKey = AckKey.Create();
        // The registry's answer for a revoked or unknown device.
        await using var broker = await EmbeddedBroker.StartAsync(Secret, (_, _) => Task.FromResult(false));
        await using var uplink = new Uplink(Tenant, Device, outbox, Options(broker.Port, cloudKey.PublicKey) with { PollInterval = TimeSpan.FromMilliseconds(20) }, NullLogger<Uplink>.Instance);
        LinkBlocked? told = null;
        uplink.BlockedNow += b => told = b;
        Assert.False(await uplink.TryConnectAsync());
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, uplink.Blocked?.LoginRefused);
        Assert.Same(uplink.Blocked, told);
        Assert.Contains("revoked", uplink.Blocked!.Reason);
        var loop = uplink.RunAsync(CancellationToken.None);
        Assert.Same(loop, await Task.WhenAny(loop, Task.Delay(TimeSpan.FromSeconds(5))));
        Assert.False(await uplink.DrainAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(2, await outbox.PendingCountAsync());
    }

    [Fact]
    public async Task A_wrong_password_blocks_but_a_broker_that_is_down_does_not()
    {
        using var dir = new TempFolder();
        await using var outbox = await Outbox.OpenAsync(dir.File("outbox.db"));
        using var cloudKey = AckKey.Create();
        var port = EmbeddedBroker.FreePort();
        await using (var offline = new Uplink(Tenant, Device, outbox, Options(port, cloudKey.PublicKey), NullLogger<Uplink>.Instance))
        {
            Assert.False(await offline.TryConnectAsync());
            Assert.Null(offline.Blocked);
        }
        await using var broker = await EmbeddedBroker.StartAsync(EmbeddedBroker.NewSecret(), port);
        await using var uplink = new Uplink(Tenant, Device, outbox, Options(port, cloudKey.PublicKey), NullLogger<Uplink>.Instance);
        Assert.False(await uplink.TryConnectAsync());
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, uplink.Blocked?.LoginRefused);
    }

    [Fact]
    public async Task A_signed_revoked_rejection_settles_its_capture_and_stops_the_rest()
    {
        using var dir = new TempFolder();
        await using var outbox = await Outbox.OpenAsync(dir.File("outbox.db"));
        await AddCaptures(outbox, 1);
        await using var broker = await EmbeddedBroker.StartAsync(Secret);
        using var cloudKey = AckKey.Create();
        await using var cloud = new AckingCloud(cloudKey) { Answer = (AckStatus.Rejected, ProtocolError.DeviceRevoked) };
        await cloud.StartAsync(broker);
        await using var uplink = new Uplink(Tenant, Device, outbox, Options(broker.Port, cloudKey.PublicKey), NullLogger<Uplink>.Instance);
        Assert.True(await uplink.TryConnectAsync());
        var first = (await outbox.PendingAsync())[0];
        Assert.Equal(1, await uplink.FlushAsync());
        for (var i = 0; i < 400 && uplink.Blocked is null; i++)
            await Task.Delay(25);
        Assert.NotNull(uplink.Blocked);
        Assert.Null(uplink.Blocked!.LoginRefused);
        Assert.Equal((AckStatus.Rejected, ProtocolError.DeviceRevoked), ((await outbox.ReceiptAsync(first.CaptureId))!.Status, (await outbox.ReceiptAsync(first.CaptureId))!.Outcome));

        await AddCaptures(outbox, 2);
        Assert.Equal(0, await uplink.FlushAsync());
        Assert.Equal(2, await outbox.PendingCountAsync());
        Assert.Equal(1, cloud.Received);
    }

    [Fact]
    public async Task A_forged_ack_is_refused_recorded_in_the_outbox_and_settles_nothing()
    {
        using var dir = new TempFolder();
        await using var outbox = await Outbox.OpenAsync(dir.File("outbox.db"));
        await AddCaptures(outbox, 1);
        await using var broker = await EmbeddedBroker.StartAsync(Secret);
        using var cloudKey = AckKey.Create();
        using var forger = AckKey.Create();
        await using var cloud = new AckingCloud(forger);
        await cloud.StartAsync(broker);
        await using var uplink = new Uplink(Tenant, Device, outbox, Options(broker.Port, cloudKey.PublicKey), NullLogger<Uplink>.Instance);
        Assert.True(await uplink.TryConnectAsync());
        await uplink.FlushAsync();
        OutboxState state;
        var waited = 0;
        while ((state = await outbox.StateAsync()).RefusedAcks.Count == 0 && waited++ < 400)
            await Task.Delay(25);
        var refused = Assert.Single(state.RefusedAcks);
        Assert.Equal(state.Captures[0].CaptureId, refused.CaptureId);
        Assert.Contains("not signed by the cloud's ack key", refused.Reason);
        Assert.Equal(1, state.Pending);
    }
}

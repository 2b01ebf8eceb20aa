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

        public async Task StartAsync(EmbeddedBroker broker)
        {
            _client.ApplicationMessageReceivedAsync += async e =>
            {
                Interlocked.Increment(ref Received);
                if (Silent || !Codec.TryDecodeCapture(e.ApplicationMessage.Payload.ToArray(), e.ApplicationMessage.Topic, out var capture, out _))
                    return;
                var ack = key.Sign(new Ack { CaptureId = capture!.CaptureId, Tenant = Tenant, DeviceId = Device, Status = AckStatus.Accepted, Outcome = "enrolled" });
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
    public async Task Without_an_ack_a_capture_stays_and_is_resent()
    {
        using var dir = new TempFolder();
        await using var outbox = await Outbox.OpenAsync(dir.File("outbox.db"));
        await AddCaptures(outbox, 1);
        await using var broker = await EmbeddedBroker.StartAsync(Secret);
        using var cloudKey = AckKey.Create();
        await using var cloud = new AckingCloud(cloudKey) { Silent = true };
        await cloud.StartAsync(broker);
        await using var uplink = new Uplink(Tenant, Device, outbox, Options(broker.Port, cloudKey.PublicKey) with { ResendAfter = TimeSpan.FromMilliseconds(100) }, NullLogger<Uplink>.Instance);
        Assert.True(await uplink.TryConnectAsync());
        for (var i = 0; i < 400 && Volatile.Read(ref cloud.Received) < 2; i++)
        {
            await uplink.FlushAsync();
            await Task.Delay(25);
        }
        Assert.Equal(1, await outbox.PendingCountAsync());
        Assert.True(cloud.Received >= 2, $"sent {cloud.Received} times");
        Assert.True((await outbox.PendingAsync())[0].Attempts >= 2);

        cloud.Silent = false;
        Assert.True(await uplink.DrainAsync(TimeSpan.FromSeconds(20)));
    }
}

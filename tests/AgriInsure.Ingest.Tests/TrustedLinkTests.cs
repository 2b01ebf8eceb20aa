using System.Buffers;
using System.Collections.Concurrent;
using AgriInsure.Edge.Agent;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace AgriInsure.Ingest.Tests;

/// <summary>Trusted links end to end, on both brokers: the handheld's uplink and outbox, the broker with its rules, the
/// ingest worker signing acks. Outcomes are counted in capture ids (outbox, registry, refused acks), not in log lines.</summary>
public class TrustedLinkTests
{
    private const string OtherDevice = "hh-2";

    /// <summary>The handheld hh-1 with one signed capture queued, provisioned with the cloud's ack key.</summary>
    private sealed class Handset : IAsyncDisposable
    {
        public required TempFolder Dir { get; init; }
        public required Outbox Outbox { get; init; }
        public required Uplink Uplink { get; init; }
        public required Capture Capture { get; init; }
        public ConcurrentQueue<RefusedAck> Refused { get; } = new();

        public static async Task<Handset> StartAsync(IngestFixture f, ITestBroker broker)
        {
            var dir = new TempFolder();
            var outbox = await Outbox.OpenAsync(dir.File("outbox.db"));
            var capture = f.Signed(1);
            await outbox.AddAsync(capture.CaptureId, IngestFixture.Topic, Codec.Encode(capture));
            var options = new UplinkOptions { Host = broker.Host, Port = broker.Port, Login = broker.Login(IngestFixture.Device), CloudAckKey = f.AckKey.PublicKey };
            var handset = new Handset { Dir = dir, Outbox = outbox, Uplink = new Uplink(IngestFixture.Tenant, IngestFixture.Device, outbox, options, NullLogger<Uplink>.Instance), Capture = capture };
            handset.Uplink.Refused += handset.Refused.Enqueue;
            return handset;
        }

        public async Task<IReadOnlyList<string>> PendingIds() => [.. (await Outbox.PendingAsync()).Select(i => i.CaptureId)];

        public async ValueTask DisposeAsync()
        {
            await Uplink.DisposeAsync();
            await Outbox.DisposeAsync();
            Dir.Dispose();
        }
    }

    private static async Task<IMqttClient> ConnectAsync(ITestBroker broker, string clientId, BrokerLogin login, Func<MqttApplicationMessageReceivedEventArgs, Task>? received = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        if (received is not null)
            client.ApplicationMessageReceivedAsync += received;
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.PortFor(login.UserName)).WithClientId(clientId).WithLogin(login)
            .WithTimeout(TimeSpan.FromSeconds(5)).Build());
        return client;
    }

    [Theory]
    [InlineData(Brokers.Embedded)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_capture_leaves_the_outbox_on_its_signed_ack(string engine)
    {
        await using var f = await IngestFixture.StartAsync();
        await using var broker = await Brokers.StartAsync(engine);
        await using var worker = f.Worker(broker);
        await worker.StartAsync();
        await using var handset = await Handset.StartAsync(f, broker);

        Assert.True(await handset.Uplink.TryConnectAsync());
        Assert.True(await handset.Uplink.DrainAsync(TimeSpan.FromSeconds(10)));
        var receipt = await handset.Outbox.ReceiptAsync(handset.Capture.CaptureId);
        Assert.Equal((AckStatus.Accepted, "enrolled"), (receipt!.Status, receipt.Outcome));
        Assert.Empty(handset.Refused);
        Assert.Equal(1, await f.CapturesStored());
    }

    [Theory]
    [InlineData(Brokers.Embedded)]
    [InlineData(Brokers.Mosquitto)]
    public async Task Forged_unsigned_tampered_and_misaddressed_acks_leave_the_capture_queued(string engine)
    {
        await using var f = await IngestFixture.StartAsync();
        await using var broker = await Brokers.StartAsync(engine);
        await using var handset = await Handset.StartAsync(f, broker);
        Assert.True(await handset.Uplink.TryConnectAsync());
        var id = handset.Capture.CaptureId;

        // The forger holds the cloud's broker login, so the broker carries what it sends; it lacks the cloud's ack key.
        using var forger = await ConnectAsync(broker, "forger", broker.Login(BrokerLogin.CloudUser));
        using var otherKey = AckKey.Create();
        var ack = new Ack { CaptureId = id, Tenant = IngestFixture.Tenant, DeviceId = IngestFixture.Device, Status = AckStatus.Accepted, Outcome = "enrolled" };
        var forgeries = new[]
        {
            Codec.Encode(ack),
            Codec.Encode(otherKey.Sign(ack)),
            Codec.Encode(f.AckKey.Sign(ack with { Status = AckStatus.Flagged }) with { Status = AckStatus.Accepted }),
            Codec.Encode(f.AckKey.Sign(ack with { DeviceId = OtherDevice })),
            Codec.Encode(f.AckKey.Sign(ack with { Tenant = "t2" })),
        };
        foreach (var forged in forgeries)
            Assert.True((await Mqtt.PublishAsync(forger, Topics.Acks(IngestFixture.Tenant, IngestFixture.Device), forged)).IsSuccess);
        // What a version 1 cloud sent: no signature, no device named.
        var v1 = System.Text.Encoding.UTF8.GetBytes($$"""{"v":1,"captureId":"{{id}}","status":"Accepted","outcome":"enrolled"}""");
        Assert.True((await Mqtt.PublishAsync(forger, Topics.Acks(IngestFixture.Tenant, IngestFixture.Device), v1)).IsSuccess);

        await Mqtt.Eventually(() => handset.Refused.Count == forgeries.Length + 1, "every forged ack refused");
        Assert.Equal(forgeries.Length, handset.Refused.Count(r => r.CaptureId == id));
        Assert.Equal([id], await handset.PendingIds());

        // The real cloud's ack still settles it.
        await using var worker = f.Worker(broker);
        await worker.StartAsync();
        Assert.True(await handset.Uplink.DrainAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(await handset.PendingIds());
        Assert.Equal(forgeries.Length + 1, handset.Refused.Count);
    }

    [Theory]
    [InlineData(Brokers.Embedded)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_device_cannot_publish_on_another_devices_topic_nor_read_its_acks(string engine)
    {
        await using var f = await IngestFixture.StartAsync();
        using var otherKey = DeviceKey.Create();
        await f.Registry.RegisterDeviceAsync(new DeviceRecord(IngestFixture.Tenant, OtherDevice, "agent-2", otherKey.PublicKey));
        await using var broker = await Brokers.StartAsync(engine);
        await using var worker = f.Worker(broker);
        await worker.StartAsync();

        var overheard = new ConcurrentQueue<string>();
        using var intruder = await ConnectAsync(broker, OtherDevice, broker.Login(OtherDevice), e =>
        {
            overheard.Enqueue(e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        });
        foreach (var filter in new[] { Topics.Acks(IngestFixture.Tenant, IngestFixture.Device), Topics.AllCaptures(), "agri/#", "#" })
        {
            var subscribed = await intruder.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
            // The embedded broker refuses the subscription; Mosquitto 2.0 grants it and checks each message it would
            // deliver against the read rules instead: either way nothing arrives (asserted below).
            if (engine == Brokers.Embedded)
                Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, subscribed.Items.Single().ResultCode);
        }

        // Its own capture, and another device's capture replayed, both on hh-1's topic.
        var own = otherKey.Sign(IngestFixture.Unsigned(2) with { DeviceId = OtherDevice });
        var replayed = f.Signed(3);
        foreach (var capture in new[] { own, replayed })
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await Mqtt.PublishAsync(intruder, IngestFixture.Topic, Codec.Encode(capture))).ReasonCode);

        // hh-1's own capture goes through and is settled, and the intruder hears nothing of it.
        await using var handset = await Handset.StartAsync(f, broker);
        Assert.True(await handset.Uplink.TryConnectAsync());
        Assert.True(await handset.Uplink.DrainAsync(TimeSpan.FromSeconds(10)));
        Assert.Null(await f.Registry.FindCaptureAsync(own.CaptureId));
        Assert.Null(await f.Registry.FindCaptureAsync(replayed.CaptureId));
        Assert.NotNull(await f.Registry.FindCaptureAsync(handset.Capture.CaptureId));
        Assert.Equal(1, worker.Handled);
        Assert.Empty(overheard);
    }

    [Theory]
    [InlineData(Brokers.Embedded)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_client_without_a_login_the_broker_issued_is_refused(string engine)
    {
        await using var broker = await Brokers.StartAsync(engine);
        var refused = new List<(string Name, MqttClientOptions Options)>
        {
            ("no login", Options(broker, IngestFixture.Device).Build()),
            ("forged login", Options(broker, IngestFixture.Device).WithLogin(broker.Forged(IngestFixture.Device)).Build()),
            ("forged cloud login", Options(broker, "agri-ingest-1").WithLogin(broker.Forged(BrokerLogin.CloudUser)).Build()),
        };
        // On Mosquitto the certificate's CN is the user name, so there is no name to claim besides it.
        if (engine == Brokers.Embedded)
            refused.Add(("another device's token", Options(broker, IngestFixture.Device).WithLogin(broker.Login(OtherDevice) with { UserName = IngestFixture.Device }).Build()));
        if (engine == Brokers.Mosquitto)
            refused.Add(("a device's certificate on the cloud's listener", Options(broker, IngestFixture.Device, broker.PortFor(BrokerLogin.CloudUser))
                .WithLogin(broker.Login(IngestFixture.Device)).Build()));
        if (engine == Brokers.Mosquitto)
            refused.Add(("TLS without a client certificate", Options(broker, IngestFixture.Device)
                .WithTlsOptions(t => t.UseTls().WithCertificateValidationHandler(e => broker.Login(IngestFixture.Device).TrustsBroker(e.Certificate, e.SslPolicyErrors))).Build()));
        foreach (var (name, options) in refused)
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            MqttClientConnectResult? result = null;
            await Record.ExceptionAsync(async () => result = await client.ConnectAsync(options));
            Assert.False(client.IsConnected || result?.ResultCode == MqttClientConnectResultCode.Success, $"{name}: connected");
        }
        using var admitted = new MqttClientFactory().CreateMqttClient();
        await admitted.ConnectAsync(Options(broker, IngestFixture.Device).WithLogin(broker.Login(IngestFixture.Device)).Build());
        Assert.True(admitted.IsConnected);
    }

    private static MqttClientOptionsBuilder Options(ITestBroker broker, string clientId, int? port = null) =>
        new MqttClientOptionsBuilder().WithTcpServer(broker.Host, port ?? broker.Port).WithClientId(clientId).WithTimeout(TimeSpan.FromSeconds(5));

    [Theory]
    [InlineData(Brokers.Embedded)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_device_cannot_take_over_another_devices_session(string engine)
    {
        await using var f = await IngestFixture.StartAsync();
        await using var broker = await Brokers.StartAsync(engine);
        await using var handset = await Handset.StartAsync(f, broker);
        Assert.True(await handset.Uplink.TryConnectAsync());

        // hh-2 asks for hh-1's client id: the embedded broker refuses it; Mosquitto gives it its own id instead.
        using var intruder = new MqttClientFactory().CreateMqttClient();
        await Record.ExceptionAsync(() => intruder.ConnectAsync(Options(broker, IngestFixture.Device).WithLogin(broker.Login(OtherDevice))
            .WithCleanStart(false).WithSessionExpiryInterval(3600).Build()));
        await Task.Delay(300);
        Assert.True(handset.Uplink.IsConnected, "hh-1 was disconnected by a client of another device");

        await using var worker = f.Worker(broker);
        await worker.StartAsync();
        Assert.True(await handset.Uplink.DrainAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Ingest_refuses_a_capture_whose_signed_device_is_not_its_topics_and_stores_nothing()
    {
        await using var f = await IngestFixture.StartAsync();
        using var otherKey = DeviceKey.Create();
        await f.Registry.RegisterDeviceAsync(new DeviceRecord(IngestFixture.Tenant, OtherDevice, "agent-2", otherKey.PublicKey));
        var own = otherKey.Sign(IngestFixture.Unsigned(2) with { DeviceId = OtherDevice });
        var posing = otherKey.Sign(IngestFixture.Unsigned(3));
        var mismatch = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(own));
        var unsigned = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(posing));
        Assert.Equal((ProtocolError.TopicMismatch, ProtocolError.BadSignature), (mismatch.Refusal!.Code, unsigned.Refusal!.Code));
        Assert.Equal((null, null), (mismatch.Ack, unsigned.Ack));
        Assert.Equal(0, await f.CapturesStored());
    }
}

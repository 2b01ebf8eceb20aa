using System.Buffers;
using AgriInsure.Broker;
using AgriInsure.Protocol;
using MQTTnet;
using MQTTnet.Protocol;

namespace AgriInsure.Broker.Tests;

public class EmbeddedBrokerTests
{
    private static MqttClientOptionsBuilder Options(EmbeddedBroker broker, string id, string user) =>
        new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId(id).WithLogin(new BrokerLogin { UserName = user, Password = broker.IssueToken(user) });

    private static async Task<IMqttClient> Connect(EmbeddedBroker broker, string id, string user, bool clean)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options(broker, id, user).WithCleanStart(clean).WithSessionExpiryInterval(clean ? 0u : 3600u).Build());
        return client;
    }

    private static MqttApplicationMessage Message(string topic, string text) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(System.Text.Encoding.UTF8.GetBytes(text)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    [Fact]
    public async Task Listens_on_loopback_only_on_a_free_port()
    {
        await using var broker = await EmbeddedBroker.StartAsync(EmbeddedBroker.NewSecret());
        Assert.Equal("127.0.0.1", broker.Host);
        Assert.InRange(broker.Port, 1, 65535);
        using var client = await Connect(broker, "probe", BrokerLogin.CloudUser, clean: true);
        Assert.True(client.IsConnected);
        // Every listening socket on the port, from the kernel's tables: the address (hex) before the port.
        var port = $":{broker.Port:X4} ";
        var listening = new[] { "/proc/net/tcp", "/proc/net/tcp6" }
            .SelectMany(table => File.ReadLines(table).Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[3] == "0A" && (f[1] + " ").EndsWith(port, StringComparison.Ordinal))
            .Select(f => f[1][..f[1].IndexOf(':', StringComparison.Ordinal)])
            .ToList();
        Assert.Equal(["0100007F"], listening);
    }

    [Fact]
    public async Task Qos1_messages_wait_for_a_disconnected_persistent_subscriber()
    {
        await using var broker = await EmbeddedBroker.StartAsync(EmbeddedBroker.NewSecret());
        var acks = Topics.Acks("t1", "hh-1");
        using (var subscriber = await Connect(broker, "hh-1", "hh-1", clean: false))
        {
            await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(acks, MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await subscriber.DisconnectAsync();
        }
        using (var publisher = await Connect(broker, "cloud", BrokerLogin.CloudUser, clean: true))
            await publisher.PublishAsync(Message(acks, "kept"));
        var received = new TaskCompletionSource<string>();
        var again = new MqttClientFactory().CreateMqttClient();
        again.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(System.Text.Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
        await again.ConnectAsync(Options(broker, "hh-1", "hh-1").WithCleanStart(false).WithSessionExpiryInterval(3600).Build());
        Assert.Equal("kept", await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        again.Dispose();
    }

    [Fact]
    public async Task Tokens_come_from_the_secret_so_a_restart_on_the_same_secret_keeps_them()
    {
        var secret = EmbeddedBroker.NewSecret();
        await using var broker = await EmbeddedBroker.StartAsync(secret);
        Assert.Equal(EmbeddedBroker.IssueToken(secret, "hh-1"), broker.IssueToken("hh-1"));
        Assert.NotEqual(broker.IssueToken("hh-1"), broker.IssueToken("hh-2"));
        Assert.NotEqual(broker.IssueToken("hh-1"), EmbeddedBroker.IssueToken(EmbeddedBroker.NewSecret(), "hh-1"));
        Assert.Throws<ArgumentException>(() => broker.IssueToken("hh/1"));
        await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedBroker.StartAsync(new byte[16]));
    }

    [Fact]
    public async Task A_device_may_not_take_another_client_id_than_its_own()
    {
        await using var broker = await EmbeddedBroker.StartAsync(EmbeddedBroker.NewSecret());
        using var client = new MqttClientFactory().CreateMqttClient();
        MqttClientConnectResult? result = null;
        await Record.ExceptionAsync(async () => result = await client.ConnectAsync(Options(broker, "hh-2", "hh-1").Build()));
        Assert.False(client.IsConnected || result?.ResultCode == MqttClientConnectResultCode.Success);
        Assert.Equal(1, broker.Refused);
    }

    [Fact]
    public async Task The_cloud_may_not_publish_captures_nor_read_acks()
    {
        await using var broker = await EmbeddedBroker.StartAsync(EmbeddedBroker.NewSecret());
        using var cloud = await Connect(broker, "cloud", BrokerLogin.CloudUser, clean: true);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await cloud.PublishAsync(Message(Topics.Captures("t1", "hh-1"), "{}"))).ReasonCode);
        var subscribed = await cloud.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.Acks("t1", "hh-1"), MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, subscribed.Items.Single().ResultCode);
        Assert.Equal(2, broker.Refused);
    }
}

public class BrokerRulesTests
{
    [Theory]
    [InlineData("hh-1", "agri/v1/t1/captures/hh-1", true)]
    [InlineData("hh-1", "agri/v1/t1/captures/hh-2", false)]
    [InlineData("hh-1", "agri/v1/t1/acks/hh-1", false)]
    [InlineData("hh-1", "agri/v1/t1/captures/hh-1/x", false)]
    [InlineData("hh-1", "elsewhere", false)]
    [InlineData(BrokerLogin.CloudUser, "agri/v1/t1/acks/hh-1", true)]
    [InlineData(BrokerLogin.CloudUser, "agri/v1/t1/captures/hh-1", false)]
    [InlineData(null, "agri/v1/t1/captures/hh-1", false)]
    public void Publishing(string? user, string topic, bool allowed) => Assert.Equal(allowed, BrokerRules.MayPublish(user, topic));

    [Theory]
    [InlineData("hh-1", "agri/v1/t1/acks/hh-1", true)]
    [InlineData("hh-1", "agri/v1/t1/acks/hh-2", false)]
    [InlineData("hh-1", "agri/v1/t1/acks/+", false)]
    [InlineData("hh-1", "agri/v1/+/acks/hh-1", false)]
    [InlineData("hh-1", "agri/v1/t1/captures/hh-1", false)]
    [InlineData("hh-1", "#", false)]
    [InlineData(BrokerLogin.CloudUser, "agri/v1/+/captures/+", true)]
    [InlineData(BrokerLogin.CloudUser, "agri/v1/t1/acks/hh-1", false)]
    [InlineData(BrokerLogin.CloudUser, "#", false)]
    [InlineData(null, "agri/v1/t1/acks/hh-1", false)]
    public void Subscribing(string? user, string filter, bool allowed) => Assert.Equal(allowed, BrokerRules.MaySubscribe(user, filter));
}

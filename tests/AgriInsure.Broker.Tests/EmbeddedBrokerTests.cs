using System.Buffers;
using AgriInsure.Broker;
using MQTTnet;
using MQTTnet.Protocol;

namespace AgriInsure.Broker.Tests;

public class EmbeddedBrokerTests
{
    private static async Task<IMqttClient> Connect(EmbeddedBroker broker, string id, bool clean)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId(id)
            .WithCleanStart(clean).WithSessionExpiryInterval(clean ? 0u : 3600u).Build());
        return client;
    }

    [Fact]
    public async Task Listens_on_loopback_only_on_a_free_port()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        Assert.Equal("127.0.0.1", broker.Host);
        Assert.InRange(broker.Port, 1, 65535);
        using var client = await Connect(broker, "probe", clean: true);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Qos1_messages_wait_for_a_disconnected_persistent_subscriber()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        using (var subscriber = await Connect(broker, "sub", clean: false))
        {
            await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("a/b", MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await subscriber.DisconnectAsync();
        }
        using (var publisher = await Connect(broker, "pub", clean: true))
        {
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("a/b").WithPayload("kept"u8.ToArray())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
        var received = new TaskCompletionSource<string>();
        var again = new MqttClientFactory().CreateMqttClient();
        again.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(System.Text.Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
        await again.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId("sub")
            .WithCleanStart(false).WithSessionExpiryInterval(3600).Build());
        Assert.Equal("kept", await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        again.Dispose();
    }
}

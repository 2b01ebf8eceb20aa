using System.Buffers;
using System.Collections.Concurrent;
using AgriInsure.Broker;
using AgriInsure.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace AgriInsure.Ingest.Tests;

public class MqttIngestWorkerTests
{
    private static async Task<(IMqttClient Client, ConcurrentQueue<Ack> Acks)> DeviceAsync(EmbeddedBroker broker)
    {
        var acks = new ConcurrentQueue<Ack>();
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (Codec.TryDecodeAck(e.ApplicationMessage.Payload.ToArray(), out var ack))
                acks.Enqueue(ack!);
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId("test-device").Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.Acks(IngestFixture.Tenant, IngestFixture.Device), MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return (client, acks);
    }

    private static Task Publish(IMqttClient client, byte[] payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(IngestFixture.Topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private static async Task Eventually(Func<bool> condition, string what)
    {
        for (var i = 0; i < 500 && !condition(); i++)
            await Task.Delay(20);
        Assert.True(condition(), $"timed out waiting for {what}");
    }

    [Fact]
    public async Task Captures_over_mqtt_are_acked_on_the_device_topic()
    {
        await using var f = await IngestFixture.StartAsync();
        await using var broker = await EmbeddedBroker.StartAsync();
        await using var worker = new MqttIngestWorker(new IngestOptions { Host = broker.Host, Port = broker.Port }, f.Ingest, NullLogger<MqttIngestWorker>.Instance);
        await worker.StartAsync();
        var (device, acks) = await DeviceAsync(broker);
        var capture = f.Signed(1);
        await Publish(device, Codec.Encode(capture));
        await Publish(device, Codec.Encode(capture));
        await Publish(device, "garbage"u8.ToArray());
        await Eventually(() => acks.Count >= 2 && worker.Handled == 3, "two acks");
        Assert.All(acks, a => Assert.Equal((capture.CaptureId, "enrolled"), (a.CaptureId, a.Outcome)));
        Assert.Equal(1, await f.CapturesStored());
        device.Dispose();
    }

    [Fact]
    public async Task Captures_sent_while_the_worker_is_down_arrive_when_it_returns()
    {
        await using var f = await IngestFixture.StartAsync();
        await using var broker = await EmbeddedBroker.StartAsync();
        var options = new IngestOptions { Host = broker.Host, Port = broker.Port, ClientId = "ingest-restart" };
        await using (var first = new MqttIngestWorker(options, f.Ingest, NullLogger<MqttIngestWorker>.Instance))
            await first.StartAsync();

        var (device, acks) = await DeviceAsync(broker);
        var captures = Enumerable.Range(1, 5).Select(i => f.Signed(i)).ToList();
        foreach (var c in captures)
            await Publish(device, Codec.Encode(c));
        Assert.Equal(0, await f.CapturesStored());

        await using var second = new MqttIngestWorker(options, f.Ingest, NullLogger<MqttIngestWorker>.Instance);
        await second.StartAsync();
        await Eventually(() => acks.Count == 5, "five acks after the worker returned");
        Assert.Equal(captures.Select(c => c.CaptureId).Order(), acks.Select(a => a.CaptureId).Order());
        Assert.Equal(5, await f.CapturesStored());
        device.Dispose();
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using AgriInsure.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace AgriInsure.Ingest.Tests;

public class MqttIngestWorkerTests
{
    private static async Task<(IMqttClient Client, ConcurrentQueue<Ack> Acks)> DeviceAsync(ITestBroker broker)
    {
        var acks = new ConcurrentQueue<Ack>();
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (Codec.TryDecodeAck(e.ApplicationMessage.Payload.ToArray(), out var ack))
                acks.Enqueue(ack!);
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId(IngestFixture.Device)
            .WithLogin(broker.Login(IngestFixture.Device)).Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.Acks(IngestFixture.Tenant, IngestFixture.Device), MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return (client, acks);
    }

    private static Task Publish(IMqttClient client, byte[] payload) => Mqtt.PublishAsync(client, IngestFixture.Topic, payload);

    [Theory]
    [InlineData(Brokers.Embedded)]
    [InlineData(Brokers.Mosquitto)]
    public async Task Captures_over_mqtt_are_acked_on_the_device_topic(string engine)
    {
        await using var f = await IngestFixture.StartAsync();
        await using var broker = await Brokers.StartAsync(engine);
        await using var worker = f.Worker(broker);
        await worker.StartAsync();
        var (device, acks) = await DeviceAsync(broker);
        var capture = f.Signed(1);
        await Publish(device, Codec.Encode(capture));
        await Publish(device, Codec.Encode(capture));
        await Publish(device, "garbage"u8.ToArray());
        await Mqtt.Eventually(() => acks.Count >= 2 && worker.Handled == 3, "two acks");
        Assert.All(acks, a => Assert.Equal((capture.CaptureId, "enrolled"), (a.CaptureId, a.Outcome)));
        Assert.All(acks, a => Assert.True(SignatureCheck.IsValid(a, f.AckKey.PublicKey), "an ack not signed by the cloud's key"));
        Assert.Equal(1, await f.CapturesStored());
        device.Dispose();
    }

    [Theory]
    [InlineData(Brokers.Embedded)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_message_that_fails_every_attempt_is_parked_not_redelivered_for_ever_and_decided_when_sent_again(string engine)
    {
        await using var f = await IngestFixture.StartAsync();
        await using var broker = await Brokers.StartAsync(engine);
        var (device, acks) = await DeviceAsync(broker);
        var capture = Codec.Encode(f.Signed(1));
        // The crops' store refuses every write: a file where its folder should be.
        var blobs = f.Dir.File("blobs");
        if (Directory.Exists(blobs))
            Directory.Delete(blobs, recursive: true);
        await File.WriteAllTextAsync(blobs, "not a folder");

        await using (var worker = f.Worker(broker, "ingest-parking"))
        {
            await worker.StartAsync();
            await Publish(device, capture);
            await Mqtt.Eventually(() => worker.Parked == 1, "the message parked");
            Assert.Equal(0, worker.Handled);
        }
        Assert.Empty(acks);
        Assert.Equal(0, await f.CapturesStored());
        Assert.Equal(capture, await f.Parking.GetAsync(Storage.BlobKeys.Of(capture)));

        // The same session again: the parked delivery was acknowledged, so nothing comes back.
        File.Delete(blobs);
        await using var again = f.Worker(broker, "ingest-parking");
        await again.StartAsync();
        await Task.Delay(500);
        Assert.Equal((0, 0L), (await f.CapturesStored(), again.Handled));
        // The device, with no ack, sends it again: decided now that the store takes writes.
        await Publish(device, capture);
        await Mqtt.Eventually(() => acks.Count == 1, "the ack of the capture sent again");
        Assert.Equal("enrolled", Assert.Single(acks).Outcome);
        device.Dispose();
    }

    [Theory]
    [InlineData(Brokers.Embedded)]
    [InlineData(Brokers.Mosquitto)]
    public async Task One_message_that_always_fails_in_a_batch_is_parked_and_the_others_are_decided(string engine)
    {
        await using var f = await IngestFixture.StartAsync();
        await using var broker = await Brokers.StartAsync(engine);
        await using (var first = f.Worker(broker, "ingest-batch"))
            await first.StartAsync();
        var (device, acks) = await DeviceAsync(broker);
        var captures = Enumerable.Range(1, 6).Select(i => f.Signed(i)).ToList();
        // The third capture's crop cannot be written (a file where its folder should be); the others' can.
        var blocked = Path.GetDirectoryName(f.Blobs.FileOf(Storage.BlobKeys.Of(captures[2].Photos[0].CropJpeg)))!;
        Directory.CreateDirectory(Path.GetDirectoryName(blocked)!);
        await File.WriteAllTextAsync(blocked, "not a folder");
        // Sent while the worker is down, so they arrive together and are decided as one batch (or a few).
        foreach (var c in captures)
            await Publish(device, Codec.Encode(c));

        await using var worker = f.Worker(broker, "ingest-batch");
        await worker.StartAsync();
        await Mqtt.Eventually(() => acks.Count == 5 && worker.Parked == 1, "five acks and one message parked");
        Assert.Equal(captures.Where((_, i) => i != 2).Select(c => c.CaptureId).Order(), acks.Select(a => a.CaptureId).Order());
        Assert.All(acks, a => Assert.Equal("enrolled", a.Outcome));
        Assert.Equal((5, 5L), (await f.CapturesStored(), worker.Handled));
        Assert.Equal(Codec.Encode(captures[2]), await f.Parking.GetAsync(Storage.BlobKeys.Of(Codec.Encode(captures[2]))));
        device.Dispose();
    }

    [Theory]
    [InlineData(Brokers.Embedded)]
    [InlineData(Brokers.Mosquitto)]
    public async Task Captures_sent_while_the_worker_is_down_arrive_when_it_returns(string engine)
    {
        await using var f = await IngestFixture.StartAsync();
        await using var broker = await Brokers.StartAsync(engine);
        await using (var first = f.Worker(broker, "ingest-restart"))
            await first.StartAsync();

        var (device, acks) = await DeviceAsync(broker);
        var captures = Enumerable.Range(1, 5).Select(i => f.Signed(i)).ToList();
        foreach (var c in captures)
            await Publish(device, Codec.Encode(c));
        Assert.Equal(0, await f.CapturesStored());

        await using var second = f.Worker(broker, "ingest-restart");
        await second.StartAsync();
        await Mqtt.Eventually(() => acks.Count == 5, "five acks after the worker returned");
        Assert.Equal(captures.Select(c => c.CaptureId).Order(), acks.Select(a => a.CaptureId).Order());
        Assert.Equal(5, await f.CapturesStored());
        device.Dispose();
    }

    [Fact]
    public async Task A_shared_subscription_on_mosquitto_spreads_captures_over_workers_and_handles_each_once()
    {
        await using var f = await IngestFixture.StartAsync();
        await using var broker = await Brokers.StartAsync(Brokers.Mosquitto);
        var workers = new List<MqttIngestWorker>();
        for (var i = 0; i < 2; i++)
        {
            var worker = f.Worker(broker, $"ingest-{i}", sharedGroup: "ingest");
            await worker.StartAsync();
            workers.Add(worker);
        }
        var (device, acks) = await DeviceAsync(broker);
        for (var animal = 1; animal <= 20; animal++)
            await Publish(device, Codec.Encode(f.Signed(animal)));
        await Mqtt.Eventually(() => acks.Count == 20, "twenty acks");
        Assert.Equal(20, workers.Sum(w => w.Handled));
        Assert.All(workers, w => Assert.True(w.Handled > 0, "the broker gave one worker nothing"));
        Assert.Equal(20, await f.CapturesStored());
        foreach (var w in workers)
            await w.DisposeAsync();
        device.Dispose();
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using AgriInsure.EndToEnd.Tests;
using AgriInsure.Ingest.Tests;
using AgriInsure.Protocol;
using MQTTnet;
using MQTTnet.Protocol;

namespace AgriInsure.Bench;

/// <summary>What this machine gives before any of the cloud's work (<c>tools/bench/ingest --hosts 0</c>): in place of
/// <c>agri serve</c>, one MQTT client in the bench process with the cloud's login takes the shared subscription, decodes each
/// capture, checks the device's signature and answers with the ack the cloud would give (enrolled, or duplicate-enrolment
/// for a second photo), signed with the cloud's key: Mosquitto over TLS both ways, the handhelds' signing and ack checks,
/// the cloud's signature check and ack signing, and nothing else (no registry, no 1:N search, no blob, no ledger).</summary>
internal sealed class IngestFloor : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentBag<Task> _answers = [];

    private IngestFloor()
    {
    }

    public static async Task<IngestFloor> StartAsync(MosquittoBroker broker, string sharedGroup, AckKey ackKey, IReadOnlyDictionary<string, byte[]> devices,
        Func<string, bool?> isSecond)
    {
        var floor = new IngestFloor();
        floor._client.ApplicationMessageReceivedAsync += e =>
        {
            // Answered off MQTTnet's receive loop, as the host's worker does, so captures overlap.
            var payload = e.ApplicationMessage.Payload.ToArray();
            var topic = e.ApplicationMessage.Topic;
            floor._answers.Add(Task.Run(() => floor.AnswerAsync(payload, topic, ackKey, devices, isSecond)));
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.CloudPort).WithClientId("agri-floor")
            .WithLogin(broker.Login(BrokerLogin.CloudUser)).WithCleanStart(true).Build();
        await floor._client.ConnectAsync(options);
        await floor._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.AllCaptures(sharedGroup), MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return floor;
    }

    private async Task AnswerAsync(byte[] payload, string topic, AckKey ackKey, IReadOnlyDictionary<string, byte[]> devices, Func<string, bool?> isSecond)
    {
        if (!Codec.TryDecodeCapture(payload, topic, out var capture, out _) || !devices.TryGetValue(capture!.DeviceId, out var device)
            || !SignatureCheck.IsValid(capture, device) || isSecond(capture.CaptureId) is not { } second)
            return;
        var ack = ackKey.Sign(new Ack
        {
            CaptureId = capture.CaptureId, Tenant = capture.Tenant, DeviceId = capture.DeviceId, Status = AckStatus.Accepted,
            Outcome = second ? "duplicate-enrolment" : "enrolled",
        });
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Acks(capture.Tenant, capture.DeviceId))
            .WithPayload(Codec.Encode(ack)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_answers).ContinueWith(_ => { }, TaskScheduler.Default);
        if (_client.IsConnected)
            await _client.DisconnectAsync();
        _client.Dispose();
    }
}

using AgriInsure.Domain;
using AgriInsure.Livestock;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Storage;
using Microsoft.Extensions.Logging;
using WireCapture = AgriInsure.Protocol.Capture;

namespace AgriInsure.Ingest;

/// <summary>What to answer, and where, for one received message; no answer for messages whose sender
/// cannot be trusted (an ack to a forged capture id could make a real device drop a real capture).</summary>
public sealed record IngestResult(string? AckTopic, Ack? Ack, ProtocolError? Refusal);

/// <summary>One MQTT message as received: its topic and payload.</summary>
public sealed record IngestMessage(string Topic, ReadOnlyMemory<byte> Payload);

/// <summary>Turns MQTT messages into stored, decided captures, exactly once per capture id: a redelivery gets the
/// stored answer again and changes nothing.</summary>
public sealed class CaptureIngest(IRegistry registry, IBlobStore blobs, LivestockDesk desk, ILogger<CaptureIngest> log, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<IngestResult> HandleAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken ct = default) =>
        (await HandleAsync([new IngestMessage(topic, payload)], ct))[0];

    /// <summary>Decides <paramref name="messages"/> in their order, with the same answers as one at a time, but each tenant's
    /// captures as one decision (<see cref="LivestockDesk.DecideAsync{T}"/>: one lock, one registry transaction, one ledger
    /// commit): a capture sees the ones before it in the batch (a second photo of an animal enrolled just before is
    /// flagged; the same capture id twice is one capture, answered twice). Returns one result per message, in order.
    /// Errors: whatever the store throws, with nothing of the throwing tenant's captures kept (a tenant decided before it
    /// stays decided); the caller may hand the messages in again, one by one, since a redelivery changes nothing.</summary>
    public async Task<IReadOnlyList<IngestResult>> HandleAsync(IReadOnlyList<IngestMessage> messages, CancellationToken ct = default)
    {
        var results = new IngestResult?[messages.Count];
        var devices = new Dictionary<(string Tenant, string DeviceId), DeviceRecord?>();
        var accepted = new List<Received>();
        for (var i = 0; i < messages.Count; i++)
        {
            var (received, refusal) = await CheckAsync(messages[i], devices, ct);
            if (received is null)
                results[i] = refusal;
            else
                accepted.Add(received with { Index = i });
        }
        foreach (var tenant in accepted.GroupBy(r => r.Wire.Tenant, StringComparer.Ordinal))
        {
            // One decision at a time per tenant, in every process sharing the store: two enrolments of the same animal
            // arriving together at two hosts must not both pass the duplicate search before either is stored.
            await desk.DecideAsync(tenant.Key, async c =>
            {
                await DecideAsync([.. tenant], results, c);
                return true;
            }, ct);
        }
        return results!;
    }

    /// <summary>A message that decodes, comes from a provisioned, unrevoked device and carries its signature and valid
    /// fields: the capture to decide, where its answer goes, and its place in the batch.</summary>
    private sealed record Received(WireCapture Wire, CaptureRecord Record, string AckTopic, int Index = -1);

    /// <summary>What needs no lock: the envelope, the device, the signature and the fields.</summary>
    private async Task<(Received? Capture, IngestResult? Refusal)> CheckAsync(IngestMessage message, Dictionary<(string, string), DeviceRecord?> devices, CancellationToken ct)
    {
        var topic = message.Topic;
        if (!Codec.TryDecodeCapture(message.Payload.Span, topic, out var wire, out var envelopeError))
            return (null, Refuse(topic, envelopeError!));

        if (!devices.TryGetValue((wire!.Tenant, wire.DeviceId), out var device))
            devices[(wire.Tenant, wire.DeviceId)] = device = await registry.FindDeviceAsync(wire.Tenant, wire.DeviceId, ct);
        if (device is null)
            return (null, Refuse(topic, new ProtocolError(ProtocolError.UnknownDevice, "deviceId", $"{wire.Tenant}/{wire.DeviceId} is not a provisioned device")));
        if (!SignatureCheck.IsValid(wire, device.PublicKey))
            return (null, Refuse(topic, new ProtocolError(ProtocolError.BadSignature, "signature", $"capture {wire.CaptureId} is not signed by {wire.DeviceId}'s key")));

        var ackTopic = Topics.Acks(wire.Tenant, wire.DeviceId);
        if (device.RevokedAt is { } revokedAt)
        {
            // Signed by the device, so answered: the signed rejection is how a revoked device learns to stop sending.
            var revoked = new ProtocolError(ProtocolError.DeviceRevoked, "deviceId",
                $"{wire.DeviceId} was revoked at {revokedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture)}; the cloud takes no capture from it (decisions made before stand in the registry)");
            log.LogWarning("Rejected capture {CaptureId} from revoked device {Tenant}/{DeviceId}", wire.CaptureId, wire.Tenant, wire.DeviceId);
            return (null, Reject(ackTopic, wire.CaptureId, revoked));
        }
        var fieldError = Codec.Validate(wire);
        var record = fieldError is null ? ToRecord(wire, out fieldError) : null;
        if (record is null)
        {
            log.LogWarning("Rejected capture {CaptureId} from {DeviceId}: {Error}", wire.CaptureId, wire.DeviceId, fieldError);
            return (null, Reject(ackTopic, wire.CaptureId, fieldError!));
        }
        return (new Received(wire, record, ackTopic), null);
    }

    /// <summary>Under the tenant's lock: each capture of one tenant checked against what is stored and against the ones
    /// before it in the batch, the crops of those to decide stored (together: their fsyncs overlap), then each decided.</summary>
    private async Task DecideAsync(IReadOnlyList<Received> batch, IngestResult?[] results, CancellationToken ct)
    {
        var byId = new Dictionary<string, Received>(StringComparer.Ordinal);
        var crops = new Dictionary<string, string>(StringComparer.Ordinal);
        var again = new List<(Received Capture, Received First)>();
        var decide = new List<Received>();
        foreach (var capture in batch)
        {
            var wire = capture.Wire;
            if (byId.TryGetValue(wire.CaptureId, out var first))
            {
                if (first.Wire.DeviceId == wire.DeviceId)
                    again.Add((capture, first));
                else
                    results[capture.Index] = Taken(capture);
                continue;
            }
            byId[wire.CaptureId] = capture;
            var stored = await registry.FindCaptureAsync(wire.CaptureId, ct);
            if (stored is not null && (stored.Capture.Tenant, stored.Capture.DeviceId) != (wire.Tenant, wire.DeviceId))
            {
                results[capture.Index] = Taken(capture);
                continue;
            }
            if (stored is not null)
            {
                log.LogInformation("Capture {CaptureId} redelivered; answering with its stored decision", wire.CaptureId);
                results[capture.Index] = new IngestResult(capture.AckTopic, ToAck(wire.CaptureId, stored.Decision), null);
                continue;
            }
            if (await ReplayedAsync(capture.Record, crops, ct) is { } replay)
            {
                log.LogWarning("Rejected capture {CaptureId} from {Tenant}/{DeviceId}: {Error}", wire.CaptureId, wire.Tenant, wire.DeviceId, replay);
                results[capture.Index] = Reject(capture.AckTopic, wire.CaptureId, replay);
                continue;
            }
            foreach (var photo in capture.Record.Photos)
                crops[photo.CropBlobKey] = wire.CaptureId;
            decide.Add(capture);
        }

        await Task.WhenAll(decide.SelectMany(c => c.Wire.Photos).Select(p => blobs.PutAsync(p.CropJpeg, "image/jpeg", ct)));
        foreach (var capture in decide)
        {
            var decision = capture.Record.Purpose == Domain.CapturePurpose.Enrol
                ? await desk.EnrolAsync(capture.Record, ct)
                : await desk.ClaimDeathAsync(capture.Record, ct);
            results[capture.Index] = new IngestResult(capture.AckTopic, ToAck(capture.Wire.CaptureId, decision), null);
        }
        foreach (var (capture, first) in again)
            results[capture.Index] = results[first.Index];
    }

    /// <summary>Capture ids are unique in the whole store: the same id from another device is not a redelivery, and
    /// answering it with the stored decision would show one tenant's decision to another.</summary>
    private IngestResult Taken(Received capture)
    {
        var wire = capture.Wire;
        var taken = new ProtocolError(ProtocolError.CaptureIdTaken, "captureId", $"capture id {wire.CaptureId} is already taken by another device's capture");
        log.LogWarning("Rejected capture {CaptureId} from {Tenant}/{DeviceId}: {Error}", wire.CaptureId, wire.Tenant, wire.DeviceId, taken);
        return Reject(capture.AckTopic, wire.CaptureId, taken);
    }

    private static IngestResult Reject(string ackTopic, string captureId, ProtocolError error) =>
        new(ackTopic, new Ack { CaptureId = captureId, Status = AckStatus.Rejected, Outcome = error.Code, Reason = $"{error.Field}: {error.Reason}" }, error);

    /// <summary>A photo is evidence once: the same crop bytes (the same content key) twice in one capture, or already in
    /// an earlier capture of the tenant's under another id (an old photo sent again as a new enrolment or a death claim),
    /// stored or earlier in the batch (<paramref name="batchCrops"/>, crop key → capture id), is refused, and nothing of
    /// the capture is stored.</summary>
    private async Task<ProtocolError?> ReplayedAsync(CaptureRecord record, IReadOnlyDictionary<string, string> batchCrops, CancellationToken ct)
    {
        var keys = record.Photos.Select(p => p.CropBlobKey).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            if (keys.IndexOf(key) is var first && first < i)
                return new ProtocolError(ProtocolError.Replay, "photos", $"photo {i + 1} is the same image as photo {first + 1}; each photo of a capture is taken anew");
            if ((batchCrops.GetValueOrDefault(key) ?? await registry.CaptureWithCropAsync(record.Tenant, key, ct)) is { } earlier)
                return new ProtocolError(ProtocolError.Replay, "photos", $"photo {i + 1} is the same image as one of capture {earlier}; a photo is evidence once");
        }
        return null;
    }

    private IngestResult Refuse(string topic, ProtocolError error)
    {
        log.LogWarning("Refused message on {Topic}: {Error}", topic, error);
        return new IngestResult(null, null, error);
    }

    private CaptureRecord? ToRecord(WireCapture w, out ProtocolError? error)
    {
        error = null;
        var species = SpeciesNames.Parse(w.Species);
        if (!species.IsOk)
        {
            error = new ProtocolError(ProtocolError.InvalidField, "species", species.Error.Reason);
            return null;
        }
        var photos = new List<PhotoRecord>(w.Photos.Count);
        for (var i = 0; i < w.Photos.Count; i++)
        {
            var embedding = Embedding.Create(w.Photos[i].Embedding, w.Model.Id, w.V == 1 ? "embedding" : $"photos[{i}].embedding");
            if (!embedding.IsOk)
            {
                error = new ProtocolError(ProtocolError.InvalidField, embedding.Error.Field, embedding.Error.Reason);
                return null;
            }
            // The key the blob store files the crop under (IBlobStore.PutAsync returns it): a function of the bytes alone.
            photos.Add(new PhotoRecord(embedding.Value, BlobKeys.Of(w.Photos[i].CropJpeg)));
        }
        var purpose = w.Purpose == Protocol.CapturePurpose.Enrol ? Domain.CapturePurpose.Enrol : Domain.CapturePurpose.Claim;
        return new CaptureRecord(w.CaptureId, w.Tenant, w.DeviceId, w.AgentId, purpose, species.Value, w.EarTag, w.FarmerId,
            new GeoPoint(w.Gps.Longitude, w.Gps.Latitude), w.Gps.AccuracyMetres, w.TakenAt, w.Model.Version, photos, _clock.GetUtcNow());
    }

    private static Ack ToAck(string captureId, CaptureDecision d) => new()
    {
        CaptureId = captureId,
        Status = d.Status == DecisionStatus.Accepted ? AckStatus.Accepted : AckStatus.Flagged,
        Outcome = d.Outcome.Name(),
        Reason = d.Reason,
        AnimalId = d.AnimalId,
        Score = d.Score,
    };
}

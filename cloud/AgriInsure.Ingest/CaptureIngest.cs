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

/// <summary>Turns one MQTT message into a stored, decided capture, exactly once per capture id:
/// a redelivery gets the stored answer again and changes nothing.</summary>
public sealed class CaptureIngest(IRegistry registry, IBlobStore blobs, LivestockDesk desk, ILogger<CaptureIngest> log, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<IngestResult> HandleAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken ct = default)
    {
        if (!Codec.TryDecodeCapture(payload.Span, topic, out var wire, out var envelopeError))
            return Refuse(topic, envelopeError!);

        var device = await registry.FindDeviceAsync(wire!.Tenant, wire.DeviceId, ct);
        if (device is null)
            return Refuse(topic, new ProtocolError(ProtocolError.UnknownDevice, "deviceId", $"{wire.Tenant}/{wire.DeviceId} is not a provisioned device"));
        if (!SignatureCheck.IsValid(wire, device.PublicKey))
            return Refuse(topic, new ProtocolError(ProtocolError.BadSignature, "signature", $"capture {wire.CaptureId} is not signed by {wire.DeviceId}'s key"));

        var ackTopic = Topics.Acks(wire.Tenant, wire.DeviceId);
        if (device.RevokedAt is { } revokedAt)
        {
            // Signed by the device, so answered: the signed rejection is how a revoked device learns to stop sending.
            var revoked = new ProtocolError(ProtocolError.DeviceRevoked, "deviceId",
                $"{wire.DeviceId} was revoked at {revokedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture)}; the cloud takes no capture from it (decisions made before stand in the registry)");
            log.LogWarning("Rejected capture {CaptureId} from revoked device {Tenant}/{DeviceId}", wire.CaptureId, wire.Tenant, wire.DeviceId);
            return new IngestResult(ackTopic, new Ack { CaptureId = wire.CaptureId, Status = AckStatus.Rejected, Outcome = revoked.Code, Reason = $"{revoked.Field}: {revoked.Reason}" }, revoked);
        }
        var fieldError = Codec.Validate(wire);
        var record = fieldError is null ? ToRecord(wire, out fieldError) : null;
        if (record is null)
        {
            log.LogWarning("Rejected capture {CaptureId} from {DeviceId}: {Error}", wire.CaptureId, wire.DeviceId, fieldError);
            return new IngestResult(ackTopic, new Ack { CaptureId = wire.CaptureId, Status = AckStatus.Rejected, Outcome = fieldError!.Code, Reason = $"{fieldError.Field}: {fieldError.Reason}" }, fieldError);
        }

        // One decision at a time per tenant, in every process sharing the store: two enrolments of the same animal
        // arriving together at two hosts must not both pass the duplicate search before either is stored.
        return await registry.DecideAsync(wire.Tenant, async ct =>
        {
            var stored = await registry.FindCaptureAsync(wire.CaptureId, ct);
            if (stored is not null && (stored.Capture.Tenant, stored.Capture.DeviceId) != (wire.Tenant, wire.DeviceId))
            {
                // Capture ids are unique in the whole store: the same id from another device is not a redelivery,
                // and answering it with the stored decision would show one tenant's decision to another.
                var taken = new ProtocolError(ProtocolError.CaptureIdTaken, "captureId", $"capture id {wire.CaptureId} is already taken by another device's capture");
                log.LogWarning("Rejected capture {CaptureId} from {Tenant}/{DeviceId}: {Error}", wire.CaptureId, wire.Tenant, wire.DeviceId, taken);
                return new IngestResult(ackTopic, new Ack { CaptureId = wire.CaptureId, Status = AckStatus.Rejected, Outcome = taken.Code, Reason = $"{taken.Field}: {taken.Reason}" }, taken);
            }
            if (stored is not null)
            {
                log.LogInformation("Capture {CaptureId} redelivered; answering with its stored decision", wire.CaptureId);
                return new IngestResult(ackTopic, ToAck(wire.CaptureId, stored.Decision), null);
            }
            if (await ReplayedAsync(record, ct) is { } replay)
            {
                log.LogWarning("Rejected capture {CaptureId} from {Tenant}/{DeviceId}: {Error}", wire.CaptureId, wire.Tenant, wire.DeviceId, replay);
                return new IngestResult(ackTopic, new Ack { CaptureId = wire.CaptureId, Status = AckStatus.Rejected, Outcome = replay.Code, Reason = $"{replay.Field}: {replay.Reason}" }, replay);
            }
            for (var i = 0; i < record.Photos.Count; i++)
                await blobs.PutAsync(wire.Photos[i].CropJpeg, "image/jpeg", ct);
            var decision = record.Purpose == Domain.CapturePurpose.Enrol
                ? await desk.EnrolAsync(record, ct)
                : await desk.ClaimDeathAsync(record, ct);
            return new IngestResult(ackTopic, ToAck(wire.CaptureId, decision), null);
        }, ct);
    }

    /// <summary>A photo is evidence once: the same crop bytes (the same content key) twice in one capture, or already in
    /// an earlier capture of the tenant's under another id (an old photo sent again as a new enrolment or a death claim),
    /// is refused, and nothing of the capture is stored.</summary>
    private async Task<ProtocolError?> ReplayedAsync(CaptureRecord record, CancellationToken ct)
    {
        var keys = record.Photos.Select(p => p.CropBlobKey).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            if (keys.IndexOf(key) is var first && first < i)
                return new ProtocolError(ProtocolError.Replay, "photos", $"photo {i + 1} is the same image as photo {first + 1}; each photo of a capture is taken anew");
            if (await registry.CaptureWithCropAsync(record.Tenant, key, ct) is { } earlier)
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

using AgriInsure.Edge.Vision;
using AgriInsure.Protocol;
using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Edge.Agent;

public sealed record HandheldIdentity(string Tenant, string DeviceId, string AgentId);

/// <summary>What the agent asked for with one photo.</summary>
public sealed record CaptureRequest(CapturePurpose Purpose, string Species, GpsFix Gps, DateTimeOffset TakenAt, string? FarmerId = null, string? EarTag = null);

/// <summary>A photo taken: either a signed capture queued for the cloud, or the reasons it was refused.</summary>
public sealed record CaptureOutcome(Capture? Capture, IReadOnlyList<VisionError> Problems)
{
    public bool Queued => Capture is not null;
}

/// <summary>The field agent's device: photo → <see cref="FacePipeline"/> (decode, quality gate, face check,
/// embedding) → signed capture → outbox. Nothing reaches the outbox unless every step passed; the outbox
/// is what survives power loss.</summary>
public sealed class Handheld(HandheldIdentity identity, FacePipeline pipeline, DeviceKey key, Outbox outbox, ILogger<Handheld> log)
{
    public async Task<CaptureOutcome> CaptureAsync(byte[] photo, CaptureRequest request, CancellationToken ct = default)
    {
        using var face = pipeline.Run(photo);
        if (!face.Accepted)
        {
            log.LogInformation("Photo refused ({Stage}): {Problems}", face.RefusedAt, string.Join("; ", face.Problems));
            return new CaptureOutcome(null, face.Problems);
        }
        var capture = key.Sign(new Capture
        {
            CaptureId = NUlid.Ulid.NewUlid().ToString(),
            Tenant = identity.Tenant,
            DeviceId = identity.DeviceId,
            AgentId = identity.AgentId,
            Purpose = request.Purpose,
            Species = request.Species,
            EarTag = request.EarTag,
            FarmerId = request.FarmerId,
            Gps = request.Gps,
            TakenAt = DateTimeOffset.FromUnixTimeMilliseconds(request.TakenAt.ToUnixTimeMilliseconds()),
            Model = new ModelRef(pipeline.Embedder.Id, pipeline.Embedder.Version),
            Embedding = face.Embedding!,
            CropJpeg = EncodeCrop(face.Image!),
        });
        var problem = Codec.Validate(capture);
        if (problem is not null)
            return new CaptureOutcome(null, [new VisionError(problem.Field, problem.Reason)]);
        await outbox.AddAsync(capture.CaptureId, Topics.Captures(identity.Tenant, identity.DeviceId), Codec.Encode(capture), ct);
        log.LogInformation("Capture {CaptureId} queued ({Purpose})", capture.CaptureId, request.Purpose);
        return new CaptureOutcome(capture, []);
    }

    /// <summary>The crop sent to the cloud is the working image (long side ≤ <see cref="PhotoDecoder.WorkingSide"/>).</summary>
    public static byte[] EncodeCrop(Image<Rgb24> image)
    {
        foreach (var quality in new[] { 85, 70, 50 })
        {
            using var ms = new MemoryStream();
            image.SaveAsJpeg(ms, new JpegEncoder { Quality = quality });
            if (ms.Length <= Limits.MaxCropBytes)
                return ms.ToArray();
        }
        throw new InvalidOperationException($"a {image.Width}×{image.Height} crop did not fit in {Limits.MaxCropBytes} bytes even at JPEG quality 50");
    }

}

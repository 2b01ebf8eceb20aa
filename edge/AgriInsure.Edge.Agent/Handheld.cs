using AgriInsure.Edge.Vision;
using AgriInsure.Protocol;
using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Edge.Agent;

public sealed record HandheldIdentity(string Tenant, string DeviceId, string AgentId);

/// <summary>What the agent asked for with one capture's photos.</summary>
public sealed record CaptureRequest(CapturePurpose Purpose, string Species, GpsFix Gps, DateTimeOffset TakenAt, string? FarmerId = null, string? EarTag = null);

/// <summary>Why a capture, or one of its photos, was refused: the photo (numbered from 1; null for the capture as
/// a whole) and what is wrong with it.</summary>
public sealed record PhotoProblem(int? Photo, VisionError Error)
{
    public override string ToString() => Photo is { } n ? $"photo {n}: {Error}" : Error.ToString();
}

/// <summary>Photos taken: either a signed capture queued for the cloud, or, per photo, why they were refused.</summary>
public sealed record CaptureOutcome(Capture? Capture, IReadOnlyList<PhotoProblem> Problems)
{
    public bool Queued => Capture is not null;
}

/// <summary>The field agent's device: 1 to <see cref="Limits.MaxPhotos"/> photos of one animal → each through
/// <see cref="FacePipeline"/> (decode, quality gate, face check, embedding) → a check that they are varied → one
/// signed capture → outbox. An enrolment takes <see cref="RecommendedEnrolmentPhotos"/> photos (1 to 5 allowed):
/// more views of the animal make its templates robust to the pose and light of a later photo. Photos are varied
/// when no two of them have embeddings with a cosine above <see cref="NearDuplicateCosine"/>; a later photo too
/// like an earlier one is refused as a near-duplicate (it is the same frame again, and would count one view twice).
/// Nothing reaches the outbox unless every photo passed; every refused photo is reported with its reasons, so the
/// agent retakes those there and then. The outbox is what survives power loss.</summary>
public sealed class Handheld(HandheldIdentity identity, FacePipeline pipeline, DeviceKey key, Outbox outbox, ILogger<Handheld> log)
{
    public const int RecommendedEnrolmentPhotos = 3;

    /// <summary>The cosine above which two photos of a capture are one view taken twice. Measured with the shipped model
    /// on the held-out cows of ../shared/data (the first 40 photos of each, in file order): neighbouring saved frames
    /// of one video clip or burst score a median 0.77 and p95 0.993, and 14 % of them exceed 0.98 (a cow that did not
    /// move between frames); two other photos of the same cow exceed 0.98 in 1.1 % of 10,885 pairs (p99 0.981).</summary>
    public const float NearDuplicateCosine = 0.98f;

    public Task<CaptureOutcome> CaptureAsync(byte[] photo, CaptureRequest request, CancellationToken ct = default) => CaptureAsync([photo], request, ct);

    public async Task<CaptureOutcome> CaptureAsync(IReadOnlyList<byte[]> photos, CaptureRequest request, CancellationToken ct = default)
    {
        if (photos.Count is 0 or > Limits.MaxPhotos)
            return new CaptureOutcome(null, [new PhotoProblem(null, new VisionError(VisionError.PhotoCount, $"{photos.Count} photos; a capture takes 1 to {Limits.MaxPhotos} of one animal"))]);
        var accepted = new List<CapturePhoto>(photos.Count);
        var problems = new List<PhotoProblem>();
        for (var i = 0; i < photos.Count; i++)
        {
            using var face = pipeline.Run(photos[i]);
            if (!face.Accepted)
            {
                log.LogInformation("Photo {Photo} refused ({Stage}): {Problems}", i + 1, face.RefusedAt, string.Join("; ", face.Problems));
                problems.AddRange(face.Problems.Select(p => new PhotoProblem(i + 1, p)));
                continue;
            }
            var twin = accepted.Select((p, at) => (At: at, Cosine: Cosine(p.Embedding, face.Embedding!))).FirstOrDefault(x => x.Cosine > NearDuplicateCosine);
            if (twin.Cosine > NearDuplicateCosine)
            {
                problems.Add(new PhotoProblem(i + 1, new VisionError(VisionError.NearDuplicate,
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"almost the same as photo {twin.At + 1} (cosine {twin.Cosine:0.000} above {NearDuplicateCosine}); take it from another angle or light"))));
                continue;
            }
            var q = face.Quality!;
            accepted.Add(new CapturePhoto { Embedding = face.Embedding!, CropJpeg = EncodeCrop(face.Image!), Quality = new PhotoQuality(q.Sharpness, q.MeanLuma, q.LumaStdDev) });
        }
        if (problems.Count > 0)
            return new CaptureOutcome(null, problems);
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
            Photos = accepted,
        });
        var problem = Codec.Validate(capture);
        if (problem is not null)
            return new CaptureOutcome(null, [new PhotoProblem(null, new VisionError(problem.Field, problem.Reason))]);
        await outbox.AddAsync(capture.CaptureId, Topics.Captures(identity.Tenant, identity.DeviceId), Codec.Encode(capture), ct);
        log.LogInformation("Capture {CaptureId} queued ({Purpose}, {Photos} photos)", capture.CaptureId, request.Purpose, accepted.Count);
        return new CaptureOutcome(capture, []);
    }

    private static float Cosine(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b);

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

using AgriInsure.Domain;
using AgriInsure.Edge.Agent;
using AgriInsure.Edge.Vision;
using AgriInsure.Livestock;
using AgriInsure.Registry;
using AgriInsure.Storage;
using CaptureOutcome = AgriInsure.Domain.CaptureOutcome;

namespace AgriInsure.Cli.Retraining;

/// <summary>How a seeded animal ended: enrolled with its further photos confirmed by review, or flagged as a
/// duplicate of another animal at its first photo (left as an open case, so not an eligible animal).</summary>
internal sealed record SeedReport(int Enrolled, int Flagged, int ConfirmedPhotos, int PhotosRefused, int AnimalsWithoutPhotos);

/// <summary>A registry made from folders of labelled photos (DIR/&lt;animal&gt;/&lt;photos&gt;), as if agents had
/// enrolled each animal and photographed it again: the first photo goes through the livestock desk like any
/// enrolment (searched, calibrated, flagged or enrolled, anchored); each further photo is stored as an enrolment
/// flagged as a duplicate of that animal and confirmed by a reviewer who read the ear tag (the folder's name), which
/// is how a registry holds several labelled photos of an animal while an enrolment carries one.</summary>
internal sealed class RegistrySeed(IRegistry registry, IBlobStore blobs, LivestockDesk desk, FacePipeline pipeline)
{
    public const string FarmerId = "F-SEED";

    private static readonly GeoPoint Farm = new(14.5601, 45.8712);

    public Action<int, int>? Progress { get; init; }

    /// <summary>An ear tag holds no '/': dataset.animal stands for the dataset/animal a model manifest names.</summary>
    public static string EarTag(string dataset, string animal) => $"{dataset}.{animal}";

    /// <summary><paramref name="animals"/>: each animal's ear tag (<see cref="EarTag"/>) and its photos in order.</summary>
    public async Task<SeedReport> RunAsync(IReadOnlyList<(string EarTag, IReadOnlyList<Func<byte[]>> Photos)> animals, int photosEach, DateTimeOffset start, CancellationToken ct)
    {
        await registry.AddFarmerAsync(Farmer.Create(FarmerId, "Seeded herd", "seed").Value, ct);
        int enrolled = 0, flagged = 0, confirmed = 0, refused = 0, without = 0, done = 0;
        var at = start;
        foreach (var (tag, photos) in animals)
        {
            string? animalId = null;
            Embedding? template = null;
            var taken = 0;
            foreach (var photo in photos)
            {
                ct.ThrowIfCancellationRequested();
                if (taken == photosEach)
                    break;
                at = at.AddMinutes(1);
                using var face = pipeline.Run(photo());
                if (!face.Accepted)
                {
                    refused++;
                    continue;
                }
                taken++;
                var capture = await StoreCropAsync(tag, face, at, ct);
                if (animalId is null)
                {
                    var decision = await desk.EnrolAsync(capture, ct);
                    if (decision.Outcome == CaptureOutcome.DuplicateEnrolment)
                    {
                        flagged++;
                        break;
                    }
                    if (decision.Outcome != CaptureOutcome.Enrolled)
                        throw new UsageException($"{tag}: not enrolled ({decision.Outcome.Name()}): {decision.Reason}");
                    (animalId, template) = (decision.AnimalId, capture.Embedding);
                    enrolled++;
                    continue;
                }
                var duplicate = new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment,
                    $"a further photo of ear tag {tag}, flagged for review by the seeding", animalId, capture.Embedding.Similarity(template!));
                await registry.RecordEnrolmentAsync(capture, duplicate, null, ct);
                var review = await desk.ReviewAsync(capture.CaptureId, ReviewVerdict.Duplicate, "model seed", $"the same ear tag {tag}", ct);
                if (!review.IsOk)
                    throw new InvalidOperationException($"review of a seeded photo of {tag}: {review.Error}");
                confirmed++;
            }
            if (taken == 0)
                without++;
            Progress?.Invoke(++done, animals.Count);
        }
        return new SeedReport(enrolled, flagged, confirmed, refused, without);
    }

    private async Task<CaptureRecord> StoreCropAsync(string tag, FaceResult face, DateTimeOffset at, CancellationToken ct)
    {
        var id = NUlid.Ulid.NewUlid().ToString();
        var key = $"crops/seed/{id}.jpg";
        await blobs.PutAsync(key, Handheld.EncodeCrop(face.Image!), "image/jpeg", ct);
        var manifest = pipeline.Embedder;
        return new CaptureRecord(id, "seed", "SEED", "seed", CapturePurpose.Enrol, Species.Cattle, tag, FarmerId, Farm, 5,
            at, manifest.Version, Embedding.Create(face.Embedding!, manifest.Id).Value, key, at);
    }
}

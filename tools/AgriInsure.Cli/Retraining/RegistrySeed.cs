using AgriInsure.Domain;
using AgriInsure.Edge.Agent;
using AgriInsure.Edge.Vision;
using AgriInsure.Livestock;
using AgriInsure.Registry;
using AgriInsure.Storage;
using CaptureOutcome = AgriInsure.Domain.CaptureOutcome;

namespace AgriInsure.Cli.Retraining;

/// <summary>How the seeded animals ended: enrolled (with their further photos confirmed by review), flagged as a
/// duplicate of another animal at their enrolment (left as open cases, so not eligible animals), or refused because
/// the desk found their enrolment photos not to show one animal (not enrolled).</summary>
internal sealed record SeedReport(int Enrolled, int Flagged, int Inconsistent, int ConfirmedPhotos, int PhotosRefused, int AnimalsWithoutPhotos);

/// <summary>A registry made from folders of labelled photos (DIR/&lt;animal&gt;/&lt;photos&gt;), as if agents had
/// enrolled each animal and photographed it again: the first photos the gate accepts (up to <c>enrolPhotos</c>) are
/// one enrolment through the livestock desk like any other (searched, calibrated, flagged or enrolled, anchored);
/// the further ones, up to <see cref="Animal.MaxTemplates"/> a capture, are stored as enrolments flagged as a
/// duplicate of that animal and confirmed by a reviewer who read the ear tag (the folder's name): which is how a
/// registry holds labelled photos of an animal beyond its templates.</summary>
internal sealed class RegistrySeed(IRegistry registry, IBlobStore blobs, LivestockDesk desk, FacePipeline pipeline)
{
    /// <summary>The tenant a seeded registry's records belong to.</summary>
    public const string Tenant = "seed";
    public const string FarmerId = "F-SEED";

    private static readonly GeoPoint Farm = new(14.5601, 45.8712);

    public Action<int, int>? Progress { get; init; }

    /// <summary>An ear tag holds no '/': dataset.animal stands for the dataset/animal a model manifest names.</summary>
    public static string EarTag(string dataset, string animal) => $"{dataset}.{animal}";

    /// <summary><paramref name="animals"/>: each animal's ear tag (<see cref="EarTag"/>) and its photos in order; of
    /// the photos the gate accepts, <paramref name="photosEach"/> are kept and the first <paramref name="enrolPhotos"/>
    /// of those enrol the animal.</summary>
    public async Task<SeedReport> RunAsync(
        IReadOnlyList<(string EarTag, IReadOnlyList<Func<byte[]>> Photos)> animals, int photosEach, int enrolPhotos, DateTimeOffset start, CancellationToken ct)
    {
        await registry.AddFarmerAsync(Farmer.Create(Tenant, FarmerId, "Seeded herd", "seed").Value, ct);
        int enrolled = 0, flagged = 0, inconsistent = 0, confirmed = 0, refused = 0, without = 0, done = 0;
        var at = start;
        foreach (var (tag, photos) in animals)
        {
            var kept = new List<(Embedding Embedding, byte[] Crop)>();
            foreach (var photo in photos)
            {
                ct.ThrowIfCancellationRequested();
                if (kept.Count == photosEach)
                    break;
                using var face = pipeline.Run(photo());
                if (face.Accepted)
                    kept.Add((Embedding.Create(face.Embedding!, pipeline.Embedder.Id).Value, Handheld.EncodeCrop(face.Image!)));
                else
                    refused++;
            }
            Progress?.Invoke(++done, animals.Count);
            if (kept.Count == 0)
            {
                without++;
                continue;
            }
            at = at.AddMinutes(1);
            var enrolment = await CaptureAsync(tag, kept[..Math.Min(enrolPhotos, kept.Count)], at, ct);
            var decision = await desk.EnrolAsync(enrolment, ct);
            switch (decision.Outcome)
            {
                case CaptureOutcome.Enrolled:
                    enrolled++;
                    break;
                case CaptureOutcome.DuplicateEnrolment:
                    flagged++;
                    continue;
                case CaptureOutcome.InconsistentPhotos:
                    inconsistent++;
                    continue;
                default:
                    throw new UsageException($"{tag}: not enrolled ({decision.Outcome.Name()}): {decision.Reason}");
            }
            foreach (var group in kept.Skip(enrolPhotos).Chunk(Animal.MaxTemplates))
            {
                at = at.AddMinutes(1);
                var further = await CaptureAsync(tag, group, at, ct);
                var duplicate = new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment,
                    $"further photos of ear tag {tag}, flagged for review by the seeding", decision.AnimalId, FusedScore.Of(further.Embeddings, enrolment.Embeddings))
                    { Photos = group.Length };
                await registry.RecordEnrolmentAsync(further, duplicate, null, ct);
                var review = await desk.ReviewAsync(Tenant, further.CaptureId, ReviewVerdict.Duplicate, "model seed", $"the same ear tag {tag}", ct);
                if (!review.IsOk)
                    throw new InvalidOperationException($"review of seeded photos of {tag}: {review.Error}");
                confirmed += group.Length;
            }
        }
        return new SeedReport(enrolled, flagged, inconsistent, confirmed, refused, without);
    }

    /// <summary>One capture of the photos, their crops stored where the ingest stores a capture's photos.</summary>
    private async Task<CaptureRecord> CaptureAsync(string tag, IReadOnlyList<(Embedding Embedding, byte[] Crop)> photos, DateTimeOffset at, CancellationToken ct)
    {
        var id = NUlid.Ulid.NewUlid().ToString();
        var stored = new List<PhotoRecord>(photos.Count);
        for (var i = 0; i < photos.Count; i++)
        {
            var key = await blobs.PutAsync(photos[i].Crop, "image/jpeg", ct);
            stored.Add(new PhotoRecord(photos[i].Embedding, key));
        }
        return new CaptureRecord(id, Tenant, "SEED", "seed", CapturePurpose.Enrol, Species.Cattle, tag, FarmerId, Farm, 5, at, pipeline.Embedder.Version, stored, at);
    }
}

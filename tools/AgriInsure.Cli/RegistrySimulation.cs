using AgriInsure.Domain;
using AgriInsure.Evaluation;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Livestock;
using AgriInsure.Registry;
using AgriInsure.Registry.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Cli;

/// <summary>What the registry simulation of ../shared/EVAL.md measured. Rates are shares of attempts (a second
/// enrolment refused as inconsistent photos counts as missed: it was not flagged as the animal it is); the
/// predicted rate is the mean, over the enrolments whose scopes were calibrated, of the chance the decision
/// itself stated that a new animal is flagged (1 − Π(1 − expected rate) over its scopes).</summary>
internal sealed record RegistrySimReport(
    int Animals,
    IReadOnlyDictionary<int, int> EnrolmentPhotos,
    int FalseDuplicates,
    int RefusedAsInconsistent,
    double FalseDuplicateRate,
    double? PredictedFalseDuplicateRate,
    int CalibratedEnrolments,
    int SecondEnrolments,
    IReadOnlyDictionary<int, int> SecondEnrolmentPhotos,
    int Caught,
    int FlaggedAsAnother,
    int SecondRefusedAsInconsistent,
    int EnrolledAgain,
    double? MissedDuplicateRate,
    IReadOnlyList<RegistrySimScope> Scopes,
    int Seed);

/// <summary>One scope over the simulation: its size at the last enrolment, and the thresholds it used.</summary>
internal sealed record RegistrySimScope(string Scope, int FinalSize, float LowestThreshold, float HighestThreshold, int CalibrationAnimals);

/// <summary>The registry simulation of ../shared/EVAL.md through the product's own duplicate rule: a real
/// registry, ledger and <see cref="LivestockDesk"/> in a temporary folder, one farmer at one place (so every scope
/// holds every animal enrolled so far, the hardest case). Animals are enrolled one by one in a seeded random
/// order, each with up to <see cref="PhotosPerSide"/> of its photos; an honest enrolment flagged as a duplicate
/// is a false duplicate, and a reviewer then overrides it (as staff would), so the animal is in the registry for
/// the rest of the run; one refused because its photos do not look like one animal (<see cref="CaptureOutcome.InconsistentPhotos"/>)
/// is counted apart and stays out (a field agent would retake the photos). Then each animal with photos left is enrolled again from photos not used before, each
/// attempt against the registry as it stood after the first round (a copy), so one attempt never changes another.</summary>
internal static class RegistrySimulation
{
    public const int PhotosPerSide = 3;
    private const string Tenant = "sim";
    private const string Farmer = "F-SIM";
    private static readonly GeoPoint Place = new(100.0, 36.0);

    public static async Task<RegistrySimReport> RunAsync(IReadOnlyList<IdentitySamples> identities, string modelId, string modelVersion, float threshold, int seed,
        IProgress<int>? progress, CancellationToken ct)
    {
        var random = new Random(seed);
        var animals = identities.Where(i => i.Embeddings.Count > 0).OrderBy(_ => random.Next()).Select(i =>
        {
            var photos = i.Embeddings.Select(e => Embedding.Create(e, modelId).Value).OrderBy(_ => random.Next()).ToList();
            return (i.Identity, First: photos.Take(PhotosPerSide).ToList(), Second: photos.Skip(PhotosPerSide).Take(PhotosPerSide).ToList());
        }).ToList();
        var folder = Directory.CreateTempSubdirectory("agri-registry-sim-");
        try
        {
            var first = Path.Combine(folder.FullName, "first");
            Directory.CreateDirectory(first);
            var enrolled = new Dictionary<string, string>(StringComparer.Ordinal);
            var scopes = new Dictionary<SearchScope, List<ScopeResult>>();
            int falseDuplicates = 0, inconsistent = 0, calibrated = 0;
            var predicted = 0.0;
            await using (var cloud = await SimCloud.OpenAsync(first, threshold, ct))
            {
                await cloud.Registry.AddFarmerAsync(Domain.Farmer.Create(Tenant, Farmer, "Simulated farmer", "one place").Value, ct);
                for (var i = 0; i < animals.Count; i++)
                {
                    ct.ThrowIfCancellationRequested();
                    var (name, photos, _) = animals[i];
                    var id = $"SIM1-{i:D5}";
                    var decision = await cloud.Desk.EnrolAsync(Capture(id, photos, modelVersion, i), ct);
                    foreach (var scope in decision.Scopes)
                        (scopes.TryGetValue(scope.Scope, out var list) ? list : scopes[scope.Scope] = []).Add(scope);
                    if (decision.Scopes.All(s => s.ExpectedFalseDuplicateRate is not null) && decision.Scopes.Count > 0)
                    {
                        calibrated++;
                        predicted += 1 - decision.Scopes.Aggregate(1.0, (p, s) => p * (1 - s.ExpectedFalseDuplicateRate!.Value));
                    }
                    if (decision.Outcome == CaptureOutcome.DuplicateEnrolment)
                    {
                        falseDuplicates++;
                        var review = await cloud.Desk.ReviewAsync(Tenant, id, ReviewVerdict.NewAnimal, "registry-sim", "a different animal: the simulation knows every identity", ct);
                        enrolled[name] = review.Value.EnrolledAnimalId!;
                    }
                    else if (decision.Outcome == CaptureOutcome.Enrolled)
                        enrolled[name] = decision.AnimalId!;
                    else if (decision.Outcome == CaptureOutcome.InconsistentPhotos)
                        inconsistent++;
                    else
                        throw new InvalidOperationException($"enrolment of {name} ended {decision.Outcome.Name()}: {decision.Reason}");
                    progress?.Report(i + 1);
                }
            }

            int attempts = 0, caught = 0, another = 0, secondInconsistent = 0, again = 0;
            var checkFolder = Path.Combine(folder.FullName, "check");
            for (var i = 0; i < animals.Count; i++)
            {
                var (name, _, photos) = animals[i];
                if (photos.Count == 0 || !enrolled.ContainsKey(name))
                    continue;
                ct.ThrowIfCancellationRequested();
                CopyFolder(first, checkFolder);
                await using var cloud = await SimCloud.OpenAsync(checkFolder, threshold, ct);
                var decision = await cloud.Desk.EnrolAsync(Capture($"SIM2-{i:D5}", photos, modelVersion, animals.Count + i), ct);
                attempts++;
                if (decision.Outcome == CaptureOutcome.DuplicateEnrolment && decision.AnimalId == enrolled[name])
                    caught++;
                else if (decision.Outcome == CaptureOutcome.DuplicateEnrolment)
                    another++;
                else if (decision.Outcome == CaptureOutcome.InconsistentPhotos)
                    secondInconsistent++;
                else
                    again++;
                progress?.Report(animals.Count + attempts);
            }

            return new RegistrySimReport(
                animals.Count,
                Counted(animals.Select(a => a.First.Count)),
                falseDuplicates,
                inconsistent,
                animals.Count == 0 ? 0 : (double)falseDuplicates / animals.Count,
                calibrated == 0 ? null : predicted / calibrated,
                calibrated,
                attempts,
                Counted(animals.Where(a => a.Second.Count > 0).Select(a => a.Second.Count)),
                caught,
                another,
                secondInconsistent,
                again,
                attempts == 0 ? null : (double)(attempts - caught) / attempts,
                [.. scopes.Select(s => new RegistrySimScope(s.Key.Name(), s.Value[^1].Size, s.Value.Min(r => r.Threshold), s.Value.Max(r => r.Threshold), s.Value[^1].CalibrationAnimals))],
                seed);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static Dictionary<int, int> Counted(IEnumerable<int> counts) =>
        counts.GroupBy(c => c).OrderByDescending(g => g.Key).ToDictionary(g => g.Key, g => g.Count());

    private static CaptureRecord Capture(string id, IReadOnlyList<Embedding> photos, string modelVersion, int minute)
    {
        var at = new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero).AddMinutes(minute);
        return new CaptureRecord(id, Tenant, "sim-device", "sim-agent", CapturePurpose.Enrol, Species.Cattle, null, Farmer, Place, 5, at, modelVersion,
            [.. photos.Select((p, n) => new PhotoRecord(p, $"sim/{id}-{n}.jpg"))], at);
    }

    private static void CopyFolder(string from, string to)
    {
        if (Directory.Exists(to))
            Directory.Delete(to, recursive: true);
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    /// <summary>The registry, ledger and desk of one simulated cloud folder.</summary>
    private sealed record SimCloud(SqliteRegistry Registry, SqliteLedger Ledger, LivestockDesk Desk) : IAsyncDisposable
    {
        public static async Task<SimCloud> OpenAsync(string folder, float threshold, CancellationToken ct)
        {
            var registry = await SqliteRegistry.OpenAsync(Path.Combine(folder, "registry.db"), ct);
            var ledger = await SqliteLedger.OpenAsync(Path.Combine(folder, "ledger.db"), ct: ct);
            return new SimCloud(registry, ledger, new LivestockDesk(registry, ledger, new LivestockOptions(threshold), NullLogger<LivestockDesk>.Instance));
        }

        public async ValueTask DisposeAsync()
        {
            await Ledger.DisposeAsync();
            await Registry.DisposeAsync();
        }
    }
}

using System.CommandLine;
using System.Text.Json;
using AgriInsure.Edge.Vision;
using AgriInsure.Evaluation;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri eval faces</c>: open-set accuracy of the face model on a folder of animals.</summary>
internal static class EvalFacesCommand
{
    public static Verb Build()
    {
        var data = CliOptions.Required("--data", "DIR", "one folder of photos per animal: DIR/<animal>/<photos> (JPEG, PNG, WebP…; HEIC is counted as unreadable)");
        var json = CliOptions.Json("the figures of ../shared/EVAL.md (rank-1, TAR at FAR, EER, false-duplicate rate) and what happened to every file");
        var plot = CliOptions.Optional("--plot", "OUT.png", "DET curve with the operating threshold marked");
        var model = new Option<string>("--model") { HelpName = "MANIFEST", Description = "face model manifest", DefaultValueFactory = _ => Commands.DefaultManifest };
        var faceCheck = new Option<string>("--face-check")
        {
            HelpName = "MANIFEST|none",
            Description = "the 'is this a cattle face' model run before the embedder, or none",
            DefaultValueFactory = _ => Commands.DefaultFaceCheck,
        };
        var seed = CliOptions.Whole("--seed", "N", "seed of the gallery/probe split", 7, 0, int.MaxValue);
        var includeTraining = CliOptions.Switch("--include-training",
            "keep the animals the model's manifest lists as trained or validated on (left out by default: figures over them flatter the model)");
        var registrySim = CliOptions.Switch("--registry-sim",
            $"also enrol the animals one by one through the product's own duplicate rule (scopes, calibration, {RegistrySimulation.PhotosPerSide} photos a side) and " +
            "measure the false-duplicate and missed-duplicate rates, beside the rates the calibration predicted (../shared/EVAL.md)");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("faces", "open-set accuracy of the face model on DIR/<animal>/<photos>, through the handheld's own pipeline (protocol of ../shared/EVAL.md)",
            null,
            "tools/agri eval faces --data ../shared/data/cattle/holstein2025/datasets_v2 --json /tmp/faces.json --plot /tmp/faces-det.png")
        {
            data, json, plot, model, faceCheck, seed, includeTraining, registrySim, overwrite,
        };
        verb.SetAction((p, ct) => RunAsync(p.GetValue(data)!, p.GetValue(json)!, p.GetValue(plot), p.GetValue(model)!, p.GetValue(faceCheck)!, p.GetValue(seed),
            p.GetValue(includeTraining), p.GetValue(registrySim), p.GetValue(overwrite), ct));
        return verb;
    }

    private static async Task<int> RunAsync(string data, string json, string? plot, string manifestPath, string faceCheckPath, int seed, bool includeTraining,
        bool registrySim, bool overwrite, CancellationToken ct)
    {
        OutputFiles.Check(overwrite, ("--json", json), ("--plot", plot));
        if (!ModelManifest.TryLoad(manifestPath, out var manifest, out var error))
            throw new UsageException($"--model: {error}");
        ModelManifest? checkManifest = null;
        if (faceCheckPath != "none" && !ModelManifest.TryLoad(faceCheckPath, out checkManifest, out var checkError))
            throw new UsageException($"--face-check: {checkError}");
        using var faceCheck = checkManifest is null ? null : new FaceCheck(checkManifest);

        var run = new FaceEvaluationRun(manifest!, new QualityGate(new QualityOptions()), faceCheck);
        var scanned = FaceEvaluationRun.Scan(data);
        var seen = SeenInTraining(manifestPath, scanned);
        var folder = includeTraining ? scanned : scanned.Without(seen);
        if (seen.Count > 0)
        {
            Console.Error.WriteLine(includeTraining
                ? $"agri: warning: {seen.Count} of {scanned.Animals.Length} animals in --data were in the model's training or validation split ({string.Join(", ", seen.Take(5))}{(seen.Count > 5 ? ", …" : "")}): kept with --include-training, so the figures flatter the model"
                : $"agri: left out {seen.Count} of {scanned.Animals.Length} animals the model was trained or validated on ({string.Join(", ", seen.Take(5))}{(seen.Count > 5 ? ", …" : "")}); --include-training keeps them");
        }
        if (folder.Animals.Length < 2)
            throw new UsageException($"--data {data}: {folder.Animals.Length} animal folder(s){(seen.Count > 0 && !includeTraining ? $" once the {seen.Count} the model learned from are left out" : "")}; open-set figures need at least 2 animals, each a folder of photos (DIR/<animal>/<photos>)");
        var (report, photos, samples) = Terminal.Progress($"embedding {folder.Total} photos", folder.Total, progress => run.Run(folder, seed, Commands.Interrupted, progress));
        if (report.Identities < 2)
        {
            // Figures over fewer than two animals would print as a perfect 0 % error: say why there are none.
            foreach (var (figure, value) in photos.SummaryRows())
                Console.Error.WriteLine($"{figure}: {value}");
            PrintFirst20(photos.Problems, problem => $"skipped {problem}");
            throw new UsageException($"--data {data}: {report.Identities} animal(s) with usable photos; open-set figures need at least 2. Nothing written.");
        }
        var document = JsonSerializer.SerializeToNode(report)!.AsObject();
        document["photos"] = JsonSerializer.SerializeToNode(new
        {
            folders = photos.Folders,
            empty_folders = photos.EmptyFolders,
            files = photos.Photos,
            unreadable = photos.Unreadable,
            unreadable_by_reason = photos.UnreadableByReason,
            not_photos = photos.NotPhotos.Count,
            refused_by_quality_gate = photos.RefusedByGate,
            refused_as_not_a_cattle_face = photos.RefusedAsNotAFace,
        });
        var snake = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        RegistrySimReport? sim = null;
        if (registrySim)
        {
            var usable = samples.Where(s => s.Embeddings.Count > 0).ToList();
            var steps = usable.Count + usable.Count(s => s.Embeddings.Count > RegistrySimulation.PhotosPerSide);
            sim = await Terminal.ProgressAsync($"registry simulation of {usable.Count} animals", steps,
                progress => RegistrySimulation.RunAsync(usable, manifest!.Id, manifest.Version, manifest.Threshold, seed, progress, ct));
            document["registry_sim"] = JsonSerializer.SerializeToNode(sim, snake);
        }
        document["training_animals"] = JsonSerializer.SerializeToNode(new { in_data = seen.Count, of = scanned.Animals.Length, included = includeTraining, names = seen });
        document["provenance"] = JsonSerializer.SerializeToNode(Provenance.Of("eval faces", "none (photos)",
            [InputFile.Of("model", manifestPath), .. faceCheckPath == "none" ? Array.Empty<InputFile>() : [InputFile.Of("face_check", faceCheckPath)]],
            new Dictionary<string, string>
            {
                ["data"] = Path.GetFullPath(data),
                ["model"] = $"{manifest!.Id} {manifest.Version}, threshold {manifest.Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                ["seed"] = $"{seed}",
                ["protocol"] = "../shared/EVAL.md",
            }), snake);
        OutputFiles.WriteAll(
            (json, temp => Reports.WriteDocument(temp, document)),
            (plot, temp => DetPlot.Save(report.Det, (report.FarAtThreshold, report.FrrAtThreshold), temp)));

        var rows = new List<string[]>
        {
            new[] { "identities / images used", $"{report.Identities} / {report.Images}" },
            new[] { "rank-1, 1-shot / 3-shot", $"{report.Rank1OneShot:P1} / {report.Rank1ThreeShot:P1}" },
            new[] { "TAR at FAR 1% / 0.1%", $"{report.TarAtFar1Pct:P1} / {report.TarAtFar01Pct:P1}" },
            new[] { "EER", $"{report.Eer:P2}" },
            new[] { $"false-duplicate rate at {report.Threshold:0.000}", $"{report.FalseDuplicateRate:P1}" },
            new[] { "FAR / FRR at that threshold (3-shot)", $"{report.FarAtThreshold:P2} / {report.FrrAtThreshold:P1}" },
            new[] { "identities skipped (1-shot / 3-shot)", $"{report.SkippedOneShot} / {report.SkippedThreeShot}" },
        };
        if (sim is not null)
            rows.AddRange(SimRows(sim));
        rows.AddRange(photos.SummaryRows().Select(r => new[] { r.Figure, r.Value }));
        Terminal.Table([new Column("figure", Wraps: true), new Column("value", Wraps: true)], rows);
        PrintFirst20(photos.Problems, problem => $"skipped {problem}");
        PrintFirst20(photos.NotPhotos, other => $"ignored {other}: not a photo by its name or its first bytes");
        Console.WriteLine($"wrote {json}{(plot is null ? "" : $" and {plot} (DET curve, red: the operating threshold)")}");
        return (int)ExitCode.Success;
    }

    /// <summary>The registry simulation's figures against the livestock issue's targets (≤ 1 % false duplicates,
    /// ≤ 10 % missed, on animals never used in training).</summary>
    private static IEnumerable<string[]> SimRows(RegistrySimReport sim)
    {
        static string Photos(IReadOnlyDictionary<int, int> counts) => string.Join(", ", counts.Select(c => $"{c.Value} with {c.Key}"));
        yield return ["registry simulation: animals (enrolment photos)", $"{sim.Animals} ({Photos(sim.EnrolmentPhotos)})"];
        yield return ["false-duplicate rate, measured (target ≤ 1 %)", $"{sim.FalseDuplicateRate:P1} ({sim.FalseDuplicates} of {sim.Animals}){(sim.FalseDuplicateRate <= 0.01 ? "" : " — over target")}"];
        yield return ["honest enrolments refused as inconsistent photos", $"{sim.RefusedAsInconsistent} of {sim.Animals}"];
        yield return ["false-duplicate rate, predicted by the calibration",
            sim.PredictedFalseDuplicateRate is { } p ? $"{p:P1} (mean over {sim.CalibratedEnrolments} calibrated enrolments)" : "not estimated (scopes under 100 animals use the manifest's threshold)"];
        yield return ["missed-duplicate rate (target ≤ 10 %)", sim.MissedDuplicateRate is { } m
            ? $"{m:P1} of {sim.SecondEnrolments} second enrolments ({Photos(sim.SecondEnrolmentPhotos)}): {sim.Caught} caught, {sim.FlaggedAsAnother} flagged as another animal, {sim.SecondRefusedAsInconsistent} refused as inconsistent photos, {sim.EnrolledAgain} enrolled again{(m <= 0.10 ? "" : " — over target")}"
            : "not measured: no animal has photos left for a second enrolment"];
        foreach (var scope in sim.Scopes)
            yield return [$"{scope.Scope} scope: size at the last enrolment, thresholds", $"{scope.FinalSize}, {scope.LowestThreshold:0.0000}–{scope.HighestThreshold:0.0000} (calibrated on {scope.CalibrationAnimals} animals)"];
    }

    /// <summary>The animals of <paramref name="folder"/> the manifest lists in its training or validation
    /// split (by folder name, as the split names them dataset/animal).</summary>
    private static List<string> SeenInTraining(string manifestPath, PhotoFolder folder)
    {
        var learned = TrainingSplit.Read(manifestPath).Learned;
        return folder.Animals.Select(Path.GetFileName).OfType<string>().Where(learned.Contains).ToList();
    }

    private static void PrintFirst20(IReadOnlyList<string> items, Func<string, string> line)
    {
        foreach (var item in items.Take(20))
            Console.Error.WriteLine($"  {line(item)}");
        if (items.Count > 20)
            Console.Error.WriteLine($"  … and {items.Count - 20} more");
    }
}

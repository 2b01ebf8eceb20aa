using System.CommandLine;
using System.Globalization;
using AgriInsure.Cli.Retraining;
using AgriInsure.Cloud.Host;
using AgriInsure.Domain;
using AgriInsure.Edge.Vision;
using AgriInsure.Evaluation;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Livestock;
using AgriInsure.Registry;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Storage;
using AgriInsure.Storage.LocalFolder;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri model seed|retrain|promote</c>: the face model learns from the registry.</summary>
internal static class ModelCommands
{
    public static Command Group() => new("model", "the face model learns from the registry: retrain on its animals, promote a better candidate") { Seed(), Retrain(), Promote() };

    private static string Script => Path.Combine(Path.GetDirectoryName(Commands.DefaultManifest)!, "..", "tools", "train", "train_embedder.py");

    private static Verb Seed()
    {
        var data = CliOptions.Required("--data", "DIR", "labelled photos: DIR/<animal>/<photos>, one folder per animal");
        var dataset = CliOptions.Optional("--dataset", "NAME", "names the animals NAME.<folder> (their ear tags), for the NAME/<folder> that model manifests list as trained on (default: DIR's folder name)");
        var cloud = CliOptions.Required("--cloud", "DIR", "the cloud folder to enrol into (made when missing; registry.db, ledger.db, blobs/)");
        var photos = CliOptions.Whole("--photos", "N", "photos kept per animal (the first --enrol of them enrol it, the others are confirmed as duplicates by a reviewer)", 5, 1, 50);
        var enrol = CliOptions.Whole("--enrol", "N", "photos an enrolment carries (its templates)", 3, 1, Animal.MaxTemplates);
        var skip = CliOptions.Optional("--skip", "MANIFEST", "leave out the animals this model manifest lists as trained or validated on");
        var model = CloudFolder.ModelOption();
        var faceCheck = new Option<string>("--face-check")
        {
            HelpName = "MANIFEST|none",
            Description = "the 'is this a cattle face' model a handheld runs before the embedder, or none",
            DefaultValueFactory = _ => Commands.DefaultFaceCheck,
        };
        var verb = new Verb("seed", "a registry from labelled photos, as if agents had enrolled each animal and photographed it again (for trying retrain on a data set)",
            null,
            "tools/agri model seed --data ../shared/data/cattle/cattely --cloud /tmp/agri/registry")
        {
            data, dataset, cloud, photos, enrol, skip, model, faceCheck,
        };
        verb.SetAction((p, ct) => SeedAsync(p.GetValue(data)!, p.GetValue(dataset), p.GetValue(cloud)!, p.GetValue(photos), p.GetValue(enrol), p.GetValue(skip), p.GetValue(model)!.Path, p.GetValue(faceCheck)!, ct));
        return verb;
    }

    private static async Task<int> SeedAsync(string data, string? dataset, string cloudPath, int photos, int enrol, string? skip, string? modelPath, string faceCheckPath, CancellationToken ct)
    {
        var folder = FaceEvaluationRun.Scan(data);
        var name = dataset ?? Path.GetFileName(Path.GetFullPath(data).TrimEnd(Path.DirectorySeparatorChar));
        var leftOut = skip is null ? new HashSet<string>() : TrainingSplit.Read(skip).Train.Concat(TrainingSplit.Read(skip).Val).Select(a => RegistrySeed.EarTag(a.Dataset, a.Animal)).ToHashSet(StringComparer.Ordinal);
        var animals = folder.Animals
            .Select(a => (EarTag: RegistrySeed.EarTag(name, Path.GetFileName(a)), Photos: (IReadOnlyList<Func<byte[]>>)folder.Photos[a].Select(f => (Func<byte[]>)(() => File.ReadAllBytes(f))).ToList()))
            .Where(a => !leftOut.Contains(a.EarTag))
            .ToList();
        Directory.CreateDirectory(cloudPath);
        await using var folderLock = CloudFolder.Lock(cloudPath);
        await using var registry = await SqliteRegistry.OpenAsync(CloudEngines.RegistryPath(cloudPath), ct);
        var manifestPath = await CloudFolder.ModelOfAsync(registry, cloudPath, modelPath, ct);
        if (!ModelManifest.TryLoad(manifestPath, out var manifest, out var error))
            throw new UsageException($"--model: {error}");
        await using var ledger = await SqliteLedger.OpenAsync(CloudEngines.LedgerPath(cloudPath), ct: ct);
        var desk = new LivestockDesk(registry, ledger, new LivestockOptions(manifest!.Threshold), NullLogger<LivestockDesk>.Instance);
        using var embedder = new FaceEmbedder(manifest);
        ModelManifest? check = null;
        if (faceCheckPath != "none" && !ModelManifest.TryLoad(faceCheckPath, out check, out var checkError))
            throw new UsageException($"--face-check: {checkError}");
        using var faceCheck = check is null ? null : new FaceCheck(check);
        var pipeline = new FacePipeline(embedder, new QualityGate(new QualityOptions()), faceCheck);
        var report = await Terminal.PhasesAsync(phase =>
            new RegistrySeed(registry, new LocalFolderBlobStore(CloudEngines.BlobsPath(cloudPath)), desk, pipeline) { Progress = (n, total) => phase($"enrolling {total} animals", n, total) }
                .RunAsync(animals, photos, enrol, DateTimeOffset.UtcNow, ct));
        Console.WriteLine($"{report.Enrolled} animals enrolled, {report.ConfirmedPhotos} further photos confirmed by review; {report.Flagged} enrolments flagged as another animal (open cases: not eligible for retraining)" +
                          $"{(report.Inconsistent > 0 ? $", {report.Inconsistent} refused as not of one animal" : "")}" +
                          $"{(leftOut.Count > 0 ? $"; {folder.Animals.Length - animals.Count} animals left out as learned by {skip}" : "")}; {report.PhotosRefused} photos refused by the gate or face check" +
                          $"{(report.AnimalsWithoutPhotos > 0 ? $", {report.AnimalsWithoutPhotos} animals without a usable photo" : "")}");
        Console.WriteLine($"cloud: {Path.GetFullPath(cloudPath)}");
        return (int)ExitCode.Success;
    }

    /// <summary>The training code's process boundary; tests put a double here (they must not train for minutes).</summary>
    internal static Func<ITrainer> Trainer { get; set; } = () => new PythonTrainer(Script);

    private static Verb Retrain()
    {
        var cloud = CloudFolder.Option();
        var model = CloudFolder.ModelOption();
        var output = CliOptions.Required("--out", "DIR", "where the candidate goes (a new or empty folder): its ONNX file, manifest with the comparison under registry_evaluation, model card, split and training log");
        var budget = CliOptions.Whole("--budget", "SECONDS", "training time on the CPUs here (the schedule is compressed to fit after the second epoch)", 600, 10, 86_400);
        var epochs = CliOptions.Whole("--epochs", "N", "epochs when the budget allows", 40, 3, 1000);
        var seed = CliOptions.Whole("--seed", "N", "seed of the held-out draw and of the enrolment photos in the evaluation", 7, 0, int.MaxValue);
        var initFrom = CliOptions.Optional("--init-from", "STATE", "a .state.npz of a `fast` network (tools/train) to start from instead of random weights");
        var json = CliOptions.Optional("--json", "OUT.json", "also write the split's sizes and both models' figures as JSON");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("retrain", "train a candidate face model on the registry's enrolled animals and compare it with the current model on held-out animals of the registry",
            null,
            "tools/agri model retrain --cloud /tmp/agri/registry --out /tmp/agri/candidate --budget 300")
        {
            cloud, model, output, budget, epochs, seed, initFrom, json, overwrite,
        };
        verb.SetAction(async (p, ct) =>
        {
            var outFolder = p.GetValue(output)!;
            OutputFiles.CheckFolder("--out", outFolder);
            OutputFiles.Check(p.GetValue(overwrite), ("--json", p.GetValue(json)));
            if (p.GetValue(initFrom) is { } state && !File.Exists(state))
                throw new UsageException($"--init-from {state} does not exist");
            await using var folder = await CloudFolder.OpenAsync(p.GetValue(cloud), p.GetValue(model)!.Path, ct);
            RetrainResult result;
            try
            {
                result = await Terminal.PhasesAsync(phase => new Retraining.Retrain(folder.Registry, folder.Blobs, folder.ManifestPath, Trainer()) { Progress = phase }
                    .RunAsync(new RetrainOptions(outFolder, p.GetValue(seed), p.GetValue(epochs), p.GetValue(budget), p.GetValue(initFrom), DateTimeOffset.UtcNow), ct));
            }
            catch (TrainingException e)
            {
                Console.Error.WriteLine($"agri: {e.Message}");
                return (int)ExitCode.Environment;
            }
            var (split, c) = (result.Split, result.Comparison);
            if (p.GetValue(json) is { } jsonPath)
                OutputFiles.WriteAll((jsonPath, temp => Reports.WriteDocument(temp, new { candidate = Path.GetFullPath(result.CandidateManifest), registry = Path.GetFullPath(folder.Path), comparison = c })));
            Console.WriteLine($"split: {split.Train.Count} animals trained on, {split.Validation.Count} set the threshold, {split.HeldOut.Count} held out " +
                              $"({split.Learned} learned by the current model, never held out){(result.MissingCrops > 0 ? $"; {result.MissingCrops} crops missing from the blob store left out" : "")}");
            Figures(c);
            Console.WriteLine(c.Better
                ? $"candidate {c.Candidate.Id} is better on the held-out animals: tools/agri model promote --candidate {result.CandidateManifest}{(p.GetValue(cloud) is { } given ? $" --cloud {given}" : "")}"
                : $"candidate {c.Candidate.Id} is not better on the held-out animals ({c.Metric}); promote would refuse it");
            Console.WriteLine($"wrote {result.CandidateManifest}");
            return (int)ExitCode.Success;
        });
        return verb;
    }

    private static Verb Promote()
    {
        var candidate = CliOptions.Required("--candidate", "MANIFEST", "the candidate's manifest, as tools/agri model retrain wrote it");
        var cloud = CloudFolder.Option();
        var model = CloudFolder.ModelOption();
        var json = CliOptions.Optional("--json", "OUT.json", "also write the comparison and the switch as JSON");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("promote", "switch the registry to a retrained model if it beats the current one on the held-out animals: every template re-embedded from its stored crop, the switch anchored on the ledger",
            "the candidate is not better on the held-out animals: nothing changed",
            "tools/agri model promote --candidate /tmp/agri/candidate/cattle-face-embedder-r20261201120000.manifest.json --cloud /tmp/agri/registry")
        {
            candidate, cloud, model, json, overwrite,
        };
        verb.SetAction(async (p, ct) =>
        {
            OutputFiles.Check(p.GetValue(overwrite), ("--json", p.GetValue(json)));
            await using var folder = await CloudFolder.OpenAsync(p.GetValue(cloud), p.GetValue(model)!.Path, ct);
            var result = await Terminal.PhasesAsync(phase => new ModelPromotion(folder.Registry, folder.Ledger, folder.Blobs, folder.Path, folder.ManifestPath) { Progress = phase }.RunAsync(p.GetValue(candidate)!, DateTimeOffset.UtcNow, ct));
            if (p.GetValue(json) is { } jsonPath)
                OutputFiles.WriteAll((jsonPath, temp => Reports.WriteDocument(temp, new { outcome = result.Outcome.Name(), comparison = result.Comparison, active = result.Active })));
            if (result.Comparison is { } c)
                Figures(c);
            switch (result.Outcome)
            {
                case PromotionOutcome.AlreadyActive:
                    Console.WriteLine($"{result.Active!.ModelId} is the registry's model already (since {result.Active.SwitchedAt:yyyy-MM-dd HH:mm}Z, ledger entry {result.Active.LedgerEntry})");
                    return (int)ExitCode.Success;
                case PromotionOutcome.RefusedNotBetter:
                    Console.WriteLine($"refused: the candidate is not better on the held-out animals ({result.Comparison!.Metric}); the registry keeps {result.Comparison.Current.Id} {result.Comparison.Current.Version}");
                    return (int)ExitCode.Found;
                default:
                    var a = result.Active!;
                    Console.WriteLine($"switched to {a.ModelId} {a.Version}: {a.Templates} templates of {a.Animals} animals re-embedded from their stored crops; previous {a.PreviousModelId}; ledger entry {a.LedgerEntry}; manifest {Path.Combine(folder.Path, a.ManifestPath)}");
                    return (int)ExitCode.Success;
            }
        });
        return verb;
    }

    private static void Figures(RegistryComparison c)
    {
        string Pct(double v) => v.ToString("P1", CultureInfo.InvariantCulture);
        string[] Row(ModelFigures f, string role) =>
            [role, $"{f.Id} {f.Version}", $"{f.Report.Identities} / {f.Report.Images}", Pct(f.Report.TarAtFar1Pct), Pct(f.Report.Rank1ThreeShot), Pct(f.Report.TarAtFar01Pct), Pct(f.Report.Eer)];
        Terminal.Table(
            [new Column("model"), new Column("id", Ids: true), new Column("animals / crops"), new Column("TAR @ FAR 1 %"), new Column("rank-1 3-shot"), new Column("TAR @ FAR 0.1 %"), new Column("EER")],
            [Row(c.Current, "current"), Row(c.Candidate, "candidate")]);
        Console.WriteLine($"verdict: {c.Verdict} ({c.HeldOut.Count} held-out animals, seed {c.Seed})");
    }
}

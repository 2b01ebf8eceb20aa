using System.Globalization;
using AgriInsure.Cloud.Host;
using AgriInsure.Domain;
using AgriInsure.Edge.Agent;
using AgriInsure.Edge.Vision;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Underwriting.Closing;
using AgriInsure.Underwriting.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using CapturePurpose = AgriInsure.Protocol.CapturePurpose;

namespace AgriInsure.Cli;

internal sealed record DemoStep(string Step, string Expected, string Actual, string Detail)
{
    public bool AsExpected => Expected == Actual;
}

/// <param name="Names">Each enrolled animal's id and the name of its photo folder.</param>
internal sealed record DemoReport(string PhotoSource, bool RealPhotos, IReadOnlyList<DemoStep> Steps, RegistryCounts Counts, long LedgerEntries, string LedgerRoot,
    IReadOnlyDictionary<string, string> Names)
{
    /// <summary>A step's detail with each animal id named ("cattely/s1778 (A-01M8M…H4RYD91)"); ids shown
    /// whole, or elided in the middle (where time-ordered ids differ) within <paramref name="idWidth"/>.</summary>
    public string Readable(DemoStep step, int? idWidth = null) =>
        Names.Aggregate(step.Detail, (text, n) => text.Replace(n.Key, $"{n.Value} ({(idWidth is { } w ? Terminal.ElideMiddle(n.Key, w) : n.Key)})"));

    public bool AllAsExpected => Steps.All(s => s.AsExpected);
}

/// <param name="Ledger"><c>sqlite</c>: the embedded ledger in the demo's folder; <c>evm</c>: the AgriLedger contract on a local
/// anvil chain the demo starts and stops (<see cref="LocalChain"/>).</param>
internal sealed record DemoOptions(string WorkFolder, string ManifestPath, string DataRoot, int HerdSize = 5, string? FaceCheckManifestPath = null, string Ledger = "sqlite");

/// <summary>One insurance season for one herd on one machine: enrol offline (each cow with
/// <see cref="Handheld.RecommendedEnrolmentPhotos"/> photos), sync, catch a duplicate enrolment, insure, pay one
/// death claim, refuse the same claim again and a claim for a stranger, count the herd.</summary>
internal sealed class DemoSeason(DemoOptions options, ILoggerFactory logs, Action<string>? progress = null)
{
    /// <summary>The insurer the demo season's records belong to.</summary>
    public const string Tenant = "demo";

    /// <summary>The most photos the demo has of each animal: enough for the first cow's two enrolments, a census photo
    /// and retakes.</summary>
    public const int ShotsPerAnimal = 12;
    private const string FarmerId = "F-0001";
    private static readonly GpsFix Farm = new(45.8712, 14.5601, 6.5);

    /// <summary>The season's first day: the herd is photographed that morning.</summary>
    private static readonly DateTimeOffset Day = new(2026, 4, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The cloud's clock during the demo, moved on as the season goes.</summary>
    private sealed class SeasonClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    public async Task<DemoReport> RunAsync(CancellationToken ct = default)
    {
        if (!ModelManifest.TryLoad(options.ManifestPath, out var loaded, out var manifestError))
            throw new UsageException($"--model {options.ManifestPath}: {manifestError}");
        var manifest = loaded!;
        var herd = HerdPhotos.Load(options.DataRoot, options.ManifestPath, options.HerdSize + 1);
        // The first cow is enrolled twice and the second claimed twice: they take the animals with the most photos, and
        // the stranger, photographed twice, the one with the fewest.
        var byPhotos = herd.Animals.OrderByDescending(a => a.Shots.Count).ToList();
        var insured = byPhotos.Take(options.HerdSize).ToList();
        var stranger = byPhotos[options.HerdSize];
        var steps = new List<DemoStep>();
        void Step(string step, string expected, string actual, string detail)
        {
            steps.Add(new DemoStep(step, expected, actual, detail));
            progress?.Invoke($"{step}: {actual}");
        }

        // The cloud's clock follows the season, so cover and the device-time window are judged as on those days.
        var season = new SeasonClock(Day);
        var cloudFolder = Path.Combine(options.WorkFolder, "cloud");
        var settings = new Dictionary<string, string?>
        {
            [CloudOptions.Key(nameof(CloudOptions.Folder))] = cloudFolder,
            [CloudOptions.Key(nameof(CloudOptions.Manifest))] = options.ManifestPath,
            [CloudOptions.Key(nameof(CloudOptions.BrokerPort))] = "0",
        };
        // Declared before the cloud, so the chain stops after it (and on any failure or Ctrl-C).
        await using var chain = options.Ledger == "evm" ? await StartChainAsync(settings, ct) : null;
        await using var process = await AgriCloud.StartAsync(settings, logs, season, ct);
        var cloud = process.Engines;

        using var key = DeviceKey.Create();
        var identity = new HandheldIdentity(Tenant, "HH-017", "agent-42");
        await cloud.Registry.RegisterDeviceAsync(new DeviceRecord(Tenant, identity.DeviceId, identity.AgentId, key.PublicKey), ct);
        await cloud.Registry.AddFarmerAsync(Farmer.Create(Tenant, FarmerId, "Demo Farmer", "Ljubljana").Value, ct);

        using var embedder = new FaceEmbedder(manifest);
        // The generated herd is drawings of cows: a face check trained on photos rightly refuses them.
        using var faceCheck = herd.Real && options.FaceCheckManifestPath is { } checkPath
            ? new FaceCheck(ModelManifest.TryLoad(checkPath, out var check, out var checkError) ? check! : throw new UsageException($"face check {checkPath}: {checkError}"))
            : null;
        await using var outbox = await Outbox.OpenAsync(Path.Combine(options.WorkFolder, "handheld-outbox.db"), ct);
        var pipeline = new FacePipeline(embedder, new QualityGate(new QualityOptions()), faceCheck);
        var handheld = new Handheld(identity, pipeline, key, outbox, logs.CreateLogger<Handheld>());
        // The demo's settings name no external broker: the embedded one is running.
        var broker = cloud.Broker!;
        await using var uplink = new Uplink(Tenant, identity.DeviceId, outbox, new UplinkOptions
        {
            Host = broker.Host,
            Port = broker.Port,
            Login = new BrokerLogin { UserName = identity.DeviceId, Password = broker.IssueToken(identity.DeviceId) },
            CloudAckKey = cloud.Worker.AckPublicKey,
        }, logs.CreateLogger<Uplink>());

        var day = Day;
        // Each photo of an animal is used once; a photo the handheld refuses as a near-duplicate is retaken with the
        // animal's next one, as the agent would, while it has photos left.
        var used = new Dictionary<AnimalPhotos, int>();
        int Next(AnimalPhotos animal) => used[animal] = used.GetValueOrDefault(animal) + 1;
        async Task<Capture?> Take(AnimalPhotos animal, int count, CapturePurpose purpose, DateTimeOffset at)
        {
            var shots = Enumerable.Range(0, count).Select(_ => Next(animal) - 1).Where(i => i < animal.Shots.Count).ToList();
            while (true)
            {
                var outcome = await handheld.CaptureAsync(shots.Select(i => animal.Shots[i]()).ToList(),
                    new CaptureRequest(purpose, "cattle", Farm, at, purpose == CapturePurpose.Enrol ? FarmerId : null), ct);
                if (outcome.Queued)
                    return outcome.Capture;
                var retakes = outcome.Problems.Where(p => p.Error.Code == VisionError.NearDuplicate && p.Photo is not null).Select(p => p.Photo!.Value - 1).ToList();
                if (retakes.Count == 0 || retakes.Count != outcome.Problems.Count || used[animal] + retakes.Count > animal.Shots.Count)
                {
                    Step($"photos of {animal.Name}", "queued", "refused at the edge", string.Join("; ", outcome.Problems));
                    return null;
                }
                foreach (var r in retakes)
                    shots[r] = Next(animal) - 1;
            }
        }

        // 1. Enrolment in a barn with no signal: captures wait in the outbox. Each cow is enrolled with the recommended
        // three photos; a second visit enrols the first cow again with three others.
        var enrolments = new List<(AnimalPhotos Animal, Capture Capture)>();
        foreach (var animal in insured)
        {
            var c = await Take(animal, Handheld.RecommendedEnrolmentPhotos, CapturePurpose.Enrol, day);
            if (c is not null)
                enrolments.Add((animal, c));
        }
        var duplicate = await Take(insured[0], Handheld.RecommendedEnrolmentPhotos, CapturePurpose.Enrol, day.AddMinutes(20));
        var waiting = await outbox.PendingCountAsync(ct);
        Step("photograph the herd offline", $"{insured.Count + 1} queued", $"{waiting} queued", $"{herd.Source}; nothing sent while offline");

        // 2. Back in range two hours later: the outbox drains as acks arrive.
        season.Now = day.AddHours(2);
        await uplink.TryConnectAsync(ct);
        var drained = await uplink.DrainAsync(TimeSpan.FromSeconds(30), ct);
        Step("link returns, outbox syncs", "outbox empty", drained ? "outbox empty" : $"{await outbox.PendingCountAsync(ct)} still queued", "each capture left the outbox only on the cloud's ack");

        var animalIds = new List<string>();
        foreach (var (animal, capture) in enrolments)
        {
            var receipt = await outbox.ReceiptAsync(capture.CaptureId, ct);
            if (receipt?.Outcome == "enrolled" && receipt.AnimalId is not null)
                animalIds.Add(receipt.AnimalId);
            Step($"enrol {animal.Name} ({Photos(capture.Photos.Count)})", "enrolled", receipt?.Outcome ?? "no ack", receipt?.Reason ?? "");
        }
        var dup = duplicate is null ? null : await outbox.ReceiptAsync(duplicate.CaptureId, ct);
        Step($"enrol {insured[0].Name} again ({Photos(duplicate?.Photos.Count ?? 0)}, others)", "duplicate-enrolment", dup?.Outcome ?? "no ack", dup?.Reason ?? "");

        // 3. Underwriting: one policy over the enrolled herd.
        var policy = await cloud.Desk.IssuePolicyAsync(Tenant, FarmerId, animalIds, Money.Create(12_000m, "CNY").Value, Money.Create(480m, "CNY").Value,
            Coverage.Create(DateOnly.FromDateTime(season.Now.UtcDateTime), DateOnly.FromDateTime(season.Now.UtcDateTime).AddYears(1).AddDays(-1)).Value, ct);
        Step("issue livestock policy", "issued", policy.IsOk ? "issued" : "refused",
            policy.IsOk ? $"{policy.Value.Id}: {animalIds.Count} head × {policy.Value.SumInsuredPerHead}, premium {policy.Value.Premium}" : policy.Error!.ToString());

        // 3b. Closing: the farmer's identity checked, the contract drawn from the policy signed by the farmer and countersigned
        // by the insurer, its hash anchored.
        if (policy.IsOk)
            await CloseAsync(policy.Value.Id);

        async Task CloseAsync(string policyId)
        {
            var identities = cloud.Contracts.IdentityDesk(Tenant);
            // A made-up number with a valid GB 11643 check character (a demo farmer has no card).
            var check = await identities.RecordAsync(Tenant, new IdentityCheckReport(FarmerId, identity.AgentId, IdentityCheckMethod.IdCardChipRead,
                "11010519491231002X", IdentityCheckOutcome.Passed), ct);
            Step("check the farmer's identity", "passed", check.IsOk ? check.Value.Check.Outcome.Name() : "refused",
                check.IsOk ? $"{check.Value.Check.Method.Name()}; the number kept only as a keyed hash" : check.Error.ToString());
            var contracts = cloud.Contracts.Desk ?? throw new UsageException($"{cloud.Contracts.Unavailable} (tools/setup installs it)");
            var insurer = new Insurer("安华农业保险 AgriInsure Demo", Seal.Png());
            var farmerSigned = await contracts.SignAsFarmerAsync(Tenant, policyId, insurer, ct);
            Step("farmer signs the contract", "signed-by-farmer", farmerSigned.Outcome.Name(), farmerSigned.Reason);
            if (farmerSigned.Pdf is null)
                return;
            var closed = await contracts.CountersignAsync(Tenant, policyId, farmerSigned.Pdf, insurer, ct);
            var path = Path.Combine(cloudFolder, "contracts", $"{policyId}.signed.pdf");
            if (closed.Pdf is { } pdf && closed.Outcome == ClosingOutcome.Active)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllBytesAsync(path, pdf, ct);
            }
            Step("insurer countersigns; policy in force", "active", closed.Outcome.Name(),
                closed.Outcome == ClosingOutcome.Active ? $"{closed.Reason}; signed contract: {path}" : closed.Reason);
        }

        // 4. Claims, captured on the farm months later.
        var claimDay = day.AddDays(150);
        var dead = insured.Count > 1 ? insured[1] : insured[0];
        var claim = await Take(dead, 1, CapturePurpose.Claim, claimDay);
        season.Now = claimDay.AddMinutes(5);
        await uplink.DrainAsync(TimeSpan.FromSeconds(30), ct);
        var first = claim is null ? null : await outbox.ReceiptAsync(claim.CaptureId, ct);
        Step($"death claim for {dead.Name} ({Photos(claim?.Photos.Count ?? 0)})", "claim-accepted", first?.Outcome ?? "no ack", first?.Reason ?? "");

        if (claim is not null)
        {
            var redelivered = await cloud.Ingest.HandleAsync(Topics.Captures(Tenant, identity.DeviceId), Codec.Encode(claim), ct);
            var counts = await cloud.Registry.CountsAsync(Tenant, ct);
            Step("same capture delivered twice", "claim-accepted", redelivered.Ack?.Outcome ?? "no answer",
                $"answered from the stored decision; still {counts.AcceptedClaims} accepted claim(s), {counts.Captures} captures stored");
        }

        var again = await Take(dead, 1, CapturePurpose.Claim, claimDay.AddDays(2));
        season.Now = claimDay.AddDays(2).AddMinutes(5);
        await uplink.DrainAsync(TimeSpan.FromSeconds(30), ct);
        var second = again is null ? null : await outbox.ReceiptAsync(again.CaptureId, ct);
        Step($"same death claimed again (new photo of {dead.Name})", "claim-refused-duplicate", second?.Outcome ?? "no ack", second?.Reason ?? "");

        var strangerClaim = await Take(stranger, 1, CapturePurpose.Claim, claimDay.AddDays(3));
        season.Now = claimDay.AddDays(3).AddMinutes(5);
        await uplink.DrainAsync(TimeSpan.FromSeconds(30), ct);
        var third = strangerClaim is null ? null : await outbox.ReceiptAsync(strangerClaim.CaptureId, ct);
        Step($"death claim with a photo of {stranger.Name} (never enrolled)", "claim-refused-no-match", third?.Outcome ?? "no ack", third?.Reason ?? "");

        // 5. A census visit a month after the death: one more photo of each living insured cow, and of a cow that is
        // not on the policy. What must hold: the dead cow is reported absent as claimed dead and the stranger's photo
        // is flagged.
        // Any other cow missed is a false reject of the model at this threshold, named in the detail (a real visit
        // would retake its photo).
        if (policy.IsOk)
        {
            var photos = new List<CensusPhoto>();
            foreach (var (name, shot) in insured.Where(a => a != dead).Append(stranger).Where(a => used.GetValueOrDefault(a) < a.Shots.Count).Select(a => (a.Name, a.Shots[Next(a) - 1])))
            {
                using var face = pipeline.Run(shot());
                if (face.Accepted)
                    photos.Add(new CensusPhoto(name, [Embedding.Create(face.Embedding!, manifest.Id).Value]));
            }
            season.Now = claimDay.AddDays(30);
            var census = await cloud.Desk.CensusAsync(Tenant, policy.Value.Id, DateOnly.FromDateTime(season.Now.UtcDateTime), photos, ct);
            var named = enrolments.ToDictionary(e => $"A-{e.Capture.CaptureId}", e => e.Animal.Name);
            var notSeen = census.IsOk ? census.Value.NotSeen.Select(a => named.GetValueOrDefault(a.AnimalId, a.AnimalId)).ToList() : [];
            var unmatched = census.IsOk ? census.Value.Unmatched.Select(u => u.Photo).ToList() : [];
            var deadAbsent = census.IsOk && census.Value.Animals.Any(a => a.Presence == CensusPresence.ClaimedDead && named.GetValueOrDefault(a.AnimalId) == dead.Name);
            string Found(bool absent, bool stranger) => $"{(absent ? "dead cow absent, claimed dead" : "dead cow not reported as claimed dead")}, {(stranger ? "stranger flagged" : "stranger not flagged")}";
            Step($"herd census a month later ({dead.Name} dead, {stranger.Name} not on the policy)", Found(true, true),
                census.IsOk ? Found(deadAbsent, unmatched.Contains(stranger.Name)) : "refused",
                census.IsOk
                    ? string.Create(CultureInfo.InvariantCulture, $"{census.Value.Animals.Count(a => a.Presence == CensusPresence.Seen)} of {census.Value.Animals.Count} insured seen in {photos.Count} photos (threshold {census.Value.Photos[0].Search.Threshold:0.000}); ledger entry {census.Value.LedgerEntry}") +
                      (notSeen.Count == 0 ? "" : $"; also not seen: {string.Join(", ", notSeen)} (its photo scores under the threshold: a false reject, to be retaken)")
                    : census.Error!.ToString());
        }

        var verification = await cloud.Ledger.VerifyAsync(ct: ct);
        Step("verify the ledger", "intact", verification.IsIntact ? "intact" : "tampered",
            verification.IsIntact ? $"{verification.Entries} entries, root {verification.Root[..16]}…" : verification.Problem!);

        var names = enrolments.Select(e => (e.Capture.CaptureId, e.Animal.Name)).ToDictionary(p => $"A-{p.CaptureId}", p => p.Name);
        return new DemoReport(herd.Source, herd.Real, steps, await cloud.Registry.CountsAsync(Tenant, ct), verification.Entries, verification.Root, names);
    }

    /// <summary>The environment variable the demo hands its development keystore's passphrase to the cloud in, as a real
    /// host is given its own (<see cref="CloudOptions.EvmPassphraseVariable"/>).</summary>
    public const string DemoPassphraseVariable = "AGRI_DEMO_EVM_PASSPHRASE";

    /// <summary>A local anvil with the contract deployed and the demo insurer admitted; the cloud's settings point at it.</summary>
    private async Task<LocalChain> StartChainAsync(Dictionary<string, string?> settings, CancellationToken ct)
    {
        var key = DevelopmentKey.LoadOrCreate(Commands.AgriFolder);
        progress?.Invoke("starting a local chain (anvil)");
        var chain = await LocalChain.StartAsync(key, logs, ct);
        Environment.SetEnvironmentVariable(DemoPassphraseVariable, key.Passphrase);
        settings[CloudOptions.Key(nameof(CloudOptions.Ledger))] = "evm";
        settings[CloudOptions.Key(nameof(CloudOptions.EvmRpcUrl))] = chain.Endpoint.ToString();
        settings[CloudOptions.Key(nameof(CloudOptions.EvmContract))] = chain.Contract;
        settings[CloudOptions.Key(nameof(CloudOptions.EvmContractBlock))] = chain.Block.ToString(CultureInfo.InvariantCulture);
        settings[CloudOptions.Key(nameof(CloudOptions.EvmKeystore))] = key.Keystore;
        settings[CloudOptions.Key(nameof(CloudOptions.EvmPassphraseVariable))] = DemoPassphraseVariable;
        progress?.Invoke($"local chain at {chain.Endpoint}, AgriLedger {chain.Contract}, insurer {key.Address}");
        return chain;
    }

    private static string Photos(int count) => count == 1 ? "1 photo" : $"{count} photos";
}

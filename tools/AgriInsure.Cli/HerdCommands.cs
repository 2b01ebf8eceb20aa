using System.CommandLine;
using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Edge.Vision;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri herd census</c>: which of a policy's animals a visit's photos show.</summary>
internal static class HerdCommands
{
    public static Verb Census()
    {
        var policy = CliOptions.Required("--policy", "ID", "the livestock policy whose animals are counted (LP-…)");
        var photos = CliOptions.Required("--photos", "DIR",
            "the visit's photos: each photo in DIR shows one animal; each subfolder holds 1 to 5 photos of one animal, scored together (JPEG, PNG, WebP…; HEIC is refused as unreadable)");
        var day = CliOptions.Optional("--day", "YYYY-MM-DD", "the day of the visit (default: today, UTC); it must lie in the policy's cover");
        var cloud = CloudFolder.Option();
        var tenant = CloudFolder.TenantOption();
        var model = CloudFolder.ModelOption();
        var json = CliOptions.Json("per insured animal seen or not-seen (with the photo and score), per photo the animal it shows or none, the threshold and the ledger entry");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("census", "a herd census: which insured animals a visit's photos show, which they do not (possible loss or sale), and which photos show none of them (possible substitution); anchored on the ledger",
            "an insured animal was not seen, or a photo shows no insured animal (listed in the output)",
            "tools/agri herd census --policy LP-01… --photos /tmp/visit --json /tmp/census.json")
        {
            policy, photos, day, cloud, tenant, model, json, overwrite,
        };
        verb.SetAction((p, ct) => RunAsync(p.GetValue(tenant)!, p.GetValue(policy)!, p.GetValue(photos)!, p.GetValue(day), p.GetValue(cloud), p.GetValue(model)!.Path, p.GetValue(json)!, p.GetValue(overwrite), ct));
        return verb;
    }

    private static async Task<int> RunAsync(string tenant, string policyId, string photoFolder, string? dayText, string? cloudFolder, string? manifestPath, string json, bool overwrite, CancellationToken ct)
    {
        OutputFiles.Check(overwrite, ("--json", json));
        var day = dayText is null ? DateOnly.FromDateTime(DateTime.UtcNow)
            : DateOnly.TryParseExact(dayText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d
            : throw new UsageException($"--day: '{dayText}' is not YYYY-MM-DD");
        if (!Directory.Exists(photoFolder))
            throw new UsageException(File.Exists(photoFolder) ? $"--photos {photoFolder} is a file; it takes a folder of photos" : $"--photos {photoFolder} does not exist");
        static List<string> PhotosIn(string folder) => Directory.GetFiles(folder).Where(FaceEvaluationRun.IsPhoto).Order(StringComparer.Ordinal).ToList();
        // A sighting: a photo in the folder, or a subfolder's photos of one animal.
        var sightings = PhotosIn(photoFolder).Select(f => (Name: Path.GetFileName(f), Files: (IReadOnlyList<string>)[f]))
            .Concat(Directory.GetDirectories(photoFolder).Order(StringComparer.Ordinal).Select(d => (Name: Path.GetFileName(d), Files: (IReadOnlyList<string>)PhotosIn(d))))
            .Where(s => s.Files.Count > 0).ToList();
        if (sightings.Count == 0)
            throw new UsageException($"--photos {photoFolder} holds no photos ({Directory.GetFiles(photoFolder).Length} other file(s) skipped); a census needs at least one photo of an animal");
        if (sightings.FirstOrDefault(s => s.Files.Count > Animal.MaxTemplates) is { Name: not null } crowded)
            throw new UsageException($"--photos: {crowded.Name} holds {crowded.Files.Count} photos; a subfolder holds 1 to {Animal.MaxTemplates} photos of one animal");
        var files = sightings.SelectMany(s => s.Files).ToList();
        await using var cloud = await CloudFolder.OpenAsync(cloudFolder, manifestPath, ct);
        using var embedder = new FaceEmbedder(cloud.Manifest);
        var pipeline = new FacePipeline(embedder, new QualityGate(new QualityOptions()), null);
        var photos = new List<CensusPhoto>();
        var refused = new List<string>();
        foreach (var (name, sightingFiles) in sightings)
        {
            var embeddings = new List<Embedding>();
            foreach (var file in sightingFiles)
            {
                ct.ThrowIfCancellationRequested();
                using var face = pipeline.Run(File.ReadAllBytes(file));
                if (face.Accepted)
                    embeddings.Add(Embedding.Create(face.Embedding!, cloud.Manifest.Id).Value);
                else
                    refused.Add($"{Path.GetRelativePath(photoFolder, file)}: {string.Join("; ", face.Problems)}");
            }
            if (embeddings.Count > 0)
                photos.Add(new CensusPhoto(name, embeddings));
        }
        foreach (var r in refused)
            Console.Error.WriteLine($"agri: photo not used: {r}");

        var result = await cloud.Desk.CensusAsync(tenant, policyId, day, photos, ct);
        if (!result.TryGet(out var census, out var refusal))
            throw new UsageException($"--{refusal.Field}: {refusal.Reason}");

        var provenance = Provenance.Of("herd census", "none (photos)", [InputFile.Of("model", cloud.ManifestPath), .. files.Select(f => InputFile.Of("photo", f))],
            new Dictionary<string, string>
            {
                ["policy"] = census.PolicyId,
                ["day"] = census.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["cloud"] = Path.GetFullPath(cloud.Path),
                ["rule"] = "each sighting (a photo, or a subfolder's photos of one animal, fused: the mean over its photos of each photo's best template score) is searched among the policy's animals at the threshold calibrated for the herd's size; an animal is seen when some sighting's best match is it",
                ["photos_not_used"] = refused.Count == 0 ? "none" : string.Join("; ", refused),
            });
        try
        {
            OutputFiles.WriteAll((json, temp => Reports.WriteDocument(temp, new { provenance, census })));
        }
        catch (OperationCanceledException)
        {
            // The census is on the ledger already: say so rather than let "nothing was written" stand alone.
            Console.Error.WriteLine($"agri: the census was anchored at ledger entry {census.LedgerEntry} before the interrupt; run it again to write {json} (it answers with the same entry)");
            throw;
        }

        Terminal.Table([new Column("animal", Ids: true), new Column("presence"), new Column("photo"), new Column("score")],
            census.Animals.Select(a => new[] { a.AnimalId, a.Presence.Name(), a.Photo ?? "", a.Score is { } s ? s.ToString("0.000", CultureInfo.InvariantCulture) : "" }).ToList(),
            (row, column) => column == 1 ? row[1] switch { "seen" or "claimed-dead" => "green", "seen-after-death-claim" => "red", _ => "yellow" } : null);
        foreach (var a in census.SeenAfterDeathClaim)
            Console.WriteLine($"animal {a.AnimalId} was paid for as dead, and photo {a.Photo} shows it (score {a.Score?.ToString("0.000", CultureInfo.InvariantCulture)}): the claim or the photo is false");
        foreach (var u in census.Unmatched)
            Console.WriteLine($"photo {u.Photo} shows no animal on {census.PolicyId} (best {u.Search.Best?.Score.ToString("0.000", CultureInfo.InvariantCulture) ?? "none"} under {u.Search.Threshold.ToString("0.000", CultureInfo.InvariantCulture)}): possible substitution");
        Console.WriteLine($"wrote {json}: {census.Animals.Count(a => a.Presence is CensusPresence.Seen)} of {census.Animals.Count} insured seen, {census.NotSeen.Count} not seen, " +
                          $"{census.Animals.Count(a => a.Presence == CensusPresence.ClaimedDead)} claimed dead, {census.SeenAfterDeathClaim.Count} seen after a paid death claim; " +
                          $"{census.Unmatched.Count} of {census.Photos.Count} photos show no insured animal; ledger entry {census.LedgerEntry}");
        return (int)(census.NotSeen.Count > 0 || census.Unmatched.Count > 0 || census.SeenAfterDeathClaim.Count > 0 ? ExitCode.Found : ExitCode.Success);
    }
}

using AgriInsure.Domain;
using AgriInsure.Registry;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Tests;
using Microsoft.Data.Sqlite;

namespace AgriInsure.Registry.Tests;

/// <summary>What the registry keeps for the model that learns from it, on multi-photo templates: the labelled crops
/// a retrain exports and the switch of every template row to a promoted model.</summary>
public class ModelSwitchTests
{
    private static Embedding Vec(int seed, string model = "m1") => Embedding.Create(SqliteRegistryTests.Vec(seed).Values.ToArray(), model).Value;

    private static readonly GeoPoint Farm = new(14.5, 45.8);

    private static CaptureRecord Capture(string id, params int[] faces) =>
        new(id, "t1", "d1", "ag1", CapturePurpose.Enrol, Species.Cattle, null, "F1", Farm, 5, DateTimeOffset.UnixEpoch, "1.0",
            [.. faces.Select((f, i) => new PhotoRecord(Vec(f), $"crops/t1/{id}/{i}.jpg"))], DateTimeOffset.UnixEpoch);

    private static async Task Enrol(SqliteRegistry registry, string captureId, params int[] faces)
    {
        var capture = Capture(captureId, faces);
        var animal = Animal.Create($"A-{captureId}", "F1", Species.Cattle, null, capture.Embeddings).Value;
        await registry.RecordEnrolmentAsync(capture, new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "", animal.Id, null), animal);
    }

    private static async Task Flag(SqliteRegistry registry, string captureId, string matched, params int[] faces) =>
        await registry.RecordEnrolmentAsync(Capture(captureId, faces), new CaptureDecision(DecisionStatus.Flagged, CaptureOutcome.DuplicateEnrolment, "", matched, 0.9f), null);

    private static ReviewDecision Review(string captureId, ReviewVerdict verdict, string? enrolled = null) =>
        new(captureId, verdict, "Wang", "ear tag", DateTimeOffset.UnixEpoch, enrolled, 1);

    private static async Task<SqliteRegistry> OpenAsync(string path)
    {
        var registry = await SqliteRegistry.OpenAsync(path);
        await registry.AddFarmerAsync(Farmer.Create("t1", "F1", "Wang", "Hebei").Value);
        return registry;
    }

    [Fact]
    public async Task The_labelled_crops_are_every_template_crop_and_every_photo_of_a_confirmed_duplicate()
    {
        using var dir = new TempFolder();
        await using var registry = await OpenAsync(dir.File("r.db"));
        await Enrol(registry, "C1", 1, 2, 3);
        await Enrol(registry, "C2", 4, 5);
        await Flag(registry, "C3", "A-C1", 6, 7);
        await registry.RecordReviewAsync("t1", Review("C3", ReviewVerdict.Duplicate), null, "A-C1", Farm);
        // Open: not known to show A-C2 until a reviewer says so.
        await Flag(registry, "C4", "A-C2", 8);
        // Overridden: a new animal, labelled by its own templates.
        await Flag(registry, "C5", "A-C1", 9, 10);
        var overridden = Animal.Create("A-C5", "F1", Species.Cattle, null, [Vec(9), Vec(10)]).Value;
        await registry.RecordReviewAsync("t1", Review("C5", ReviewVerdict.NewAnimal, "A-C5"), overridden, "A-C1", Farm);

        var labelled = await registry.LabelledAnimalsAsync(Species.Cattle);
        Assert.Equal(["A-C1", "A-C2", "A-C5"], labelled.Select(a => a.AnimalId));
        Assert.All(labelled, a => Assert.Equal("m1", a.ModelId));
        var t = LabelSource.Template;
        var d = LabelSource.ConfirmedDuplicate;
        Assert.Equal([("C1", 0, t), ("C1", 1, t), ("C1", 2, t), ("C3", 0, d), ("C3", 1, d)], labelled[0].Crops.Select(c => (c.CaptureId, c.Ordinal, c.Source)));
        Assert.Equal(["crops/t1/C1/0.jpg", "crops/t1/C1/1.jpg", "crops/t1/C1/2.jpg", "crops/t1/C3/0.jpg", "crops/t1/C3/1.jpg"], labelled[0].Crops.Select(c => c.CropKey));
        Assert.Equal([("C2", 0, t), ("C2", 1, t)], labelled[1].Crops.Select(c => (c.CaptureId, c.Ordinal, c.Source)));
        Assert.Equal([("C5", 0, t), ("C5", 1, t)], labelled[2].Crops.Select(c => (c.CaptureId, c.Ordinal, c.Source)));
        Assert.Empty(await registry.LabelledAnimalsAsync(Species.Yak));
    }

    /// <summary>Every template row of the registry's cattle made again under <paramref name="model"/>, each from its own crop.</summary>
    private static async Task<List<ReembeddedTemplate>> ReembedAsync(SqliteRegistry registry, string model)
    {
        var templates = new List<ReembeddedTemplate>();
        foreach (var animal in await registry.LabelledAnimalsAsync(Species.Cattle))
        {
            foreach (var crop in animal.Crops.Where(c => c.Source == LabelSource.Template))
                templates.Add(new ReembeddedTemplate(animal.AnimalId, crop.Ordinal, crop.CropKey, Vec(100 + templates.Count, model)));
        }
        return templates;
    }

    private static ActiveModel Switch(string model) =>
        new(Species.Cattle, model, "2.0.0", $"models/{model}/{model}.manifest.json", "ab", "m1", DateTimeOffset.UnixEpoch, 12, 0, 0);

    [Fact]
    public async Task A_switch_re_embeds_every_template_row_from_its_own_crop_and_rebuilds_the_index_or_changes_nothing()
    {
        using var dir = new TempFolder();
        var path = dir.File("r.db");
        List<ReembeddedTemplate> made;
        await using (var registry = await OpenAsync(path))
        {
            await Enrol(registry, "C1", 1, 2, 3);
            await Enrol(registry, "C2", 4, 5);
            made = await ReembedAsync(registry, "m2");
            Assert.Equal(5, made.Count);

            async Task Refused(IReadOnlyList<ReembeddedTemplate> templates, string why)
            {
                var refused = await registry.SwitchModelAsync(Switch("m2"), templates);
                Assert.Equal("templates", refused.Error!.Field);
                Assert.Contains(why, refused.Error.Reason);
                Assert.Null(await registry.ActiveModelAsync(Species.Cattle));
                Assert.All((await registry.FindAnimalAsync("t1", "A-C1"))!.Templates, e => Assert.Equal("m1", e.ModelId));
                Assert.Equal(2, (await registry.SearchAsync("t1", [Vec(1)], Species.Cattle, new ScopeFilter.Everyone(), 2)).Size);
            }
            await Refused(made[1..], "template 0 of animal A-C1 (crop crops/t1/C1/0.jpg) was not re-embedded");
            await Refused([made[0] with { CropKey = "crops/t1/C2/0.jpg" }, .. made[1..]], "not from its own crop crops/t1/C1/0.jpg");
            await Refused([.. made, made[0]], "is given 2 times");
            await Refused([made[0] with { Template = Vec(1, "m3") }, .. made[1..]], "comes from m3");
            await Refused([.. made, new ReembeddedTemplate("A-C1", 3, "crops/t1/C1/3.jpg", Vec(9, "m2"))], "6 templates given for the 5 template rows");

            var switched = (await registry.SwitchModelAsync(Switch("m2"), made)).Value;
            Assert.Equal((2, 5), (switched.Animals, switched.Templates));
            // The index was rebuilt whole: the old model's probes find no animal, the new model's find them all.
            Assert.Equal(0, (await registry.SearchAsync("t1", [Vec(1)], Species.Cattle, new ScopeFilter.Everyone(), 2)).Size);
            var hit = Assert.Single((await registry.SearchAsync("t1", [made[3].Template], Species.Cattle, new ScopeFilter.OfFarmer("F1"), 1)).Top);
            Assert.Equal(("A-C2", 2), (hit.AnimalId, hit.Templates));
        }
        await using var reopened = await SqliteRegistry.OpenAsync(path);
        Assert.Equal(("m2", 5, 12L), ((await reopened.ActiveModelAsync(Species.Cattle))!.ModelId, (await reopened.ActiveModelAsync(Species.Cattle))!.Templates, (await reopened.ActiveModelAsync(Species.Cattle))!.LedgerEntry));
        var stored = (await reopened.FindAnimalAsync("t1", "A-C1"))!.Templates;
        Assert.Equal(made.Take(3).Select(m => m.Template.Values.ToArray()), stored.Select(e => e.Values.ToArray()));
        Assert.All(stored, e => Assert.Equal("m2", e.ModelId));
        Assert.Equal(2, (await reopened.SearchAsync("t1", [made[0].Template], Species.Cattle, new ScopeFilter.Everyone(), 2)).Size);
    }

    [Fact]
    public async Task A_single_photo_registry_promoted_before_multi_photo_evidence_migrates_with_its_active_model()
    {
        using var dir = new TempFolder();
        var path = dir.File("old.db");
        // The single-photo schema with model_switches, as a promote wrote it before templates had rows of their own:
        // the animal's one template already re-embedded by the promoted model m2.
        await using (var old = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await old.OpenAsync();
            await using var cmd = old.CreateCommand();
            cmd.CommandText = OldSchemas.SinglePhoto + """
                CREATE TABLE model_switches (
                  seq INTEGER PRIMARY KEY AUTOINCREMENT, species TEXT NOT NULL, model_id TEXT NOT NULL, version TEXT NOT NULL,
                  manifest_path TEXT NOT NULL, manifest_sha256 TEXT NOT NULL, previous_model_id TEXT, switched_at TEXT NOT NULL,
                  ledger_index INTEGER NOT NULL, animals INTEGER NOT NULL, templates INTEGER NOT NULL);
                INSERT INTO farmers VALUES ('F1', 'Wang', 'Hebei');
                INSERT INTO captures VALUES ('C1', 't', 'd', 'a', 'Enrol', 'Cattle', NULL, 'F1', 100.0, 36.0, 5, '2026-01-01T00:00:00.0000000+00:00',
                  'm1', '1', $c, 'crops/C1.jpg', '2026-01-01T00:00:00.0000000+00:00', 'Accepted', 'enrolled', 'first', 'A1', NULL, NULL);
                INSERT INTO animals VALUES ('A1', 'F1', 'Cattle', NULL, 'm2', $t, 'C1');
                INSERT INTO model_switches (species, model_id, version, manifest_path, manifest_sha256, previous_model_id, switched_at, ledger_index, animals, templates)
                  VALUES ('Cattle', 'm2', '2.0.0', 'models/m2/m2.manifest.json', 'ab', 'm1', '2026-02-01T00:00:00.0000000+00:00', 4, 1, 1);
                """;
            cmd.Parameters.AddWithValue("$c", System.Runtime.InteropServices.MemoryMarshal.AsBytes(Vec(1).Values).ToArray());
            cmd.Parameters.AddWithValue("$t", System.Runtime.InteropServices.MemoryMarshal.AsBytes(Vec(2, "m2").Values).ToArray());
            await cmd.ExecuteNonQueryAsync();
        }
        await using var registry = await SqliteRegistry.OpenAsync(path);
        var active = (await registry.ActiveModelAsync(Species.Cattle))!;
        Assert.Equal(("m2", "m1", 4L), (active.ModelId, active.PreviousModelId, active.LedgerEntry));
        var template = Assert.Single((await registry.FindAnimalAsync("t", "A1"))!.Templates);
        Assert.Equal("m2", template.ModelId);
        Assert.Equal(Vec(2).Values.ToArray(), template.Values.ToArray());
        var animal = Assert.Single(await registry.LabelledAnimalsAsync(Species.Cattle));
        Assert.Equal("m2", animal.ModelId);
        Assert.Equal(new LabelledCrop("C1", 0, "crops/C1.jpg", LabelSource.Template), Assert.Single(animal.Crops));
        Assert.Equal("A1", Assert.Single((await registry.SearchAsync("t", [Vec(2, "m2")], Species.Cattle, new ScopeFilter.Everyone(), 1)).Top).AnimalId);
        // A further promote switches the migrated row like any other.
        var switched = await registry.SwitchModelAsync(Switch("m3") with { PreviousModelId = "m2" },
            [new ReembeddedTemplate("A1", 0, "crops/C1.jpg", Vec(3, "m3"))]);
        Assert.Equal((1, 1), (switched.Value.Animals, switched.Value.Templates));
    }
}

using AgriInsure.Domain;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Tests;

namespace AgriInsure.Registry.Tests;

/// <summary>Registry files written before the schema had versions, in the layouts they had, brought to version 1 when
/// they open (the first migration adopts them).</summary>
public class SqliteOldSchemaTests
{
    private static Embedding Vec(int seed, string model = "m1") => TestData.Vec(seed, model);

    private static Length Km(double km) => Length.FromKilometres(km).Value;

    [Fact]
    public async Task A_registry_written_before_scoped_search_opens_with_its_animals_in_every_scope()
    {
        using var dir = new TempFolder();
        var path = dir.File("old.db");
        // The schema as it was before decision_scopes existed, with one enrolled animal and its capture.
        await OldSchemas.WriteAsync(path, OldSchemas.SinglePhoto + """
            INSERT INTO farmers VALUES ('F1', 'Wang', 'Hebei');
            INSERT INTO captures VALUES ('C1', 't', 'd', 'a', 'Enrol', 'Cattle', NULL, 'F1', 100.0, 36.0, 5, '2026-01-01T00:00:00.0000000+00:00',
              'm1', '1', $t, 'crops/C1.jpg', '2026-01-01T00:00:00.0000000+00:00', 'Accepted', 'enrolled', 'first', 'A1', NULL, NULL);
            INSERT INTO animals VALUES ('A1', 'F1', 'Cattle', NULL, 'm1', $t, 'C1');
            """, ("$t", Vec(1)));
        await using var registry = await SqliteRegistry.OpenAsync(path);
        Assert.Equal(1, (await registry.SearchAsync("t", [Vec(1)], Species.Cattle, new ScopeFilter.Within(new GeoPoint(100.1, 36), Km(20)), 2)).Size);
        Assert.Equal(1, (await registry.SearchAsync("t", [Vec(1)], Species.Cattle, new ScopeFilter.OfFarmer("F1"), 2)).Size);
        // Written before tenancy: the animal and its farmer took the tenant of the capture that enrolled them.
        Assert.Equal("Wang", (await registry.FindFarmerAsync("t", "F1"))!.Name);
        Assert.Null(await registry.FindAnimalAsync("t1", "A1"));
        var stored = await registry.FindCaptureAsync("C1");
        Assert.Equal((CaptureOutcome.Enrolled, 0), (stored!.Decision.Outcome, stored.Decision.Scopes.Count));
        // The single-photo schema migrated: the template and the capture's embedding became template and photo 0.
        var photo = Assert.Single(stored.Capture.Photos);
        Assert.Equal("crops/C1.jpg", photo.CropBlobKey);
        Assert.Equal(Vec(1).Values.ToArray(), photo.Embedding.Values.ToArray());
        Assert.Equal(Vec(1).Values.ToArray(), Assert.Single((await registry.FindAnimalAsync("t", "A1"))!.Templates).Values.ToArray());
    }

    [Fact]
    public async Task A_single_photo_registry_promoted_before_multi_photo_evidence_migrates_with_its_active_model()
    {
        using var dir = new TempFolder();
        var path = dir.File("old.db");
        // The single-photo schema with model_switches, as a promote wrote it before templates had rows of their own:
        // the animal's one template already re-embedded by the promoted model m2.
        await OldSchemas.WriteAsync(path, OldSchemas.SinglePhoto + """
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
            """, ("$c", Vec(1)), ("$t", Vec(2, "m2")));
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
        var switched = await registry.SwitchModelAsync(RegistryContract.Switch("m3") with { PreviousModelId = "m2" },
            [new ReembeddedTemplate("A1", 0, "crops/C1.jpg", Vec(3, "m3"))]);
        Assert.Equal((1, 1), (switched.Value.Animals, switched.Value.Templates));
    }

    [Fact]
    public async Task A_file_from_before_versioning_is_recorded_at_every_version_once()
    {
        using var dir = new TempFolder();
        var path = dir.File("old.db");
        await OldSchemas.WriteAsync(path, OldSchemas.SinglePhoto);
        await using (var registry = await SqliteRegistry.OpenAsync(path))
            Assert.Equal(new(0, SqliteRegistry.Migrations.Count), registry.Schema);
        await using var again = await SqliteRegistry.OpenAsync(path);
        Assert.False(again.Schema.Upgraded);
    }

    [Fact]
    public async Task A_file_with_tenants_from_before_versioning_keeps_its_tenants()
    {
        using var dir = new TempFolder();
        var path = dir.File("tenanted.db");
        // What the tenancy and claim-decision changes wrote before versions were recorded: today's layout without its record.
        await using (var registry = await SqliteRegistry.OpenAsync(path))
        {
            await registry.AddFarmerAsync(Farmer.Create("A", "F1", "Wang at A", "Sichuan").Value);
            await registry.AddFarmerAsync(Farmer.Create("B", "F1", "Wang at B", "Sichuan").Value);
        }
        await OldSchemas.WriteAsync(path, "DROP TABLE schema_version");
        await using var reopened = await SqliteRegistry.OpenAsync(path);
        Assert.Equal(new(0, SqliteRegistry.Migrations.Count), reopened.Schema);
        Assert.Equal(("Wang at A", "Wang at B"), ((await reopened.FindFarmerAsync("A", "F1"))!.Name, (await reopened.FindFarmerAsync("B", "F1"))!.Name));
    }
}

using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
using AgriInsure.Domain;
using AgriInsure.Migrations;
using AgriInsure.Registry;

namespace AgriInsure.Registry.Tests;

/// <summary>Versioned schema migrations as every registry engine keeps them: numbered steps applied in order, one
/// transaction each, once; an older store upgraded with its data; a newer one refused unchanged.</summary>
public abstract class MigrationContract : IAsyncLifetime
{
    private IRegistryStore? _store;

    protected abstract Task<IRegistryStore> MakeStoreAsync();

    public async Task InitializeAsync() => _store = await MakeStoreAsync();

    public async Task DisposeAsync() => await _store!.DisposeAsync();

    private IRegistryStore Store => _store!;

    private int Latest => Store.Migrations.Count;

    private static byte[] Bytes(Embedding e) => MemoryMarshal.AsBytes(e.Values).ToArray();

    private async Task ExecAsync(DbConnection db, string sql, params (string Name, object? Value)[] args)
    {
        await using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<List<(int Version, string Description)>> VersionsAsync()
    {
        await using var db = await Store.ConnectAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT version, description FROM schema_version ORDER BY version";
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<(int, string)>();
        while (await r.ReadAsync())
            rows.Add((Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), r.GetString(1)));
        return rows;
    }

    [Fact]
    public async Task A_store_at_version_1_with_rows_keeps_them_when_the_current_code_opens_it()
    {
        await Store.CreateAtVersionAsync(1);
        var taken = new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.FromHours(8));
        var decided = taken.AddDays(40);
        var key = ClaimKey.ForAnimal("P1", "A1");
        // Rows as version 1's code wrote them, in its columns.
        await using (var db = await Store.ConnectAsync())
        {
            await ExecAsync(db, "INSERT INTO devices (tenant, device_id, agent_id, public_key) VALUES ('t1', 'd1', 'ag1', @k)", ("@k", new byte[] { 7, 7 }));
            await ExecAsync(db, "INSERT INTO farmers (id, name, region) VALUES ('F1', 'Wang', 'Hebei'), ('F9', 'Li', 'Gansu')");
            foreach (var (id, purpose, status, outcome, animalId, score, claimId) in new[]
            {
                ("C1", "Enrol", "Accepted", "enrolled", "A1", (float?)null, (string?)null),
                ("C2", "Claim", "Accepted", "claim-accepted", "A1", 0.93f, "K1"),
            })
            {
                await ExecAsync(db, """
                    INSERT INTO captures (capture_id, tenant, device_id, agent_id, purpose, species, ear_tag, farmer_id, lon, lat, accuracy_m, taken_at,
                                          model_id, model_version, received_at, status, outcome, reason, animal_id, score, claim_id)
                    VALUES (@id, 't1', 'd1', 'ag1', @purpose, 'Cattle', 'TAG-1', 'F1', 100.0, 36.0, 5.0, @at, 'm1', '1.0', @at, @status, @outcome, 'why', @animal, @score, @claim)
                    """, ("@id", id), ("@purpose", purpose), ("@at", taken.ToString("O", CultureInfo.InvariantCulture)), ("@status", status), ("@outcome", outcome),
                    ("@animal", animalId), ("@score", score), ("@claim", claimId));
            }
            for (var i = 0; i < 2; i++)
            {
                await ExecAsync(db, "INSERT INTO capture_photos (capture_id, ordinal, embedding, crop_key) VALUES ('C1', @o, @e, @k)",
                    ("@o", i), ("@e", Bytes(TestData.Vec(1 + i))), ("@k", $"crops/t1/C1/{i}.jpg"));
            }
            await ExecAsync(db, "INSERT INTO capture_photos (capture_id, ordinal, embedding, crop_key) VALUES ('C2', 0, @e, 'crops/t1/C2/0.jpg')", ("@e", Bytes(TestData.Vec(1))));
            await ExecAsync(db, "INSERT INTO animals (id, farmer_id, species, ear_tag, enrolled_capture_id) VALUES ('A1', 'F1', 'Cattle', 'TAG-1', 'C1')");
            for (var i = 0; i < 2; i++)
            {
                await ExecAsync(db, "INSERT INTO templates (animal_id, ordinal, model_id, embedding, crop_key, capture_id) VALUES ('A1', @o, 'm1', @e, @k, 'C1')",
                    ("@o", i), ("@e", Bytes(TestData.Vec(1 + i))), ("@k", $"crops/t1/C1/{i}.jpg"));
            }
            await ExecAsync(db, """
                INSERT INTO livestock_policies (id, farmer_id, sum_per_head, premium, currency, start_day, end_day, ledger_index)
                VALUES ('P1', 'F1', @sum, @premium, 'CNY', @start, @end, 3)
                """, ("@sum", 100m), ("@premium", 4.5m), ("@start", new DateOnly(2026, 1, 1)), ("@end", new DateOnly(2026, 12, 31)));
            await ExecAsync(db, "INSERT INTO policy_animals (policy_id, animal_id) VALUES ('P1', 'A1')");
            await ExecAsync(db, """
                INSERT INTO decision_scopes (capture_id, ordinal, scope, size, threshold, expected_false_duplicate_rate, calibration_animals,
                                             best_animal_id, best_score, runner_up_animal_id, runner_up_score, best_templates, runner_up_templates)
                VALUES ('C2', 0, @scope, 1, @threshold, NULL, 0, 'A1', @score, NULL, NULL, 2, NULL)
                """, ("@scope", SearchScope.Insured.Name()), ("@threshold", 0.8f), ("@score", 0.93f));
            await ExecAsync(db, """
                INSERT INTO claims (id, kind, policy_id, subject_id, claim_key, capture_id, status, reason, payout, currency, decided_at)
                VALUES ('K1', 'LivestockDeath', 'P1', 'A1', @key, 'C2', 'Accepted', 'identified', @payout, 'CNY', @at)
                """, ("@key", key.Hex), ("@payout", 100m), ("@at", decided.ToString("O", CultureInfo.InvariantCulture)));
        }

        await using var registry = await Store.OpenAsync();
        Assert.Equal(new SchemaUpgrade(1, Latest), Store.SchemaOf(registry));
        Assert.Equal(new byte[] { 7, 7 }, (await registry.FindDeviceAsync("t1", "d1"))!.PublicKey);
        Assert.Null((await registry.FindDeviceAsync("t1", "d1"))!.RevokedAt);
        Assert.Equal("Wang", (await registry.FindFarmerAsync("t1", "F1"))!.Name);
        var animal = (await registry.FindAnimalAsync("t1", "A1"))!;
        Assert.Equal(("TAG-1", 2), (animal.EarTag, animal.Templates.Count));
        Assert.Equal(TestData.Vec(2).Values.ToArray(), animal.Templates[1].Values.ToArray());
        var hit = Assert.Single((await registry.SearchAsync("t1", [TestData.Vec(1)], Species.Cattle, new ScopeFilter.Within(new GeoPoint(100, 36), Length.FromKilometres(5).Value), 3)).Top);
        Assert.Equal(("A1", 2), (hit.AnimalId, hit.Templates));
        var enrolment = (await registry.FindCaptureAsync("C1"))!;
        Assert.Equal((taken, CaptureOutcome.Enrolled), (enrolment.Capture.TakenAt, enrolment.Decision.Outcome));
        Assert.Equal(["crops/t1/C1/0.jpg", "crops/t1/C1/1.jpg"], enrolment.Capture.Photos.Select(p => p.CropBlobKey));
        var policy = (await registry.FindActivePolicyAsync("t1", "A1", new DateOnly(2026, 4, 10)))!;
        Assert.Equal(("P1", 100m, 4.5m), (policy.Id, policy.SumInsuredPerHead.Amount, policy.Premium.Amount));
        Assert.Equal(["A1"], policy.AnimalIds);
        Assert.Equal(["A1"], await registry.InsuredAnimalsAsync("t1", "F1", Species.Cattle, new DateOnly(2026, 4, 10)));
        var claim = new Claim("K1", ClaimKind.LivestockDeath, "P1", "A1", key, "C2", ClaimStatus.Accepted, "identified", Money.Create(100m, "CNY").Value, decided);
        Assert.Equal(claim, Assert.Single((await registry.ClaimsAsync("t1", null, Page.All)).Items));
        var scope = Assert.Single((await registry.FindCaptureAsync("C2"))!.Decision.Scopes);
        Assert.Equal(new ScopeResult(SearchScope.Insured, 1, 0.8f, null, 0, new Match("A1", 0.93f) { Templates = 2 }, null), scope);
        Assert.Equal(new RegistryCounts(1, 1, 1, 2, 1, 0, 0), await registry.CountsAsync("t1"));
        // A farmer no capture names has no tenant to take: the default one.
        Assert.Equal("Li", (await registry.FindFarmerAsync("default", "F9"))!.Name);
    }

    [Fact]
    public async Task Each_version_is_applied_once_in_order_and_recorded()
    {
        await using (var registry = await Store.OpenAsync())
            Assert.Equal(new SchemaUpgrade(0, Latest), Store.SchemaOf(registry));
        await using (var registry = await Store.OpenAsync())
            Assert.False(Store.SchemaOf(registry).Upgraded);
        Assert.Equal(Store.Migrations.Select(m => (m.Version, m.Description)), await VersionsAsync());
    }

    [Fact]
    public async Task Two_registries_opening_a_new_store_at_once_apply_each_step_once()
    {
        var opened = await Task.WhenAll(Store.OpenAsync(), Store.OpenAsync());
        foreach (var registry in opened)
            await registry.DisposeAsync();
        Assert.Equal(Latest, opened.Max(r => Store.SchemaOf(r).To));
        Assert.Equal(Store.Migrations.Select(m => m.Version), (await VersionsAsync()).Select(v => v.Version));
    }

    [Fact]
    public async Task A_store_newer_than_the_code_is_refused_unchanged()
    {
        await using (var registry = await Store.OpenAsync())
            await registry.AddFarmerAsync(Farmer.Create("t1", "F1", "Wang", "Hebei").Value);
        await using (var db = await Store.ConnectAsync())
            await ExecAsync(db, "INSERT INTO schema_version (version, description, applied_at) VALUES (@v, 'from a later version', '2030-01-01T00:00:00Z')", ("@v", Latest + 1));
        var refused = await Assert.ThrowsAsync<SchemaTooNewException>(Store.OpenAsync);
        Assert.Equal((Latest + 1, Latest), (refused.Found, refused.Known));
        Assert.Contains($"schema version {Latest + 1}", refused.Message);
        Assert.Equal(Latest + 1, (await VersionsAsync()).Count);
    }

    [Fact]
    public async Task A_failing_step_leaves_the_store_at_the_version_before_it()
    {
        await (await Store.OpenAsync()).DisposeAsync();
        var next = Latest + 1;
        Migration[] failing = [.. Store.Migrations, new(next, "fails half way", async (tx, ct) =>
        {
            await using var cmd = tx.Connection!.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "CREATE TABLE half_done (x INTEGER)";
            await cmd.ExecuteNonQueryAsync(ct);
            throw new InvalidOperationException("step fails");
        })];
        await using (var db = await Store.ConnectAsync())
            await Assert.ThrowsAsync<InvalidOperationException>(() => SchemaMigrator.MigrateAsync(db, failing, Store.BeginExclusive, "test store"));
        Assert.Equal(Latest, (await VersionsAsync()).Count);
        // The table the failed step made went with it: the step can run again from the start.
        await using (var db = await Store.ConnectAsync())
        {
            var upgrade = await SchemaMigrator.MigrateAsync(db, [.. Store.Migrations, Migration.Sql(next, "makes it whole", "CREATE TABLE half_done (x INTEGER)")], Store.BeginExclusive, "test store");
            Assert.Equal(new SchemaUpgrade(Latest, next), upgrade);
        }
    }
}

public sealed class SqliteMigrationContract : MigrationContract
{
    protected override Task<IRegistryStore> MakeStoreAsync() => Task.FromResult<IRegistryStore>(new SqliteStore());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresMigrationContract(PostgresServer server) : MigrationContract
{
    protected override Task<IRegistryStore> MakeStoreAsync() => PostgresStore.MakeAsync(server, GetType());
}

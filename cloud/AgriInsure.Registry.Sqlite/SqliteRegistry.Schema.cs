using System.Data.Common;
using AgriInsure.Migrations;
using Microsoft.Data.Sqlite;

namespace AgriInsure.Registry.Sqlite;

/// <summary>The registry file's schema as numbered migrations (<see cref="SchemaMigrator"/>): version 1 is the
/// schema of multi-photo evidence and model switches, version 2 adds tenancy, version 3 claims officers' decisions,
/// version 4 indexes capture photos by crop, version 5 adds crops (SqliteRegistry.Crops.cs), version 6 device revocation, version 7 census visits (SqliteRegistry.Census.cs), version 8 real-name identity checks (SqliteRegistry.Identity.cs), version 9 signed contracts (SqliteRegistry.Contracts.cs), version 10 crop claims (SqliteRegistry.CropClaims.cs).
/// A file written before versions were recorded is brought to version 1 by the same step, from whichever layout it has; each later change is a migration
/// of its own. Steps run with foreign keys off (SQLite's procedure for making a table again, which is how it changes a
/// key) and check them before they commit.</summary>
public sealed partial class SqliteRegistry
{
    /// <summary>In order, numbered from 1; a new schema change is appended, never edited into an earlier step.</summary>
    internal static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "multi-photo templates and capture photos, decision scopes, reviews, claims, model switches", BaselineAsync),
        new(2, "tenancy: a tenant on every farmer, animal, policy and claim; farmers keyed by tenant and id", TenancyAsync),
        // IF NOT EXISTS: a file written before versions were recorded may have the table already.
        Migration.Sql(3, "claims officers' decisions", """
            CREATE TABLE IF NOT EXISTS claim_decisions (
              claim_id TEXT NOT NULL REFERENCES claims(id), seq INTEGER NOT NULL, tenant TEXT NOT NULL, verdict TEXT NOT NULL,
              officer TEXT NOT NULL, reason TEXT NOT NULL, decided_at TEXT NOT NULL, ledger_index INTEGER NOT NULL,
              PRIMARY KEY (claim_id, seq));
            """),
        Migration.Sql(4, "captures' photos found by their crop's key (a photo sent again under a new capture id)", """
            CREATE INDEX IF NOT EXISTS capture_photos_by_crop ON capture_photos(crop_key);
            """),
        Migration.Sql(5, "plots, acreage measurements and crop policies", CropTables),
        new(6, "device revocation: when a device was revoked (null while it may send captures)", RevocationAsync),
        Migration.Sql(7, "census visits: what each found of the policy's animals and of each sighting, with its ledger entry", CensusTables),
        Migration.Sql(8, "real-name identity checks: who checked which farmer, how, when, the outcome and the keyed hash of the identity number", IdentityTables),
        Migration.Sql(9, "signed contracts: a policy is in force once both parties signed its contract and its hash is anchored", ContractTables),
        Migration.Sql(10, "crop claims: claims without a capture, with their assessment by map beside them", CropClaimTables),
    ];

    /// <summary>Opens a migration's transaction with <c>BEGIN IMMEDIATE</c>: the file's write lock is taken before the
    /// version is read, so a second process opening the file waits and then finds the step done.</summary>
    internal static Task<DbTransaction> BeginImmediate(DbConnection db, CancellationToken ct) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)db).BeginTransaction(deferred: false));

    /// <summary>Version 1. On a new file it creates the tables; on a file from before versioning it adds the tables
    /// that file lacks and moves the single-photo layout (one template in <c>animals.template</c>, one photo in
    /// <c>captures.embedding</c> and <c>crop_key</c>) to rows: each animal's template becomes its template 0 (with its
    /// enrolling capture's crop), each capture's embedding and crop its photo 0, and the old columns go. Decision
    /// scopes of such a file gain the template counts (null: not counted then).</summary>
    private static async Task BaselineAsync(DbTransaction tx, CancellationToken ct)
    {
        await ExecAsync(tx, ct, Tables);
        if (!await HasColumnAsync(tx, "animals", "template", ct))
            return;
        // Files from before scoped search have no decision_scopes until Tables made it, with the counts.
        var counted = await HasColumnAsync(tx, "decision_scopes", "best_templates", ct);
        await ExecAsync(tx, ct, """
            INSERT INTO templates (animal_id, ordinal, model_id, embedding, crop_key, capture_id)
              SELECT a.id, 0, a.model_id, a.template, c.crop_key, a.enrolled_capture_id FROM animals a JOIN captures c ON c.capture_id = a.enrolled_capture_id;
            INSERT INTO capture_photos (capture_id, ordinal, embedding, crop_key) SELECT capture_id, 0, embedding, crop_key FROM captures;
            ALTER TABLE animals DROP COLUMN template;
            ALTER TABLE animals DROP COLUMN model_id;
            ALTER TABLE captures DROP COLUMN embedding;
            ALTER TABLE captures DROP COLUMN crop_key;
            """ + (counted ? "" : """
            ALTER TABLE decision_scopes ADD COLUMN best_templates INTEGER;
            ALTER TABLE decision_scopes ADD COLUMN runner_up_templates INTEGER;
            """));
    }

    /// <summary>Version 2. Gives the records their tenants: an animal takes its enrolling capture's tenant (a capture's
    /// is its device's), a claim its capture's, a farmer the tenant of the captures and animals that name it
    /// (<c>default</c> when none do), a policy its farmer's. Farmers are keyed by tenant and id from then on, so the tables
    /// that refer to them are made again with the composite key. A file written with tenants before versions were
    /// recorded only gains the indexes.</summary>
    private static async Task TenancyAsync(DbTransaction tx, CancellationToken ct)
    {
        if (!await HasColumnAsync(tx, "farmers", "tenant", ct))
        {
            await ExecAsync(tx, ct, """
            CREATE TABLE farmers_t (tenant TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, region TEXT NOT NULL, PRIMARY KEY (tenant, id));
            INSERT INTO farmers_t SELECT COALESCE(
                (SELECT c.tenant FROM captures c WHERE c.farmer_id = f.id ORDER BY c.received_at LIMIT 1),
                (SELECT c.tenant FROM animals a JOIN captures c ON c.capture_id = a.enrolled_capture_id WHERE a.farmer_id = f.id LIMIT 1),
                'default'), f.id, f.name, f.region FROM farmers f;
            CREATE TABLE animals_t (
              id TEXT PRIMARY KEY, tenant TEXT NOT NULL, farmer_id TEXT NOT NULL, species TEXT NOT NULL, ear_tag TEXT, enrolled_capture_id TEXT NOT NULL,
              FOREIGN KEY (tenant, farmer_id) REFERENCES farmers(tenant, id));
            INSERT INTO animals_t SELECT a.id, COALESCE(c.tenant, 'default'), a.farmer_id, a.species, a.ear_tag, a.enrolled_capture_id
              FROM animals a LEFT JOIN captures c ON c.capture_id = a.enrolled_capture_id;
            CREATE TABLE livestock_policies_t (
              id TEXT PRIMARY KEY, tenant TEXT NOT NULL, farmer_id TEXT NOT NULL, sum_per_head TEXT NOT NULL, premium TEXT NOT NULL, currency TEXT NOT NULL,
              start_day TEXT NOT NULL, end_day TEXT NOT NULL, ledger_index INTEGER NOT NULL,
              FOREIGN KEY (tenant, farmer_id) REFERENCES farmers(tenant, id));
            INSERT INTO livestock_policies_t SELECT p.id, (SELECT f.tenant FROM farmers_t f WHERE f.id = p.farmer_id ORDER BY f.tenant LIMIT 1),
              p.farmer_id, p.sum_per_head, p.premium, p.currency, p.start_day, p.end_day, p.ledger_index FROM livestock_policies p;
            CREATE TABLE claims_t (
              id TEXT PRIMARY KEY, tenant TEXT NOT NULL, kind TEXT NOT NULL, policy_id TEXT NOT NULL, subject_id TEXT NOT NULL, claim_key TEXT NOT NULL,
              capture_id TEXT NOT NULL REFERENCES captures(capture_id), status TEXT NOT NULL, reason TEXT NOT NULL,
              payout TEXT, currency TEXT, decided_at TEXT NOT NULL);
            INSERT INTO claims_t SELECT k.id, c.tenant, k.kind, k.policy_id, k.subject_id, k.claim_key, k.capture_id, k.status, k.reason, k.payout, k.currency, k.decided_at
              FROM claims k JOIN captures c ON c.capture_id = k.capture_id;
            DROP TABLE claims; DROP TABLE livestock_policies; DROP TABLE animals; DROP TABLE farmers;
            ALTER TABLE farmers_t RENAME TO farmers;
            ALTER TABLE animals_t RENAME TO animals;
            ALTER TABLE livestock_policies_t RENAME TO livestock_policies;
            ALTER TABLE claims_t RENAME TO claims;
            """);
            await using var check = tx.Connection!.CreateCommand();
            check.Transaction = tx;
            check.CommandText = "PRAGMA foreign_key_check";
            await using var broken = await check.ExecuteReaderAsync(ct);
            if (await broken.ReadAsync(ct))
                throw new InvalidDataException($"registry: after giving records their tenants, table {broken.GetString(0)} has a row whose {broken.GetString(2)} reference is broken");
        }
        await ExecAsync(tx, ct, """
            CREATE INDEX IF NOT EXISTS animals_by_tenant ON animals(tenant, farmer_id);
            CREATE INDEX IF NOT EXISTS policies_by_tenant ON livestock_policies(tenant, farmer_id);
            CREATE INDEX IF NOT EXISTS claims_by_tenant ON claims(tenant, decided_at);
            CREATE INDEX IF NOT EXISTS captures_by_tenant ON captures(tenant, purpose, outcome);
            """);
    }

    /// <summary>Version 5. <c>devices.revoked_at</c>: ISO 8601 text as the other times, null while the device may send
    /// captures; the index serves the broker's login check, which knows a device by its id alone. Like every step, it
    /// finds a file whose layout is ahead of its recorded version (written before versions were recorded) and adds only
    /// what is missing.</summary>
    private static async Task RevocationAsync(DbTransaction tx, CancellationToken ct)
    {
        if (!await HasColumnAsync(tx, "devices", "revoked_at", ct))
            await ExecAsync(tx, ct, "ALTER TABLE devices ADD COLUMN revoked_at TEXT");
        await ExecAsync(tx, ct, "CREATE INDEX IF NOT EXISTS devices_by_id ON devices(device_id)");
    }

    private static async Task ExecAsync(DbTransaction tx, CancellationToken ct, string sql)
    {
        await using var cmd = tx.Connection!.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<bool> HasColumnAsync(DbTransaction tx, string table, string column, CancellationToken ct)
    {
        await using var probe = (SqliteCommand)tx.Connection!.CreateCommand();
        probe.Transaction = (SqliteTransaction)tx;
        probe.CommandText = "SELECT COUNT(*) FROM pragma_table_info($t) WHERE name = $c";
        probe.Parameters.AddWithValue("$t", table);
        probe.Parameters.AddWithValue("$c", column);
        return (long)(await probe.ExecuteScalarAsync(ct))! > 0;
    }

    /// <summary>The tables of version 1 (before tenancy), each created only where missing (a file from before versioning
    /// has some).
    /// <c>model_switches</c>: one row per promote; a species' active model is its latest row.</summary>
    private const string Tables = """
        CREATE TABLE IF NOT EXISTS devices (
          tenant TEXT NOT NULL, device_id TEXT NOT NULL, agent_id TEXT NOT NULL, public_key BLOB NOT NULL,
          PRIMARY KEY (tenant, device_id));
        CREATE TABLE IF NOT EXISTS farmers (id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS animals (
          id TEXT PRIMARY KEY, farmer_id TEXT NOT NULL REFERENCES farmers(id), species TEXT NOT NULL,
          ear_tag TEXT, enrolled_capture_id TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS templates (
          animal_id TEXT NOT NULL REFERENCES animals(id), ordinal INTEGER NOT NULL, model_id TEXT NOT NULL, embedding BLOB NOT NULL,
          crop_key TEXT NOT NULL, capture_id TEXT NOT NULL,
          PRIMARY KEY (animal_id, ordinal));
        CREATE TABLE IF NOT EXISTS captures (
          capture_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, device_id TEXT NOT NULL, agent_id TEXT NOT NULL,
          purpose TEXT NOT NULL, species TEXT NOT NULL, ear_tag TEXT, farmer_id TEXT,
          lon REAL NOT NULL, lat REAL NOT NULL, accuracy_m REAL NOT NULL, taken_at TEXT NOT NULL,
          model_id TEXT NOT NULL, model_version TEXT NOT NULL, received_at TEXT NOT NULL,
          status TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL, animal_id TEXT, score REAL, claim_id TEXT);
        CREATE TABLE IF NOT EXISTS capture_photos (
          capture_id TEXT NOT NULL REFERENCES captures(capture_id), ordinal INTEGER NOT NULL, embedding BLOB NOT NULL, crop_key TEXT NOT NULL,
          PRIMARY KEY (capture_id, ordinal));
        CREATE TABLE IF NOT EXISTS livestock_policies (
          id TEXT PRIMARY KEY, farmer_id TEXT NOT NULL REFERENCES farmers(id), sum_per_head TEXT NOT NULL,
          premium TEXT NOT NULL, currency TEXT NOT NULL, start_day TEXT NOT NULL, end_day TEXT NOT NULL, ledger_index INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS policy_animals (
          policy_id TEXT NOT NULL REFERENCES livestock_policies(id), animal_id TEXT NOT NULL REFERENCES animals(id),
          PRIMARY KEY (policy_id, animal_id));
        CREATE INDEX IF NOT EXISTS policy_animals_by_animal ON policy_animals(animal_id);
        CREATE TABLE IF NOT EXISTS decision_scopes (
          capture_id TEXT NOT NULL REFERENCES captures(capture_id), ordinal INTEGER NOT NULL, scope TEXT NOT NULL,
          size INTEGER NOT NULL, threshold REAL NOT NULL, expected_false_duplicate_rate REAL, calibration_animals INTEGER NOT NULL,
          best_animal_id TEXT, best_score REAL, runner_up_animal_id TEXT, runner_up_score REAL,
          best_templates INTEGER, runner_up_templates INTEGER,
          PRIMARY KEY (capture_id, ordinal));
        CREATE TABLE IF NOT EXISTS review_decisions (
          capture_id TEXT PRIMARY KEY REFERENCES captures(capture_id), verdict TEXT NOT NULL, reviewer TEXT NOT NULL,
          reason TEXT NOT NULL, decided_at TEXT NOT NULL, enrolled_animal_id TEXT, ledger_index INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS impostor_pairs (
          animal_a TEXT NOT NULL REFERENCES animals(id), animal_b TEXT NOT NULL REFERENCES animals(id), confirmed_by_capture TEXT NOT NULL,
          PRIMARY KEY (animal_a, animal_b));
        CREATE TABLE IF NOT EXISTS claims (
          id TEXT PRIMARY KEY, kind TEXT NOT NULL, policy_id TEXT NOT NULL, subject_id TEXT NOT NULL, claim_key TEXT NOT NULL,
          capture_id TEXT NOT NULL REFERENCES captures(capture_id), status TEXT NOT NULL, reason TEXT NOT NULL,
          payout TEXT, currency TEXT, decided_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS model_switches (
          seq INTEGER PRIMARY KEY AUTOINCREMENT, species TEXT NOT NULL, model_id TEXT NOT NULL, version TEXT NOT NULL,
          manifest_path TEXT NOT NULL, manifest_sha256 TEXT NOT NULL, previous_model_id TEXT, switched_at TEXT NOT NULL,
          ledger_index INTEGER NOT NULL, animals INTEGER NOT NULL, templates INTEGER NOT NULL);
        """;
}

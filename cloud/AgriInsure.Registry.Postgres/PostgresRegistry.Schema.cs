using System.Data.Common;
using AgriInsure.Migrations;
using Npgsql;

namespace AgriInsure.Registry.Postgres;

/// <summary>The registry's schema in PostgreSQL as numbered migrations (<see cref="SchemaMigrator"/>), version for
/// version the SQLite engine's (SqliteRegistry.Schema.cs) in PostgreSQL's types.</summary>
public sealed partial class PostgresRegistry
{
    /// <summary>In order, numbered from 1; a new schema change is appended, never edited into an earlier step.</summary>
    internal static readonly IReadOnlyList<Migration> Migrations =
    [
        Migration.Sql(1, "multi-photo templates and capture photos, decision scopes, reviews, claims, model switches", Tables),
        Migration.Sql(2, "tenancy: a tenant on every farmer, animal, policy and claim; farmers keyed by tenant and id", Tenancy),
        // Numbered per claim from 0: the primary key makes two writers of one number collide rather than both succeed.
        Migration.Sql(3, "claims officers' decisions", """
            CREATE TABLE claim_decisions (
              claim_id text COLLATE "C" NOT NULL REFERENCES claims(id), seq integer NOT NULL, tenant text COLLATE "C" NOT NULL,
              verdict text COLLATE "C" NOT NULL, officer text NOT NULL, reason text NOT NULL, decided_at text COLLATE "C" NOT NULL,
              ledger_index bigint NOT NULL,
              PRIMARY KEY (claim_id, seq));
            """),
        Migration.Sql(4, "captures' photos found by their crop's key (a photo sent again under a new capture id)", """
            CREATE INDEX capture_photos_by_crop ON capture_photos(crop_key);
            """),
        Migration.Sql(5, "plots, acreage measurements and crop policies", CropTables),
        Migration.Sql(6, "device revocation: when a device was revoked (null while it may send captures)", """
            ALTER TABLE devices ADD COLUMN revoked_at text COLLATE "C";
            CREATE INDEX devices_by_id ON devices(device_id);
            """),
        Migration.Sql(7, "census visits: what each found of the policy's animals and of each sighting, with its ledger entry", CensusTables),
        Migration.Sql(8, "real-name identity checks: who checked which farmer, how, when, the outcome and the keyed hash of the identity number", IdentityTables),
        Migration.Sql(9, "signed contracts: a policy is in force once both parties signed its contract and its hash is anchored", ContractTables),
        Migration.Sql(10, "crop claims: claims without a capture, with their assessment by map beside them", CropClaimTables),
    ];

    /// <summary>The transaction-scoped advisory lock key (pg_advisory_xact_lock) that serialises schema migrations of
    /// one database: "AgriReg" in ASCII.</summary>
    internal const long MigrationLock = 0x0041_6772_6952_6567;

    /// <summary>Opens a migration's transaction holding <see cref="MigrationLock"/>: a second process opening the
    /// database waits, then reads the version the first left.</summary>
    internal static async Task<DbTransaction> BeginLocked(DbConnection db, CancellationToken ct)
    {
        var tx = await ((NpgsqlConnection)db).BeginTransactionAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", (NpgsqlConnection)db, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = MigrationLock });
        await cmd.ExecuteNonQueryAsync(ct);
        return tx;
    }

    /// <summary>Version 2, as SQLite's: an animal takes its enrolling capture's tenant (a capture's is its device's), a
    /// claim its capture's, a farmer the tenant of the captures and animals that name it (<c>default</c> when none do),
    /// a policy its farmer's; farmers are keyed by tenant and id from then on, and the references to them follow.
    /// PostgreSQL changes a key in place (constraint names are PostgreSQL's defaults for version 1's tables).</summary>
    private const string Tenancy = """
        ALTER TABLE farmers ADD COLUMN tenant text COLLATE "C";
        UPDATE farmers f SET tenant = COALESCE(
            (SELECT c.tenant FROM captures c WHERE c.farmer_id = f.id ORDER BY c.received_at LIMIT 1),
            (SELECT c.tenant FROM animals a JOIN captures c ON c.capture_id = a.enrolled_capture_id WHERE a.farmer_id = f.id ORDER BY a.seq LIMIT 1),
            'default');
        ALTER TABLE animals ADD COLUMN tenant text COLLATE "C";
        UPDATE animals a SET tenant = COALESCE((SELECT c.tenant FROM captures c WHERE c.capture_id = a.enrolled_capture_id), 'default');
        ALTER TABLE livestock_policies ADD COLUMN tenant text COLLATE "C";
        UPDATE livestock_policies p SET tenant = (SELECT f.tenant FROM farmers f WHERE f.id = p.farmer_id);
        ALTER TABLE claims ADD COLUMN tenant text COLLATE "C";
        UPDATE claims k SET tenant = (SELECT c.tenant FROM captures c WHERE c.capture_id = k.capture_id);
        ALTER TABLE farmers ALTER COLUMN tenant SET NOT NULL;
        ALTER TABLE animals ALTER COLUMN tenant SET NOT NULL;
        ALTER TABLE livestock_policies ALTER COLUMN tenant SET NOT NULL;
        ALTER TABLE claims ALTER COLUMN tenant SET NOT NULL;
        ALTER TABLE animals DROP CONSTRAINT animals_farmer_id_fkey;
        ALTER TABLE livestock_policies DROP CONSTRAINT livestock_policies_farmer_id_fkey;
        ALTER TABLE farmers DROP CONSTRAINT farmers_pkey;
        ALTER TABLE farmers ADD PRIMARY KEY (tenant, id);
        ALTER TABLE animals ADD FOREIGN KEY (tenant, farmer_id) REFERENCES farmers (tenant, id);
        ALTER TABLE livestock_policies ADD FOREIGN KEY (tenant, farmer_id) REFERENCES farmers (tenant, id);
        CREATE INDEX animals_by_tenant ON animals (tenant, farmer_id);
        CREATE INDEX policies_by_tenant ON livestock_policies (tenant, farmer_id);
        CREATE INDEX claims_by_tenant ON claims (tenant, decided_at);
        CREATE INDEX captures_by_tenant ON captures (tenant, purpose, outcome);
        """;

    /// <summary>Version 1 (before tenancy). Texts compare byte-wise (<c>COLLATE "C"</c>) whatever the database's locale, so ids and
    /// ISO 8601 times sort as in SQLite. Times are ISO 8601 text as the SQLite engine writes them (round-trip form,
    /// 100 ns ticks and the offset kept; a capture's times are part of what its device signed); days are
    /// <c>date</c>, money <c>numeric</c>, embeddings <c>bytea</c> (float32 little-endian, as in SQLite).
    /// <c>animals.seq</c> is the enrolment order (SQLite's rowid), the sequence an index can catch up by when another process
    /// enrols (identity values are taken at insert, so they follow commit order only while writers are serialised). <c>model_switches</c>: one row per promote; a
    /// species' active model is its latest row.</summary>
    private const string Tables = """
        CREATE TABLE devices (
          tenant text COLLATE "C" NOT NULL, device_id text COLLATE "C" NOT NULL, agent_id text COLLATE "C" NOT NULL, public_key bytea NOT NULL,
          PRIMARY KEY (tenant, device_id));
        CREATE TABLE farmers (id text COLLATE "C" PRIMARY KEY, name text NOT NULL, region text NOT NULL);
        CREATE TABLE animals (
          seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
          id text COLLATE "C" PRIMARY KEY, farmer_id text COLLATE "C" NOT NULL REFERENCES farmers(id), species text COLLATE "C" NOT NULL,
          ear_tag text, enrolled_capture_id text COLLATE "C" NOT NULL);
        CREATE TABLE templates (
          animal_id text COLLATE "C" NOT NULL REFERENCES animals(id), ordinal integer NOT NULL, model_id text COLLATE "C" NOT NULL, embedding bytea NOT NULL,
          crop_key text COLLATE "C" NOT NULL, capture_id text COLLATE "C" NOT NULL,
          PRIMARY KEY (animal_id, ordinal));
        CREATE TABLE captures (
          capture_id text COLLATE "C" PRIMARY KEY, tenant text COLLATE "C" NOT NULL, device_id text COLLATE "C" NOT NULL, agent_id text COLLATE "C" NOT NULL,
          purpose text COLLATE "C" NOT NULL, species text COLLATE "C" NOT NULL, ear_tag text, farmer_id text COLLATE "C",
          lon double precision NOT NULL, lat double precision NOT NULL, accuracy_m double precision NOT NULL, taken_at text COLLATE "C" NOT NULL,
          model_id text COLLATE "C" NOT NULL, model_version text NOT NULL, received_at text COLLATE "C" NOT NULL,
          status text COLLATE "C" NOT NULL, outcome text COLLATE "C" NOT NULL, reason text NOT NULL, animal_id text COLLATE "C", score real,
          claim_id text COLLATE "C");
        CREATE TABLE capture_photos (
          capture_id text COLLATE "C" NOT NULL REFERENCES captures(capture_id), ordinal integer NOT NULL, embedding bytea NOT NULL,
          crop_key text COLLATE "C" NOT NULL,
          PRIMARY KEY (capture_id, ordinal));
        CREATE TABLE livestock_policies (
          id text COLLATE "C" PRIMARY KEY, farmer_id text COLLATE "C" NOT NULL REFERENCES farmers(id), sum_per_head numeric NOT NULL,
          premium numeric NOT NULL, currency text NOT NULL, start_day date NOT NULL, end_day date NOT NULL, ledger_index bigint NOT NULL);
        CREATE TABLE policy_animals (
          policy_id text COLLATE "C" NOT NULL REFERENCES livestock_policies(id), animal_id text COLLATE "C" NOT NULL REFERENCES animals(id),
          PRIMARY KEY (policy_id, animal_id));
        CREATE INDEX policy_animals_by_animal ON policy_animals(animal_id);
        CREATE TABLE decision_scopes (
          capture_id text COLLATE "C" NOT NULL REFERENCES captures(capture_id), ordinal integer NOT NULL, scope text NOT NULL,
          size integer NOT NULL, threshold real NOT NULL, expected_false_duplicate_rate double precision, calibration_animals integer NOT NULL,
          best_animal_id text COLLATE "C", best_score real, runner_up_animal_id text COLLATE "C", runner_up_score real,
          best_templates integer, runner_up_templates integer,
          PRIMARY KEY (capture_id, ordinal));
        CREATE TABLE review_decisions (
          capture_id text COLLATE "C" PRIMARY KEY REFERENCES captures(capture_id), verdict text COLLATE "C" NOT NULL, reviewer text NOT NULL,
          reason text NOT NULL, decided_at text COLLATE "C" NOT NULL, enrolled_animal_id text COLLATE "C", ledger_index bigint NOT NULL);
        CREATE TABLE impostor_pairs (
          animal_a text COLLATE "C" NOT NULL REFERENCES animals(id), animal_b text COLLATE "C" NOT NULL REFERENCES animals(id),
          confirmed_by_capture text COLLATE "C" NOT NULL,
          PRIMARY KEY (animal_a, animal_b));
        CREATE TABLE claims (
          id text COLLATE "C" PRIMARY KEY, kind text COLLATE "C" NOT NULL, policy_id text COLLATE "C" NOT NULL, subject_id text COLLATE "C" NOT NULL,
          claim_key text COLLATE "C" NOT NULL, capture_id text COLLATE "C" NOT NULL REFERENCES captures(capture_id), status text COLLATE "C" NOT NULL,
          reason text NOT NULL, payout numeric, currency text, decided_at text COLLATE "C" NOT NULL);
        CREATE TABLE model_switches (
          seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, species text COLLATE "C" NOT NULL, model_id text COLLATE "C" NOT NULL, version text NOT NULL,
          manifest_path text NOT NULL, manifest_sha256 text NOT NULL, previous_model_id text COLLATE "C", switched_at text COLLATE "C" NOT NULL,
          ledger_index bigint NOT NULL, animals integer NOT NULL, templates integer NOT NULL);
        """;
}

using System.Globalization;
using AgriInsure.Domain;

namespace AgriInsure.Registry.Postgres;

/// <summary>Real-name identity checks (schema version 8): one row per check, keyed by its id, holding the keyed hash of
/// the identity number read and never the number.</summary>
public sealed partial class PostgresRegistry
{
    private const string IdentityTables = """
        CREATE TABLE identity_checks (
          id text COLLATE "C" PRIMARY KEY, tenant text COLLATE "C" NOT NULL, farmer_id text COLLATE "C" NOT NULL, agent_id text COLLATE "C" NOT NULL,
          method text COLLATE "C" NOT NULL, checked_at text COLLATE "C" NOT NULL, outcome text COLLATE "C" NOT NULL, key_id text COLLATE "C" NOT NULL,
          number_hash text COLLATE "C" NOT NULL,
          FOREIGN KEY (tenant, farmer_id) REFERENCES farmers(tenant, id));
        CREATE INDEX identity_checks_by_farmer ON identity_checks(tenant, farmer_id, checked_at);
        CREATE INDEX identity_checks_by_number ON identity_checks(tenant, key_id, number_hash);
        """;

    private const string IdentityColumns = "id, farmer_id, agent_id, method, checked_at, outcome, key_id, number_hash";

    public async Task<bool> RecordIdentityCheckAsync(string tenant, IdentityCheck check, CancellationToken ct = default)
    {
        var stored = false;
        await WriteAsync(async tx =>
        {
            if (await Scalar(tx, "SELECT COUNT(*)::int FROM farmers WHERE tenant = @t AND id = @f", ct, ("@t", tenant), ("@f", check.FarmerId)) == 0)
                throw new InvalidOperationException($"farmer {check.FarmerId} is not one of tenant {tenant}'s");
            await using var insert = Cmd(tx, $"INSERT INTO identity_checks (tenant, {IdentityColumns}) VALUES (@t, @i, @f, @a, @m, @at, @o, @k, @h) ON CONFLICT (id) DO NOTHING",
                ("@t", tenant), ("@i", check.Id), ("@f", check.FarmerId), ("@a", check.AgentId), ("@m", check.Method.Name()),
                ("@at", check.CheckedAt.ToString("O", CultureInfo.InvariantCulture)), ("@o", check.Outcome.Name()),
                ("@k", check.NumberHash.KeyId), ("@h", check.NumberHash.Hex));
            stored = await insert.ExecuteNonQueryAsync(ct) > 0;
        }, ct);
        return stored;
    }

    public Task<IReadOnlyList<IdentityCheck>> IdentityChecksAsync(string tenant, string farmerId, CancellationToken ct = default) =>
        IdentityChecksWhereAsync("farmer_id = @f", tenant, ct, ("@f", farmerId));

    public Task<IReadOnlyList<IdentityCheck>> IdentityChecksByNumberAsync(string tenant, IdentityHash numberHash, CancellationToken ct = default) =>
        IdentityChecksWhereAsync("key_id = @k AND number_hash = @h", tenant, ct, ("@k", numberHash.KeyId), ("@h", numberHash.Hex));

    private async Task<IReadOnlyList<IdentityCheck>> IdentityChecksWhereAsync(string filter, string tenant, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        var checks = new List<IdentityCheck>();
        await using var cmd = Query($"SELECT {IdentityColumns} FROM identity_checks WHERE tenant = @t AND {filter} ORDER BY checked_at, id",
            [("@t", tenant), .. args]);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            checks.Add(StoredRows.IdentityCheck(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Time(r.GetString(4)), r.GetString(5), r.GetString(6), r.GetString(7)));
        return checks;
    }
}

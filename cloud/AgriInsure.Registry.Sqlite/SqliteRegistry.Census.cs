using System.Globalization;
using AgriInsure.Domain;

namespace AgriInsure.Registry.Sqlite;

/// <summary>Census visits (schema version 7): one row per visit, keyed by its ledger key, with what it found of each
/// insured animal and of each sighting.</summary>
public sealed partial class SqliteRegistry
{
    private const string CensusTables = """
        CREATE TABLE IF NOT EXISTS census_visits (
          ledger_key TEXT PRIMARY KEY, tenant TEXT NOT NULL, policy_id TEXT NOT NULL REFERENCES livestock_policies(id), day TEXT NOT NULL,
          ledger_index INTEGER NOT NULL, recorded_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS census_visits_by_policy ON census_visits(tenant, policy_id, day);
        CREATE TABLE IF NOT EXISTS census_animals (
          ledger_key TEXT NOT NULL REFERENCES census_visits(ledger_key), ordinal INTEGER NOT NULL, animal_id TEXT NOT NULL,
          presence TEXT NOT NULL, photo TEXT, score REAL, PRIMARY KEY (ledger_key, ordinal));
        CREATE TABLE IF NOT EXISTS census_sightings (
          ledger_key TEXT NOT NULL REFERENCES census_visits(ledger_key), ordinal INTEGER NOT NULL, photo TEXT NOT NULL, animal_id TEXT,
          PRIMARY KEY (ledger_key, ordinal));
        """;

    public Task RecordCensusAsync(string tenant, CensusVisit visit, CancellationToken ct = default) =>
        WriteAsync(async tx =>
        {
            await using (var owner = Cmd(tx, "SELECT tenant FROM livestock_policies WHERE id = $p", ("$p", visit.PolicyId)))
            {
                if (await owner.ExecuteScalarAsync(ct) as string != tenant)
                    throw new InvalidOperationException($"policy {visit.PolicyId} is not one of tenant {tenant}'s");
            }
            await using (var insert = Cmd(tx, "INSERT OR IGNORE INTO census_visits VALUES ($k, $t, $p, $d, $l, $at)",
                ("$k", visit.LedgerKey), ("$t", tenant), ("$p", visit.PolicyId), ("$d", visit.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                ("$l", visit.LedgerEntry), ("$at", visit.RecordedAt.ToString("O", CultureInfo.InvariantCulture))))
            {
                if (await insert.ExecuteNonQueryAsync(ct) == 0)
                    return;
            }
            for (var i = 0; i < visit.Animals.Count; i++)
            {
                var a = visit.Animals[i];
                await Exec(tx, ct, "INSERT INTO census_animals VALUES ($k, $o, $a, $p, $ph, $s)",
                    ("$k", visit.LedgerKey), ("$o", i), ("$a", a.AnimalId), ("$p", a.Presence.Name()), ("$ph", a.Photo), ("$s", a.Score));
            }
            for (var i = 0; i < visit.Sightings.Count; i++)
            {
                await Exec(tx, ct, "INSERT INTO census_sightings VALUES ($k, $o, $ph, $a)",
                    ("$k", visit.LedgerKey), ("$o", i), ("$ph", visit.Sightings[i].Photo), ("$a", visit.Sightings[i].AnimalId));
            }
        }, ct);

    public async Task<IReadOnlyList<CensusVisit>> CensusVisitsAsync(string tenant, string? policyId, CancellationToken ct = default)
    {
        var visits = new List<(string Key, string Policy, DateOnly Day, long Index, DateTimeOffset At)>();
        await using (var cmd = Query("""
            SELECT ledger_key, policy_id, day, ledger_index, recorded_at FROM census_visits
            WHERE tenant = $t AND ($p IS NULL OR policy_id = $p) ORDER BY day, ledger_index
            """, ("$t", tenant), ("$p", policyId)))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                visits.Add((r.GetString(0), r.GetString(1), DateOnly.ParseExact(r.GetString(2), "yyyy-MM-dd", CultureInfo.InvariantCulture), r.GetInt64(3), Time(r.GetString(4))));
        }
        var result = new List<CensusVisit>();
        foreach (var v in visits)
        {
            var animals = new List<CensusAnimal>();
            await using (var cmd = Query("SELECT animal_id, presence, photo, score FROM census_animals WHERE ledger_key = $k ORDER BY ordinal", ("$k", v.Key)))
            await using (var r = await cmd.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                    animals.Add(new CensusAnimal(r.GetString(0), CensusPresenceNames.Parse(r.GetString(1)), Text(r, 2), r.IsDBNull(3) ? null : r.GetFloat(3)));
            }
            var sightings = new List<CensusVisitSighting>();
            await using (var cmd = Query("SELECT photo, animal_id FROM census_sightings WHERE ledger_key = $k ORDER BY ordinal", ("$k", v.Key)))
            await using (var r = await cmd.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                    sightings.Add(new CensusVisitSighting(r.GetString(0), Text(r, 1)));
            }
            result.Add(new CensusVisit(v.Policy, v.Day, v.Key, animals, sightings, v.Index, v.At));
        }
        return result;
    }
}

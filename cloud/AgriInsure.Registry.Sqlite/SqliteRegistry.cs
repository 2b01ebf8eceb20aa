using System.Globalization;
using System.Runtime.InteropServices;
using AgriInsure.Domain;
using AgriInsure.Migrations;
using AgriInsure.Registry.Index;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Registry.Sqlite;

/// <summary>The embedded registry: one SQLite file. An animal's templates (1 to <see cref="Animal.MaxTemplates"/>,
/// its enrolling capture's photos in order) are rows of their own in <c>templates</c>, and a capture's photos rows
/// of <c>capture_photos</c>. Templates are also kept in a <see cref="TemplateIndex"/>, rebuilt from the file when
/// it opens, so 1:N search never touches the disk. The schema is versioned (SqliteRegistry.Schema.cs): a file of an
/// older version (before multi-photo evidence, before tenancy) is upgraded with its data when it opens, one of a
/// newer version refused.</summary>
public sealed partial class SqliteRegistry : IRegistry
{
    private readonly SqliteConnection _db;
    private readonly string _readConnection;
    // Replaced whole when a promote re-embeds every template (SqliteRegistry.Models.cs).
    private readonly IndexFollower _follower;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly DecisionScope<SqliteTransaction> _decision = new();

    private SqliteRegistry(SqliteConnection db, string path)
    {
        _db = db;
        _readConnection = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
        _follower = new IndexFollower((index, tenant, after, seen, ct) => LoadIndexAsync(null, index, tenant, after, seen, ct), LastModelSwitchAsync);
    }

    /// <summary>The schema versions opening this registry found and left (<see cref="SqliteRegistry.Migrations"/>).</summary>
    public SchemaUpgrade Schema { get; private set; }

    /// <summary>Opens (or creates) the registry file at <paramref name="path"/>, upgrading an older schema with its data.
    /// Errors: <see cref="SchemaTooNewException"/> for a file written by a newer version (left unchanged);
    /// <see cref="SqliteException"/> for a file SQLite cannot open or write; <see cref="InvalidDataException"/> when an
    /// upgrade would leave a broken reference (the file stays at the version before).</summary>
    public static Task<SqliteRegistry> OpenAsync(string path, CancellationToken ct = default) => OpenAsync(path, null, ct);

    /// <inheritdoc cref="OpenAsync(string, CancellationToken)"/>
    /// <param name="logger">Told of each schema upgrade applied.</param>
    public static async Task<SqliteRegistry> OpenAsync(string path, ILogger? logger, CancellationToken ct = default)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, ForeignKeys = true }.ToString());
        var registry = new SqliteRegistry(db, path);
        try
        {
            await db.OpenAsync(ct);
            // The journal mode is the file's and cannot change inside a transaction: set before any migration.
            await registry.Exec(null, ct, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
            // Capture ids and crop keys are random, so each decision reads random pages of their indexes: a page cache
            // past SQLite's default 2 MiB keeps them in memory (as the ledger's, SqliteLedger.OpenAsync).
            await registry.Exec(null, ct, "PRAGMA cache_size=-65536;");
            // SQLite changes a key only by making a table again, with foreign keys off (they cannot be switched inside
            // a transaction); a step that does checks them itself before it commits (SqliteRegistry.Schema.cs).
            await registry.Exec(null, ct, "PRAGMA foreign_keys=OFF");
            registry.Schema = await SchemaMigrator.MigrateAsync(db, Migrations, BeginImmediate, $"registry {path}", logger, ct);
            await registry.Exec(null, ct, "PRAGMA foreign_keys=ON");
            await registry._follower.LoadAsync(ct);
            return registry;
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads animals of one tenant (every tenant when null) enrolled after <paramref name="after"/> (rowid order:
    /// SQLite writes one transaction at a time for the whole file, so rowid order is commit order) into the index; inside
    /// <paramref name="tx"/> when given (a promote reads its own uncommitted templates).</summary>
    private async Task LoadIndexAsync(SqliteTransaction? tx, TemplateIndex index, string? tenant, long after, IDictionary<string, long> seen, CancellationToken ct)
    {
        var sql = $"""
            SELECT {IndexRows.Columns("a.rowid")}
            FROM animals a JOIN templates t ON t.animal_id = a.id LEFT JOIN captures c ON c.capture_id = a.enrolled_capture_id
            WHERE a.rowid > $after AND ($t IS NULL OR a.tenant = $t)
            ORDER BY a.rowid, t.ordinal
            """;
        (string, object?)[] args = [("$after", after), ("$t", tenant)];
        if (tx is null)
        {
            await using var query = Query(sql, args);
            await using var rows = await query.ExecuteReaderAsync(ct);
            await IndexRows.AddAsync(index, rows, seen, ct);
            return;
        }
        await using var cmd = Cmd(tx, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await IndexRows.AddAsync(index, r, seen, ct);
    }

    private async Task<long> LastModelSwitchAsync(CancellationToken ct)
    {
        await using var cmd = Query("SELECT COALESCE(MAX(seq), 0) FROM model_switches");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return r.GetInt64(0);
    }

    public async Task<DeviceRegistration> RegisterDeviceAsync(DeviceRecord d, CancellationToken ct = default)
    {
        var outcome = DeviceRegistration.Registered;
        await WriteAsync(async tx =>
        {
            await using (var find = Cmd(tx, "SELECT tenant, public_key, revoked_at FROM devices WHERE device_id = $d ORDER BY tenant = $t DESC LIMIT 1", ("$d", d.DeviceId), ("$t", d.Tenant)))
            await using (var r = await find.ExecuteReaderAsync(ct))
            {
                if (await r.ReadAsync(ct))
                    outcome = DeviceRegistrations.Against(d, new DeviceRecord(r.GetString(0), d.DeviceId, "", (byte[])r[1], r.IsDBNull(2) ? null : DateTimeOffset.MinValue));
            }
            if (outcome == DeviceRegistration.Registered)
                await Exec(tx, ct, "INSERT INTO devices (tenant, device_id, agent_id, public_key) VALUES ($t, $d, $a, $k)",
                    ("$t", d.Tenant), ("$d", d.DeviceId), ("$a", d.AgentId), ("$k", d.PublicKey));
            else if (outcome == DeviceRegistration.Confirmed)
                await Exec(tx, ct, "UPDATE devices SET agent_id = $a WHERE tenant = $t AND device_id = $d", ("$t", d.Tenant), ("$d", d.DeviceId), ("$a", d.AgentId));
        }, ct);
        return outcome;
    }

    public async Task<DeviceRecord?> FindDeviceAsync(string tenant, string deviceId, CancellationToken ct = default)
    {
        await using var cmd = Query("SELECT agent_id, public_key, revoked_at FROM devices WHERE tenant = $t AND device_id = $d", ("$t", tenant), ("$d", deviceId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new DeviceRecord(tenant, deviceId, r.GetString(0), (byte[])r[1], r.IsDBNull(2) ? null : DateTimeOffset.Parse(r.GetString(2), CultureInfo.InvariantCulture))
            : null;
    }

    public async Task<DeviceRecord?> RevokeDeviceAsync(string tenant, string deviceId, DateTimeOffset at, CancellationToken ct = default)
    {
        await WriteAsync(async tx => await Exec(tx, ct, "UPDATE devices SET revoked_at = COALESCE(revoked_at, $at) WHERE tenant = $t AND device_id = $d",
            ("$t", tenant), ("$d", deviceId), ("$at", at.ToString("O", CultureInfo.InvariantCulture))), ct);
        return await FindDeviceAsync(tenant, deviceId, ct);
    }

    public async Task<bool> IsDeviceActiveAsync(string deviceId, CancellationToken ct = default) =>
        await CountAsync("SELECT COUNT(*) FROM devices WHERE device_id = $d AND revoked_at IS NULL", ct, ("$d", deviceId)) > 0;

    public Task AddFarmerAsync(Farmer f, CancellationToken ct = default) =>
        WriteAsync(async tx => await Exec(tx, ct,
            "INSERT INTO farmers (tenant, id, name, region) VALUES ($t, $i, $n, $r) ON CONFLICT(tenant, id) DO UPDATE SET name = $n, region = $r",
            ("$t", f.Tenant), ("$i", f.Id), ("$n", f.Name), ("$r", f.Region)), ct);

    public async Task<Farmer?> FindFarmerAsync(string tenant, string farmerId, CancellationToken ct = default)
    {
        await using var cmd = Query("SELECT name, region FROM farmers WHERE tenant = $t AND id = $i", ("$t", tenant), ("$i", farmerId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Farmer.Create(tenant, farmerId, r.GetString(0), r.GetString(1)).Value : null;
    }

    public async Task<Paged<Farmer>> FarmersAsync(string tenant, Page page, CancellationToken ct = default)
    {
        var farmers = new List<Farmer>();
        await using (var cmd = Query("SELECT id, name, region FROM farmers WHERE tenant = $t ORDER BY id LIMIT $l OFFSET $o",
            ("$t", tenant), ("$l", page.Limit), ("$o", page.Offset)))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                farmers.Add(Farmer.Create(tenant, r.GetString(0), r.GetString(1), r.GetString(2)).Value);
        }
        return new Paged<Farmer>(farmers, await CountAsync("SELECT COUNT(*) FROM farmers WHERE tenant = $t", ct, ("$t", tenant)), page.Offset);
    }

    public async Task<Paged<Farmer>> SearchFarmersAsync(string tenant, string text, Page page, CancellationToken ct = default)
    {
        // lower() folds ASCII letters alike in both engines (SQLite folds no others), so a search matches the same rows in each.
        var q = text.ToLowerInvariant();
        var farmers = new List<Farmer>();
        await using (var cmd = Query("SELECT id, name, region FROM farmers WHERE tenant = $t AND (instr(lower(id), $q) > 0 OR instr(lower(name), $q) > 0 OR instr(lower(region), $q) > 0) ORDER BY id LIMIT $l OFFSET $o",
            ("$t", tenant), ("$q", q), ("$l", page.Limit), ("$o", page.Offset)))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                farmers.Add(Farmer.Create(tenant, r.GetString(0), r.GetString(1), r.GetString(2)).Value);
        }
        return new Paged<Farmer>(farmers, await CountAsync("SELECT COUNT(*) FROM farmers WHERE tenant = $t AND (instr(lower(id), $q) > 0 OR instr(lower(name), $q) > 0 OR instr(lower(region), $q) > 0)", ct, ("$t", tenant), ("$q", q)), page.Offset);
    }

    public async Task<StoredCapture?> FindCaptureAsync(string captureId, CancellationToken ct = default)
    {
        await using var cmd = Query("""
            SELECT capture_id, tenant, device_id, agent_id, purpose, species, ear_tag, farmer_id, lon, lat, accuracy_m, taken_at,
                   model_id, model_version, received_at, status, outcome, reason, animal_id, score, claim_id
            FROM captures WHERE capture_id = $c
            """, ("$c", captureId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
            return null;
        var photos = await LoadPhotosAsync(captureId, r.GetString(12), ct);
        var capture = new CaptureRecord(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Enum.Parse<CapturePurpose>(r.GetString(4)),
            Enum.Parse<Species>(r.GetString(5)), Text(r, 6), Text(r, 7), new GeoPoint(r.GetDouble(8), r.GetDouble(9)), r.GetDouble(10),
            Time(r.GetString(11)), r.GetString(13), photos, Time(r.GetString(14)));
        var decision = new CaptureDecision(Enum.Parse<DecisionStatus>(r.GetString(15)), CaptureOutcomeNames.Parse(r.GetString(16)).Value, r.GetString(17), Text(r, 18),
            r.IsDBNull(19) ? null : (float)r.GetDouble(19), Text(r, 20)) { Scopes = await LoadScopesAsync(captureId, ct), Photos = photos.Count };
        return new StoredCapture(capture, decision);
    }

    private async Task<IReadOnlyList<PhotoRecord>> LoadPhotosAsync(string captureId, string modelId, CancellationToken ct)
    {
        var photos = new List<PhotoRecord>();
        await using var cmd = Query("SELECT embedding, crop_key FROM capture_photos WHERE capture_id = $c ORDER BY ordinal", ("$c", captureId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            photos.Add(new PhotoRecord(Embedding.Create(Floats((byte[])r[0]), modelId).Value, r.GetString(1)));
        return photos;
    }

    private async Task<IReadOnlyList<ScopeResult>> LoadScopesAsync(string captureId, CancellationToken ct)
    {
        var scopes = new List<ScopeResult>();
        await using var cmd = Query("""
            SELECT scope, size, threshold, expected_false_duplicate_rate, calibration_animals, best_animal_id, best_score, runner_up_animal_id, runner_up_score,
                   best_templates, runner_up_templates
            FROM decision_scopes WHERE capture_id = $c ORDER BY ordinal
            """, ("$c", captureId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            scopes.Add(new ScopeResult(SearchScopeNames.Parse(r.GetString(0)).Value, r.GetInt32(1), (float)r.GetDouble(2),
                r.IsDBNull(3) ? null : r.GetDouble(3), r.GetInt32(4), StoredMatch(r, 5, 9), StoredMatch(r, 7, 10)));
        }
        return scopes;
    }

    public Task RecordEnrolmentAsync(CaptureRecord capture, CaptureDecision decision, Animal? enrolled, CancellationToken ct = default) =>
        WriteAsync(async tx =>
        {
            await InsertCapture(tx, capture, decision, ct);
            if (enrolled is not null)
                await InsertAnimal(tx, capture.Tenant, enrolled, capture.CaptureId, ct);
        }, ct, inMemory: () =>
        {
            if (enrolled is not null)
                _follower.Index.Add(capture.Tenant, enrolled.Species, enrolled.Id, enrolled.Templates, enrolled.FarmerId, capture.Location);
        });

    public async Task<Paged<DuplicateCase>> DuplicateCasesAsync(string tenant, bool openOnly, Page page, CancellationToken ct = default)
    {
        var open = openOnly ? "AND NOT EXISTS (SELECT 1 FROM review_decisions r WHERE r.capture_id = c.capture_id)" : "";
        var total = await CountAsync($"SELECT COUNT(*) FROM captures c WHERE c.tenant = $t AND c.purpose = 'Enrol' AND c.outcome = $o {open}", ct,
            ("$t", tenant), ("$o", CaptureOutcome.DuplicateEnrolment.Name()));
        return new Paged<DuplicateCase>(await LoadCasesAsync(tenant, open, null, page, ct), total, page.Offset);
    }

    public async Task<DuplicateCase?> FindDuplicateCaseAsync(string tenant, string captureId, CancellationToken ct = default) =>
        (await LoadCasesAsync(tenant, "", captureId, Page.All, ct)).SingleOrDefault();

    /// <summary>The tenant's flagged duplicate enrolments with their evidence, oldest first: those the <paramref name="filter"/>
    /// SQL keeps (on <c>c</c>, the flagged capture), only <paramref name="captureId"/>'s when given.</summary>
    private async Task<IReadOnlyList<DuplicateCase>> LoadCasesAsync(string tenant, string filter, string? captureId, Page page, CancellationToken ct)
    {
        var cases = new List<DuplicateCase>();
        await using var cmd = Query($"""
            SELECT c.capture_id, c.farmer_id, c.lon, c.lat, c.taken_at, c.model_id, c.score,
                   a.id, a.farmer_id, e.lon, e.lat, e.taken_at, NULL,
                   r.verdict, r.reviewer, r.reason, r.decided_at, r.enrolled_animal_id, r.ledger_index
            FROM captures c
            JOIN animals a ON a.id = c.animal_id
            JOIN captures e ON e.capture_id = a.enrolled_capture_id
            LEFT JOIN review_decisions r ON r.capture_id = c.capture_id
            WHERE c.tenant = $t AND c.purpose = 'Enrol' AND c.outcome = $o AND ($c IS NULL OR c.capture_id = $c) {filter}
            ORDER BY c.received_at, c.capture_id LIMIT $l OFFSET $off
            """, ("$t", tenant), ("$o", CaptureOutcome.DuplicateEnrolment.Name()), ("$c", captureId), ("$l", page.Limit), ("$off", page.Offset));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var decision = r.IsDBNull(13) ? null : new ReviewDecision(r.GetString(0), ReviewVerdictNames.Parse(r.GetString(13)).Value, r.GetString(14), r.GetString(15),
                Time(r.GetString(16)), r.IsDBNull(17) ? null : r.GetString(17), r.GetInt64(18));
            var photos = await LoadPhotosAsync(r.GetString(0), r.GetString(5), ct);
            var (matched, matchedCrops) = await LoadTemplatesAsync(r.GetString(7), ct);
            // A promoted model re-embeds templates: scores per photo only where both sides share a model.
            var scores = matched[0].ModelId == photos[0].Embedding.ModelId ? FusedScore.BestPerProbe([.. photos.Select(p => p.Embedding)], matched) : [];
            cases.Add(new DuplicateCase(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), new GeoPoint(r.GetDouble(2), r.GetDouble(3)), Time(r.GetString(4)),
                [.. photos.Select(p => p.CropBlobKey)], (float)r.GetDouble(6), scores,
                r.GetString(7), r.GetString(8), new GeoPoint(r.GetDouble(9), r.GetDouble(10)), Time(r.GetString(11)), matchedCrops, decision));
        }
        return cases;
    }

    /// <summary>An animal's templates and their crops' blob keys, in order.</summary>
    private async Task<(IReadOnlyList<Embedding> Templates, IReadOnlyList<string> CropKeys)> LoadTemplatesAsync(string animalId, CancellationToken ct)
    {
        var (templates, crops) = (new List<Embedding>(), new List<string>());
        await using var cmd = Query("SELECT model_id, embedding, crop_key FROM templates WHERE animal_id = $a ORDER BY ordinal", ("$a", animalId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            templates.Add(Embedding.Create(Floats((byte[])r[1]), r.GetString(0)).Value);
            crops.Add(r.GetString(2));
        }
        return (templates, crops);
    }

    public Task RecordReviewAsync(string tenant, ReviewDecision decision, Animal? enrolled, string? matchedAnimalId, GeoPoint fix, CancellationToken ct = default) =>
        WriteAsync(async tx =>
        {
            await using (var owner = Cmd(tx, "SELECT tenant FROM captures WHERE capture_id = $c", ("$c", decision.CaptureId)))
            {
                if (await owner.ExecuteScalarAsync(ct) as string != tenant)
                    throw new InvalidOperationException($"capture {decision.CaptureId} is not one of tenant {tenant}'s");
            }
            await Exec(tx, ct, "INSERT INTO review_decisions VALUES ($c, $v, $by, $r, $t, $a, $l)",
                ("$c", decision.CaptureId), ("$v", decision.Verdict.Name()), ("$by", decision.Reviewer), ("$r", decision.Reason),
                ("$t", decision.DecidedAt.ToString("O", CultureInfo.InvariantCulture)), ("$a", decision.EnrolledAnimalId), ("$l", decision.LedgerEntry));
            if (enrolled is not null)
            {
                await InsertAnimal(tx, tenant, enrolled, decision.CaptureId, ct);
                if (matchedAnimalId is not null)
                    await Exec(tx, ct, "INSERT INTO impostor_pairs VALUES ($a, $b, $c)", ("$a", enrolled.Id), ("$b", matchedAnimalId), ("$c", decision.CaptureId));
            }
        }, ct, inMemory: () =>
        {
            if (enrolled is not null)
                _follower.Index.Add(tenant, enrolled.Species, enrolled.Id, enrolled.Templates, enrolled.FarmerId, fix);
        });

    /// <summary>An animal's template i is its enrolling capture's photo i, so it takes that photo's crop.</summary>
    private async Task InsertAnimal(SqliteTransaction tx, string tenant, Animal animal, string enrolledBy, CancellationToken ct)
    {
        await Exec(tx, ct, "INSERT INTO animals (id, tenant, farmer_id, species, ear_tag, enrolled_capture_id) VALUES ($i, $t, $f, $s, $e, $c)",
            ("$i", animal.Id), ("$t", tenant), ("$f", animal.FarmerId), ("$s", animal.Species.ToString()), ("$e", animal.EarTag), ("$c", enrolledBy));
        for (var i = 0; i < animal.Templates.Count; i++)
        {
            await Exec(tx, ct, """
                INSERT INTO templates SELECT $a, $o, $m, $t, crop_key, capture_id FROM capture_photos WHERE capture_id = $c AND ordinal = $o
                """, ("$a", animal.Id), ("$o", i), ("$m", animal.Templates[i].ModelId), ("$t", Bytes(animal.Templates[i].Values)), ("$c", enrolledBy));
        }
    }

    public Task RecordClaimAsync(CaptureRecord capture, CaptureDecision decision, Claim? claim, CancellationToken ct = default) =>
        WriteAsync(async tx =>
        {
            await InsertCapture(tx, capture, decision, ct);
            if (claim is not null)
            {
                await Exec(tx, ct, """
                    INSERT INTO claims (id, tenant, kind, policy_id, subject_id, claim_key, capture_id, status, reason, payout, currency, decided_at)
                    VALUES ($i, $tenant, $k, $p, $s, $key, $c, $st, $r, $pay, $cur, $t)
                    """,
                    ("$i", claim.Id), ("$tenant", capture.Tenant), ("$k", claim.Kind.ToString()), ("$p", claim.PolicyId), ("$s", claim.SubjectId), ("$key", claim.Key.Hex),
                    ("$c", claim.EvidenceId), ("$st", claim.Status.ToString()), ("$r", claim.Reason),
                    ("$pay", claim.Payout?.Amount.ToString(CultureInfo.InvariantCulture)), ("$cur", claim.Payout?.Currency),
                    ("$t", claim.DecidedAt.ToString("O")));
            }
        }, ct);

    /// <summary>The index ranks with int8 templates; the candidates it returns are scored again with the
    /// stored float templates under the same fusion rule (<see cref="FusedScore"/>), so a decision rests on the
    /// exact scores that the registry can show later.</summary>
    public async Task<ScopeHits> SearchAsync(string tenant, IReadOnlyList<Embedding> probes, Species species, ScopeFilter scope, int top, float? floor = null, CancellationToken ct = default)
    {
        await CatchUpAsync(tenant, ct);
        var hits = floor is { } f
            ? _follower.Index.Search(tenant, probes, species, top + RescoreMargin, scope, f)
            : _follower.Index.Search(tenant, probes, species, top + RescoreMargin, scope);
        var exact = new List<Match>();
        foreach (var candidate in hits.Top)
        {
            var (templates, _) = await LoadTemplatesAsync(candidate.AnimalId, ct);
            // A promote may have re-embedded the animal with another model since the ranking: never compare across models.
            if (templates.Count > 0 && templates[0].ModelId == probes[0].ModelId)
                exact.Add(new Match(candidate.AnimalId, FusedScore.Of(probes, templates)) { Templates = templates.Count });
        }
        return hits with { Top = exact.OrderByDescending(m => m.Score).Take(top).ToList() };
    }

    public async Task<int> GallerySizeAsync(string tenant, Species species, string modelId, CancellationToken ct = default)
    {
        await CatchUpAsync(tenant, ct);
        return _follower.Index.Count(tenant, species, modelId);
    }

    public async Task<GallerySample> SampleGalleryAsync(string tenant, Species species, string modelId, int maxAnimals, int? asOfAnimals = null, CancellationToken ct = default)
    {
        await CatchUpAsync(tenant, ct);
        var (animals, ids) = _follower.Index.Sample(tenant, species, modelId, maxAnimals, asOfAnimals);
        var sets = new List<IReadOnlyList<Embedding>>(ids.Length);
        foreach (var id in ids)
        {
            var (templates, _) = await LoadTemplatesAsync(id, ct);
            // Sampled from the index before a promote swapped it: the stored templates may be the next model's.
            if (templates.Count > 0 && templates[0].ModelId == modelId)
                sets.Add(templates);
        }
        return new GallerySample(animals, sets);
    }

    public async Task<IReadOnlyList<string>> InsuredAnimalsAsync(string tenant, string? farmerId, Species species, DateOnly day, CancellationToken ct = default)
    {
        var ids = new List<string>();
        await using var cmd = Query("""
            SELECT DISTINCT a.id FROM livestock_policies p JOIN policy_animals pa ON pa.policy_id = p.id JOIN animals a ON a.id = pa.animal_id
            WHERE p.tenant = $t AND ($f IS NULL OR p.farmer_id = $f) AND a.species = $s AND p.start_day <= $d AND p.end_day >= $d ORDER BY a.id
            """, ("$t", tenant), ("$f", farmerId), ("$s", species.ToString()), ("$d", Day(day)));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            ids.Add(r.GetString(0));
        return ids;
    }

    /// <summary>Extra candidates rescored exactly, so a near-tie that quantisation reordered is still found.</summary>
    private const int RescoreMargin = 8;

    public async Task<Animal?> FindAnimalAsync(string tenant, string animalId, CancellationToken ct = default)
    {
        await using var cmd = Query("SELECT farmer_id, species, ear_tag FROM animals WHERE tenant = $t AND id = $i", ("$t", tenant), ("$i", animalId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
            return null;
        var (templates, _) = await LoadTemplatesAsync(animalId, ct);
        return Animal.Create(animalId, r.GetString(0), Enum.Parse<Species>(r.GetString(1)), Text(r, 2), templates).Value;
    }

    public async Task<EnrolledAnimal?> FindEnrolledAnimalAsync(string tenant, string animalId, CancellationToken ct = default) =>
        (await LoadAnimalsAsync("a.tenant = $t AND a.id = $i", Page.All, ct, ("$t", tenant), ("$i", animalId))).SingleOrDefault();

    public async Task<Paged<EnrolledAnimal>> AnimalsAsync(string tenant, string? farmerId, Page page, CancellationToken ct = default)
    {
        const string Filter = "a.tenant = $t AND ($f IS NULL OR a.farmer_id = $f)";
        return new Paged<EnrolledAnimal>(await LoadAnimalsAsync(Filter, page, ct, ("$t", tenant), ("$f", farmerId)),
            await CountAsync($"SELECT COUNT(*) FROM animals a WHERE {Filter}", ct, ("$t", tenant), ("$f", farmerId)), page.Offset);
    }

    /// <summary>Animals the <paramref name="filter"/> SQL keeps (on <c>a</c>), in enrolment order, with their enrolments.</summary>
    private async Task<IReadOnlyList<EnrolledAnimal>> LoadAnimalsAsync(string filter, Page page, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        var rows = new List<(string Id, string Farmer, Species Species, string? Tag, string By, DateTimeOffset At)>();
        await using (var cmd = Query($"""
            SELECT a.id, a.farmer_id, a.species, a.ear_tag, a.enrolled_capture_id, c.received_at
            FROM animals a JOIN captures c ON c.capture_id = a.enrolled_capture_id
            WHERE {filter} ORDER BY a.rowid LIMIT $l OFFSET $off
            """, [.. args, ("$l", page.Limit), ("$off", page.Offset)]))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                rows.Add((r.GetString(0), r.GetString(1), Enum.Parse<Species>(r.GetString(2)), Text(r, 3), r.GetString(4), Time(r.GetString(5))));
        }
        var animals = new List<EnrolledAnimal>(rows.Count);
        foreach (var a in rows)
        {
            var (templates, crops) = await LoadTemplatesAsync(a.Id, ct);
            animals.Add(new EnrolledAnimal(Animal.Create(a.Id, a.Farmer, a.Species, a.Tag, templates).Value, a.By, a.At, crops));
        }
        return animals;
    }

    public async Task<Paged<LivestockPolicy>> PoliciesAsync(string tenant, string? farmerId, Page page, CancellationToken ct = default)
    {
        const string Filter = "tenant = $t AND ($f IS NULL OR farmer_id = $f)";
        var ids = new List<string>();
        await using (var cmd = Query($"SELECT id FROM livestock_policies WHERE {Filter} ORDER BY id LIMIT $l OFFSET $o",
            ("$t", tenant), ("$f", farmerId), ("$l", page.Limit), ("$o", page.Offset)))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                ids.Add(r.GetString(0));
        }
        var policies = new List<LivestockPolicy>(ids.Count);
        foreach (var id in ids)
            policies.Add(await LoadPolicyAsync(id, ct));
        return new Paged<LivestockPolicy>(policies, await CountAsync($"SELECT COUNT(*) FROM livestock_policies WHERE {Filter}", ct, ("$t", tenant), ("$f", farmerId)), page.Offset);
    }

    public async Task<PolicyOverlap?> AddLivestockPolicyAsync(string tenant, LivestockPolicy p, long ledgerIndex, CancellationToken ct = default)
    {
        PolicyOverlap? overlap = null;
        await WriteAsync(async tx =>
        {
            await using (var foreign = Cmd(tx, $"SELECT COUNT(*) FROM animals WHERE tenant <> $t AND id IN ({string.Join(", ", p.AnimalIds.Select((_, i) => $"$a{i}"))})",
                [("$t", tenant), .. p.AnimalIds.Select((a, i) => ($"$a{i}", (object?)a))]))
            {
                if ((long)(await foreign.ExecuteScalarAsync(ct))! > 0)
                    throw new InvalidOperationException($"policy {p.Id} names animals that are not tenant {tenant}'s");
            }
            if ((overlap = await OverlapAsync(tx, p.AnimalIds, p.Coverage, ct)) is not null)
                return;
            await Exec(tx, ct, "INSERT INTO livestock_policies (id, tenant, farmer_id, sum_per_head, premium, currency, start_day, end_day, ledger_index) VALUES ($i, $t, $f, $s, $p, $c, $a, $b, $l)",
                ("$i", p.Id), ("$t", tenant), ("$f", p.FarmerId), ("$s", Dec(p.SumInsuredPerHead.Amount)), ("$p", Dec(p.Premium.Amount)),
                ("$c", p.SumInsuredPerHead.Currency), ("$a", Day(p.Coverage.Start)), ("$b", Day(p.Coverage.End)), ("$l", ledgerIndex));
            foreach (var animal in p.AnimalIds)
                await Exec(tx, ct, "INSERT INTO policy_animals VALUES ($p, $a)", ("$p", p.Id), ("$a", animal));
        }, ct);
        return overlap;
    }

    public async Task<PolicyOverlap?> FindOverlapAsync(string tenant, IReadOnlyList<string> animalIds, Coverage cover, CancellationToken ct = default)
    {
        if (_decision.Transaction is { } decision)
            return await OverlapAsync(decision, animalIds, cover, ct);
        // The check runs on the write connection, which one caller at a time may use.
        await _write.WaitAsync(ct);
        try
        {
            return await OverlapAsync(null, animalIds, cover, ct);
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>The first animal on a policy whose cover shares a day with <paramref name="cover"/>; animal ids are unique
    /// in the store, so the tenant needs no filter here.</summary>
    private async Task<PolicyOverlap?> OverlapAsync(SqliteTransaction? tx, IReadOnlyList<string> animalIds, Coverage cover, CancellationToken ct)
    {
        string? animal = null, policyId = null;
        foreach (var id in animalIds)
        {
            await using var cmd = Cmd(tx, """
                SELECT p.id FROM livestock_policies p JOIN policy_animals pa ON pa.policy_id = p.id
                WHERE pa.animal_id = $a AND p.start_day <= $end AND p.end_day >= $start ORDER BY p.start_day LIMIT 1
                """, ("$a", id), ("$start", Day(cover.Start)), ("$end", Day(cover.End)));
            if (await cmd.ExecuteScalarAsync(ct) is string found)
            {
                (animal, policyId) = (id, found);
                break;
            }
        }
        return policyId is null ? null : new PolicyOverlap(animal!, await LoadPolicyAsync(policyId, ct));
    }

    public async Task<LivestockPolicy?> FindActivePolicyAsync(string tenant, string animalId, DateOnly day, CancellationToken ct = default)
    {
        string? policyId;
        await using (var query = Query("""
            SELECT p.id FROM livestock_policies p JOIN policy_animals pa ON pa.policy_id = p.id
            WHERE p.tenant = $t AND pa.animal_id = $a AND p.start_day <= $d AND p.end_day >= $d ORDER BY p.start_day DESC LIMIT 1
            """, ("$t", tenant), ("$a", animalId), ("$d", Day(day))))
        await using (var r = await query.ExecuteReaderAsync(ct))
            policyId = await r.ReadAsync(ct) ? r.GetString(0) : null;
        return policyId is null ? null : await LoadPolicyAsync(policyId, ct);
    }

    public async Task<LivestockPolicy?> FindPolicyAsync(string tenant, string policyId, CancellationToken ct = default)
    {
        bool exists;
        await using (var query = Query("SELECT 1 FROM livestock_policies WHERE tenant = $t AND id = $p", ("$t", tenant), ("$p", policyId)))
        await using (var r = await query.ExecuteReaderAsync(ct))
            exists = await r.ReadAsync(ct);
        return exists ? await LoadPolicyAsync(policyId, ct) : null;
    }

    public async Task<Paged<Claim>> ClaimsAsync(string tenant, string? policyId, Page page, CancellationToken ct = default)
    {
        const string Filter = "tenant = $t AND ($p IS NULL OR policy_id = $p)";
        return new Paged<Claim>(await LoadClaimsAsync(Filter, page, ct, ("$t", tenant), ("$p", policyId)),
            await CountAsync($"SELECT COUNT(*) FROM claims WHERE {Filter}", ct, ("$t", tenant), ("$p", policyId)), page.Offset);
    }

    public async Task<string?> CaptureWithCropAsync(string tenant, string cropKey, CancellationToken ct = default)
    {
        await using var cmd = Query("""
            SELECT p.capture_id FROM capture_photos p JOIN captures c ON c.capture_id = p.capture_id
            WHERE p.crop_key = $k AND c.tenant = $t ORDER BY c.received_at LIMIT 1
            """, ("$k", cropKey), ("$t", tenant));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? r.GetString(0) : null;
    }

    public Task<IReadOnlyList<Claim>> ClaimsOnSubjectAsync(string tenant, string subjectId, CancellationToken ct = default) =>
        LoadClaimsAsync("tenant = $t AND subject_id = $s", Page.All, ct, ("$t", tenant), ("$s", subjectId));

    public async Task<Claim?> FindClaimAsync(string tenant, string claimId, CancellationToken ct = default) =>
        (await LoadClaimsAsync("tenant = $t AND id = $i", Page.All, ct, ("$t", tenant), ("$i", claimId))).SingleOrDefault();

    public async Task<IReadOnlyList<ClaimDecision>> ClaimDecisionsAsync(string tenant, string claimId, CancellationToken ct = default)
    {
        var decisions = new List<ClaimDecision>();
        await using var cmd = Query("""
            SELECT seq, verdict, officer, reason, decided_at, ledger_index FROM claim_decisions WHERE tenant = $t AND claim_id = $c ORDER BY seq
            """, ("$t", tenant), ("$c", claimId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            decisions.Add(new ClaimDecision(claimId, r.GetInt32(0), ClaimVerdictNames.Parse(r.GetString(1)).Value, r.GetString(2), r.GetString(3),
                Time(r.GetString(4)), r.GetInt64(5)));
        }
        return decisions;
    }

    public async Task<bool> RecordClaimDecisionAsync(string tenant, ClaimDecision d, CancellationToken ct = default)
    {
        var stored = false;
        await WriteAsync(async tx =>
        {
            await using (var state = Cmd(tx, """
                SELECT (SELECT tenant FROM claims WHERE id = $c),
                       (SELECT COUNT(*) FROM claim_decisions WHERE claim_id = $c),
                       (SELECT COUNT(*) FROM claim_decisions WHERE claim_id = $c AND verdict <> $survey)
                """, ("$c", d.ClaimId), ("$survey", ClaimVerdict.Survey.Name())))
            await using (var r = await state.ExecuteReaderAsync(ct))
            {
                await r.ReadAsync(ct);
                if (r.IsDBNull(0) || r.GetString(0) != tenant)
                    throw new InvalidOperationException($"claim {d.ClaimId} is not one of tenant {tenant}'s");
                if (r.GetInt32(1) != d.Sequence || r.GetInt32(2) > 0)
                    return;
            }
            await Exec(tx, ct, "INSERT INTO claim_decisions VALUES ($c, $s, $t, $v, $o, $r, $at, $l)",
                ("$c", d.ClaimId), ("$s", d.Sequence), ("$t", tenant), ("$v", d.Verdict.Name()), ("$o", d.Officer), ("$r", d.Reason),
                ("$at", d.DecidedAt.ToString("O", CultureInfo.InvariantCulture)), ("$l", d.LedgerEntry));
            stored = true;
        }, ct);
        return stored;
    }

    private async Task<IReadOnlyList<Claim>> LoadClaimsAsync(string filter, Page page, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        var claims = new List<Claim>();
        await using var cmd = Query($"""
            SELECT id, kind, policy_id, subject_id, claim_key, COALESCE(capture_id, (SELECT a.evidence FROM crop_assessments a WHERE a.claim_id = claims.id)),
                   status, reason, payout, currency, decided_at FROM claims
            WHERE {filter} ORDER BY decided_at, id LIMIT $l OFFSET $off
            """, [.. args, ("$l", page.Limit), ("$off", page.Offset)]);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            Money? payout = r.IsDBNull(8) ? null : Money.Create(decimal.Parse(r.GetString(8), CultureInfo.InvariantCulture), r.GetString(9)).Value;
            claims.Add(new Claim(r.GetString(0), Enum.Parse<ClaimKind>(r.GetString(1)), r.GetString(2), r.GetString(3), ClaimKey.FromHex(r.GetString(4)).Value, r.GetString(5),
                Enum.Parse<ClaimStatus>(r.GetString(6)), r.GetString(7), payout, Time(r.GetString(10))));
        }
        return claims;
    }

    public async Task<RegistryCounts> CountsAsync(string tenant, CancellationToken ct = default)
    {
        await using var cmd = Query("""
            SELECT (SELECT COUNT(*) FROM farmers WHERE tenant = $t), (SELECT COUNT(*) FROM animals WHERE tenant = $t),
                   (SELECT COUNT(*) FROM livestock_policies WHERE tenant = $t), (SELECT COUNT(*) FROM captures WHERE tenant = $t),
                   (SELECT COUNT(*) FROM claims WHERE tenant = $t AND status = 'Accepted'),
                   (SELECT COUNT(*) FROM captures WHERE tenant = $t AND purpose = 'Claim' AND status = 'Flagged'),
                   (SELECT COUNT(*) FROM captures WHERE tenant = $t AND purpose = 'Enrol' AND status = 'Flagged')
            """, ("$t", tenant));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new RegistryCounts(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6));
    }

    public async ValueTask DisposeAsync()
    {
        using (var pooled = new SqliteConnection(_readConnection))
            SqliteConnection.ClearPool(pooled);
        // The log into the file on close, so that registry.db copied on its own holds the registry (not after a
        // failed open, which may not have opened it).
        if (_db.State == System.Data.ConnectionState.Open)
        {
            try
            {
                await using var cmd = _db.CreateCommand();
                cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                await cmd.ExecuteNonQueryAsync();
            }
            catch (SqliteException)
            {
                // Busy: the log stays beside the file, and SQLite still reads through it.
            }
        }
        await _db.DisposeAsync();
        _write.Dispose();
    }

    private async Task<LivestockPolicy> LoadPolicyAsync(string id, CancellationToken ct)
    {
        var animals = new List<string>();
        await using (var query = Query("SELECT animal_id FROM policy_animals WHERE policy_id = $p ORDER BY animal_id", ("$p", id)))
        await using (var r = await query.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                animals.Add(r.GetString(0));
        }
        await using var cmd = Query("SELECT farmer_id, sum_per_head, premium, currency, start_day, end_day FROM livestock_policies WHERE id = $p", ("$p", id));
        await using var p = await cmd.ExecuteReaderAsync(ct);
        await p.ReadAsync(ct);
        var currency = p.GetString(3);
        return LivestockPolicy.Create(id, p.GetString(0), animals,
            Money.Create(decimal.Parse(p.GetString(1), CultureInfo.InvariantCulture), currency).Value,
            Money.Create(decimal.Parse(p.GetString(2), CultureInfo.InvariantCulture), currency).Value,
            Coverage.Create(DateOnly.Parse(p.GetString(4), CultureInfo.InvariantCulture), DateOnly.Parse(p.GetString(5), CultureInfo.InvariantCulture)).Value).Value;
    }

    private async Task InsertCapture(SqliteTransaction tx, CaptureRecord c, CaptureDecision d, CancellationToken ct)
    {
        await Exec(tx, ct, """
            INSERT INTO captures (capture_id, tenant, device_id, agent_id, purpose, species, ear_tag, farmer_id, lon, lat, accuracy_m, taken_at,
                                  model_id, model_version, received_at, status, outcome, reason, animal_id, score, claim_id)
            VALUES ($id, $t, $dev, $ag, $pur, $sp, $tag, $far, $lon, $lat, $acc, $at, $mid, $mv, $rec, $st, $out, $rea, $an, $sc, $cl)
            """,
            ("$id", c.CaptureId), ("$t", c.Tenant), ("$dev", c.DeviceId), ("$ag", c.AgentId), ("$pur", c.Purpose.ToString()),
            ("$sp", c.Species.ToString()), ("$tag", c.EarTag), ("$far", c.FarmerId), ("$lon", c.Location.Longitude), ("$lat", c.Location.Latitude),
            ("$acc", c.LocationAccuracyMetres), ("$at", c.TakenAt.ToString("O")), ("$mid", c.ModelId), ("$mv", c.ModelVersion),
            ("$rec", c.ReceivedAt.ToString("O")),
            ("$st", d.Status.ToString()), ("$out", d.Outcome.Name()), ("$rea", d.Reason), ("$an", d.AnimalId), ("$sc", d.Score), ("$cl", d.ClaimId));
        for (var i = 0; i < c.Photos.Count; i++)
        {
            await Exec(tx, ct, "INSERT INTO capture_photos VALUES ($c, $o, $e, $k)",
                ("$c", c.CaptureId), ("$o", i), ("$e", Bytes(c.Photos[i].Embedding.Values)), ("$k", c.Photos[i].CropBlobKey));
        }
        for (var i = 0; i < d.Scopes.Count; i++)
        {
            var s = d.Scopes[i];
            await Exec(tx, ct, """
                INSERT INTO decision_scopes (capture_id, ordinal, scope, size, threshold, expected_false_duplicate_rate, calibration_animals,
                                             best_animal_id, best_score, runner_up_animal_id, runner_up_score, best_templates, runner_up_templates)
                VALUES ($c, $o, $s, $n, $t, $e, $k, $b, $bs, $r, $rs, $bt, $rt)
                """,
                ("$c", c.CaptureId), ("$o", i), ("$s", s.Scope.Name()), ("$n", s.Size), ("$t", s.Threshold), ("$e", s.ExpectedFalseDuplicateRate),
                ("$k", s.CalibrationAnimals), ("$b", s.Best?.AnimalId), ("$bs", s.Best?.Score), ("$r", s.RunnerUp?.AnimalId), ("$rs", s.RunnerUp?.Score),
                ("$bt", s.Best?.Templates), ("$rt", s.RunnerUp?.Templates));
        }
    }

    /// <summary>Runs <paramref name="decide"/> holding the file's write lock against every other connection and process
    /// (<c>BEGIN IMMEDIATE</c>), after the template index caught up with the store; its registry writes are one
    /// transaction, committed when it returns and rolled back when it throws. A decision inside a decision of the same
    /// tenant joins it.</summary>
    public async Task<T> DecideAsync<T>(string tenant, Func<CancellationToken, Task<T>> decide, CancellationToken ct = default)
    {
        if (_decision.Tenant is { } held)
            return held == tenant ? await decide(ct) : throw _decision.Nested(tenant);
        await _write.WaitAsync(ct);
        try
        {
            await using var tx = _db.BeginTransaction(deferred: false);
            // Read after the lock is held: every enrolment committed before it is in the index when the decision searches.
            await _follower.CatchUpAsync(tenant, ct);
            return await _decision.RunAsync(tenant, tx, decide, tx.CommitAsync, _follower.Discard, ct);
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>Before a search outside a decision: the tenant's enrolments by other processes since the last look.</summary>
    private Task CatchUpAsync(string tenant, CancellationToken ct) =>
        _decision.Tenant == tenant ? Task.CompletedTask : _follower.CatchUpAsync(tenant, ct);

    private async Task WriteAsync(Func<SqliteTransaction, Task> work, CancellationToken ct, Action? inMemory = null)
    {
        if (await _decision.JoinAsync(work, inMemory))
            return;
        await _write.WaitAsync(ct);
        try
        {
            await using var tx = _db.BeginTransaction(deferred: false);
            await work(tx);
            await tx.CommitAsync(ct);
            inMemory?.Invoke();
        }
        finally
        {
            _write.Release();
        }
    }

    private async Task<int> CountAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Query(sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return r.GetInt32(0);
    }

    private async Task Exec(SqliteTransaction? tx, CancellationToken ct, string sql, params (string Name, object? Value)[] args)
    {
        await using var cmd = Cmd(tx, sql, args);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A read on its own pooled read-only connection: SQLite in WAL mode lets it run while the
    /// single write connection holds a transaction, and a connection is never shared between threads. Inside a decision
    /// it reads on the decision's transaction instead (the write connection, which the decision holds), so the decision
    /// sees its own writes: a batch of captures decides each after the ones before it.</summary>
    private ReadCommand Query(string sql, params (string Name, object? Value)[] args)
    {
        if (_decision.Transaction is { } tx)
            return new ReadCommand(null, Cmd(tx, sql, args));
        var connection = new SqliteConnection(_readConnection);
        connection.Open();
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return new ReadCommand(connection, cmd);
    }

    /// <summary>A command and the connection it owns (null: a connection someone else owns).</summary>
    private sealed class ReadCommand(SqliteConnection? connection, SqliteCommand command) : IAsyncDisposable
    {
        public Task<SqliteDataReader> ExecuteReaderAsync(CancellationToken ct) => command.ExecuteReaderAsync(ct);

        public async ValueTask DisposeAsync()
        {
            await command.DisposeAsync();
            if (connection is not null)
                await connection.DisposeAsync();
        }
    }

    private SqliteCommand Cmd(SqliteTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    private static byte[] Bytes(ReadOnlySpan<float> values) => MemoryMarshal.AsBytes(values).ToArray();

    private static float[] Floats(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();

    private static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static Match? StoredMatch(SqliteDataReader r, int i, int templates) =>
        r.IsDBNull(i) ? null : new Match(r.GetString(i), (float)r.GetDouble(i + 1)) { Templates = r.IsDBNull(templates) ? 0 : r.GetInt32(templates) };

    private static DateTimeOffset Time(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Dec(decimal d) => d.ToString(CultureInfo.InvariantCulture);
}

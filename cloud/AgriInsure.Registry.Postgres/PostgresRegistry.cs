using System.Globalization;
using System.Runtime.InteropServices;
using AgriInsure.Domain;
using AgriInsure.Migrations;
using AgriInsure.Registry.Index;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AgriInsure.Registry.Postgres;

/// <summary>The registry in a PostgreSQL database, with the SQLite engine's behaviour: the same tables (in PostgreSQL's
/// types, PostgresRegistry.Schema.cs), the same ids, tenancy, orderings and transactions, statement for statement where
/// the dialects allow. Templates are kept in a <see cref="TemplateIndex"/> as well, loaded when the registry opens, so
/// 1:N search never reaches the database beyond the exact rescoring of its candidates; before it searches, the index
/// catches up with enrolments other processes committed (<see cref="IndexFollower"/>), so several hosts can share one
/// database, their decisions serialised per tenant by <see cref="DecideAsync"/>. Errors of the database (a duplicate capture id, an unknown
/// farmer) surface as <see cref="PostgresException"/>, with nothing written.</summary>
public sealed partial class PostgresRegistry : IRegistry
{
    private readonly NpgsqlDataSource _source;
    // Replaced whole when a promote re-embeds every template (PostgresRegistry.Models.cs).
    private readonly IndexFollower _follower;
    // Writes outside a decision one at a time, so the index takes enrolments in the order they were committed and a
    // promote's rebuild sees no enrolment between its read and its swap, as in the SQLite engine.
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly DecisionScope<NpgsqlTransaction> _decision = new();

    private PostgresRegistry(NpgsqlDataSource source)
    {
        _source = source;
        _follower = new IndexFollower((index, tenant, after, seen, ct) => LoadIndexAsync(null, index, tenant, after, seen, ct), LastModelSwitchAsync);
    }

    /// <summary>The schema versions opening this registry found and left (<see cref="Migrations"/>).</summary>
    public SchemaUpgrade Schema { get; private set; }

    /// <summary>Opens the registry in the database <paramref name="connectionString"/> names (an Npgsql connection
    /// string; its search path picks the schema), creating its tables in an empty database and upgrading an older
    /// schema with its data. Errors: <see cref="SchemaTooNewException"/> for a database written by a newer version
    /// (left unchanged); <see cref="NpgsqlException"/> when the server cannot be reached or refuses.</summary>
    public static Task<PostgresRegistry> OpenAsync(string connectionString, CancellationToken ct = default) => OpenAsync(connectionString, null, ct);

    /// <inheritdoc cref="OpenAsync(string, CancellationToken)"/>
    /// <param name="logger">Told of each schema upgrade applied.</param>
    public static async Task<PostgresRegistry> OpenAsync(string connectionString, ILogger? logger, CancellationToken ct = default)
    {
        var registry = new PostgresRegistry(NpgsqlDataSource.Create(connectionString));
        try
        {
            var where = new NpgsqlConnectionStringBuilder(connectionString);
            await using (var db = await registry._source.OpenConnectionAsync(ct))
            {
                registry.Schema = await SchemaMigrator.MigrateAsync(db, Migrations, BeginLocked, $"registry postgresql://{where.Host}:{where.Port}/{where.Database}", logger, ct);
            }
            await registry._follower.LoadAsync(ct);
            return registry;
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads animals of one tenant (every tenant when null) enrolled after <paramref name="after"/> into the index,
    /// in <c>animals.seq</c> order: a tenant's animals are inserted under the tenant's decision lock (<see cref="InsertAnimal"/>),
    /// so within a tenant that order is commit order. Inside <paramref name="tx"/> when given (a promote reads its own
    /// uncommitted templates).</summary>
    private async Task LoadIndexAsync(NpgsqlTransaction? tx, TemplateIndex index, string? tenant, long after, IDictionary<string, long> seen, CancellationToken ct)
    {
        var sql = $"""
            SELECT {IndexRows.Columns("a.seq")}
            FROM animals a JOIN templates t ON t.animal_id = a.id LEFT JOIN captures c ON c.capture_id = a.enrolled_capture_id
            WHERE a.seq > @after AND (@t::text IS NULL OR a.tenant = @t)
            ORDER BY a.seq, t.ordinal
            """;
        (string, object?)[] args = [("@after", after), ("@t", tenant)];
        await using var cmd = tx is null ? Query(sql, args) : Cmd(tx, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await IndexRows.AddAsync(index, r, seen, ct);
    }

    private async Task<long> LastModelSwitchAsync(CancellationToken ct)
    {
        await using var cmd = Query("SELECT COALESCE(MAX(seq), 0) FROM model_switches");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The advisory lock class (first key of <c>pg_advisory_xact_lock(int, int)</c>) a device registration takes
    /// with its id's hash, so two processes registering one id cannot both find it free: "Devi" in ASCII.</summary>
    private const int DeviceLock = 0x4465_7669;

    public async Task<DeviceRegistration> RegisterDeviceAsync(DeviceRecord d, CancellationToken ct = default)
    {
        var outcome = DeviceRegistration.Registered;
        await WriteAsync(async tx =>
        {
            await Exec(tx, ct, "SELECT pg_advisory_xact_lock(@l, hashtext(@d))", ("@l", DeviceLock), ("@d", d.DeviceId));
            await using (var find = Cmd(tx, "SELECT tenant, public_key, revoked_at FROM devices WHERE device_id = @d ORDER BY tenant = @t DESC LIMIT 1", ("@d", d.DeviceId), ("@t", d.Tenant)))
            await using (var r = await find.ExecuteReaderAsync(ct))
            {
                if (await r.ReadAsync(ct))
                    outcome = DeviceRegistrations.Against(d, new DeviceRecord(r.GetString(0), d.DeviceId, "", (byte[])r[1], r.IsDBNull(2) ? null : DateTimeOffset.MinValue));
            }
            if (outcome == DeviceRegistration.Registered)
                await Exec(tx, ct, "INSERT INTO devices (tenant, device_id, agent_id, public_key) VALUES (@t, @d, @a, @k)",
                    ("@t", d.Tenant), ("@d", d.DeviceId), ("@a", d.AgentId), ("@k", d.PublicKey));
            else if (outcome == DeviceRegistration.Confirmed)
                await Exec(tx, ct, "UPDATE devices SET agent_id = @a WHERE tenant = @t AND device_id = @d", ("@t", d.Tenant), ("@d", d.DeviceId), ("@a", d.AgentId));
        }, ct);
        return outcome;
    }

    public async Task<DeviceRecord?> FindDeviceAsync(string tenant, string deviceId, CancellationToken ct = default)
    {
        await using var cmd = Query("SELECT agent_id, public_key, revoked_at FROM devices WHERE tenant = @t AND device_id = @d", ("@t", tenant), ("@d", deviceId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new DeviceRecord(tenant, deviceId, r.GetString(0), (byte[])r[1], r.IsDBNull(2) ? null : DateTimeOffset.Parse(r.GetString(2), CultureInfo.InvariantCulture))
            : null;
    }

    public async Task<DeviceRecord?> RevokeDeviceAsync(string tenant, string deviceId, DateTimeOffset at, CancellationToken ct = default)
    {
        await WriteAsync(tx => Exec(tx, ct, "UPDATE devices SET revoked_at = COALESCE(revoked_at, @at) WHERE tenant = @t AND device_id = @d",
            ("@t", tenant), ("@d", deviceId), ("@at", at.ToString("O", CultureInfo.InvariantCulture))), ct);
        return await FindDeviceAsync(tenant, deviceId, ct);
    }

    public async Task<bool> IsDeviceActiveAsync(string deviceId, CancellationToken ct = default) =>
        await CountAsync("SELECT COUNT(*)::int FROM devices WHERE device_id = @d AND revoked_at IS NULL", ct, ("@d", deviceId)) > 0;

    public Task AddFarmerAsync(Farmer f, CancellationToken ct = default) =>
        WriteAsync(tx => Exec(tx, ct,
            "INSERT INTO farmers (tenant, id, name, region) VALUES (@t, @i, @n, @r) ON CONFLICT (tenant, id) DO UPDATE SET name = @n, region = @r",
            ("@t", f.Tenant), ("@i", f.Id), ("@n", f.Name), ("@r", f.Region)), ct);

    public async Task<Farmer?> FindFarmerAsync(string tenant, string farmerId, CancellationToken ct = default)
    {
        await using var cmd = Query("SELECT name, region FROM farmers WHERE tenant = @t AND id = @i", ("@t", tenant), ("@i", farmerId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Farmer.Create(tenant, farmerId, r.GetString(0), r.GetString(1)).Value : null;
    }

    public async Task<Paged<Farmer>> FarmersAsync(string tenant, Page page, CancellationToken ct = default)
    {
        var farmers = new List<Farmer>();
        await using (var cmd = Query("SELECT id, name, region FROM farmers WHERE tenant = @t ORDER BY id LIMIT @l OFFSET @o",
            ("@t", tenant), ("@l", page.Limit), ("@o", page.Offset)))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                farmers.Add(Farmer.Create(tenant, r.GetString(0), r.GetString(1), r.GetString(2)).Value);
        }
        return new Paged<Farmer>(farmers, await CountAsync("SELECT COUNT(*)::int FROM farmers WHERE tenant = @t", ct, ("@t", tenant)), page.Offset);
    }

    public async Task<Paged<Farmer>> SearchFarmersAsync(string tenant, string text, Page page, CancellationToken ct = default)
    {
        // lower() folds ASCII letters alike in both engines (SQLite folds no others), so a search matches the same rows in each.
        var q = text.ToLowerInvariant();
        var farmers = new List<Farmer>();
        await using (var cmd = Query("SELECT id, name, region FROM farmers WHERE tenant = @t AND (strpos(lower(id), @q) > 0 OR strpos(lower(name), @q) > 0 OR strpos(lower(region), @q) > 0) ORDER BY id LIMIT @l OFFSET @o",
            ("@t", tenant), ("@q", q), ("@l", page.Limit), ("@o", page.Offset)))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                farmers.Add(Farmer.Create(tenant, r.GetString(0), r.GetString(1), r.GetString(2)).Value);
        }
        return new Paged<Farmer>(farmers, await CountAsync("SELECT COUNT(*)::int FROM farmers WHERE tenant = @t AND (strpos(lower(id), @q) > 0 OR strpos(lower(name), @q) > 0 OR strpos(lower(region), @q) > 0)", ct, ("@t", tenant), ("@q", q)), page.Offset);
    }

    public async Task<StoredCapture?> FindCaptureAsync(string captureId, CancellationToken ct = default)
    {
        await using var cmd = Query("""
            SELECT capture_id, tenant, device_id, agent_id, purpose, species, ear_tag, farmer_id, lon, lat, accuracy_m, taken_at,
                   model_id, model_version, received_at, status, outcome, reason, animal_id, score, claim_id
            FROM captures WHERE capture_id = @c
            """, ("@c", captureId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
            return null;
        var photos = await LoadPhotosAsync(captureId, r.GetString(12), ct);
        var capture = new CaptureRecord(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Enum.Parse<CapturePurpose>(r.GetString(4)),
            Enum.Parse<Species>(r.GetString(5)), Text(r, 6), Text(r, 7), new GeoPoint(r.GetDouble(8), r.GetDouble(9)), r.GetDouble(10),
            Time(r.GetString(11)), r.GetString(13), photos, Time(r.GetString(14)));
        var decision = new CaptureDecision(Enum.Parse<DecisionStatus>(r.GetString(15)), CaptureOutcomeNames.Parse(r.GetString(16)).Value, r.GetString(17), Text(r, 18),
            r.IsDBNull(19) ? null : r.GetFloat(19), Text(r, 20)) { Scopes = await LoadScopesAsync(captureId, ct), Photos = photos.Count };
        return new StoredCapture(capture, decision);
    }

    private async Task<IReadOnlyList<PhotoRecord>> LoadPhotosAsync(string captureId, string modelId, CancellationToken ct)
    {
        var photos = new List<PhotoRecord>();
        await using var cmd = Query("SELECT embedding, crop_key FROM capture_photos WHERE capture_id = @c ORDER BY ordinal", ("@c", captureId));
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
            FROM decision_scopes WHERE capture_id = @c ORDER BY ordinal
            """, ("@c", captureId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            scopes.Add(new ScopeResult(SearchScopeNames.Parse(r.GetString(0)).Value, r.GetInt32(1), r.GetFloat(2),
                r.IsDBNull(3) ? null : r.GetDouble(3), r.GetInt32(4), StoredMatch(r, 5, 9), StoredMatch(r, 7, 10)));
        }
        return scopes;
    }

    public Task RecordEnrolmentAsync(CaptureRecord capture, CaptureDecision decision, Animal? enrolled, CancellationToken ct = default) =>
        WriteAsync(async tx =>
        {
            // One round trip for the capture, its photos and scopes and the animal: a decision holds the tenant's lock
            // across it, so every trip saved is time another host's decision does not wait.
            await ExecBatch(tx, ct, [.. CaptureRows(capture, decision), .. enrolled is null ? [] : AnimalRows(capture.Tenant, enrolled, capture.CaptureId)]);
        }, ct, inMemory: () =>
        {
            if (enrolled is not null)
                _follower.Index.Add(capture.Tenant, enrolled.Species, enrolled.Id, enrolled.Templates, enrolled.FarmerId, capture.Location);
        });

    public async Task<Paged<DuplicateCase>> DuplicateCasesAsync(string tenant, bool openOnly, Page page, CancellationToken ct = default)
    {
        var open = openOnly ? "AND NOT EXISTS (SELECT 1 FROM review_decisions r WHERE r.capture_id = c.capture_id)" : "";
        var total = await CountAsync($"SELECT COUNT(*)::int FROM captures c WHERE c.tenant = @t AND c.purpose = 'Enrol' AND c.outcome = @o {open}", ct,
            ("@t", tenant), ("@o", CaptureOutcome.DuplicateEnrolment.Name()));
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
                   a.id, a.farmer_id, e.lon, e.lat, e.taken_at,
                   r.verdict, r.reviewer, r.reason, r.decided_at, r.enrolled_animal_id, r.ledger_index
            FROM captures c
            JOIN animals a ON a.id = c.animal_id
            JOIN captures e ON e.capture_id = a.enrolled_capture_id
            LEFT JOIN review_decisions r ON r.capture_id = c.capture_id
            WHERE c.tenant = @t AND c.purpose = 'Enrol' AND c.outcome = @o AND (@c::text IS NULL OR c.capture_id = @c) {filter}
            ORDER BY c.received_at, c.capture_id LIMIT @l OFFSET @off
            """, ("@t", tenant), ("@o", CaptureOutcome.DuplicateEnrolment.Name()), ("@c", captureId), ("@l", page.Limit), ("@off", page.Offset));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var decision = r.IsDBNull(12) ? null : new ReviewDecision(r.GetString(0), ReviewVerdictNames.Parse(r.GetString(12)).Value, r.GetString(13), r.GetString(14),
                Time(r.GetString(15)), Text(r, 16), r.GetInt64(17));
            var photos = await LoadPhotosAsync(r.GetString(0), r.GetString(5), ct);
            var (matched, matchedCrops) = await LoadTemplatesAsync(r.GetString(7), ct);
            // A promoted model re-embeds templates: scores per photo only where both sides share a model.
            var scores = matched[0].ModelId == photos[0].Embedding.ModelId ? FusedScore.BestPerProbe([.. photos.Select(p => p.Embedding)], matched) : [];
            cases.Add(new DuplicateCase(r.GetString(0), Text(r, 1), new GeoPoint(r.GetDouble(2), r.GetDouble(3)), Time(r.GetString(4)),
                [.. photos.Select(p => p.CropBlobKey)], r.GetFloat(6), scores,
                r.GetString(7), r.GetString(8), new GeoPoint(r.GetDouble(9), r.GetDouble(10)), Time(r.GetString(11)), matchedCrops, decision));
        }
        return cases;
    }

    /// <summary>An animal's templates and their crops' blob keys, in order.</summary>
    private async Task<(IReadOnlyList<Embedding> Templates, IReadOnlyList<string> CropKeys)> LoadTemplatesAsync(string animalId, CancellationToken ct)
    {
        var (templates, crops) = (new List<Embedding>(), new List<string>());
        await using var cmd = Query("SELECT model_id, embedding, crop_key FROM templates WHERE animal_id = @a ORDER BY ordinal", ("@a", animalId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            templates.Add(Embedding.Create(Floats((byte[])r[1]), r.GetString(0)).Value);
            crops.Add(r.GetString(2));
        }
        return (templates, crops);
    }

    /// <summary>The templates of several animals in order, in one round trip (a search rescores its candidates with
    /// them); an animal without templates is absent. Inside a decision it reads on the decision's transaction, so an
    /// animal enrolled earlier in the same decision (a batch of captures) is there; the read nests in no other.</summary>
    private async Task<Dictionary<string, List<Embedding>>> LoadTemplatesAsync(string[] animalIds, CancellationToken ct)
    {
        var templates = new Dictionary<string, List<Embedding>>(StringComparer.Ordinal);
        const string sql = "SELECT animal_id, model_id, embedding FROM templates WHERE animal_id = ANY(@a) ORDER BY animal_id, ordinal";
        await using var cmd = _decision.Transaction is { } tx ? Cmd(tx, sql, ("@a", animalIds)) : Query(sql, ("@a", animalIds));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var id = r.GetString(0);
            if (!templates.TryGetValue(id, out var list))
                templates[id] = list = [];
            list.Add(Embedding.Create(Floats((byte[])r[2]), r.GetString(1)).Value);
        }
        return templates;
    }

    public Task RecordReviewAsync(string tenant, ReviewDecision decision, Animal? enrolled, string? matchedAnimalId, GeoPoint fix, CancellationToken ct = default) =>
        WriteAsync(async tx =>
        {
            await using (var owner = Cmd(tx, "SELECT tenant FROM captures WHERE capture_id = @c", ("@c", decision.CaptureId)))
            {
                if (await owner.ExecuteScalarAsync(ct) as string != tenant)
                    throw new InvalidOperationException($"capture {decision.CaptureId} is not one of tenant {tenant}'s");
            }
            await Exec(tx, ct, """
                INSERT INTO review_decisions (capture_id, verdict, reviewer, reason, decided_at, enrolled_animal_id, ledger_index)
                VALUES (@c, @v, @by, @r, @t, @a, @l)
                """,
                ("@c", decision.CaptureId), ("@v", decision.Verdict.Name()), ("@by", decision.Reviewer), ("@r", decision.Reason),
                ("@t", decision.DecidedAt.ToString("O", CultureInfo.InvariantCulture)), ("@a", decision.EnrolledAnimalId), ("@l", decision.LedgerEntry));
            if (enrolled is not null)
            {
                await InsertAnimal(tx, tenant, enrolled, decision.CaptureId, ct);
                if (matchedAnimalId is not null)
                {
                    await Exec(tx, ct, "INSERT INTO impostor_pairs (animal_a, animal_b, confirmed_by_capture) VALUES (@a, @b, @c)",
                        ("@a", enrolled.Id), ("@b", matchedAnimalId), ("@c", decision.CaptureId));
                }
            }
        }, ct, inMemory: () =>
        {
            if (enrolled is not null)
                _follower.Index.Add(tenant, enrolled.Species, enrolled.Id, enrolled.Templates, enrolled.FarmerId, fix);
        });

    /// <summary>An animal's template i is its enrolling capture's photo i, so it takes that photo's crop.</summary>
    private static Task InsertAnimal(NpgsqlTransaction tx, string tenant, Animal animal, string enrolledBy, CancellationToken ct) =>
        ExecBatch(tx, ct, AnimalRows(tenant, animal, enrolledBy));

    /// <summary>The statements that insert an animal and its templates, the tenant's lock first.</summary>
    private static List<Statement> AnimalRows(string tenant, Animal animal, string enrolledBy)
    {
        // Under the tenant's lock to the commit: its animals' seq order is then their commit order, what other processes'
        // indexes catch up by (IndexFollower). Inside a decision the lock is already held.
        List<Statement> rows =
        [
            new(LockTenantSql, [("@m", ModelLock), ("@k", TenantLockKey(tenant))]),
            new("INSERT INTO animals (id, tenant, farmer_id, species, ear_tag, enrolled_capture_id) VALUES (@i, @t, @f, @s, @e, @c)",
                [("@i", animal.Id), ("@t", tenant), ("@f", animal.FarmerId), ("@s", animal.Species.ToString()), ("@e", animal.EarTag), ("@c", enrolledBy)]),
        ];
        for (var i = 0; i < animal.Templates.Count; i++)
        {
            rows.Add(new("""
                INSERT INTO templates (animal_id, ordinal, model_id, embedding, crop_key, capture_id)
                SELECT @a, @o, @m, @t, crop_key, capture_id FROM capture_photos WHERE capture_id = @c AND ordinal = @o
                """, [("@a", animal.Id), ("@o", i), ("@m", animal.Templates[i].ModelId), ("@t", Bytes(animal.Templates[i].Values)), ("@c", enrolledBy)]));
        }
        return rows;
    }

    public Task RecordClaimAsync(CaptureRecord capture, CaptureDecision decision, Claim? claim, CancellationToken ct = default) =>
        WriteAsync(async tx =>
        {
            await InsertCapture(tx, capture, decision, ct);
            if (claim is not null)
            {
                await Exec(tx, ct, """
                    INSERT INTO claims (id, tenant, kind, policy_id, subject_id, claim_key, capture_id, status, reason, payout, currency, decided_at)
                    VALUES (@i, @tenant, @k, @p, @s, @key, @c, @st, @r, @pay, @cur, @t)
                    """,
                    ("@i", claim.Id), ("@tenant", capture.Tenant), ("@k", claim.Kind.ToString()), ("@p", claim.PolicyId), ("@s", claim.SubjectId), ("@key", claim.Key.Hex),
                    ("@c", claim.EvidenceId), ("@st", claim.Status.ToString()), ("@r", claim.Reason),
                    ("@pay", claim.Payout?.Amount), ("@cur", claim.Payout?.Currency), ("@t", claim.DecidedAt.ToString("O", CultureInfo.InvariantCulture)));
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
        var stored = await LoadTemplatesAsync(hits.Top.Select(m => m.AnimalId).ToArray(), ct);
        var exact = new List<Match>();
        foreach (var candidate in hits.Top)
        {
            // A promote may have re-embedded the animal with another model since the ranking: never compare across models.
            if (stored.TryGetValue(candidate.AnimalId, out var templates) && templates[0].ModelId == probes[0].ModelId)
                exact.Add(new Match(candidate.AnimalId, FusedScore.Of(probes, templates)) { Templates = templates.Count });
        }
        return hits with { Top = exact.OrderByDescending(m => m.Score).Take(top).ToList() };
    }

    /// <summary>Extra candidates rescored exactly, so a near-tie that quantisation reordered is still found.</summary>
    private const int RescoreMargin = 8;

    public async Task<int> GallerySizeAsync(string tenant, Species species, string modelId, CancellationToken ct = default)
    {
        await CatchUpAsync(tenant, ct);
        return _follower.Index.Count(tenant, species, modelId);
    }

    public async Task<GallerySample> SampleGalleryAsync(string tenant, Species species, string modelId, int maxAnimals, int? asOfAnimals = null, CancellationToken ct = default)
    {
        await CatchUpAsync(tenant, ct);
        var (animals, ids) = _follower.Index.Sample(tenant, species, modelId, maxAnimals, asOfAnimals);
        var stored = await LoadTemplatesAsync(ids, ct);
        var sets = new List<IReadOnlyList<Embedding>>(ids.Length);
        foreach (var id in ids)
        {
            // Sampled from the index before a promote swapped it: the stored templates may be the next model's.
            if (stored.TryGetValue(id, out var templates) && templates[0].ModelId == modelId)
                sets.Add(templates);
        }
        return new GallerySample(animals, sets);
    }

    public async Task<IReadOnlyList<string>> InsuredAnimalsAsync(string tenant, string? farmerId, Species species, DateOnly day, CancellationToken ct = default)
    {
        var ids = new List<string>();
        await using var cmd = Query("""
            SELECT DISTINCT a.id FROM livestock_policies p JOIN policy_animals pa ON pa.policy_id = p.id JOIN animals a ON a.id = pa.animal_id
            WHERE p.tenant = @t AND (@f::text IS NULL OR p.farmer_id = @f) AND a.species = @s AND p.start_day <= @d AND p.end_day >= @d ORDER BY a.id
            """, ("@t", tenant), ("@f", farmerId), ("@s", species.ToString()), ("@d", day));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            ids.Add(r.GetString(0));
        return ids;
    }

    public async Task<Animal?> FindAnimalAsync(string tenant, string animalId, CancellationToken ct = default)
    {
        await using var cmd = Query("SELECT farmer_id, species, ear_tag FROM animals WHERE tenant = @t AND id = @i", ("@t", tenant), ("@i", animalId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
            return null;
        var (templates, _) = await LoadTemplatesAsync(animalId, ct);
        return Animal.Create(animalId, r.GetString(0), Enum.Parse<Species>(r.GetString(1)), Text(r, 2), templates).Value;
    }

    public async Task<EnrolledAnimal?> FindEnrolledAnimalAsync(string tenant, string animalId, CancellationToken ct = default) =>
        (await LoadAnimalsAsync("a.tenant = @t AND a.id = @i", Page.All, ct, ("@t", tenant), ("@i", animalId))).SingleOrDefault();

    public async Task<Paged<EnrolledAnimal>> AnimalsAsync(string tenant, string? farmerId, Page page, CancellationToken ct = default)
    {
        const string Filter = "a.tenant = @t AND (@f::text IS NULL OR a.farmer_id = @f)";
        return new Paged<EnrolledAnimal>(await LoadAnimalsAsync(Filter, page, ct, ("@t", tenant), ("@f", farmerId)),
            await CountAsync($"SELECT COUNT(*)::int FROM animals a WHERE {Filter}", ct, ("@t", tenant), ("@f", farmerId)), page.Offset);
    }

    /// <summary>Animals the <paramref name="filter"/> SQL keeps (on <c>a</c>), in enrolment order, with their enrolments.</summary>
    private async Task<IReadOnlyList<EnrolledAnimal>> LoadAnimalsAsync(string filter, Page page, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        var rows = new List<(string Id, string Farmer, Species Species, string? Tag, string By, DateTimeOffset At)>();
        await using (var cmd = Query($"""
            SELECT a.id, a.farmer_id, a.species, a.ear_tag, a.enrolled_capture_id, c.received_at
            FROM animals a JOIN captures c ON c.capture_id = a.enrolled_capture_id
            WHERE {filter} ORDER BY a.seq LIMIT @l OFFSET @off
            """, [.. args, ("@l", page.Limit), ("@off", page.Offset)]))
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
        const string Filter = "tenant = @t AND (@f::text IS NULL OR farmer_id = @f)";
        var ids = new List<string>();
        await using (var cmd = Query($"SELECT id FROM livestock_policies WHERE {Filter} ORDER BY id LIMIT @l OFFSET @o",
            ("@t", tenant), ("@f", farmerId), ("@l", page.Limit), ("@o", page.Offset)))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                ids.Add(r.GetString(0));
        }
        var policies = new List<LivestockPolicy>(ids.Count);
        foreach (var id in ids)
            policies.Add((await LoadPolicyAsync(id, ct))!);
        return new Paged<LivestockPolicy>(policies, await CountAsync($"SELECT COUNT(*)::int FROM livestock_policies WHERE {Filter}", ct, ("@t", tenant), ("@f", farmerId)), page.Offset);
    }

    public async Task<PolicyOverlap?> AddLivestockPolicyAsync(string tenant, LivestockPolicy p, long ledgerIndex, CancellationToken ct = default)
    {
        PolicyOverlap? overlap = null;
        await WriteAsync(async tx =>
        {
            // Policy writes one at a time across processes too (SQLite's file lock does this there), so the overlap check
            // and the insert see the same policies.
            await Exec(tx, ct, "SELECT pg_advisory_xact_lock(@k)", ("@k", PolicyLock));
            await using (var foreign = Cmd(tx, "SELECT COUNT(*)::int FROM animals WHERE tenant <> @t AND id = ANY(@a)", ("@t", tenant), ("@a", p.AnimalIds.ToArray())))
            {
                if ((int)(await foreign.ExecuteScalarAsync(ct))! > 0)
                    throw new InvalidOperationException($"policy {p.Id} names animals that are not tenant {tenant}'s");
            }
            if ((overlap = await OverlapAsync(tx, p.AnimalIds, p.Coverage, ct)) is not null)
                return;
            await Exec(tx, ct, """
                INSERT INTO livestock_policies (id, tenant, farmer_id, sum_per_head, premium, currency, start_day, end_day, ledger_index)
                VALUES (@i, @t, @f, @s, @p, @c, @a, @b, @l)
                """,
                ("@i", p.Id), ("@t", tenant), ("@f", p.FarmerId), ("@s", p.SumInsuredPerHead.Amount), ("@p", p.Premium.Amount),
                ("@c", p.SumInsuredPerHead.Currency), ("@a", p.Coverage.Start), ("@b", p.Coverage.End), ("@l", ledgerIndex));
            foreach (var animal in p.AnimalIds)
                await Exec(tx, ct, "INSERT INTO policy_animals (policy_id, animal_id) VALUES (@p, @a)", ("@p", p.Id), ("@a", animal));
        }, ct);
        return overlap;
    }

    /// <summary>The transaction-scoped advisory lock key that serialises policy writes: "AgriPol" in ASCII.</summary>
    private const long PolicyLock = 0x0041_6772_6950_6F6C;

    public Task<PolicyOverlap?> FindOverlapAsync(string tenant, IReadOnlyList<string> animalIds, Coverage cover, CancellationToken ct = default) =>
        OverlapAsync(null, animalIds, cover, ct);

    /// <summary>The first animal on a policy whose cover shares a day with <paramref name="cover"/>; animal ids are unique
    /// in the store, so the tenant needs no filter here.</summary>
    private async Task<PolicyOverlap?> OverlapAsync(NpgsqlTransaction? tx, IReadOnlyList<string> animalIds, Coverage cover, CancellationToken ct)
    {
        const string Sql = """
            SELECT p.id FROM livestock_policies p JOIN policy_animals pa ON pa.policy_id = p.id
            WHERE pa.animal_id = @a AND p.start_day <= @end AND p.end_day >= @start ORDER BY p.start_day LIMIT 1
            """;
        foreach (var id in animalIds)
        {
            (string, object?)[] args = [("@a", id), ("@start", cover.Start), ("@end", cover.End)];
            await using var cmd = tx is null ? Query(Sql, args) : Cmd(tx, Sql, args);
            if (await cmd.ExecuteScalarAsync(ct) is string found)
                return new PolicyOverlap(id, (await LoadPolicyAsync(found, ct))!);
        }
        return null;
    }

    public async Task<LivestockPolicy?> FindActivePolicyAsync(string tenant, string animalId, DateOnly day, CancellationToken ct = default)
    {
        string? policyId;
        await using (var query = Query("""
            SELECT p.id FROM livestock_policies p JOIN policy_animals pa ON pa.policy_id = p.id
            WHERE p.tenant = @t AND pa.animal_id = @a AND p.start_day <= @d AND p.end_day >= @d ORDER BY p.start_day DESC LIMIT 1
            """, ("@t", tenant), ("@a", animalId), ("@d", day)))
        await using (var r = await query.ExecuteReaderAsync(ct))
            policyId = await r.ReadAsync(ct) ? r.GetString(0) : null;
        return policyId is null ? null : await LoadPolicyAsync(policyId, ct);
    }

    public async Task<LivestockPolicy?> FindPolicyAsync(string tenant, string policyId, CancellationToken ct = default)
    {
        bool exists;
        await using (var query = Query("SELECT 1 FROM livestock_policies WHERE tenant = @t AND id = @p", ("@t", tenant), ("@p", policyId)))
        await using (var r = await query.ExecuteReaderAsync(ct))
            exists = await r.ReadAsync(ct);
        return exists ? await LoadPolicyAsync(policyId, ct) : null;
    }

    public async Task<Paged<Claim>> ClaimsAsync(string tenant, string? policyId, Page page, CancellationToken ct = default)
    {
        const string Filter = "tenant = @t AND (@p::text IS NULL OR policy_id = @p)";
        return new Paged<Claim>(await LoadClaimsAsync(Filter, page, ct, ("@t", tenant), ("@p", policyId)),
            await CountAsync($"SELECT COUNT(*)::int FROM claims WHERE {Filter}", ct, ("@t", tenant), ("@p", policyId)), page.Offset);
    }

    public async Task<string?> CaptureWithCropAsync(string tenant, string cropKey, CancellationToken ct = default)
    {
        await using var cmd = Query("""
            SELECT p.capture_id FROM capture_photos p JOIN captures c ON c.capture_id = p.capture_id
            WHERE p.crop_key = @k AND c.tenant = @t ORDER BY c.received_at LIMIT 1
            """, ("@k", cropKey), ("@t", tenant));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? r.GetString(0) : null;
    }

    public Task<IReadOnlyList<Claim>> ClaimsOnSubjectAsync(string tenant, string subjectId, CancellationToken ct = default) =>
        LoadClaimsAsync("tenant = @t AND subject_id = @s", Page.All, ct, ("@t", tenant), ("@s", subjectId));

    public async Task<Claim?> FindClaimAsync(string tenant, string claimId, CancellationToken ct = default) =>
        (await LoadClaimsAsync("tenant = @t AND id = @i", Page.All, ct, ("@t", tenant), ("@i", claimId))).SingleOrDefault();

    public async Task<IReadOnlyList<ClaimDecision>> ClaimDecisionsAsync(string tenant, string claimId, CancellationToken ct = default)
    {
        var decisions = new List<ClaimDecision>();
        await using var cmd = Query("""
            SELECT seq, verdict, officer, reason, decided_at, ledger_index FROM claim_decisions WHERE tenant = @t AND claim_id = @c ORDER BY seq
            """, ("@t", tenant), ("@c", claimId));
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
            // The claim's row locked first, so a decision of another process on the same claim waits, and the counts
            // below (a statement of their own, its snapshot taken after the lock) include it.
            string? owner;
            await using (var claim = Cmd(tx, "SELECT tenant FROM claims WHERE id = @c FOR UPDATE", ("@c", d.ClaimId)))
                owner = await claim.ExecuteScalarAsync(ct) as string;
            if (owner != tenant)
                throw new InvalidOperationException($"claim {d.ClaimId} is not one of tenant {tenant}'s");
            await using (var state = Cmd(tx, """
                SELECT (SELECT COUNT(*)::int FROM claim_decisions WHERE claim_id = @c),
                       (SELECT COUNT(*)::int FROM claim_decisions WHERE claim_id = @c AND verdict <> @survey)
                """, ("@c", d.ClaimId), ("@survey", ClaimVerdict.Survey.Name())))
            await using (var r = await state.ExecuteReaderAsync(ct))
            {
                await r.ReadAsync(ct);
                if (r.GetInt32(0) != d.Sequence || r.GetInt32(1) > 0)
                    return;
            }
            await Exec(tx, ct, """
                INSERT INTO claim_decisions (claim_id, seq, tenant, verdict, officer, reason, decided_at, ledger_index)
                VALUES (@c, @s, @t, @v, @o, @r, @at, @l)
                """,
                ("@c", d.ClaimId), ("@s", d.Sequence), ("@t", tenant), ("@v", d.Verdict.Name()), ("@o", d.Officer), ("@r", d.Reason),
                ("@at", d.DecidedAt.ToString("O", CultureInfo.InvariantCulture)), ("@l", d.LedgerEntry));
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
            WHERE {filter} ORDER BY decided_at, id LIMIT @l OFFSET @off
            """, [.. args, ("@l", page.Limit), ("@off", page.Offset)]);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            Money? payout = r.IsDBNull(8) ? null : Money.Create(r.GetDecimal(8), r.GetString(9)).Value;
            claims.Add(new Claim(r.GetString(0), Enum.Parse<ClaimKind>(r.GetString(1)), r.GetString(2), r.GetString(3), ClaimKey.FromHex(r.GetString(4)).Value, r.GetString(5),
                Enum.Parse<ClaimStatus>(r.GetString(6)), r.GetString(7), payout, Time(r.GetString(10))));
        }
        return claims;
    }

    public async Task<RegistryCounts> CountsAsync(string tenant, CancellationToken ct = default)
    {
        await using var cmd = Query("""
            SELECT (SELECT COUNT(*)::int FROM farmers WHERE tenant = @t), (SELECT COUNT(*)::int FROM animals WHERE tenant = @t),
                   (SELECT COUNT(*)::int FROM livestock_policies WHERE tenant = @t), (SELECT COUNT(*)::int FROM captures WHERE tenant = @t),
                   (SELECT COUNT(*)::int FROM claims WHERE tenant = @t AND status = 'Accepted'),
                   (SELECT COUNT(*)::int FROM captures WHERE tenant = @t AND purpose = 'Claim' AND status = 'Flagged'),
                   (SELECT COUNT(*)::int FROM captures WHERE tenant = @t AND purpose = 'Enrol' AND status = 'Flagged')
            """, ("@t", tenant));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new RegistryCounts(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6));
    }

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        _write.Dispose();
    }

    /// <summary>The policy with its animals (by id), read in one snapshot; null when there is none.</summary>
    private async Task<LivestockPolicy?> LoadPolicyAsync(string id, CancellationToken ct)
    {
        await using var cmd = Query("""
            SELECT p.farmer_id, p.sum_per_head, p.premium, p.currency, p.start_day, p.end_day, pa.animal_id
            FROM livestock_policies p LEFT JOIN policy_animals pa ON pa.policy_id = p.id WHERE p.id = @p ORDER BY pa.animal_id
            """, ("@p", id));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
            return null;
        var (farmer, sum, premium, currency) = (r.GetString(0), r.GetDecimal(1), r.GetDecimal(2), r.GetString(3));
        var (start, end) = (r.GetFieldValue<DateOnly>(4), r.GetFieldValue<DateOnly>(5));
        var animals = new List<string>();
        do
        {
            if (!r.IsDBNull(6))
                animals.Add(r.GetString(6));
        }
        while (await r.ReadAsync(ct));
        return LivestockPolicy.Create(id, farmer, animals, Money.Create(sum, currency).Value, Money.Create(premium, currency).Value, Coverage.Create(start, end).Value).Value;
    }

    private static Task InsertCapture(NpgsqlTransaction tx, CaptureRecord c, CaptureDecision d, CancellationToken ct) => ExecBatch(tx, ct, CaptureRows(c, d));

    /// <summary>The statements that insert a capture with its decision, its photos and its decision's scopes.</summary>
    private static List<Statement> CaptureRows(CaptureRecord c, CaptureDecision d)
    {
        List<Statement> rows = [new("""
            INSERT INTO captures (capture_id, tenant, device_id, agent_id, purpose, species, ear_tag, farmer_id, lon, lat, accuracy_m, taken_at,
                                  model_id, model_version, received_at, status, outcome, reason, animal_id, score, claim_id)
            VALUES (@id, @t, @dev, @ag, @pur, @sp, @tag, @far, @lon, @lat, @acc, @at, @mid, @mv, @rec, @st, @out, @rea, @an, @sc, @cl)
            """,
            [("@id", c.CaptureId), ("@t", c.Tenant), ("@dev", c.DeviceId), ("@ag", c.AgentId), ("@pur", c.Purpose.ToString()),
            ("@sp", c.Species.ToString()), ("@tag", c.EarTag), ("@far", c.FarmerId), ("@lon", c.Location.Longitude), ("@lat", c.Location.Latitude),
            ("@acc", c.LocationAccuracyMetres), ("@at", c.TakenAt.ToString("O", CultureInfo.InvariantCulture)), ("@mid", c.ModelId), ("@mv", c.ModelVersion),
            ("@rec", c.ReceivedAt.ToString("O", CultureInfo.InvariantCulture)),
            ("@st", d.Status.ToString()), ("@out", d.Outcome.Name()), ("@rea", d.Reason), ("@an", d.AnimalId), ("@sc", d.Score), ("@cl", d.ClaimId)])];
        for (var i = 0; i < c.Photos.Count; i++)
        {
            rows.Add(new("INSERT INTO capture_photos (capture_id, ordinal, embedding, crop_key) VALUES (@c, @o, @e, @k)",
                [("@c", c.CaptureId), ("@o", i), ("@e", Bytes(c.Photos[i].Embedding.Values)), ("@k", c.Photos[i].CropBlobKey)]));
        }
        for (var i = 0; i < d.Scopes.Count; i++)
        {
            var s = d.Scopes[i];
            rows.Add(new("""
                INSERT INTO decision_scopes (capture_id, ordinal, scope, size, threshold, expected_false_duplicate_rate, calibration_animals,
                                             best_animal_id, best_score, runner_up_animal_id, runner_up_score, best_templates, runner_up_templates)
                VALUES (@c, @o, @s, @n, @t, @e, @k, @b, @bs, @r, @rs, @bt, @rt)
                """,
                [("@c", c.CaptureId), ("@o", i), ("@s", s.Scope.Name()), ("@n", s.Size), ("@t", s.Threshold), ("@e", s.ExpectedFalseDuplicateRate),
                ("@k", s.CalibrationAnimals), ("@b", s.Best?.AnimalId), ("@bs", s.Best?.Score), ("@r", s.RunnerUp?.AnimalId), ("@rs", s.RunnerUp?.Score),
                ("@bt", s.Best?.Templates), ("@rt", s.RunnerUp?.Templates)]));
        }
        return rows;
    }

    /// <summary>Runs <paramref name="decide"/> holding the tenant's decision lock against every other connection and process
    /// (a transaction-scoped advisory lock), after the template index caught up with the store; its registry writes are
    /// one transaction, committed when it returns and rolled back when it throws (or when the process dies: the lock goes
    /// with the connection). A decision inside a decision of the same tenant joins it.</summary>
    public async Task<T> DecideAsync<T>(string tenant, Func<CancellationToken, Task<T>> decide, CancellationToken ct = default)
    {
        if (_decision.Tenant is { } held)
            return held == tenant ? await decide(ct) : throw _decision.Nested(tenant);
        await using var db = await _source.OpenConnectionAsync(ct);
        await using var tx = await db.BeginTransactionAsync(ct);
        await LockTenantAsync(tx, tenant, ct);
        // Read after the lock is held: every enrolment committed before it is in the index when the decision searches.
        await _follower.CatchUpAsync(tenant, ct);
        return await _decision.RunAsync(tenant, tx, decide, tx.CommitAsync, _follower.Discard, ct);
    }

    /// <summary>The tenant's decision lock, held to the end of <paramref name="tx"/>; taken again in the same transaction it
    /// is a no-op. Keyed by a 64-bit hash of the tenant: two tenants sharing a key only wait for each other.</summary>
    private static Task LockTenantAsync(NpgsqlTransaction tx, string tenant, CancellationToken ct) =>
        Exec(tx, ct, LockTenantSql, ("@m", ModelLock), ("@k", TenantLockKey(tenant)));

    private const string LockTenantSql = "SELECT pg_advisory_xact_lock_shared(@m), pg_advisory_xact_lock(hashtextextended(@k, 0))";

    private static string TenantLockKey(string tenant) => "agri-decisions/" + tenant;

    /// <summary>Held shared by every decision and exclusively by a model switch (PostgresRegistry.Models.cs), so no host
    /// enrols with the old model's templates while another re-embeds them all: "AgriMod" in ASCII.</summary>
    private const long ModelLock = 0x0041_6772_694D_6F64;

    /// <summary>Before a search outside a decision: the tenant's enrolments by other processes since the last look.</summary>
    private Task CatchUpAsync(string tenant, CancellationToken ct) =>
        _decision.Tenant == tenant ? Task.CompletedTask : _follower.CatchUpAsync(tenant, ct);

    private async Task WriteAsync(Func<NpgsqlTransaction, Task> work, CancellationToken ct, Action? inMemory = null)
    {
        if (await _decision.JoinAsync(work, inMemory))
            return;
        await _write.WaitAsync(ct);
        try
        {
            await using var db = await _source.OpenConnectionAsync(ct);
            await using var tx = await db.BeginTransactionAsync(ct);
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
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task Exec(NpgsqlTransaction tx, CancellationToken ct, string sql, params (string Name, object? Value)[] args)
    {
        await using var cmd = Cmd(tx, sql, args);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>One SQL statement with its named parameters, for <see cref="ExecBatch"/>.</summary>
    private sealed record Statement(string Sql, (string Name, object? Value)[] Args);

    /// <summary>Runs <paramref name="statements"/> in order inside <paramref name="tx"/> in one round trip to the server; the
    /// first that fails stops the rest and throws its <see cref="PostgresException"/>, and the transaction is then aborted.</summary>
    private static async Task ExecBatch(NpgsqlTransaction tx, CancellationToken ct, IReadOnlyList<Statement> statements)
    {
        await using var batch = new NpgsqlBatch(tx.Connection, tx);
        foreach (var (sql, args) in statements)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var (name, value) in args)
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlCommand Cmd(NpgsqlTransaction tx, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = new NpgsqlCommand(sql, tx.Connection, tx);
        Bind(cmd, args);
        return cmd;
    }

    /// <summary>A read on a pooled connection of its own, returned to the pool when the command's reader closes:
    /// reads run beside a write's transaction, and nested reads (a capture's photos while its row is read) each
    /// have theirs.</summary>
    private NpgsqlCommand Query(string sql, params (string Name, object? Value)[] args)
    {
        var cmd = _source.CreateCommand(sql);
        Bind(cmd, args);
        return cmd;
    }

    /// <summary>Named parameters (<c>@name</c>); a null goes as an SQL NULL whose type PostgreSQL takes from where it is
    /// used, so a parameter only compared with NULL is cast in the SQL (<c>@f::text IS NULL</c>).</summary>
    private static void Bind(NpgsqlCommand cmd, (string Name, object? Value)[] args)
    {
        foreach (var (name, value) in args)
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
    }

    private static byte[] Bytes(ReadOnlySpan<float> values) => MemoryMarshal.AsBytes(values).ToArray();

    private static float[] Floats(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static Match? StoredMatch(NpgsqlDataReader r, int i, int templates) =>
        r.IsDBNull(i) ? null : new Match(r.GetString(i), r.GetFloat(i + 1)) { Templates = r.IsDBNull(templates) ? 0 : r.GetInt32(templates) };

    private static DateTimeOffset Time(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}

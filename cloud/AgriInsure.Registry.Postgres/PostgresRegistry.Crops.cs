using System.Text.Json;
using AgriInsure.Domain;
using Npgsql;

namespace AgriInsure.Registry.Postgres;

/// <summary>The crop registry (<see cref="ICropRegistry"/>) in the same database, as the SQLite engine keeps it
/// (SqliteRegistry.Crops.cs): plots, their acreage measurements and crop policies (schema version 5).</summary>
public sealed partial class PostgresRegistry : ICropRegistry
{
    /// <summary>Version 5, as SQLite's in PostgreSQL's types: the outline is its ring as JSON text <c>[[lon,lat],…]</c>
    /// (text, not jsonb, so the doubles come back as written), days <c>date</c>, money and the deductible <c>numeric</c>.</summary>
    private const string CropTables = """
        CREATE TABLE plots (
          id text COLLATE "C" PRIMARY KEY, tenant text COLLATE "C" NOT NULL, farmer_id text COLLATE "C" NOT NULL, outline text NOT NULL,
          declared_m2 double precision NOT NULL, west double precision NOT NULL, south double precision NOT NULL, east double precision NOT NULL,
          north double precision NOT NULL, registered_by text NOT NULL, registered_at text COLLATE "C" NOT NULL,
          FOREIGN KEY (tenant, farmer_id) REFERENCES farmers(tenant, id));
        CREATE INDEX plots_by_tenant ON plots(tenant, farmer_id);
        CREATE TABLE plot_measurements (
          id text COLLATE "C" PRIMARY KEY, tenant text COLLATE "C" NOT NULL, plot_id text COLLATE "C" NOT NULL REFERENCES plots(id),
          raster text NOT NULL, acquired date NOT NULL, rule text NOT NULL, plot_m2 double precision NOT NULL, measured_m2 double precision NOT NULL,
          inside_share double precision NOT NULL, hidden_share double precision NOT NULL, quality text COLLATE "C" NOT NULL, note text NOT NULL,
          evidence text NOT NULL, measured_by text NOT NULL, measured_at text COLLATE "C" NOT NULL);
        CREATE INDEX measurements_by_plot ON plot_measurements(plot_id, acquired, measured_at);
        CREATE TABLE crop_policies (
          id text COLLATE "C" PRIMARY KEY, tenant text COLLATE "C" NOT NULL, farmer_id text COLLATE "C" NOT NULL,
          plot_id text COLLATE "C" NOT NULL REFERENCES plots(id), measurement_id text COLLATE "C" NOT NULL REFERENCES plot_measurements(id),
          crop text NOT NULL, currency text NOT NULL, sum_per_mu numeric NOT NULL, rate_per_mu numeric NOT NULL, deductible numeric NOT NULL,
          start_day date NOT NULL, end_day date NOT NULL, sum_insured numeric NOT NULL, premium numeric NOT NULL, ledger_index bigint NOT NULL,
          issued_by text NOT NULL, issued_at text COLLATE "C" NOT NULL);
        CREATE INDEX crop_policies_by_plot ON crop_policies(plot_id, start_day, end_day);
        CREATE INDEX crop_policies_by_tenant ON crop_policies(tenant, id);
        """;

    /// <summary>The transaction-scoped advisory lock key that serialises crop policy writes across processes: "AgriCrp"
    /// in ASCII.</summary>
    private const long CropPolicyLock = 0x0041_6772_6943_7270;

    private const string PlotColumns = "pl.id, pl.farmer_id, pl.outline, pl.declared_m2, pl.registered_by, pl.registered_at";
    private const string MeasurementColumns =
        "m.id, m.plot_id, m.raster, m.acquired, m.rule, m.plot_m2, m.measured_m2, m.inside_share, m.hidden_share, m.quality, m.note, m.evidence, m.measured_by, m.measured_at";
    private const string PolicyColumns =
        "p.id, p.farmer_id, p.measurement_id, p.crop, p.currency, p.sum_per_mu, p.rate_per_mu, p.deductible, p.start_day, p.end_day, p.ledger_index, p.issued_by, p.issued_at, "
        + MeasurementColumns;
    private const string PolicyFrom = "crop_policies p JOIN plot_measurements m ON m.id = p.measurement_id";
    private const string Latest = "ORDER BY m.acquired DESC, m.measured_at DESC, m.id DESC";

    public async Task<ValidationError?> AddPlotAsync(string tenant, RegisteredPlot registered, CancellationToken ct = default)
    {
        ValidationError? refused = null;
        var plot = registered.Plot;
        await WriteAsync(async tx =>
        {
            if (await Scalar(tx, "SELECT COUNT(*)::int FROM farmers WHERE tenant = @t AND id = @f", ct, ("@t", tenant), ("@f", plot.FarmerId)) == 0)
            {
                refused = new ValidationError("farmerId", $"farmer '{plot.FarmerId}' is not registered");
                return;
            }
            if (await Scalar(tx, "SELECT COUNT(*)::int FROM plots WHERE id = @i", ct, ("@i", plot.Id)) > 0)
            {
                refused = new ValidationError("id", $"plot '{plot.Id}' exists already");
                return;
            }
            var b = registered.Bounds;
            await Exec(tx, ct, """
                INSERT INTO plots (id, tenant, farmer_id, outline, declared_m2, west, south, east, north, registered_by, registered_at)
                VALUES (@i, @t, @f, @o, @d, @w, @s, @e, @n, @by, @at)
                """,
                ("@i", plot.Id), ("@t", tenant), ("@f", plot.FarmerId), ("@o", OutlineJson(plot.Outline)), ("@d", plot.DeclaredArea.SquareMetres),
                ("@w", b.West), ("@s", b.South), ("@e", b.East), ("@n", b.North), ("@by", registered.RegisteredBy), ("@at", Stamp(registered.RegisteredAt)));
        }, ct);
        return refused;
    }

    public async Task<RegisteredPlot?> FindPlotAsync(string tenant, string plotId, CancellationToken ct = default) =>
        (await ReadAsync(null, $"SELECT {PlotColumns} FROM plots pl WHERE pl.tenant = @t AND pl.id = @i", r => PlotOf(r, 0), ct, ("@t", tenant), ("@i", plotId)))
        .SingleOrDefault();

    public async Task<Paged<RegisteredPlot>> PlotsAsync(string tenant, string? farmerId, Page page, CancellationToken ct = default)
    {
        const string Filter = "pl.tenant = @t AND (@f::text IS NULL OR pl.farmer_id = @f)";
        var plots = await ReadAsync(null, $"SELECT {PlotColumns} FROM plots pl WHERE {Filter} ORDER BY pl.id LIMIT @l OFFSET @o", r => PlotOf(r, 0), ct,
            ("@t", tenant), ("@f", farmerId), ("@l", page.Limit), ("@o", page.Offset));
        return new Paged<RegisteredPlot>(plots, await CountAsync($"SELECT COUNT(*)::int FROM plots pl WHERE {Filter}", ct, ("@t", tenant), ("@f", farmerId)), page.Offset);
    }

    public Task AddMeasurementAsync(string tenant, AcreageRecord m, CancellationToken ct = default) =>
        WriteAsync(async tx =>
        {
            if (await Scalar(tx, "SELECT COUNT(*)::int FROM plots WHERE tenant = @t AND id = @p", ct, ("@t", tenant), ("@p", m.PlotId)) == 0)
                throw new InvalidOperationException($"plot {m.PlotId} is not one of tenant {tenant}'s");
            await Exec(tx, ct, """
                INSERT INTO plot_measurements (id, tenant, plot_id, raster, acquired, rule, plot_m2, measured_m2, inside_share, hidden_share, quality, note,
                                               evidence, measured_by, measured_at)
                VALUES (@i, @t, @p, @r, @a, @rule, @pm, @mm, @in, @hid, @q, @note, @ev, @by, @at)
                """,
                ("@i", m.Id), ("@t", tenant), ("@p", m.PlotId), ("@r", m.Raster), ("@a", m.Acquired), ("@rule", m.Rule), ("@pm", m.PlotArea.SquareMetres),
                ("@mm", m.Measured.SquareMetres), ("@in", m.InsideShare), ("@hid", m.HiddenShare), ("@q", m.Quality.Name()), ("@note", m.Note), ("@ev", m.Evidence),
                ("@by", m.MeasuredBy), ("@at", Stamp(m.MeasuredAt)));
        }, ct);

    public async Task<AcreageRecord?> FindMeasurementAsync(string tenant, string measurementId, CancellationToken ct = default) =>
        (await ReadAsync(null, $"SELECT {MeasurementColumns} FROM plot_measurements m WHERE m.tenant = @t AND m.id = @i", r => MeasurementOf(r, 0), ct,
            ("@t", tenant), ("@i", measurementId))).SingleOrDefault();

    public async Task<Paged<AcreageRecord>> MeasurementsAsync(string tenant, string plotId, Page page, CancellationToken ct = default)
    {
        const string Filter = "m.tenant = @t AND m.plot_id = @p";
        var items = await ReadAsync(null, $"SELECT {MeasurementColumns} FROM plot_measurements m WHERE {Filter} {Latest} LIMIT @l OFFSET @o", r => MeasurementOf(r, 0), ct,
            ("@t", tenant), ("@p", plotId), ("@l", page.Limit), ("@o", page.Offset));
        return new Paged<AcreageRecord>(items, await CountAsync($"SELECT COUNT(*)::int FROM plot_measurements m WHERE {Filter}", ct, ("@t", tenant), ("@p", plotId)), page.Offset);
    }

    public async Task<AcreageRecord?> LatestOkMeasurementAsync(string tenant, string plotId, CancellationToken ct = default) =>
        (await ReadAsync(null, $"SELECT {MeasurementColumns} FROM plot_measurements m WHERE m.tenant = @t AND m.plot_id = @p AND m.quality = @q {Latest} LIMIT 1",
            r => MeasurementOf(r, 0), ct, ("@t", tenant), ("@p", plotId), ("@q", PlotQuality.Ok.Name()))).SingleOrDefault();

    public async Task<CropCoverConflict?> AddCropPolicyAsync(string tenant, StoredCropPolicy stored, Func<RegisteredPlot, bool> overlaps, CancellationToken ct = default)
    {
        CropCoverConflict? conflict = null;
        var p = stored.Policy;
        await WriteAsync(async tx =>
        {
            // Crop policy writes one at a time across processes, so the overlap check and the insert see the same policies.
            await Exec(tx, ct, "SELECT pg_advisory_xact_lock(@k)", ("@k", CropPolicyLock));
            var plot = (await ReadAsync(tx, $"SELECT {PlotColumns} FROM plots pl WHERE pl.tenant = @t AND pl.id = @i", r => PlotOf(r, 0), ct,
                ("@t", tenant), ("@i", p.PlotId))).SingleOrDefault() ?? throw new InvalidOperationException($"plot {p.PlotId} is not one of tenant {tenant}'s");
            var measured = await ReadAsync(tx, "SELECT plot_id FROM plot_measurements WHERE tenant = @t AND id = @i", r => r.GetString(0), ct,
                ("@t", tenant), ("@i", stored.MeasurementId));
            if (measured.SingleOrDefault() != p.PlotId)
                throw new InvalidOperationException($"measurement {stored.MeasurementId} is not one of tenant {tenant}'s measurements of plot {p.PlotId}");
            if ((conflict = CropCoverRule.FirstConflict(await InsuredMeetingAsync(tx, tenant, plot.Bounds, p.Coverage, ct), p.PlotId, overlaps)) is not null)
                return;
            await Exec(tx, ct, """
                INSERT INTO crop_policies (id, tenant, farmer_id, plot_id, measurement_id, crop, currency, sum_per_mu, rate_per_mu, deductible, start_day, end_day,
                                           sum_insured, premium, ledger_index, issued_by, issued_at)
                VALUES (@i, @t, @f, @p, @m, @crop, @cur, @spm, @rpm, @ded, @a, @b, @si, @pr, @l, @by, @at)
                """,
                ("@i", p.Id), ("@t", tenant), ("@f", p.FarmerId), ("@p", p.PlotId), ("@m", stored.MeasurementId), ("@crop", p.Terms.Crop),
                ("@cur", p.SumInsured.Currency), ("@spm", p.Terms.SumInsuredPerMu.Amount), ("@rpm", p.Terms.RatePerMu.Amount), ("@ded", p.Terms.Deductible),
                ("@a", p.Coverage.Start), ("@b", p.Coverage.End), ("@si", p.SumInsured.Amount), ("@pr", p.Premium.Amount),
                ("@l", stored.LedgerIndex), ("@by", stored.IssuedBy), ("@at", Stamp(stored.IssuedAt)));
        }, ct);
        return conflict;
    }

    public async Task<StoredCropPolicy?> FindCropPolicyAsync(string tenant, string policyId, CancellationToken ct = default) =>
        (await ReadAsync(null, $"SELECT {PolicyColumns} FROM {PolicyFrom} WHERE p.tenant = @t AND p.id = @i", r => PolicyOf(r, 0), ct, ("@t", tenant), ("@i", policyId)))
        .SingleOrDefault();

    public async Task<Paged<StoredCropPolicy>> CropPoliciesAsync(string tenant, string? plotId, Page page, CancellationToken ct = default)
    {
        const string Filter = "p.tenant = @t AND (@p::text IS NULL OR p.plot_id = @p)";
        var items = await ReadAsync(null, $"SELECT {PolicyColumns} FROM {PolicyFrom} WHERE {Filter} ORDER BY p.id LIMIT @l OFFSET @o", r => PolicyOf(r, 0), ct,
            ("@t", tenant), ("@p", plotId), ("@l", page.Limit), ("@o", page.Offset));
        return new Paged<StoredCropPolicy>(items, await CountAsync($"SELECT COUNT(*)::int FROM crop_policies p WHERE {Filter}", ct, ("@t", tenant), ("@p", plotId)), page.Offset);
    }

    public Task<IReadOnlyList<InsuredPlot>> InsuredPlotsMeetingAsync(string tenant, PlotBounds bounds, Coverage cover, CancellationToken ct = default) =>
        InsuredMeetingAsync(null, tenant, bounds, cover, ct);

    public async Task<Paged<MappedPlot>> PlotsMeetingAsync(string tenant, PlotBounds b, Page page, CancellationToken ct = default)
    {
        const string Filter = "pl.tenant = @t AND pl.west <= @e AND pl.east >= @w AND pl.south <= @n AND pl.north >= @s";
        (string, object?)[] box = [("@t", tenant), ("@w", b.West), ("@s", b.South), ("@e", b.East), ("@n", b.North)];
        var items = await ReadAsync(null, $"""
            SELECT {PlotColumns}, {MeasurementColumns}
            FROM plots pl LEFT JOIN plot_measurements m ON m.id = (SELECT m.id FROM plot_measurements m WHERE m.plot_id = pl.id {Latest} LIMIT 1)
            WHERE {Filter} ORDER BY pl.id LIMIT @l OFFSET @o
            """, r => new MappedPlot(PlotOf(r, 0), r.IsDBNull(6) ? null : MeasurementOf(r, 6)), ct, [.. box, ("@l", page.Limit), ("@o", page.Offset)]);
        return new Paged<MappedPlot>(items, await CountAsync($"SELECT COUNT(*)::int FROM plots pl WHERE {Filter}", ct, box), page.Offset);
    }

    private async Task<IReadOnlyList<InsuredPlot>> InsuredMeetingAsync(NpgsqlTransaction? tx, string tenant, PlotBounds b, Coverage cover, CancellationToken ct) =>
        await ReadAsync(tx, $"""
            SELECT {PlotColumns}, {PolicyColumns}
            FROM {PolicyFrom} JOIN plots pl ON pl.id = p.plot_id
            WHERE p.tenant = @t AND p.start_day <= @end AND p.end_day >= @start
              AND pl.west <= @e AND pl.east >= @w AND pl.south <= @n AND pl.north >= @s
            ORDER BY p.id
            """, r => new InsuredPlot(PlotOf(r, 0), PolicyOf(r, 6)), ct,
            ("@t", tenant), ("@start", cover.Start), ("@end", cover.End), ("@w", b.West), ("@s", b.South), ("@e", b.East), ("@n", b.North));

    /// <summary>Rows mapped as they are read: inside <paramref name="tx"/> (what a check in a write must see), else on a
    /// pooled connection of their own.</summary>
    private async Task<List<T>> ReadAsync<T>(NpgsqlTransaction? tx, string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        var rows = new List<T>();
        await using var cmd = tx is null ? Query(sql, args) : Cmd(tx, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(map(r));
        return rows;
    }

    private static async Task<int> Scalar(NpgsqlTransaction tx, string sql, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Cmd(tx, sql, args);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static RegisteredPlot PlotOf(NpgsqlDataReader r, int i) =>
        new(Plot.Create(r.GetString(i), r.GetString(i + 1), Outline(r.GetString(i + 2)), Area.FromSquareMetres(r.GetDouble(i + 3)).Value).Value,
            r.GetString(i + 4), Time(r.GetString(i + 5)));

    private static AcreageRecord MeasurementOf(NpgsqlDataReader r, int i) =>
        new(r.GetString(i), r.GetString(i + 1), r.GetString(i + 2), r.GetFieldValue<DateOnly>(i + 3), r.GetString(i + 4),
            Area.FromSquareMetres(r.GetDouble(i + 5)).Value, Area.FromSquareMetres(r.GetDouble(i + 6)).Value, r.GetDouble(i + 7), r.GetDouble(i + 8),
            PlotQualityNames.Parse(r.GetString(i + 9)).Value, r.GetString(i + 10), r.GetString(i + 11), r.GetString(i + 12), Time(r.GetString(i + 13)));

    private static StoredCropPolicy PolicyOf(NpgsqlDataReader r, int i)
    {
        var measurement = MeasurementOf(r, i + 13);
        var currency = r.GetString(i + 4);
        var cover = Coverage.Create(r.GetFieldValue<DateOnly>(i + 8), r.GetFieldValue<DateOnly>(i + 9)).Value;
        var terms = CropTerms.Create(r.GetString(i + 3), Money.Create(r.GetDecimal(i + 5), currency).Value, Money.Create(r.GetDecimal(i + 6), currency).Value,
            r.GetDecimal(i + 7), cover).Value;
        var policy = CropPolicy.Create(r.GetString(i), r.GetString(i + 1), measurement.Acreage().Value, terms).Value;
        return new StoredCropPolicy(policy, r.GetString(i + 2), r.GetInt64(i + 10), r.GetString(i + 11), Time(r.GetString(i + 12)));
    }

    private static string OutlineJson(IReadOnlyList<GeoPoint> outline) => JsonSerializer.Serialize(outline.Select(p => new[] { p.Longitude, p.Latitude }));

    private static GeoPoint[] Outline(string json) => [.. JsonSerializer.Deserialize<double[][]>(json)!.Select(c => new GeoPoint(c[0], c[1]))];

    private static string Stamp(DateTimeOffset t) => t.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}

using AgriInsure.Domain;
using Npgsql;

namespace AgriInsure.Registry.Postgres;

/// <summary>Crop claims (<see cref="ICropClaimRegistry"/>) and the claims officers' queue (<see cref="IClaimsQueue"/>), schema
/// version 10, as the SQLite engine keeps them (SqliteRegistry.CropClaims.cs).</summary>
public sealed partial class PostgresRegistry : ICropClaimRegistry, IClaimsQueue
{
    /// <summary>Version 10, as SQLite's in PostgreSQL's types: a crop claim is a row of <c>claims</c> without a capture, its
    /// assessment in <c>crop_assessments</c>; days <c>date</c>, money and the deductible <c>numeric</c>.</summary>
    private const string CropClaimTables = """
        ALTER TABLE claims ALTER COLUMN capture_id DROP NOT NULL;
        CREATE INDEX claims_by_subject ON claims(tenant, subject_id);
        CREATE TABLE crop_assessments (
          claim_id text COLLATE "C" PRIMARY KEY REFERENCES claims(id), outcome text COLLATE "C" NOT NULL, ledger_index bigint, peril text COLLATE "C" NOT NULL,
          event_start date NOT NULL, event_end date NOT NULL,
          before_raster text NOT NULL, before_band integer NOT NULL, before_acquired date NOT NULL,
          after_raster text NOT NULL, after_band integer NOT NULL, after_acquired date NOT NULL,
          clouds text, clouds_before_band integer, clouds_after_band integer, ndvi_drop double precision NOT NULL, max_hidden_share double precision NOT NULL,
          plot_m2 double precision NOT NULL, covered_share double precision NOT NULL, hidden_share double precision NOT NULL,
          damaged_m2 double precision NOT NULL, damage_share double precision NOT NULL, quality text COLLATE "C" NOT NULL, note text NOT NULL,
          sum_insured numeric NOT NULL, currency text NOT NULL, deductible numeric NOT NULL, indemnity numeric NOT NULL, evidence text COLLATE "C" NOT NULL,
          filed_by text NOT NULL);
        """;

    private const string CropClaimColumns = """
        k.id, k.policy_id, k.subject_id, k.claim_key, k.status, k.reason, k.payout, k.currency, k.decided_at,
        a.outcome, a.ledger_index, a.peril, a.event_start, a.event_end, a.before_raster, a.before_band, a.before_acquired, a.after_raster, a.after_band,
        a.after_acquired, a.clouds, a.clouds_before_band, a.clouds_after_band, a.ndvi_drop, a.max_hidden_share, a.plot_m2, a.covered_share, a.hidden_share,
        a.damaged_m2, a.damage_share, a.quality, a.note, a.sum_insured, a.currency, a.deductible, a.indemnity, a.evidence, a.filed_by
        """;

    private const string CropClaimFrom = "claims k JOIN crop_assessments a ON a.claim_id = k.id";

    public async Task<StoredCropClaim> AddCropClaimAsync(string tenant, StoredCropClaim stored, CancellationToken ct = default)
    {
        string? earlier = null;
        await WriteAsync(async tx =>
        {
            var c = stored.Claim;
            if (c.Kind != ClaimKind.CropLoss)
                throw new InvalidOperationException($"claim {c.Id} is a {c.Kind} claim, not a crop claim");
            if (c.Status == ClaimStatus.Accepted)
            {
                // Two hosts on one database: the key's lock makes the check and the insert one step.
                await Exec(tx, ct, "SELECT pg_advisory_xact_lock(hashtextextended(@lock, 0))", ("@lock", $"crop-claim\n{tenant}\n{c.Key.Hex}"));
                earlier = (await ReadAsync(tx, "SELECT id FROM claims WHERE tenant = @t AND kind = @k AND claim_key = @key AND status = @st", r => r.GetString(0), ct,
                    ("@t", tenant), ("@k", c.Kind.ToString()), ("@key", c.Key.Hex), ("@st", ClaimStatus.Accepted.ToString()))).FirstOrDefault();
                if (earlier is not null)
                    return;
            }
            if (await Scalar(tx, "SELECT COUNT(*)::int FROM crop_policies WHERE tenant = @t AND id = @p AND plot_id = @pl", ct, ("@t", tenant), ("@p", c.PolicyId), ("@pl", c.SubjectId)) == 0)
                throw new InvalidOperationException($"crop policy {c.PolicyId} on plot {c.SubjectId} is not one of tenant {tenant}'s");
            var (i, f) = (stored.Images, stored.Figures);
            await ExecBatch(tx, ct,
            [
                new Statement("""
                    INSERT INTO claims (id, tenant, kind, policy_id, subject_id, claim_key, capture_id, status, reason, payout, currency, decided_at)
                    VALUES (@i, @t, @k, @p, @s, @key, NULL, @st, @r, @pay, @cur, @at)
                    """,
                    [("@i", c.Id), ("@t", tenant), ("@k", c.Kind.ToString()), ("@p", c.PolicyId), ("@s", c.SubjectId), ("@key", c.Key.Hex), ("@st", c.Status.ToString()),
                     ("@r", c.Reason), ("@pay", c.Payout?.Amount), ("@cur", c.Payout?.Currency), ("@at", Stamp(c.DecidedAt))]),
                new Statement("""
                    INSERT INTO crop_assessments VALUES (@c, @o, @l, @peril, @es, @ee, @br, @bb, @ba, @ar, @ab, @aa, @cl, @cb, @ca, @drop, @mh,
                                                        @pm, @cov, @hid, @dm, @ds, @q, @note, @si, @cur, @ded, @ind, @ev, @by)
                    """,
                    [("@c", c.Id), ("@o", stored.Outcome), ("@l", stored.LedgerEntry), ("@peril", stored.Peril.Name()), ("@es", stored.Window.Start), ("@ee", stored.Window.End),
                     ("@br", i.BeforeRaster), ("@bb", i.BeforeBand), ("@ba", i.BeforeAcquired), ("@ar", i.AfterRaster), ("@ab", i.AfterBand), ("@aa", i.AfterAcquired),
                     ("@cl", i.Clouds), ("@cb", i.CloudsBeforeBand), ("@ca", i.CloudsAfterBand), ("@drop", i.Drop), ("@mh", i.MaxHiddenShare),
                     ("@pm", f.PlotArea.SquareMetres), ("@cov", f.CoveredShare), ("@hid", f.HiddenShare), ("@dm", f.Damaged.SquareMetres), ("@ds", f.DamageShare),
                     ("@q", f.Quality.Name()), ("@note", f.Note), ("@si", f.SumInsured.Amount), ("@cur", f.SumInsured.Currency), ("@ded", f.Deductible),
                     ("@ind", f.Indemnity.Amount), ("@ev", f.Evidence), ("@by", stored.FiledBy)]),
            ]);
        }, ct);
        return earlier is null ? stored
            : await FindCropClaimAsync(tenant, earlier, ct) ?? throw new InvalidOperationException($"crop claim {earlier} was read in the write and is gone");
    }

    public async Task<StoredCropClaim?> FindCropClaimAsync(string tenant, string claimId, CancellationToken ct = default) =>
        (await ReadAsync(null, $"SELECT {CropClaimColumns} FROM {CropClaimFrom} WHERE k.tenant = @t AND k.id = @i", CropClaimOf, ct, ("@t", tenant), ("@i", claimId)))
        .SingleOrDefault();

    public async Task<Paged<StoredCropClaim>> CropClaimsAsync(string tenant, string? plotId, Page page, CancellationToken ct = default)
    {
        const string Filter = "k.tenant = @t AND (@p::text IS NULL OR k.subject_id = @p)";
        var items = await ReadAsync(null, $"SELECT {CropClaimColumns} FROM {CropClaimFrom} WHERE {Filter} ORDER BY k.decided_at DESC, k.id DESC LIMIT @l OFFSET @o",
            CropClaimOf, ct, ("@t", tenant), ("@p", plotId), ("@l", page.Limit), ("@o", page.Offset));
        return new Paged<StoredCropClaim>(items, await CountAsync($"SELECT COUNT(*)::int FROM {CropClaimFrom} WHERE {Filter}", ct, ("@t", tenant), ("@p", plotId)), page.Offset);
    }

    /// <summary>One query over the tenant's claims and flagged enrolments (a UNION ALL), filtered, ordered and paged in
    /// PostgreSQL; the search is an ILIKE with its wildcards escaped.</summary>
    public async Task<Paged<QueueItem>> ClaimsQueueAsync(string tenant, QueueFilter filter, Page page, CancellationToken ct = default)
    {
        const string Rows = """
            SELECT CASE k.kind WHEN 'CropLoss' THEN 'crop' ELSE 'livestock' END AS kind, k.id AS id, k.subject_id AS subject,
                   COALESCE(lp.farmer_id, cp.farmer_id) AS farmer, k.decided_at AS opened_at, COALESCE(a.outcome, lower(k.status)) AS outcome,
                   k.payout AS amount, k.currency AS currency,
                   (SELECT d.verdict FROM claim_decisions d WHERE d.claim_id = k.id ORDER BY d.seq DESC LIMIT 1) AS verdict,
                   EXISTS (SELECT 1 FROM claim_decisions d WHERE d.claim_id = k.id AND d.verdict <> 'survey') AS decided
            FROM claims k
            LEFT JOIN crop_assessments a ON a.claim_id = k.id
            LEFT JOIN livestock_policies lp ON lp.id = k.policy_id AND k.kind = 'LivestockDeath'
            LEFT JOIN crop_policies cp ON cp.id = k.policy_id AND k.kind = 'CropLoss'
            WHERE k.tenant = @t
            UNION ALL
            SELECT 'duplicate', c.capture_id, c.animal_id, c.farmer_id, c.received_at, c.outcome, NULL::numeric, NULL::text, r.verdict, r.verdict IS NOT NULL
            FROM captures c LEFT JOIN review_decisions r ON r.capture_id = c.capture_id
            WHERE c.tenant = @t AND c.purpose = 'Enrol' AND c.outcome = @dup
            """;
        const string Where = """
            (@kind::text IS NULL OR q.kind = @kind) AND (@decided::boolean IS NULL OR q.decided = @decided)
            AND (@q::text IS NULL OR q.id ILIKE @q ESCAPE '\' OR q.subject ILIKE @q ESCAPE '\' OR COALESCE(q.farmer, '') ILIKE @q ESCAPE '\')
            """;
        (string, object?)[] args =
        [
            ("@t", tenant), ("@dup", CaptureOutcome.DuplicateEnrolment.Name()), ("@kind", filter.Kind?.Name()), ("@decided", filter.Decided),
            ("@q", filter.Search is { } s ? $"%{Escaped(s)}%" : null),
        ];
        var items = await ReadAsync(null, $"""
            SELECT q.kind, q.id, q.subject, q.farmer, q.opened_at, q.outcome, q.amount, q.currency, q.verdict FROM ({Rows}) q WHERE {Where}
            ORDER BY q.opened_at COLLATE "C" DESC, q.id COLLATE "C" DESC LIMIT @l OFFSET @o
            """, r => new QueueItem(QueueKindNames.Parse(r.GetString(0)).Value, r.GetString(1), r.GetString(2), Text(r, 3), Time(r.GetString(4)), r.GetString(5),
                r.IsDBNull(6) ? null : Money.Create(r.GetDecimal(6), r.GetString(7)).Value, Text(r, 8) ?? "open"),
            ct, [.. args, ("@l", page.Limit), ("@o", page.Offset)]);
        return new Paged<QueueItem>(items, await CountAsync($"SELECT COUNT(*)::int FROM ({Rows}) q WHERE {Where}", ct, args), page.Offset);
    }

    /// <summary>ILIKE's wildcards and its escape character taken literally.</summary>
    private static string Escaped(string search) => search.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    private static StoredCropClaim CropClaimOf(NpgsqlDataReader r)
    {
        var currency = r.GetString(33);
        var payout = r.IsDBNull(6) ? (Money?)null : Money.Create(r.GetDecimal(6), r.GetString(7)).Value;
        var peril = PerilNames.Parse(r.GetString(11)).Value;
        var window = EventWindow.Create(r.GetFieldValue<DateOnly>(12), r.GetFieldValue<DateOnly>(13)).Value;
        var evidence = r.GetString(36);
        var claim = new Claim(r.GetString(0), ClaimKind.CropLoss, r.GetString(1), r.GetString(2), ClaimKey.FromHex(r.GetString(3)).Value, evidence,
            Enum.Parse<ClaimStatus>(r.GetString(4)), r.GetString(5), payout, Time(r.GetString(8)));
        var images = new CropClaimImages(r.GetString(14), r.GetInt32(15), r.GetFieldValue<DateOnly>(16), r.GetString(17), r.GetInt32(18), r.GetFieldValue<DateOnly>(19),
            Text(r, 20), r.IsDBNull(21) ? null : r.GetInt32(21), r.IsDBNull(22) ? null : r.GetInt32(22), r.GetDouble(23), r.GetDouble(24));
        var figures = new CropClaimFigures(Area.FromSquareMetres(r.GetDouble(25)).Value, r.GetDouble(26), r.GetDouble(27), Area.FromSquareMetres(r.GetDouble(28)).Value,
            r.GetDouble(29), PlotQualityNames.Parse(r.GetString(30)).Value, r.GetString(31), Money.Create(r.GetDecimal(32), currency).Value, r.GetDecimal(34),
            Money.Create(r.GetDecimal(35), currency).Value, evidence);
        return new StoredCropClaim(claim, r.GetString(9), r.IsDBNull(10) ? null : r.GetInt64(10), peril, window, images, figures, r.GetString(37));
    }
}

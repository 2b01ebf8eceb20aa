using System.Globalization;
using AgriInsure.Protocol;
using Microsoft.Data.Sqlite;

namespace AgriInsure.Edge.Agent;

public sealed record OutboxItem(string CaptureId, string Topic, byte[] Payload, int Attempts);

public sealed record Receipt(string CaptureId, AckStatus Status, string Outcome, string? Reason, string? AnimalId, float? Score);

/// <summary>One capture as the outbox holds it: when it was queued, how often it was sent and when last, and the cloud's
/// answer once settled (<see cref="SettledAt"/> and <see cref="Receipt"/>; both null while pending).</summary>
public sealed record OutboxEntry(string CaptureId, DateTimeOffset QueuedAt, int Attempts, DateTimeOffset? LastSentAt, DateTimeOffset? SettledAt, Receipt? Receipt)
{
    public bool Pending => SettledAt is null;
}

/// <summary>An ack the device did not act on, as recorded (see <see cref="RefusedAck"/>).</summary>
public sealed record RefusedAckEntry(DateTimeOffset At, string Topic, string? CaptureId, string Reason);

/// <summary>Everything in the outbox: its captures, oldest first, and the acks it refused, oldest first.</summary>
public sealed record OutboxState(IReadOnlyList<OutboxEntry> Captures, IReadOnlyList<RefusedAckEntry> RefusedAcks)
{
    public int Pending => Captures.Count(c => c.Pending);
}

/// <summary>Captures waiting for the cloud, in a SQLite file that survives power loss (WAL, full sync).
/// A capture leaves only when the cloud's ack for its id arrives; the ack is kept as a receipt. One connection, used by
/// one operation at a time: the ack handler, the flush and new captures run on different threads.</summary>
public sealed class Outbox : IAsyncDisposable
{
    private readonly SqliteConnection _db;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private Outbox(SqliteConnection db) => _db = db;

    /// <summary>Opens (or creates) the outbox file. Errors: <see cref="SqliteException"/> when the file cannot be
    /// created, opened or written.</summary>
    public static async Task<Outbox> OpenAsync(string path, CancellationToken ct = default)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        var outbox = new Outbox(db);
        try
        {
            await db.OpenAsync(ct);
            await outbox.ExecAsync("""
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                CREATE TABLE IF NOT EXISTS outbox (
                  capture_id TEXT PRIMARY KEY, topic TEXT NOT NULL, payload BLOB, created_at TEXT NOT NULL,
                  attempts INTEGER NOT NULL DEFAULT 0, acked_at TEXT,
                  ack_status TEXT, ack_outcome TEXT, ack_reason TEXT, ack_animal TEXT, ack_score REAL);
                CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(acked_at, created_at);
                CREATE TABLE IF NOT EXISTS refused_acks (at TEXT NOT NULL, topic TEXT NOT NULL, capture_id TEXT, reason TEXT NOT NULL);
                """, ct);
            // Outboxes written before resends were timed lack the column; adding it keeps their captures.
            await using var probe = outbox.Cmd("SELECT COUNT(*) FROM pragma_table_info('outbox') WHERE name = 'last_sent_at'");
            if (Convert.ToInt32(await probe.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) == 0)
                await outbox.ExecAsync("ALTER TABLE outbox ADD COLUMN last_sent_at TEXT", ct);
            return outbox;
        }
        catch
        {
            await outbox.DisposeAsync();
            throw;
        }
    }

    public Task AddAsync(string captureId, string topic, byte[] payload, CancellationToken ct = default) =>
        Locked(async () =>
        {
            await using var cmd = Cmd("INSERT INTO outbox (capture_id, topic, payload, created_at) VALUES ($c, $t, $p, $at)",
                ("$c", captureId), ("$t", topic), ("$p", payload), ("$at", Text(DateTimeOffset.UtcNow)));
            return await cmd.ExecuteNonQueryAsync(ct);
        }, ct);

    /// <summary>Captures not yet acked, oldest first.</summary>
    public Task<IReadOnlyList<OutboxItem>> PendingAsync(int max = 100, CancellationToken ct = default) =>
        Locked<IReadOnlyList<OutboxItem>>(async () =>
        {
            var items = new List<OutboxItem>();
            await using var cmd = Cmd("SELECT capture_id, topic, payload, attempts FROM outbox WHERE acked_at IS NULL ORDER BY created_at, capture_id LIMIT $n", ("$n", max));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                items.Add(new OutboxItem(r.GetString(0), r.GetString(1), (byte[])r[2], r.GetInt32(3)));
            return items;
        }, ct);

    public Task<int> PendingCountAsync(CancellationToken ct = default) =>
        Locked(async () =>
        {
            await using var cmd = Cmd("SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL");
            return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }, ct);

    /// <summary>Counts a send of the capture at <paramref name="at"/>; returns its sends so far.</summary>
    public Task<int> MarkSentAsync(string captureId, DateTimeOffset at, CancellationToken ct = default) =>
        Locked(async () =>
        {
            await using var cmd = Cmd("UPDATE outbox SET attempts = attempts + 1, last_sent_at = $at WHERE capture_id = $c RETURNING attempts", ("$c", captureId), ("$at", Text(at)));
            return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct) ?? 0, CultureInfo.InvariantCulture);
        }, ct);

    /// <summary>Records the cloud's answer and drops the payload; false for an ack of a capture this
    /// outbox does not hold or already settled (a redelivered ack).</summary>
    public Task<bool> SettleAsync(Ack ack, CancellationToken ct = default) =>
        Locked(async () =>
        {
            await using var cmd = Cmd("""
                UPDATE outbox SET acked_at = $at, payload = NULL, ack_status = $s, ack_outcome = $o, ack_reason = $r, ack_animal = $a, ack_score = $sc
                WHERE capture_id = $c AND acked_at IS NULL
                """,
                ("$at", Text(DateTimeOffset.UtcNow)), ("$s", ack.Status.ToString()), ("$o", ack.Outcome), ("$r", ack.Reason),
                ("$a", ack.AnimalId), ("$sc", ack.Score), ("$c", ack.CaptureId));
            return await cmd.ExecuteNonQueryAsync(ct) == 1;
        }, ct);

    /// <summary>Keeps a refused ack for the agent to see (<c>tools/agri edge status</c>): forged or misdirected acks are
    /// evidence of an attack on the link.</summary>
    public Task RecordRefusedAckAsync(RefusedAck refused, DateTimeOffset at, CancellationToken ct = default) =>
        Locked(async () =>
        {
            await using var cmd = Cmd("INSERT INTO refused_acks (at, topic, capture_id, reason) VALUES ($at, $t, $c, $r)",
                ("$at", Text(at)), ("$t", refused.Topic), ("$c", refused.CaptureId), ("$r", refused.Reason));
            return await cmd.ExecuteNonQueryAsync(ct);
        }, ct);

    public Task<Receipt?> ReceiptAsync(string captureId, CancellationToken ct = default) =>
        Locked(async () =>
        {
            await using var cmd = Cmd("SELECT ack_status, ack_outcome, ack_reason, ack_animal, ack_score FROM outbox WHERE capture_id = $c AND acked_at IS NOT NULL", ("$c", captureId));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            return await r.ReadAsync(ct) ? ReadReceipt(captureId, r, 0) : null;
        }, ct);

    /// <summary>The whole outbox: every capture, pending or settled, and every refused ack.</summary>
    public Task<OutboxState> StateAsync(CancellationToken ct = default) =>
        Locked(async () =>
        {
            var captures = new List<OutboxEntry>();
            await using (var cmd = Cmd("""
                SELECT capture_id, created_at, attempts, last_sent_at, acked_at, ack_status, ack_outcome, ack_reason, ack_animal, ack_score
                FROM outbox ORDER BY created_at, capture_id
                """))
            await using (var r = await cmd.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                {
                    var id = r.GetString(0);
                    var settled = Time(r, 4);
                    captures.Add(new OutboxEntry(id, Time(r, 1)!.Value, r.GetInt32(2), Time(r, 3), settled, settled is null ? null : ReadReceipt(id, r, 5)));
                }
            }
            var refused = new List<RefusedAckEntry>();
            await using (var cmd = Cmd("SELECT at, topic, capture_id, reason FROM refused_acks ORDER BY rowid"))
            await using (var r = await cmd.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                    refused.Add(new RefusedAckEntry(Time(r, 0)!.Value, r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3)));
            }
            return new OutboxState(captures, refused);
        }, ct);

    public async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        _gate.Dispose();
    }

    private static Receipt ReadReceipt(string captureId, SqliteDataReader r, int at) =>
        new(captureId, Enum.Parse<AckStatus>(r.GetString(at)), r.GetString(at + 1), r.IsDBNull(at + 2) ? null : r.GetString(at + 2),
            r.IsDBNull(at + 3) ? null : r.GetString(at + 3), r.IsDBNull(at + 4) ? null : (float)r.GetDouble(at + 4));

    private static string Text(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset? Time(SqliteDataReader r, int i) =>
        r.IsDBNull(i) ? null : DateTimeOffset.Parse(r.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private async Task<T> Locked<T>(Func<Task<T>> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return await work();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ExecAsync(string sql, CancellationToken ct)
    {
        await using var cmd = Cmd(sql);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private SqliteCommand Cmd(string sql, params (string Name, object? Value)[] args)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }
}

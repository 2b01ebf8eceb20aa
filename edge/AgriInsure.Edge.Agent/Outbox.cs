using AgriInsure.Protocol;
using Microsoft.Data.Sqlite;

namespace AgriInsure.Edge.Agent;

public sealed record OutboxItem(string CaptureId, string Topic, byte[] Payload, int Attempts);

public sealed record Receipt(string CaptureId, AckStatus Status, string Outcome, string? Reason, string? AnimalId, float? Score);

/// <summary>Captures waiting for the cloud, in a SQLite file that survives power loss (WAL, full sync).
/// A capture leaves only when the cloud's ack for its id arrives; the ack is kept as a receipt.</summary>
public sealed class Outbox : IAsyncDisposable
{
    private readonly SqliteConnection _db;

    private Outbox(SqliteConnection db) => _db = db;

    public static async Task<Outbox> OpenAsync(string path, CancellationToken ct = default)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await db.OpenAsync(ct);
        var outbox = new Outbox(db);
        await outbox.ExecAsync("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            CREATE TABLE IF NOT EXISTS outbox (
              capture_id TEXT PRIMARY KEY, topic TEXT NOT NULL, payload BLOB, created_at TEXT NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0, acked_at TEXT,
              ack_status TEXT, ack_outcome TEXT, ack_reason TEXT, ack_animal TEXT, ack_score REAL);
            CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(acked_at, created_at);
            """, ct);
        return outbox;
    }

    public async Task AddAsync(string captureId, string topic, byte[] payload, CancellationToken ct = default)
    {
        await using var cmd = Cmd("INSERT INTO outbox (capture_id, topic, payload, created_at) VALUES ($c, $t, $p, $at)",
            ("$c", captureId), ("$t", topic), ("$p", payload), ("$at", DateTimeOffset.UtcNow.ToString("O")));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Captures not yet acked, oldest first.</summary>
    public async Task<IReadOnlyList<OutboxItem>> PendingAsync(int max = 100, CancellationToken ct = default)
    {
        var items = new List<OutboxItem>();
        await using var cmd = Cmd("SELECT capture_id, topic, payload, attempts FROM outbox WHERE acked_at IS NULL ORDER BY created_at, capture_id LIMIT $n", ("$n", max));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            items.Add(new OutboxItem(r.GetString(0), r.GetString(1), (byte[])r[2], r.GetInt32(3)));
        return items;
    }

    public async Task<int> PendingCountAsync(CancellationToken ct = default)
    {
        await using var cmd = Cmd("SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL");
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct));
    }

    public async Task MarkAttemptAsync(string captureId, CancellationToken ct = default)
    {
        await using var cmd = Cmd("UPDATE outbox SET attempts = attempts + 1 WHERE capture_id = $c", ("$c", captureId));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Records the cloud's answer and drops the payload; false for an ack of a capture this
    /// outbox does not hold or already settled (a redelivered ack).</summary>
    public async Task<bool> SettleAsync(Ack ack, CancellationToken ct = default)
    {
        await using var cmd = Cmd("""
            UPDATE outbox SET acked_at = $at, payload = NULL, ack_status = $s, ack_outcome = $o, ack_reason = $r, ack_animal = $a, ack_score = $sc
            WHERE capture_id = $c AND acked_at IS NULL
            """,
            ("$at", DateTimeOffset.UtcNow.ToString("O")), ("$s", ack.Status.ToString()), ("$o", ack.Outcome), ("$r", ack.Reason),
            ("$a", ack.AnimalId), ("$sc", ack.Score), ("$c", ack.CaptureId));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<Receipt?> ReceiptAsync(string captureId, CancellationToken ct = default)
    {
        await using var cmd = Cmd("SELECT ack_status, ack_outcome, ack_reason, ack_animal, ack_score FROM outbox WHERE capture_id = $c AND acked_at IS NOT NULL", ("$c", captureId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
            return null;
        return new Receipt(captureId, Enum.Parse<AckStatus>(r.GetString(0)), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
            r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : (float)r.GetDouble(4));
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();

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

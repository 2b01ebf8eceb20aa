using System.Security.Cryptography;
using AgriInsure.Ledger.Proofs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Ledger.Sqlite;

/// <summary>The embedded ledger: an append-only Merkle log (RFC 6962 hashing) in one SQLite file. Each
/// row also carries a hash chain link and the tree root after it, so <see cref="VerifyAsync"/> can name
/// the first row that was changed. The tree's perfect subtrees of two leaves or more are stored as they complete
/// (<c>nodes</c>), so inclusion and consistency proofs read O(log n) hashes, not the whole log. Several processes may append to one file: each append holds the file's write lock
/// (<c>BEGIN IMMEDIATE</c>) and takes the next index and the chain from what the file holds then, not from memory.</summary>
public sealed class SqliteLedger : ILedger
{
    private readonly SqliteConnection _db;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly MerkleFrontier _frontier = new();
    private readonly ILogger _log;
    private readonly TimeProvider _clock;
    private byte[] _lastChain = new byte[MerkleHash.Size];

    private SqliteLedger(SqliteConnection db, ILogger log, TimeProvider clock)
    {
        _db = db;
        _log = log;
        _clock = clock;
    }

    public static Task<SqliteLedger> OpenAsync(string path, ILogger<SqliteLedger>? log = null, TimeProvider? clock = null, CancellationToken ct = default) =>
        OpenAsync(path, readOnly: false, log, clock, ct);

    /// <summary>Opens an existing ledger file to verify or prove, changing nothing in it (an auditor's copy
    /// stays byte for byte what it was). Errors: <see cref="LedgerDamagedException"/> when the file is a SQLite database
    /// cut short or corrupted; <see cref="InvalidDataException"/> when it is not a SQLite database or holds no ledger.</summary>
    public static Task<SqliteLedger> OpenReadOnlyAsync(string path, CancellationToken ct = default) =>
        OpenAsync(path, readOnly: true, null, null, ct);

    /// <summary>A ledger with no write-ahead log beside it is read as immutable: SQLite then takes no lock
    /// and makes no -shm/-wal files, so a copy on read-only media (an auditor's disc, a read-only mount)
    /// opens and nothing appears beside it. With a log present (a ledger still in use) it is read through
    /// the log, which needs the folder writable.</summary>
    private static string ReadOnlyUri(string path)
    {
        var wal = new FileInfo(path + "-wal");
        var uri = new Uri(Path.GetFullPath(path)).AbsoluteUri;
        return wal.Exists && wal.Length > 0 ? uri : uri + "?immutable=1";
    }

    private static async Task<SqliteLedger> OpenAsync(string path, bool readOnly, ILogger<SqliteLedger>? log, TimeProvider? clock, CancellationToken ct)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = readOnly ? ReadOnlyUri(path) : path,
            Pooling = false,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
        }.ToString());
        try
        {
            await db.OpenAsync(ct);
            if (!readOnly)
            {
                // Keys are SHA-256 digests, so every append lands on a random page of the key index: SQLite's default 2 MiB
                // page cache holds a sliver of it past 10^5 entries and appends read pages back from the OS (a tenth of
                // an append's CPU in a profile). 64 MiB holds the key index of most of a million entries.
                await Exec(db, """
                    PRAGMA journal_mode=WAL;
                    PRAGMA synchronous=FULL;
                    PRAGMA cache_size=-65536;
                    CREATE TABLE IF NOT EXISTS entries (
                      idx          INTEGER PRIMARY KEY,
                      kind         TEXT NOT NULL,
                      key          TEXT NOT NULL UNIQUE,
                      payload_hash TEXT NOT NULL,
                      recorded_at  INTEGER NOT NULL,
                      leaf_hash    BLOB NOT NULL,
                      chain_hash   BLOB NOT NULL,
                      root_after   BLOB NOT NULL
                    );
                    CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries
                      BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries
                      BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    CREATE TABLE IF NOT EXISTS nodes (
                      level INTEGER NOT NULL,
                      idx   INTEGER NOT NULL,
                      hash  BLOB NOT NULL,
                      PRIMARY KEY (level, idx)
                    ) WITHOUT ROWID;
                    CREATE TRIGGER IF NOT EXISTS nodes_no_update BEFORE UPDATE ON nodes
                      BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    CREATE TRIGGER IF NOT EXISTS nodes_no_delete BEFORE DELETE ON nodes
                      BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    """, ct);
            }
            await using var check = db.CreateCommand();
            check.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'entries'";
            if (Convert.ToInt64(await check.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) == 0)
                throw new InvalidDataException($"{path} holds no ledger (no entries table)");
        }
        catch (SqliteException e) when (readOnly)
        {
            await db.DisposeAsync();
            throw e.SqliteErrorCode == Corrupt
                ? new LedgerDamagedException($"{path} is damaged (cut short or corrupted): SQLite cannot read it ({e.Message})", e)
                : new InvalidDataException($"{path} is not a ledger: {e.Message}", e);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
        var ledger = new SqliteLedger(db, (ILogger?)log ?? NullLogger.Instance, clock ?? TimeProvider.System);
        await ledger.CatchUpAsync(null, ct);
        ledger._nodes = await HasTableAsync(db, "nodes", ct);
        if (!readOnly)
            await ledger.StoreMissingNodesAsync(ct);
        return ledger;
    }

    /// <summary>Whether the file stores interior nodes: a ledger written before they were is proved from its leaves.</summary>
    private bool _nodes;

    private static async Task<bool> HasTableAsync(SqliteConnection db, string table, CancellationToken ct)
    {
        await using var check = db.CreateCommand();
        check.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $t";
        check.Parameters.AddWithValue("$t", table);
        return Convert.ToInt64(await check.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>A ledger written before interior nodes were stored gets them, computed from its leaves, when it is first
    /// opened for writing: Σ⌊n/2^l⌋ for l ≥ 1 of them.</summary>
    private async Task StoreMissingNodesAsync(CancellationToken ct)
    {
        await using var tx = _db.BeginTransaction(deferred: false);
        await using (var count = _db.CreateCommand())
        {
            count.Transaction = tx;
            count.CommandText = "SELECT (SELECT COUNT(*) FROM nodes), (SELECT COUNT(*) FROM entries)";
            await using var r = await count.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            var (stored, entries) = (r.GetInt64(0), r.GetInt64(1));
            var expected = 0L;
            for (var size = 2L; size <= entries; size <<= 1)
                expected += entries / size;
            if (stored == expected)
                return;
        }
        var rebuilt = new MerkleFrontier();
        var completed = new List<(int Level, long Index, byte[] Hash)>();
        await using (var leaves = _db.CreateCommand())
        {
            leaves.Transaction = tx;
            leaves.CommandText = "SELECT leaf_hash FROM entries ORDER BY idx";
            await using var r = await leaves.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                rebuilt.Append((byte[])r[0], completed);
        }
        await InsertNodesAsync(tx, completed, ignoreExisting: true, ct);
        await tx.CommitAsync(ct);
        _log.LogInformation("Ledger: stored {Nodes} interior nodes computed from {Entries} entries", completed.Count, rebuilt.Count);
    }

    private async Task InsertNodesAsync(SqliteTransaction tx, List<(int Level, long Index, byte[] Hash)> nodes, bool ignoreExisting, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = InsertNodeSql(ignoreExisting);
        var (level, index, hash) = (cmd.Parameters.Add("$l", SqliteType.Integer), cmd.Parameters.Add("$i", SqliteType.Integer), cmd.Parameters.Add("$h", SqliteType.Blob));
        foreach (var node in nodes)
        {
            (level.Value, index.Value, hash.Value) = (node.Level, node.Index, node.Hash);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Adds the entries appended since this instance last looked (by another process, or before it opened) to
    /// the in-memory frontier and chain.</summary>
    private async Task CatchUpAsync(SqliteTransaction? tx, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT leaf_hash, chain_hash FROM entries WHERE idx >= $n ORDER BY idx";
        cmd.Parameters.AddWithValue("$n", _frontier.Count);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            _frontier.Append((byte[])r[0]);
            _lastChain = (byte[])r[1];
        }
    }

    /// <summary>The appends of one <see cref="GroupAsync{T}"/>: its transaction (holding the file's write lock), the frontier
    /// and chain as they will be once it commits, and its statements, prepared once for all its appends (preparing them
    /// anew for each was a third of an append's CPU).</summary>
    private sealed class Group : IAsyncDisposable
    {
        public Group(SqliteConnection db, SqliteTransaction tx, MerkleFrontier frontier, byte[] chain)
        {
            (Tx, Frontier, Chain) = (tx, frontier, chain);
            Find = Command(db, tx, FindSql);
            FindKey = Find.Parameters.Add("$key", SqliteType.Text);
            Insert = Command(db, tx, InsertSql);
            Entry =
            [
                .. new (string Name, SqliteType Type)[]
                {
                    ("$i", SqliteType.Integer), ("$k", SqliteType.Text), ("$key", SqliteType.Text), ("$p", SqliteType.Text),
                    ("$t", SqliteType.Integer), ("$l", SqliteType.Blob), ("$c", SqliteType.Blob), ("$r", SqliteType.Blob),
                }.Select(c => Insert.Parameters.Add(c.Name, c.Type)),
            ];
            Node = Command(db, tx, InsertNodeSql(ignoreExisting: false));
            NodeColumns = (Node.Parameters.Add("$l", SqliteType.Integer), Node.Parameters.Add("$i", SqliteType.Integer), Node.Parameters.Add("$h", SqliteType.Blob));
        }

        public SqliteTransaction Tx { get; }
        public MerkleFrontier Frontier { get; }
        public byte[] Chain { get; set; }
        public List<LedgerEntry> Appended { get; } = [];
        public SqliteCommand Find { get; }
        public SqliteParameter FindKey { get; }
        public SqliteCommand Insert { get; }
        public SqliteParameter[] Entry { get; }
        public SqliteCommand Node { get; }
        public (SqliteParameter Level, SqliteParameter Index, SqliteParameter Hash) NodeColumns { get; }

        private static SqliteCommand Command(SqliteConnection db, SqliteTransaction tx, string sql)
        {
            var cmd = db.CreateCommand();
            (cmd.Transaction, cmd.CommandText) = (tx, sql);
            return cmd;
        }

        public async ValueTask DisposeAsync()
        {
            await Find.DisposeAsync();
            await Insert.DisposeAsync();
            await Node.DisposeAsync();
        }
    }

    private const string FindSql = "SELECT idx, kind, key, payload_hash, recorded_at, leaf_hash FROM entries WHERE key = $key";

    private const string InsertSql = """
        INSERT INTO entries (idx, kind, key, payload_hash, recorded_at, leaf_hash, chain_hash, root_after)
        VALUES ($i, $k, $key, $p, $t, $l, $c, $r)
        """;

    private static string InsertNodeSql(bool ignoreExisting) => $"INSERT {(ignoreExisting ? "OR IGNORE " : "")}INTO nodes (level, idx, hash) VALUES ($l, $i, $h)";

    private readonly AsyncLocal<Group?> _group = new();

    public Task<AppendResult> AppendAsync(LedgerRecord record, CancellationToken ct = default) =>
        _group.Value is { } group ? AppendToAsync(group, record, ct) : GroupAsync(c => AppendToAsync(_group.Value!, record, c), ct);

    /// <summary>One transaction (<c>BEGIN IMMEDIATE</c>, one fsync at its commit under <c>synchronous=FULL</c>) for every
    /// append of <paramref name="work"/>; nothing of them is kept when it throws.</summary>
    public async Task<T> GroupAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken ct = default)
    {
        if (_group.Value is not null)
            return await work(ct);
        await _gate.WaitAsync(ct);
        try
        {
            // The file's write lock until the commit: no other process appends between reading the tip and writing after it.
            await using var tx = _db.BeginTransaction(deferred: false);
            await CatchUpAsync(tx, ct);
            var frontier = new MerkleFrontier();
            frontier.CopyFrom(_frontier);
            await using var group = new Group(_db, tx, frontier, _lastChain);
            T result;
            _group.Value = group;
            try
            {
                result = await work(ct);
            }
            finally
            {
                _group.Value = null;
            }
            await tx.CommitAsync(ct);
            _frontier.CopyFrom(group.Frontier);
            _lastChain = group.Chain;
            foreach (var entry in group.Appended)
                _log.LogInformation("Ledger anchored {Kind} {Key} at entry {Index}", entry.Kind, entry.Key, entry.Index);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<AppendResult> AppendToAsync(Group group, LedgerRecord record, CancellationToken ct)
    {
        var existing = await FindInAsync(group, record.Key, ct);
        if (existing is not null)
        {
            if (existing.PayloadHash == record.PayloadHash && existing.Kind == record.Kind)
                return new AppendResult.AlreadyAnchored(existing);
            var reason = $"key {Short(record.Key)} was anchored as {existing.Kind} at entry {existing.Index} on {existing.RecordedAt:yyyy-MM-dd HH:mm:ss}Z";
            _log.LogWarning("Ledger refused {Kind} {Key}: {Reason}", record.Kind, record.Key, reason);
            return new AppendResult.Refused(existing, reason);
        }

        var index = group.Frontier.Count;
        var recordedAt = DateTimeOffset.FromUnixTimeMilliseconds(_clock.GetUtcNow().ToUnixTimeMilliseconds());
        var leaf = LeafEncoding.LeafHash(index, record.Kind, record.Key, record.PayloadHash, recordedAt);
        var chain = Chain(group.Chain, leaf);
        var completed = new List<(int Level, long Index, byte[] Hash)>();
        group.Frontier.Append(leaf, completed);
        object[] values = [index, record.Kind, record.Key, record.PayloadHash, recordedAt.ToUnixTimeMilliseconds(), leaf, chain, group.Frontier.Root()];
        for (var i = 0; i < values.Length; i++)
            group.Entry[i].Value = values[i];
        await group.Insert.ExecuteNonQueryAsync(ct);
        foreach (var (level, at, hash) in completed)
        {
            (group.NodeColumns.Level.Value, group.NodeColumns.Index.Value, group.NodeColumns.Hash.Value) = (level, at, hash);
            await group.Node.ExecuteNonQueryAsync(ct);
        }
        group.Chain = chain;
        var entry = new LedgerEntry(index, record.Kind, record.Key, record.PayloadHash, recordedAt, Convert.ToHexStringLower(leaf));
        group.Appended.Add(entry);
        return new AppendResult.Appended(entry);
    }

    private static async Task<LedgerEntry?> FindInAsync(Group group, string key, CancellationToken ct)
    {
        group.FindKey.Value = key;
        await using var r = await group.Find.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadEntry(r) : null;
    }

    public Task<LedgerEntry?> FindAsync(string key, CancellationToken ct = default) =>
        _group.Value is { } group ? FindInAsync(group, key, ct) : ExclusiveAsync(catchUp: false, () => FindAsync(null, key, ct), ct);

    private async Task<LedgerEntry?> FindAsync(SqliteTransaction? tx, string key, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = FindSql;
        cmd.Parameters.AddWithValue("$key", key);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadEntry(r) : null;
    }

    public Task<IReadOnlyList<LedgerEntry>> EntriesAsync(long from, int count, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return ExclusiveAsync<IReadOnlyList<LedgerEntry>>(catchUp: false, async () =>
        {
            var entries = new List<LedgerEntry>();
            await using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT idx, kind, key, payload_hash, recorded_at, leaf_hash FROM entries WHERE idx >= $from ORDER BY idx LIMIT $count";
            cmd.Parameters.AddWithValue("$from", from);
            cmd.Parameters.AddWithValue("$count", count);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                entries.Add(ReadEntry(r));
            return entries;
        }, ct);
    }

    public Task<TreeHead> HeadAsync(CancellationToken ct = default) =>
        ExclusiveAsync(catchUp: true, () => Task.FromResult(new TreeHead(_frontier.Count, _frontier.Root())), ct);

    public Task<InclusionProof> ProveAsync(long index, CancellationToken ct = default) =>
        ExclusiveAsync(catchUp: true, async () =>
        {
            var size = _frontier.Count;
            if (index < 0 || index >= size)
                throw new ArgumentOutOfRangeException(nameof(index), $"the ledger has {size} entries; there is no entry {index}");
            var nodes = await NodesAsync(n => { MerkleHash.InclusionPath(n, index, size); _ = n(0, index); }, ct);
            return new InclusionProof(index, size, nodes(0, index), MerkleHash.InclusionPath(nodes, index, size), _frontier.Root());
        }, ct);

    public Task<ConsistencyProof> ProveConsistencyAsync(long firstSize, CancellationToken ct = default) =>
        ExclusiveAsync(catchUp: true, async () =>
        {
            var size = _frontier.Count;
            if (firstSize < 1 || firstSize > size)
                throw new ArgumentOutOfRangeException(nameof(firstSize), $"the ledger has {size} entries; a consistency proof starts from 1 to {size} of them, not {firstSize}");
            var nodes = await NodesAsync(n => { MerkleHash.ConsistencyPath(n, firstSize, size); MerkleHash.Subtree(n, 0, firstSize); }, ct);
            return new ConsistencyProof(firstSize, size, MerkleHash.Subtree(nodes, 0, firstSize), _frontier.Root(), MerkleHash.ConsistencyPath(nodes, firstSize, size));
        }, ct);

    /// <summary>Runs <paramref name="work"/> as the connection's one user (appends share it), after catching up with what
    /// other processes appended when <paramref name="catchUp"/>.</summary>
    private async Task<T> ExclusiveAsync<T>(bool catchUp, Func<Task<T>> work, CancellationToken ct)
    {
        if (_group.Value is not null)
            throw new InvalidOperationException("inside a group of appends only AppendAsync and FindAsync may be called");
        await _gate.WaitAsync(ct);
        try
        {
            if (catchUp)
                await CatchUpAsync(null, ct);
            return await work();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == Corrupt)
        {
            throw new LedgerDamagedException($"the ledger file is damaged (cut short or corrupted): SQLite cannot read it ({e.Message})", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The perfect subtrees a proof reads, loaded in one pass: the proof is first run against placeholders to learn
    /// which it asks for (its shape depends on sizes alone), then those are read from <c>nodes</c> (level 0 from the
    /// entries' leaf hashes). A file without stored nodes is proved from all its leaves.</summary>
    private async Task<PerfectNode> NodesAsync(Action<PerfectNode> proof, CancellationToken ct)
    {
        if (!_nodes)
            return MerkleHash.FromLeaves(await LeafHashesAsync(ct));
        var wanted = new HashSet<(int Level, long Index)>();
        proof((level, index) =>
        {
            wanted.Add((level, index));
            return new byte[MerkleHash.Size];
        });
        var found = new Dictionary<(int, long), byte[]>();
        await using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT leaf_hash FROM entries WHERE idx = $i";
        await using var node = _db.CreateCommand();
        node.CommandText = "SELECT hash FROM nodes WHERE level = $l AND idx = $i";
        foreach (var (level, index) in wanted)
        {
            var query = level == 0 ? cmd : node;
            query.Parameters.Clear();
            query.Parameters.AddWithValue("$i", index);
            if (level > 0)
                query.Parameters.AddWithValue("$l", level);
            found[(level, index)] = await query.ExecuteScalarAsync(ct) as byte[]
                ?? throw new InvalidDataException($"the ledger lacks its {(level == 0 ? "leaf" : $"level-{level} node")} {index}; run ledger verify");
        }
        return (level, index) => found[(level, index)];
    }

    /// <summary>Recomputes every leaf, chain link and root from the stored fields and names the first
    /// entry whose stored hashes do not follow from its content and its predecessors.</summary>
    public Task<LedgerVerification> VerifyAsync(IProgress<long>? progress = null, CancellationToken ct = default) =>
        ExclusiveAsync(catchUp: false, () => RecomputeAsync(progress, ct), ct);

    private async Task<LedgerVerification> RecomputeAsync(IProgress<long>? progress, CancellationToken ct)
    {
        await IntegrityCheckAsync(ct);
        var frontier = new MerkleFrontier();
        var chain = new byte[MerkleHash.Size];
        await using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT idx, kind, key, payload_hash, recorded_at, leaf_hash, chain_hash, root_after FROM entries ORDER BY idx";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        // The stored interior nodes in the order appends complete them (a node of level L at index I completes with leaf
        // (I + 1)·2^L − 1, lower levels first), read beside the entries and compared with the recomputed ones: proofs are
        // read from them, so a changed node is a tampered ledger even while every entry still hashes right.
        await using var nodesCmd = _db.CreateCommand();
        nodesCmd.CommandText = "SELECT level, idx, hash FROM nodes ORDER BY ((idx + 1) << level), level";
        await using var nodes = _nodes ? await nodesCmd.ExecuteReaderAsync(ct) : null;
        var completed = new List<(int Level, long Index, byte[] Hash)>();
        long expected = 0;
        while (true)
        {
            try
            {
                if (!await r.ReadAsync(ct))
                    break;
            }
            catch (SqliteException damaged) when (damaged.SqliteErrorCode == Corrupt)
            {
                return Tampered(expected, frontier, $"the file is damaged from here on (cut short or corrupted): SQLite cannot read it ({damaged.Message})");
            }
            var e = ReadEntry(r);
            if (e.Index != expected)
                return Tampered(expected, frontier, $"entry {expected} is missing (found {e.Index} next)");
            var leaf = LeafEncoding.LeafHash(e.Index, e.Kind, e.Key, e.PayloadHash, e.RecordedAt);
            if (!leaf.AsSpan().SequenceEqual((byte[])r[5]))
                return Tampered(e.Index, frontier, "its content does not hash to its stored leaf hash");
            chain = Chain(chain, leaf);
            if (!chain.AsSpan().SequenceEqual((byte[])r[6]))
                return Tampered(e.Index, frontier, "its hash-chain link does not follow from the entries before it");
            completed.Clear();
            frontier.Append(leaf, completed);
            if (!frontier.Root().AsSpan().SequenceEqual((byte[])r[7]))
                return Tampered(e.Index, frontier, "the tree root stored after it does not match the recomputed root");
            if (nodes is not null)
            {
                foreach (var (level, index, hash) in completed)
                {
                    if (!await nodes.ReadAsync(ct) || nodes.GetInt32(0) != level || nodes.GetInt64(1) != index || !hash.AsSpan().SequenceEqual((byte[])nodes[2]))
                        return Tampered(e.Index, frontier, $"the stored interior node it completes (level {level}, index {index}) is missing or does not match the recomputed one; proofs read it");
                }
            }
            expected++;
            progress?.Report(expected);
        }
        if (nodes is not null && await nodes.ReadAsync(ct))
            return Tampered(expected, frontier, $"a stored interior node (level {nodes.GetInt32(0)}, index {nodes.GetInt64(1)}) lies past the last entry");
        return Intact(frontier);
    }

    /// <summary>SQLite's own check of the file's structure (pages, and every index against its table: <c>integrity_check</c>,
    /// not the quicker <c>quick_check</c>, which misses a key index that lost a row): a flipped byte in an index or a free
    /// page breaks no entry's hashes but is damage all the same. Errors: <see cref="LedgerDamagedException"/>.</summary>
    private async Task IntegrityCheckAsync(CancellationToken ct)
    {
        await using var check = _db.CreateCommand();
        check.CommandText = "PRAGMA integrity_check(3)";
        var problems = new List<string>();
        try
        {
            await using var r = await check.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                problems.AddRange(r.GetString(0).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(line => !line.StartsWith("***", StringComparison.Ordinal)));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == Corrupt)
        {
            throw new LedgerDamagedException($"the ledger file is damaged: SQLite cannot read it ({e.Message})", e);
        }
        if (problems is not ["ok"])
            throw new LedgerDamagedException($"the ledger file is damaged: SQLite's integrity check reports {string.Join("; ", problems)}", null);
    }

    public async ValueTask DisposeAsync()
    {
        await Checkpoint(_db);
        await _db.DisposeAsync();
        _gate.Dispose();
    }

    /// <summary>Moves the write-ahead log into the file on close: a ledger.db copied on its own (to an auditor,
    /// a backup) then holds every entry, not the few the last checkpoint left there.</summary>
    private static async Task Checkpoint(SqliteConnection db)
    {
        try
        {
            await using var cmd = db.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            await cmd.ExecuteNonQueryAsync();
        }
        catch (SqliteException)
        {
            // Read-only or busy: the log stays beside the file, and SQLite still reads through it.
        }
    }

    private async Task<List<byte[]>> LeafHashesAsync(CancellationToken ct)
    {
        var leaves = new List<byte[]>();
        await using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT leaf_hash FROM entries ORDER BY idx";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            leaves.Add((byte[])r[0]);
        return leaves;
    }

    private static LedgerEntry ReadEntry(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), Convert.ToHexStringLower((byte[])r[5]));

    private static byte[] Chain(byte[] previous, byte[] leaf)
    {
        Span<byte> buffer = stackalloc byte[2 * MerkleHash.Size];
        previous.CopyTo(buffer);
        leaf.CopyTo(buffer[MerkleHash.Size..]);
        return SHA256.HashData(buffer);
    }

    private static string Short(string hex) => hex[..12] + "…";

    /// <summary>SQLITE_CORRUPT: the file is a database whose pages do not hold together (cut short, overwritten).</summary>
    private const int Corrupt = 11;

    private static async Task Exec(SqliteConnection db, string sql, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static LedgerVerification Intact(MerkleFrontier f) => new(f.Count, Convert.ToHexStringLower(f.Root()), null, null);

    private static LedgerVerification Tampered(long index, MerkleFrontier f, string problem) =>
        new(f.Count, Convert.ToHexStringLower(f.Root()), index, $"entry {index}: {problem}");
}

/// <summary>A ledger file that is a SQLite database but cannot be read whole: cut short or corrupted. For an auditor this is
/// a finding, not a wrong argument: the entries it held cannot be recomputed.</summary>
public sealed class LedgerDamagedException(string message, Exception? inner) : IOException(message, inner);

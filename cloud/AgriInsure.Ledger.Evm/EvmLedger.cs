using System.Text;
using AgriInsure.Ledger.Proofs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.ABI;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Util;

namespace AgriInsure.Ledger.Evm;

/// <summary>The ledger shared by the insurers of a region: <see cref="ILedger"/> on the AgriLedger contract.
/// <para>Every record goes through the contract's one generic <c>anchor(key, kind, payloadHash)</c>, not through
/// registerClaim, anchorPolicy or recordLifeEvent: a <see cref="LedgerRecord"/> carries a kind, a key and a payload hash
/// only, while those functions need what it lacks (a cover window and a subject key, an animal id and the event's time),
/// and recordLifeEvent appends where this contract must refuse a second record under a key. The generic anchor keeps the
/// contract of <see cref="ILedger"/> exactly (a key once, whoever anchors it; one ordered log), and registerClaim shares its
/// key space on chain, so a claim key taken by either path is refused on both.</para>
/// <para>The log is the contract's Anchored events in index order. Its Merkle tree (RFC 6962 hashing, the embedded
/// ledger's leaf encoding over index, kind, key, payload hash and block time in milliseconds) is computed here from
/// those events, so inclusion and consistency proofs verify with <see cref="ProofVerifier"/> like the embedded log's,
/// and anyone who reads the chain can recompute them. That an event is on the chain is the chain's own guarantee; what a
/// proof adds is a compact, chain-independent receipt. <see cref="VerifyAsync"/> checks the node's events against the
/// contract's storage and its running hash <c>logHead</c>.</para>
/// <para>Appends are simulated first (eth_call: a refused key or a missing role costs no gas), then sent and read from
/// the receipt: a reverted transaction is mined with status 0, and its reason is read back (<see cref="EvmChain"/>).</para></summary>
public sealed class EvmLedger : ILedger
{
    /// <summary>The most blocks one eth_getLogs asks for: nodes and providers cap the range.</summary>
    private const long LogRange = 10_000;

    private readonly EvmChain _chain;
    private readonly ILogger _log;
    private readonly long _fromBlock;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<Anchored> _entries = [];
    private readonly List<byte[]> _leaves = [];
    private readonly MerkleFrontier _frontier = new();
    private long _scannedTo;

    private EvmLedger(EvmChain chain, string contract, long fromBlock, ILogger log)
    {
        _chain = chain;
        Contract = contract;
        _fromBlock = fromBlock;
        _scannedTo = fromBlock - 1;
        _log = log;
    }

    /// <summary>The contract's address.</summary>
    public string Contract { get; }

    /// <summary>The account this ledger writes from.</summary>
    public string Account => _chain.Address;

    /// <summary>The connection, for the contract's other functions (policies, life events, checkpoints).</summary>
    public EvmChain Chain => _chain;

    /// <summary>Deploys a new AgriLedger contract with <paramref name="ownerKey"/>'s account as the consortium's owner.
    /// Returns its address and the block its events start from.</summary>
    public static async Task<(string Contract, long Block)> DeployAsync(EvmChainOptions options, string ownerKey, ILogger? log = null, CancellationToken ct = default)
    {
        using var chain = await EvmChain.ConnectAsync(options, ownerKey, log, ct);
        return await chain.DeployAgriLedgerAsync(ct);
    }

    /// <summary>The ledger at <paramref name="contract"/> (deployed in block <paramref name="fromBlock"/> or later), written
    /// from <paramref name="privateKey"/>'s account. Writing needs the account admitted as an insurer (or, to admit and
    /// remove insurers, to be the consortium's owner); reading and proving need no role.</summary>
    public static async Task<EvmLedger> ConnectAsync(EvmChainOptions options, string privateKey, string contract, long fromBlock = 0,
        ILoggerFactory? logs = null, CancellationToken ct = default)
    {
        var chain = await EvmChain.ConnectAsync(options, privateKey, logs?.CreateLogger<EvmChain>(), ct);
        try
        {
            await chain.RequireContractAsync(contract, ct);
        }
        catch
        {
            chain.Dispose();
            throw;
        }
        return new EvmLedger(chain, contract, fromBlock, (ILogger?)logs?.CreateLogger<EvmLedger>() ?? NullLogger.Instance);
    }

    /// <summary>The ledger at <paramref name="contract"/> to read, prove and verify, as anyone may: through an account made
    /// for the connection (reading needs no role, and no insurer's key is needed); an append through it is refused.</summary>
    public static Task<EvmLedger> ConnectReaderAsync(EvmChainOptions options, string contract, long fromBlock = 0, ILoggerFactory? logs = null, CancellationToken ct = default) =>
        ConnectAsync(options, Nethereum.Signer.EthECKey.GenerateKey().GetPrivateKey(), contract, fromBlock, logs, ct);

    /// <summary>Admits <paramref name="insurer"/>'s account (the consortium's owner only). Errors:
    /// <see cref="UnauthorizedAccessException"/> with the contract's reason when this account is not the owner.</summary>
    public Task AdmitInsurerAsync(string insurer, CancellationToken ct = default) =>
        OwnerSendAsync(new AdmitInsurerFunction { Insurer = insurer }, $"admit {insurer}", ct);

    /// <summary>Removes <paramref name="insurer"/>'s account: it writes nothing more; what it wrote stays.</summary>
    public Task RemoveInsurerAsync(string insurer, CancellationToken ct = default) =>
        OwnerSendAsync(new RemoveInsurerFunction { Insurer = insurer }, $"remove {insurer}", ct);

    /// <summary>Whether <paramref name="account"/> is an admitted insurer now.</summary>
    public Task<bool> IsInsurerAsync(string account, CancellationToken ct = default) =>
        _chain.CallValueAsync<HasRoleFunction, bool>(Contract, new HasRoleFunction { Role = AgriLedgerContract.InsurerRole, Account = account }, ct: ct);

    private async Task OwnerSendAsync<TFunction>(TFunction message, string what, CancellationToken ct)
        where TFunction : Nethereum.Contracts.FunctionMessage, new()
    {
        var mined = await _chain.SendAsync(Contract, message, ct);
        if (!mined.Succeeded)
            throw new UnauthorizedAccessException($"could not {what}: {mined.RevertReason}");
        _log.LogInformation("Ledger (EVM): {What} in transaction {Hash}", what, mined.Hash);
    }

    /// <summary>Anchors <paramref name="record"/>. Appended: a new entry, in the log at the index the contract gave it.
    /// AlreadyAnchored: the key holds this kind and payload already (a retry, by any insurer). Refused: the key holds
    /// another record; the reason starts with the contract's revert reason. Errors: <see cref="UnauthorizedAccessException"/>
    /// when this account is not an admitted insurer; <see cref="InvalidOperationException"/> for any other revert;
    /// <see cref="TimeoutException"/> when the transaction is not mined in time.</summary>
    public async Task<AppendResult> AppendAsync(LedgerRecord record, CancellationToken ct = default)
    {
        var message = new AnchorFunction { Key = record.Key.HexToByteArray(), Kind = KindBytes(record.Kind), PayloadHash = record.PayloadHash.HexToByteArray() };
        if (await _chain.SimulateAsync(Contract, message, ct) is { } refusal)
            return await ResolveAsync(record, refusal, ct);
        var mined = await _chain.SendAsync(Contract, message, ct);
        if (!mined.Succeeded)
            return await ResolveAsync(record, mined.RevertReason ?? "reverted", ct);
        var anchored = Event<AnchoredEvent>.DecodeAllEvents(mined.Receipt.Logs).Single(e => e.Event.Key.AsSpan().SequenceEqual(message.Key));
        var entry = ToEntry(anchored.Event).Entry;
        _log.LogInformation("Ledger (EVM) anchored {Kind} {Key} at entry {Index} in transaction {Hash}, block {Block}", record.Kind, record.Key, entry.Index, mined.Hash, mined.Block);
        return new AppendResult.Appended(entry);
    }

    private async Task<AppendResult> ResolveAsync(LedgerRecord record, string reason, CancellationToken ct)
    {
        if (!await IsInsurerAsync(_chain.Address, ct))
            throw new UnauthorizedAccessException($"the ledger refused {record.Kind} {Short(record.Key)}: {reason}");
        var existing = await FindAsync(record.Key, ct)
            ?? throw new InvalidOperationException($"the ledger refused {record.Kind} {Short(record.Key)}: {reason}");
        if (existing.Kind == record.Kind && existing.PayloadHash == record.PayloadHash)
            return new AppendResult.AlreadyAnchored(existing);
        var why = $"{reason}: key {Short(record.Key)} was anchored as {existing.Kind} at entry {existing.Index} on {existing.RecordedAt:yyyy-MM-dd HH:mm:ss}Z";
        _log.LogWarning("Ledger (EVM) refused {Kind} {Key}: {Reason}", record.Kind, record.Key, why);
        return new AppendResult.Refused(existing, why);
    }

    public async Task<LedgerEntry?> FindAsync(string key, CancellationToken ct = default)
    {
        if (key.Length != 64 || !key.All(char.IsAsciiHexDigitLower))
            return null;
        var stored = (await _chain.CallAsync<EntryFunction, EntryOutput>(Contract, new EntryFunction { Key = key.HexToByteArray() }, ct: ct)).Value;
        return IsZero(stored.Insurer) ? null : Entry((long)stored.Index, KindText(stored.Kind), key, stored.PayloadHash.ToHex(), (long)stored.Time);
    }

    /// <summary>The entries as this node's Anchored events give them, read up to the latest block.</summary>
    public Task<IReadOnlyList<LedgerEntry>> EntriesAsync(long from, int count, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return ReadAsync(() => Task.FromResult<IReadOnlyList<LedgerEntry>>([.. _entries.Skip((int)Math.Min(from, _entries.Count)).Take(count).Select(e => e.Entry)]), ct);
    }

    public Task<TreeHead> HeadAsync(CancellationToken ct = default) =>
        ReadAsync(() => Task.FromResult(new TreeHead(_entries.Count, _frontier.Root())), ct);

    public Task<InclusionProof> ProveAsync(long index, CancellationToken ct = default) =>
        ReadAsync(() =>
        {
            var size = _entries.Count;
            if (index < 0 || index >= size)
                throw new ArgumentOutOfRangeException(nameof(index), $"the ledger has {size} entries; there is no entry {index}");
            return Task.FromResult(new InclusionProof(index, size, _leaves[(int)index], MerkleHash.InclusionPath(_leaves, index, size), _frontier.Root()));
        }, ct);

    public Task<ConsistencyProof> ProveConsistencyAsync(long firstSize, CancellationToken ct = default) =>
        ReadAsync(() =>
        {
            var size = _entries.Count;
            if (firstSize < 1 || firstSize > size)
                throw new ArgumentOutOfRangeException(nameof(firstSize), $"the ledger has {size} entries; a consistency proof starts from 1 to {size} of them, not {firstSize}");
            var nodes = MerkleHash.FromLeaves(_leaves);
            return Task.FromResult(new ConsistencyProof(firstSize, size, MerkleHash.Subtree(nodes, 0, firstSize), _frontier.Root(), MerkleHash.ConsistencyPath(nodes, firstSize, size)));
        }, ct);

    /// <summary>Checks the log this node serves against the contract: each Anchored event against what the contract
    /// stores under its key, their number against <c>size</c>, and the hash chain over them against <c>logHead</c>, all at
    /// the block the events were read to. Names the first entry that does not match (a node that left out, changed or
    /// invented an event).</summary>
    public Task<LedgerVerification> VerifyAsync(IProgress<long>? progress = null, CancellationToken ct = default) =>
        ReadAsync(async () =>
        {
            var block = _scannedTo;
            var frontier = new MerkleFrontier();
            var head = new byte[32];
            for (var i = 0; i < _entries.Count; i++)
            {
                var (entry, insurer) = _entries[i];
                var stored = (await _chain.CallAsync<EntryFunction, EntryOutput>(Contract, new EntryFunction { Key = entry.Key.HexToByteArray() }, block, ct)).Value;
                if (IsZero(stored.Insurer) || (long)stored.Index != entry.Index || KindText(stored.Kind) != entry.Kind || stored.PayloadHash.ToHex() != entry.PayloadHash
                    || (long)stored.Time * 1000 != entry.RecordedAt.ToUnixTimeMilliseconds() || !AddressUtil.Current.AreAddressesTheSame(stored.Insurer, insurer))
                    return Tampered(i, frontier, $"entry {i}: its Anchored event does not match what the contract stores under its key");
                head = LogHead(head, entry, insurer);
                frontier.Append(_leaves[i]);
                progress?.Report(i + 1);
            }
            var size = await _chain.CallValueAsync<SizeFunction, ulong>(Contract, new SizeFunction(), block, ct);
            if ((long)size != _entries.Count)
                return Tampered(_entries.Count, frontier, $"entry {_entries.Count}: the contract holds {size} entries, the node's events {_entries.Count}");
            var logHead = await _chain.CallValueAsync<LogHeadFunction, byte[]>(Contract, new LogHeadFunction(), block, ct);
            if (!logHead.AsSpan().SequenceEqual(head))
                return Tampered(0, frontier, "entry 0: the events do not hash to the contract's logHead");
            return new LedgerVerification(frontier.Count, Convert.ToHexStringLower(frontier.Root()), null, null);
        }, ct);

    private static LedgerVerification Tampered(long index, MerkleFrontier f, string problem) =>
        new(f.Count, Convert.ToHexStringLower(f.Root()), index, problem);

    /// <summary>The contract's running hash: keccak256(abi.encode(previous, key, kind, payloadHash, index, time, insurer)).</summary>
    private static byte[] LogHead(byte[] previous, LedgerEntry e, string insurer)
    {
        var encoded = new ABIEncode().GetABIEncoded(
            new ABIValue("bytes32", previous),
            new ABIValue("bytes32", e.Key.HexToByteArray()),
            new ABIValue("bytes32", KindBytes(e.Kind)),
            new ABIValue("bytes32", e.PayloadHash.HexToByteArray()),
            new ABIValue("uint48", e.Index),
            new ABIValue("uint48", e.RecordedAt.ToUnixTimeSeconds()),
            new ABIValue("address", insurer));
        return Sha3Keccack.Current.CalculateHash(encoded);
    }

    /// <summary>Runs <paramref name="work"/> on the log as the node serves it now, read up to the latest block.</summary>
    private async Task<T> ReadAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await CatchUpAsync(ct);
            return await work();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Adds the Anchored events of the blocks mined since the last read. Errors: <see cref="InvalidDataException"/>
    /// when the events skip or repeat an index (a node serving an incomplete log).</summary>
    private async Task CatchUpAsync(CancellationToken ct)
    {
        var latest = await _chain.BlockNumberAsync(ct);
        for (var from = Math.Max(_scannedTo + 1, _fromBlock); from <= latest; from += LogRange)
        {
            var to = Math.Min(latest, from + LogRange - 1);
            foreach (var e in await _chain.EventsAsync<AnchoredEvent>(Contract, from, to, ct: ct))
            {
                if ((long)e.Event.Index != _entries.Count)
                    throw new InvalidDataException($"the node's Anchored events of contract {Contract} go from entry {_entries.Count - 1} to {e.Event.Index} (block {e.Log.BlockNumber.Value})");
                var anchored = ToEntry(e.Event);
                var leaf = Convert.FromHexString(anchored.Entry.Anchor);
                _entries.Add(anchored);
                _leaves.Add(leaf);
                _frontier.Append(leaf);
            }
            _scannedTo = to;
        }
    }

    private readonly record struct Anchored(LedgerEntry Entry, string Insurer);

    private static Anchored ToEntry(AnchoredEvent e) =>
        new(Entry((long)e.Index, KindText(e.Kind), e.Key.ToHex(), e.PayloadHash.ToHex(), (long)e.Time), e.Insurer);

    /// <summary>An entry as the embedded ledger has it: the block's time (whole seconds) as its time, and its leaf hash
    /// (the same encoding) as its anchor.</summary>
    private static LedgerEntry Entry(long index, string kind, string key, string payloadHash, long unixSeconds)
    {
        var recordedAt = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        var leaf = LeafEncoding.LeafHash(index, kind, key, payloadHash, recordedAt);
        return new LedgerEntry(index, kind, key, payloadHash, recordedAt, Convert.ToHexStringLower(leaf));
    }

    /// <summary>A kind (1–32 of a-z and -, as <see cref="LedgerRecord"/> allows) as bytes32: ASCII, left-aligned, zero-padded.</summary>
    private static byte[] KindBytes(string kind)
    {
        var bytes = new byte[32];
        Encoding.ASCII.GetBytes(kind, bytes);
        return bytes;
    }

    private static string KindText(byte[] kind)
    {
        var end = Array.IndexOf(kind, (byte)0);
        return Encoding.ASCII.GetString(kind, 0, end < 0 ? kind.Length : end);
    }

    private static bool IsZero(string address) => address.RemoveHexPrefix().All(c => c == '0');

    private static string Short(string hex) => hex[..12] + "…";

    public ValueTask DisposeAsync()
    {
        _chain.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}

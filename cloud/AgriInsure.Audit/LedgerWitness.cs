using AgriInsure.Ledger;
using AgriInsure.Ledger.Proofs;

namespace AgriInsure.Audit;

/// <summary>An inclusion proof checked by a <see cref="LedgerWitness"/>: <see cref="Proof"/> (its root the witness's
/// recomputed one) when it holds, else <see cref="Head"/> names the entry that does not follow and why.</summary>
public sealed record WitnessedProof(LedgerVerification Head, InclusionProof? Proof);

/// <summary>Keeps a Merkle root recomputed from the ledger's content (every entry's leaf hashed again from its index,
/// kind, key, payload hash and time, <see cref="LeafEncoding"/>) and extends it as the ledger grows, so a service can
/// answer each proof in O(k + log n) (k entries appended since the last call) instead of verifying the whole log on every
/// request. The first call reads the whole ledger once (O(n)).
/// <para>A proof is given only when the entry as read now hashes to the proof's leaf and the proof verifies against the
/// recomputed root (RFC 9162 §2.1.3.2): a proof from stored hashes alone would vouch for an entry a forger changed together
/// with its hashes. An entry changed after the witness read it fails its own proof; whole-log checks (hash chain, stored
/// roots, published checkpoints) stay with <see cref="ILedger.VerifyAsync"/> and <c>ledger verify --against-chain</c>.
/// Once the ledger is found tampered (an entry whose content does not hash to the leaf it serves, a gap, a log shorter than
/// the witness has seen) every later answer says so: a tampered log does not heal.</para>
/// Thread-safe; one witness per ledger.</summary>
public sealed class LedgerWitness(ILedger ledger)
{
    /// <summary>How many entries one read asks the ledger for.</summary>
    private const int Page = 10_000;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile LedgerVerification? _known;
    private readonly MerkleFrontier _frontier = new();
    private LedgerVerification? _tampered;
    private byte[]? _lastLeaf;

    /// <summary>The last answer given (by <see cref="HeadAsync"/> or <see cref="ProveAsync"/>), without reading anything: what
    /// a health probe reports without waiting for the first whole read. Null before the first answer.</summary>
    public LedgerVerification? Known => _known;

    /// <summary>The ledger's size and the root recomputed from its content, or the first entry that does not follow.</summary>
    public async Task<LedgerVerification> HeadAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return _known = await ExtendAsync((await ledger.HeadAsync(ct)).Size, ct);
        }
        catch (IOException e)
        {
            return _known = Unreadable(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The inclusion proof of <paramref name="entry"/> (as found in the ledger now) against the recomputed root
    /// of the ledger's current size.</summary>
    public async Task<WitnessedProof> ProveAsync(LedgerEntry entry, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var head = _known = await ExtendAsync((await ledger.HeadAsync(ct)).Size, ct);
            if (!head.IsIntact)
                return new WitnessedProof(head, null);
            InclusionProof proof;
            try
            {
                proof = await ledger.ProveAsync(entry.Index, ct);
            }
            catch (InvalidDataException e)
            {
                // A stored node or leaf the proof needs is gone.
                return new WitnessedProof(Fail(entry.Index, e.Message), null);
            }
            // Entries appended between the head and the proof.
            head = await ExtendAsync(proof.TreeSize, ct);
            if (!head.IsIntact)
                return new WitnessedProof(head, null);
            var leaf = Leaf(entry);
            var root = Convert.FromHexString(head.Root);
            if (!leaf.AsSpan().SequenceEqual(proof.LeafHash))
                return new WitnessedProof(Fail(entry.Index, "its content does not hash to the leaf its proof was built from"), null);
            if (!ProofVerifier.VerifyInclusion(leaf, proof.Index, proof.TreeSize, proof.Path, root))
                return new WitnessedProof(Fail(entry.Index, "its proof does not verify against the root recomputed from every entry"), null);
            return new WitnessedProof(head, proof with { Root = root });
        }
        catch (IOException e)
        {
            return new WitnessedProof(Unreadable(e), null);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads entries from the witness's size up to <paramref name="size"/>, each leaf recomputed and compared with
    /// the one the ledger serves.</summary>
    private async Task<LedgerVerification> ExtendAsync(long size, CancellationToken ct)
    {
        if (_tampered is not null)
            return _tampered;
        if (size < _frontier.Count)
            return Fail(_frontier.Count - 1, $"the ledger has {size} entries, fewer than the {_frontier.Count} it had: entries were removed");
        // The ledger's own size may be one it keeps in memory: the last entry read is read again (one indexed row), so a
        // file cut short or rewritten at its end while the service runs is caught.
        if (_lastLeaf is not null)
        {
            var last = _frontier.Count - 1;
            var tail = await ledger.EntriesAsync(last, 1, ct);
            if (tail.Count == 0 || tail[0].Index != last)
                return Fail(last, "it is gone: the ledger was cut short");
            if (!Leaf(tail[0]).AsSpan().SequenceEqual(_lastLeaf))
                return Fail(last, "its content changed after it was read");
        }
        while (_frontier.Count < size)
        {
            var from = _frontier.Count;
            var entries = await ledger.EntriesAsync(from, (int)Math.Min(Page, size - from), ct);
            if (entries.Count == 0)
                return Fail(from, $"entry {from} is missing (the ledger says it has {size})");
            foreach (var e in entries)
            {
                if (e.Index != _frontier.Count)
                    return Fail(_frontier.Count, $"entry {_frontier.Count} is missing (found {e.Index} next)");
                var leaf = Leaf(e);
                if (!string.Equals(Convert.ToHexStringLower(leaf), e.Anchor, StringComparison.Ordinal))
                    return Fail(e.Index, "its content does not hash to its stored leaf hash");
                _frontier.Append(leaf);
                _lastLeaf = leaf;
            }
        }
        return new LedgerVerification(_frontier.Count, Convert.ToHexStringLower(_frontier.Root()), null, null);
    }

    private static byte[] Leaf(LedgerEntry e) => LeafEncoding.LeafHash(e.Index, e.Kind, e.Key, e.PayloadHash, e.RecordedAt);

    /// <summary>The ledger's store failed to read (a file cut short or corrupted under the service).</summary>
    private LedgerVerification Unreadable(IOException e) => Fail(_frontier.Count, $"the ledger cannot be read: {e.Message}");

    private LedgerVerification Fail(long index, string problem) =>
        _known = _tampered = new(_frontier.Count, Convert.ToHexStringLower(_frontier.Root()), index, $"entry {index}: {problem}");
}

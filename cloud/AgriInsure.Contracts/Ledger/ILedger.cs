namespace AgriInsure.Ledger;

/// <summary>What is anchored: a kind (policy, enrolment, claim), a key that may be anchored only once,
/// and the hash of the evidence. Both key and payload are SHA-256 hex, so no personal data can
/// reach the ledger through this type.</summary>
public sealed record LedgerRecord
{
    public LedgerRecord(string kind, string key, string payloadHash)
    {
        if (string.IsNullOrEmpty(kind) || kind.Length > 32 || !kind.All(c => char.IsAsciiLetterLower(c) || c == '-'))
            throw new ArgumentException($"kind '{kind}' must be 1-32 of a-z and -", nameof(kind));
        Kind = kind;
        Key = IsSha256Hex(key) ? key : throw new ArgumentException("the key must be a SHA-256 hex digest", nameof(key));
        PayloadHash = IsSha256Hex(payloadHash) ? payloadHash : throw new ArgumentException("the payload must be a SHA-256 hex digest", nameof(payloadHash));
    }

    public string Kind { get; }
    public string Key { get; }
    public string PayloadHash { get; }

    private static bool IsSha256Hex(string s) => s.Length == 64 && s.All(char.IsAsciiHexDigitLower);
}

public sealed record LedgerEntry(long Index, string Kind, string Key, string PayloadHash, DateTimeOffset RecordedAt, string Anchor);

public abstract record AppendResult(LedgerEntry Entry)
{
    /// <summary>Newly anchored.</summary>
    public sealed record Appended(LedgerEntry Entry) : AppendResult(Entry);

    /// <summary>The same key with the same payload was anchored before: a retry, not a second claim.</summary>
    public sealed record AlreadyAnchored(LedgerEntry Entry) : AppendResult(Entry);

    /// <summary>The key is taken by a different payload: a duplicate, refused.</summary>
    public sealed record Refused(LedgerEntry Entry, string Reason) : AppendResult(Entry);
}

public sealed record TreeHead(long Size, byte[] Root);

/// <summary>The whole log checked again from its stored content: how many entries, the root it gives (hex), and the
/// first entry whose stored hashes do not follow from its content and its predecessors, with why.</summary>
public sealed record LedgerVerification(long Entries, string Root, long? FirstTampered, string? Problem)
{
    public bool IsIntact => FirstTampered is null;
}

public sealed record InclusionProof(long Index, long TreeSize, byte[] LeafHash, IReadOnlyList<byte[]> Path, byte[] Root);

/// <summary>That the log of <see cref="FirstSize"/> entries is a prefix of the log of <see cref="SecondSize"/> (RFC 9162
/// §2.1.4): checked with <c>ProofVerifier.VerifyConsistency</c> against a root of the first size the checker already holds
/// (a checkpoint, an auditor's note); <see cref="FirstRoot"/> and <see cref="SecondRoot"/> are the prover's own.</summary>
public sealed record ConsistencyProof(long FirstSize, long SecondSize, byte[] FirstRoot, byte[] SecondRoot, IReadOnlyList<byte[]> Path);

/// <summary>An append-only register of anchored records that refuses a second record under a key.
/// The embedded engine is a Merkle log in SQLite; an EVM contract implements the same contract.</summary>
public interface ILedger : IAsyncDisposable
{
    Task<AppendResult> AppendAsync(LedgerRecord record, CancellationToken ct = default);

    Task<LedgerEntry?> FindAsync(string key, CancellationToken ct = default);

    /// <summary>Runs <paramref name="work"/> with the appends it makes (and the finds, which see them) written together: all
    /// or none, in one commit, so a batch of decisions pays for one durable write instead of one each. Nested inside
    /// another group it joins that one. An engine without such commits runs <paramref name="work"/> as it is, each append
    /// written on its own. Inside a group only <see cref="AppendAsync"/> and <see cref="FindAsync"/> may be called.</summary>
    Task<T> GroupAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken ct = default) => work(ct);

    /// <summary>Up to <paramref name="count"/> entries from index <paramref name="from"/> on, in index order, as the ledger
    /// serves them (fewer, or none, at its end): what a reconciliation reads the whole log by. Errors:
    /// <see cref="ArgumentOutOfRangeException"/> for a negative <paramref name="from"/> or a <paramref name="count"/> under 1.</summary>
    Task<IReadOnlyList<LedgerEntry>> EntriesAsync(long from, int count, CancellationToken ct = default);

    Task<TreeHead> HeadAsync(CancellationToken ct = default);

    /// <summary>The inclusion proof of entry <paramref name="index"/> in the log as it is now. Errors:
    /// <see cref="ArgumentOutOfRangeException"/> for an index past the end.</summary>
    Task<InclusionProof> ProveAsync(long index, CancellationToken ct = default);

    /// <summary>The consistency proof from the log's first <paramref name="firstSize"/> entries to the log as it is now.
    /// Errors: <see cref="ArgumentOutOfRangeException"/> unless 1 ≤ <paramref name="firstSize"/> ≤ the log's size.</summary>
    Task<ConsistencyProof> ProveConsistencyAsync(long firstSize, CancellationToken ct = default);

    /// <summary>Recomputes every entry's hashes from what is stored and names the first that does not follow.</summary>
    Task<LedgerVerification> VerifyAsync(IProgress<long>? progress = null, CancellationToken ct = default);
}

/// <summary>The rule every claim reads: a policy is in force once its signed contract is anchored
/// (<c>SignedContract.AnchorKey</c>; the contract desk anchors it only after both signatures verify). Read from the ledger,
/// not a registry, so it holds on every host and across insurers.</summary>
public static class PolicyInForce
{
    public static async Task<bool> IsInForceAsync(this ILedger ledger, string policyId, CancellationToken ct = default) =>
        await ledger.FindAsync(Domain.SignedContract.AnchorKey(policyId), ct) is { Kind: Domain.SignedContract.AnchorKind };
}

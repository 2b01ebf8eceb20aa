using AgriInsure.Ledger;
using AgriInsure.Ledger.Proofs;

namespace AgriInsure.Audit;

/// <summary>What a registry record says the ledger holds for it: the kind and key it was anchored under, the payload
/// (null where the registry cannot derive it: a refused duplicate claim, whose key holds the first claim's evidence; a
/// crop claim, whose assessment the registry does not keep; a model switch) and the entry the registry noted (null where it
/// notes none). <paramref name="Record"/> names the record for people ("policy LP-…, cover of A-…"). <paramref name="Refused"/>:
/// the ledger refused the record because another record holds its key, so the entry under the key is the refusal's evidence,
/// never this record's anchor (<see cref="AnchorStatus.Refused"/>).</summary>
public sealed record ExpectedAnchor(string Kind, string Key, string? PayloadHash, long? Entry, string Record, bool Refused = false);

public enum AnchorStatus
{
    /// <summary>The entry holds what the registry derives, and its inclusion proof verifies against the recomputed root.</summary>
    Verified,

    /// <summary>No entry under the key.</summary>
    Missing,

    /// <summary>An entry under the key, but its kind, payload or index is not what the registry derives.</summary>
    HashMismatch,

    /// <summary>The entry's inclusion proof does not verify against the root recomputed from every entry.</summary>
    ProofFails,

    /// <summary>The ledger does not verify (<see cref="ILedger.VerifyAsync"/>): no proof is checked against it.</summary>
    LedgerTampered,

    /// <summary>Not anchored, as the registry records: the ledger refused the record (a duplicate claim) because its key holds
    /// another record's entry, which <see cref="AnchorCheck.RefusedBy"/> names.</summary>
    Refused,
}

public static class AnchorStatusNames
{
    public static string Name(this AnchorStatus status) => status switch
    {
        AnchorStatus.Verified => "verified",
        AnchorStatus.Missing => "missing",
        AnchorStatus.HashMismatch => "hash-mismatch",
        AnchorStatus.ProofFails => "proof-fails",
        AnchorStatus.LedgerTampered => "ledger-tampered",
        AnchorStatus.Refused => "refused",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}

/// <summary>One record's anchor as checked: its status, the entry found under its key (null when missing), the inclusion
/// proof checked (RFC 9162 §2.1.3; null when none was) and why, in words. A refused record has no entry of its own:
/// <see cref="Entry"/> is null and <see cref="RefusedBy"/> is the other record's entry that holds its key.</summary>
public sealed record AnchorCheck(AnchorStatus Status, LedgerEntry? Entry, InclusionProof? Proof, string Detail, LedgerEntry? RefusedBy = null)
{
    /// <summary>The record agrees with the ledger: anchored with a proof that verifies, or refused on another record's entry.</summary>
    public bool Ok => Status is AnchorStatus.Verified or AnchorStatus.Refused;
}

/// <summary>Checks registry records' anchors on a ledger: each entry found under its key is compared with what the registry
/// derives, and its inclusion proof is verified with the standalone verifier (<see cref="ProofVerifier"/>) for a leaf hashed
/// again from the entry's content (<see cref="LeafEncoding"/>) against the root the ledger recomputed from every entry
/// (<see cref="ILedger.VerifyAsync"/>), never against the hashes it stores: those are what a forger would change with
/// the entry.</summary>
public sealed class AnchorChecker
{
    private readonly ILedger _ledger;
    private readonly byte[] _root;
    private readonly LedgerWitness? _witness;

    private AnchorChecker(ILedger ledger, LedgerVerification verification, LedgerWitness? witness = null)
    {
        _ledger = ledger;
        Verification = verification;
        _root = Convert.FromHexString(verification.Root);
        _witness = witness;
    }

    /// <summary>The ledger checked again whole when the checker was opened: its size and recomputed root.</summary>
    public LedgerVerification Verification { get; }

    public static async Task<AnchorChecker> OpenAsync(ILedger ledger, CancellationToken ct = default) =>
        new(ledger, await ledger.VerifyAsync(ct: ct));

    /// <summary>A checker for a running service, whose ledger grows while it checks: each proof comes from
    /// <paramref name="witness"/> (<see cref="LedgerWitness.ProveAsync"/>) against the root it recomputed from every entry
    /// up to that moment, so no request reads the whole ledger again and an entry appended meanwhile does not fail a proof.</summary>
    public static async Task<AnchorChecker> OverAsync(ILedger ledger, LedgerWitness witness, CancellationToken ct = default) =>
        new(ledger, await witness.HeadAsync(ct), witness);

    public async Task<AnchorCheck> CheckAsync(ExpectedAnchor expected, CancellationToken ct = default)
    {
        var entry = await _ledger.FindAsync(expected.Key, ct);
        if (entry is null)
            return new AnchorCheck(AnchorStatus.Missing, null, null, $"no ledger entry under its key {Short(expected.Key)}");
        if (Mismatch(expected, entry) is { } why)
            return new AnchorCheck(AnchorStatus.HashMismatch, entry, null, why);
        // The refusal rests on the other record's entry: on a tampered ledger that is not established either.
        if (expected.Refused)
            return Verification.IsIntact
                ? new AnchorCheck(AnchorStatus.Refused, null, null, $"not anchored: refused, entry {entry.Index} under its key holds another record", entry)
                : new AnchorCheck(AnchorStatus.LedgerTampered, null, null,
                    $"refused on entry {entry.Index}: not established, the ledger is tampered (first bad entry {Verification.FirstTampered}: {Verification.Problem})", entry);
        if (_witness is not null)
            return await WitnessedAsync(_witness, entry, ct);
        if (!Verification.IsIntact)
            return new AnchorCheck(AnchorStatus.LedgerTampered, entry, null,
                $"entry {entry.Index}: not proved, the ledger is tampered (first bad entry {Verification.FirstTampered}: {Verification.Problem})");
        if (entry.Index >= Verification.Entries)
            return new AnchorCheck(AnchorStatus.ProofFails, entry, null, $"entry {entry.Index} lies past the {Verification.Entries} entries verified");
        var proof = await _ledger.ProveAsync(entry.Index, ct);
        var leaf = LeafEncoding.LeafHash(entry.Index, entry.Kind, entry.Key, entry.PayloadHash, entry.RecordedAt);
        var ok = proof.TreeSize == Verification.Entries && ProofVerifier.VerifyInclusion(leaf, entry.Index, proof.TreeSize, proof.Path, _root);
        return ok
            ? new AnchorCheck(AnchorStatus.Verified, entry, proof, $"entry {entry.Index}: inclusion proof ({proof.Path.Count} hashes) verifies against the root of {Verification.Entries} entries")
            : new AnchorCheck(AnchorStatus.ProofFails, entry, proof, $"entry {entry.Index}: its inclusion proof does not verify against the root recomputed from every entry");
    }

    private static async Task<AnchorCheck> WitnessedAsync(LedgerWitness witness, LedgerEntry entry, CancellationToken ct)
    {
        var witnessed = await witness.ProveAsync(entry, ct);
        if (witnessed.Proof is { } proof)
            return new AnchorCheck(AnchorStatus.Verified, entry, proof,
                $"entry {entry.Index}: inclusion proof ({proof.Path.Count} hashes) verifies against the root of {proof.TreeSize} entries");
        var head = witnessed.Head;
        return head.FirstTampered == entry.Index
            ? new AnchorCheck(AnchorStatus.ProofFails, entry, null, $"entry {entry.Index}: {head.Problem}")
            : new AnchorCheck(AnchorStatus.LedgerTampered, entry, null,
                $"entry {entry.Index}: not proved, the ledger is tampered (first bad entry {head.FirstTampered}: {head.Problem})");
    }

    /// <summary>How <paramref name="entry"/> differs from what the registry derives; null when it does not. For a refused
    /// record the entry must be another record's of the same kind.</summary>
    public static string? Mismatch(ExpectedAnchor expected, LedgerEntry entry)
    {
        if (entry.Kind != expected.Kind)
            return $"entry {entry.Index} is a {entry.Kind} entry; the registry's {expected.Record} is a {expected.Kind}";
        if (expected.Refused)
            return entry.PayloadHash == expected.PayloadHash ? $"entry {entry.Index} holds the registry's {expected.Record} itself, which the registry records as refused" : null;
        if (expected.PayloadHash is { } payload && entry.PayloadHash != payload)
            return $"entry {entry.Index} holds payload {Short(entry.PayloadHash)}; the registry's record hashes to {Short(payload)}";
        if (expected.Entry is { } index && entry.Index != index)
            return $"the registry names entry {index}; the key is at entry {entry.Index}";
        return null;
    }

    internal static string Short(string hex) => hex[..12] + "…";
}

using System.Globalization;
using AgriInsure.Ledger.Proofs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Signer;
using Nethereum.Util;

namespace AgriInsure.Ledger.Evm;

/// <summary>A checkpoint of an insurer's embedded log (RFC 9162's tree head: its size and root) at a time, signed with the
/// insurer's chain key, as published on the AgriLedger contract (<c>publishCheckpoint</c>, event
/// <c>CheckpointPublished</c>).
/// <para>What is signed is <see cref="Statement"/>, a text of seven lines (each ending in \n):
/// <c>AgriInsure ledger checkpoint v1</c>, <c>chain {EIP-155 chain id}</c>, <c>contract {address, lower-case hex}</c>,
/// <c>insurer {address, lower-case hex}</c>, <c>size {entries}</c>, <c>root {64 lower-case hex}</c>, <c>time {Unix seconds}</c>;
/// signed as Ethereum's personal_sign (EIP-191), so anyone holding the insurer's address checks it with any Ethereum
/// library (ethers <c>verifyMessage(statement, signature)</c> returns the address) without trusting this code or the node.
/// Chain and contract are in it so a checkpoint cannot be replayed on another ledger.</para></summary>
/// <param name="Time">Whole seconds.</param>
/// <param name="Signature">65 bytes: r ‖ s ‖ v.</param>
public sealed record SignedCheckpoint(long ChainId, string Contract, string Insurer, long TreeSize, byte[] Root, DateTimeOffset Time, byte[] Signature)
{
    public string Statement =>
        string.Create(CultureInfo.InvariantCulture,
            $"AgriInsure ledger checkpoint v1\nchain {ChainId}\ncontract {Contract.ToLowerInvariant()}\ninsurer {Insurer.ToLowerInvariant()}\nsize {TreeSize}\nroot {Convert.ToHexStringLower(Root)}\ntime {Time.ToUnixTimeSeconds()}\n");

    /// <summary>Whether <see cref="Signature"/> over <see cref="Statement"/> recovers to <see cref="Insurer"/>.</summary>
    public bool SignatureHolds()
    {
        if (Signature.Length != 65)
            return false;
        try
        {
            var signer = new EthereumMessageSigner().EncodeUTF8AndEcRecover(Statement, Signature.ToHex(prefix: true));
            return AddressUtil.Current.AreAddressesTheSame(signer, Insurer);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Signs a checkpoint of <paramref name="head"/> with <paramref name="chain"/>'s account for
    /// <paramref name="contract"/>.</summary>
    public static SignedCheckpoint Sign(EvmChain chain, string contract, TreeHead head, DateTimeOffset time)
    {
        var unsigned = new SignedCheckpoint(chain.ChainId, contract, chain.Address, head.Size, head.Root, DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds()), []);
        return unsigned with { Signature = chain.SignMessage(unsigned.Statement) };
    }
}

/// <summary>What publishing a checkpoint did.</summary>
public abstract record CheckpointPublication
{
    /// <summary>Published in <paramref name="Transaction"/>, mined in <paramref name="Block"/>.</summary>
    public sealed record Published(SignedCheckpoint Checkpoint, string Transaction, long Block) : CheckpointPublication;

    /// <summary>The chain holds a checkpoint of this size and root already: nothing sent.</summary>
    public sealed record Unchanged(long TreeSize) : CheckpointPublication;

    /// <summary>An empty log: nothing to publish.</summary>
    public sealed record Empty() : CheckpointPublication;

    /// <summary>The contract refused it: <paramref name="Reason"/> is its revert reason (a log smaller than the last
    /// checkpoint, or of its size with another root: a rewritten log), or that the account is not an admitted insurer.</summary>
    public sealed record Refused(SignedCheckpoint Checkpoint, string Reason) : CheckpointPublication;
}

/// <summary>Publishes signed checkpoints of a log (the embedded ledger) to the AgriLedger contract from the insurer's
/// account: on demand (<c>tools/agri ledger checkpoint</c>) or on the host's schedule (<c>Cloud:CheckpointInterval</c>).</summary>
public sealed class CheckpointPublisher(EvmChain chain, string contract, TimeProvider? clock = null, ILogger? log = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ILogger _log = log ?? NullLogger.Instance;

    /// <summary>Publishes <paramref name="head"/> (the caller's recomputed or current tree head) unless the chain already
    /// holds it. Errors: <see cref="TimeoutException"/> when the transaction is not mined in time; transport errors after
    /// the retries.</summary>
    public async Task<CheckpointPublication> PublishAsync(TreeHead head, CancellationToken ct = default)
    {
        if (head.Size == 0)
            return new CheckpointPublication.Empty();
        await chain.RequireContractAsync(contract, ct);
        var last = await chain.CallAsync<LastCheckpointFunction, CheckpointOutput>(contract, new LastCheckpointFunction { Insurer = chain.Address }, ct: ct);
        if ((long)last.TreeSize == head.Size && last.Root.AsSpan().SequenceEqual(head.Root))
            return new CheckpointPublication.Unchanged(head.Size);
        var checkpoint = SignedCheckpoint.Sign(chain, contract, head, _clock.GetUtcNow());
        var message = new PublishCheckpointFunction
        {
            TreeSize = (ulong)checkpoint.TreeSize, Root = checkpoint.Root, Time = (ulong)checkpoint.Time.ToUnixTimeSeconds(), Signature = checkpoint.Signature,
        };
        if (await chain.SimulateAsync(contract, message, ct) is { } refusal)
            return Refuse(checkpoint, refusal);
        var mined = await chain.SendAsync(contract, message, ct);
        if (!mined.Succeeded)
            return Refuse(checkpoint, mined.RevertReason ?? "reverted");
        _log.LogInformation("Ledger checkpoint published: {Size} entries, root {Root}, in transaction {Hash}, block {Block}",
            checkpoint.TreeSize, Convert.ToHexStringLower(checkpoint.Root), mined.Hash, mined.Block);
        return new CheckpointPublication.Published(checkpoint, mined.Hash, mined.Block);
    }

    private CheckpointPublication Refuse(SignedCheckpoint checkpoint, string reason)
    {
        _log.LogError("Ledger checkpoint of {Size} entries, root {Root}, refused by contract {Contract}: {Reason}",
            checkpoint.TreeSize, Convert.ToHexStringLower(checkpoint.Root), contract, reason);
        return new CheckpointPublication.Refused(checkpoint, reason);
    }
}

/// <summary>One published checkpoint as read from the chain, and what the audit found of it: null when it holds.</summary>
public sealed record CheckpointFinding(SignedCheckpoint Checkpoint, long Block, string Transaction, string? Problem)
{
    public bool Holds => Problem is null;
}

/// <summary>The audit of a local log against every checkpoint its insurer published.</summary>
/// <param name="Entries">The local log's size.</param>
/// <param name="Root">The local log's root, recomputed from every entry (hex).</param>
public sealed record CheckpointAudit(string Insurer, long Entries, string Root, IReadOnlyList<CheckpointFinding> Checkpoints, string? Problem)
{
    /// <summary>Every checkpoint holds, there is at least one, and the chain's last one is among them.</summary>
    public bool Holds => Problem is null && Checkpoints.Count > 0 && Checkpoints.All(c => c.Holds);

    /// <summary>Checks <paramref name="local"/> (a log already recomputed whole: <paramref name="recomputed"/> is what its
    /// <c>VerifyAsync</c> returned, intact) against every checkpoint <paramref name="insurer"/> published on
    /// <paramref name="contract"/> from block <paramref name="fromBlock"/> on. For each: its signature recovers to the
    /// insurer; a log shorter than it is tampered (entries removed); a log of its size has its root; a longer log is
    /// proved an extension of it with an RFC 9162 §2.1.4 consistency proof checked by <see cref="ProofVerifier"/> against
    /// the checkpoint's root and the recomputed root (never a stored one). The chain's <c>lastCheckpoint</c> must be the
    /// last event read, so a node that hides the newest checkpoint is caught.</summary>
    public static async Task<CheckpointAudit> RunAsync(ILedger local, LedgerVerification recomputed, EvmChain chain, string contract, string insurer,
        long fromBlock = 0, CancellationToken ct = default)
    {
        if (!recomputed.IsIntact)
            throw new ArgumentException("the local log is tampered: recompute it intact before auditing it against the chain", nameof(recomputed));
        var root = Convert.FromHexString(recomputed.Root);
        await chain.RequireContractAsync(contract, ct);
        var latest = await chain.BlockNumberAsync(ct);
        var findings = new List<CheckpointFinding>();
        for (var from = fromBlock; from <= latest; from += 10_000)
        {
            foreach (var e in await chain.EventsAsync<CheckpointPublishedEvent>(contract, from, Math.Min(latest, from + 9_999), insurer, ct))
            {
                var checkpoint = new SignedCheckpoint(chain.ChainId, contract, e.Event.Insurer, (long)e.Event.TreeSize, e.Event.Root,
                    DateTimeOffset.FromUnixTimeSeconds((long)e.Event.Time), e.Event.Signature);
                var block = (long)e.Log.BlockNumber.Value;
                findings.Add(new CheckpointFinding(checkpoint, block, e.Log.TransactionHash, await ProblemAsync(checkpoint, block)));
            }
        }
        var last = await chain.CallAsync<LastCheckpointFunction, CheckpointOutput>(contract, new LastCheckpointFunction { Insurer = insurer }, latest, ct);
        string? problem = null;
        if (last.TreeSize > 0 && (findings.Count == 0 || (ulong)findings[^1].Checkpoint.TreeSize != last.TreeSize || !findings[^1].Checkpoint.Root.AsSpan().SequenceEqual(last.Root)))
            problem = $"the contract's last checkpoint of {insurer} ({last.TreeSize} entries, root {Convert.ToHexStringLower(last.Root)}) is not among the events the node returned from block {fromBlock}";
        else if (findings.Count == 0)
            problem = $"{insurer} published no checkpoint on contract {contract} (from block {fromBlock}): there is nothing to check the log against";
        return new CheckpointAudit(insurer, recomputed.Entries, recomputed.Root, findings, problem);

        async Task<string?> ProblemAsync(SignedCheckpoint c, long block)
        {
            var at = $"the checkpoint of {c.TreeSize} entries published in block {block}";
            if (!c.SignatureHolds())
                return $"{at} is not signed by {insurer}";
            if (c.TreeSize == 0)
                return null;
            if (c.TreeSize > recomputed.Entries)
                return $"the log has {recomputed.Entries} entries, fewer than the {c.TreeSize} of {at}: entries were removed";
            if (c.TreeSize == recomputed.Entries)
                return c.Root.AsSpan().SequenceEqual(root) ? null : $"the log's root differs from {at}, of the same size: the log was rewritten";
            var proof = await local.ProveConsistencyAsync(c.TreeSize, ct);
            return ProofVerifier.VerifyConsistency(c.TreeSize, recomputed.Entries, c.Root, root, proof.Path)
                ? null
                : $"the log does not extend {at} (RFC 9162 consistency proof fails): entries before {c.TreeSize} were changed or the log was rewritten";
        }
    }
}

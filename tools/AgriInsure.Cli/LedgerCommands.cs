using System.CommandLine;
using System.Text.Json;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Evm;
using AgriInsure.Ledger.Proofs;
using AgriInsure.Ledger.Sqlite;
using Nethereum.JsonRpc.Client;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri ledger verify</c> (with <c>--against-chain</c>: against every checkpoint published on the shared
/// chain), <c>ledger prove</c>, <c>ledger consistency</c> and <c>ledger checkpoint</c>, on a ledger file opened read-only. A proof is checked against the root recomputed from every entry, never against the hashes the file stores
/// (those are what a forger would change with the entry).</summary>
internal static class LedgerCommands
{
    private static Option<string?> LedgerOption() =>
        CliOptions.Optional("--ledger", "FILE", "the ledger (SQLite) to check, opened read-only (default: the newest demo's, under .agri/)");

    public static Verb Verify()
    {
        var ledger = LedgerOption();
        var json = CliOptions.Optional("--json", "OUT.json", "also write the result as JSON");
        var overwrite = CliOptions.Overwrite();
        var againstChain = CliOptions.Switch("--against-chain", "also check the ledger against every checkpoint its insurer published on the chain (--rpc, --contract, --insurer): each signature, and an RFC 9162 consistency proof from each checkpoint to the ledger as it is");
        var chain = new ChainOptions();
        var insurer = CliOptions.Optional("--insurer", "ADDRESS", "with --against-chain: the insurer's chain address (0x…), whose checkpoints are read and whose signatures must hold");
        var verb = new Verb("verify", "recompute every hash of the ledger (leaf, chain and Merkle root) and name the first tampered entry; with --against-chain, check it against the checkpoints published on the chain",
            "the ledger is tampered (the first bad entry is named), shorter than or not an extension of a published checkpoint, or has none published",
            "tools/agri ledger verify",
            "tools/agri ledger verify --ledger /tmp/season/cloud/ledger.db --json /tmp/verify.json",
            "tools/agri ledger verify --ledger /tmp/season/cloud/ledger.db --against-chain --rpc http://127.0.0.1:8545 --contract 0x5FbDB2315678afecb367f032d93F642f64180aa3 --insurer 0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
        {
            ledger, json, overwrite, againstChain, chain.Rpc, chain.Contract, chain.FromBlock, insurer,
        };
        verb.SetAction(async (p, ct) =>
        {
            var path = LedgerPath(p.GetValue(ledger));
            var output = p.GetValue(json);
            OutputFiles.Check(p.GetValue(overwrite), ("--json", output));
            var onChain = p.GetValue(againstChain);
            if (!onChain && new Option[] { chain.Rpc, chain.Contract, chain.FromBlock, insurer }.Any(o => p.GetResult(o) is { Implicit: false }))
                throw new UsageException("--rpc, --contract, --from-block and --insurer are read only with --against-chain: add it to check the ledger against the chain");
            var (endpoint, contract) = onChain ? chain.Required(p) : (null, null);
            var account = onChain ? Address("--insurer", p.GetValue(insurer) ?? throw new UsageException("--against-chain needs --insurer ADDRESS: the insurer whose checkpoints are read")) : null;
            Console.WriteLine($"ledger: {Path.GetFullPath(path)}");
            SqliteLedger opened;
            LedgerVerification result;
            try
            {
                opened = await SqliteLedger.OpenReadOnlyAsync(path, ct);
            }
            catch (LedgerDamagedException e)
            {
                return Damaged(e);
            }
            await using var _ = opened;
            try
            {
                result = await opened.VerifyAsync(ct: ct);
            }
            catch (LedgerDamagedException e)
            {
                return Damaged(e);
            }

            int Damaged(LedgerDamagedException e)
            {
                WriteJson(output, new { ledger = Path.GetFullPath(path), intact = false, entries = 0, root = (string?)null, first_tampered = 0, problem = e.Message });
                Console.WriteLine($"ledger DAMAGED: {e.Message}; its entries cannot be trusted");
                return (int)ExitCode.Found;
            }
            if (!result.IsIntact)
            {
                WriteJson(output, new { ledger = Path.GetFullPath(path), intact = false, entries = result.Entries, root = result.Root, first_tampered = result.FirstTampered, problem = result.Problem });
                Console.WriteLine($"ledger TAMPERED: first bad entry {result.FirstTampered}: {result.Problem}");
                return (int)ExitCode.Found;
            }
            if (!onChain)
            {
                WriteJson(output, new { ledger = Path.GetFullPath(path), intact = true, entries = result.Entries, root = result.Root, first_tampered = (long?)null, problem = (string?)null });
                Console.WriteLine($"ledger intact: {result.Entries} entries, root {result.Root}");
                return (int)ExitCode.Success;
            }
            Console.WriteLine($"recomputed: {result.Entries} entries, root {result.Root}");
            // Reading the chain needs no key: a throwaway account makes the calls.
            using var reader = await ChainOptions.ConnectAsync(endpoint!, Nethereum.Signer.EthECKey.GenerateKey().GetPrivateKey(), ct);
            var audit = await CheckpointAudit.RunAsync(opened, result, reader, contract!, account!, p.GetValue(chain.FromBlock), ct);
            foreach (var c in audit.Checkpoints)
                Console.WriteLine($"  checkpoint {c.Checkpoint.TreeSize} entries, root {Convert.ToHexStringLower(c.Checkpoint.Root)}, {c.Checkpoint.Time:yyyy-MM-dd HH:mm:ss}Z, block {c.Block}: {c.Problem ?? "signed by the insurer, consistent"}");
            WriteJson(output, new
            {
                ledger = Path.GetFullPath(path), intact = audit.Holds, entries = result.Entries, root = result.Root, contract, insurer = account,
                checkpoints = audit.Checkpoints.Select(c => new { tree_size = c.Checkpoint.TreeSize, root = Convert.ToHexStringLower(c.Checkpoint.Root), time = c.Checkpoint.Time, block = c.Block, transaction = c.Transaction, signature = Convert.ToHexStringLower(c.Checkpoint.Signature), holds = c.Holds, problem = c.Problem }),
                problem = audit.Problem ?? audit.Checkpoints.FirstOrDefault(c => !c.Holds)?.Problem,
            });
            if (audit.Holds)
            {
                Console.WriteLine($"ledger intact and consistent with the {audit.Checkpoints.Count} checkpoint(s) {account} published: {result.Entries} entries, root {result.Root}");
                return (int)ExitCode.Success;
            }
            // A checkpoint the log does not hold to is tampering; no checkpoint to check against (none published, or the
            // last one not among the events read: --from-block after the deployment, or a node hiding events) is not
            // proof of either.
            Console.WriteLine(audit.Checkpoints.FirstOrDefault(c => !c.Holds) is { } failed
                ? $"ledger TAMPERED against the chain: {failed.Problem}"
                : $"ledger NOT VERIFIED against the chain: {audit.Problem}{(p.GetValue(chain.FromBlock) > 0 ? $"; is --from-block {p.GetValue(chain.FromBlock)} later than the block the contract was deployed in?" : "")}");
            return (int)ExitCode.Found;
        });
        return verb;
    }

    public static Verb Checkpoint()
    {
        var ledger = LedgerOption();
        var chain = new ChainOptions();
        var keystore = ChainOptions.Keystore("the insurer's");
        var verb = new Verb("checkpoint", "publish a signed checkpoint of the ledger (its size and the root recomputed from every entry, signed with the insurer's chain key) to the AgriLedger contract",
            "the ledger is tampered, or the contract refused the checkpoint (the ledger is smaller than, or of the same size but another root than, the last one published: it was rewritten)",
            "AGRI_EVM_PASSPHRASE=… tools/agri ledger checkpoint --ledger /tmp/season/cloud/ledger.db --rpc http://127.0.0.1:8545 --contract 0x5FbDB2315678afecb367f032d93F642f64180aa3 --keystore insurer.json")
        {
            ledger, chain.Rpc, chain.Contract, keystore,
        };
        verb.SetAction(async (p, ct) =>
        {
            var path = LedgerPath(p.GetValue(ledger));
            var (endpoint, contract) = chain.Required(p);
            var key = ChainOptions.Key(p, keystore);
            Console.WriteLine($"ledger: {Path.GetFullPath(path)}");
            await using var opened = await SqliteLedger.OpenReadOnlyAsync(path, ct);
            if (await RecomputedRootAsync(opened, ct) is not { } verified)
                return (int)ExitCode.Found;
            using var writer = await ChainOptions.ConnectAsync(endpoint, key, ct);
            var published = await new CheckpointPublisher(writer, contract).PublishAsync(new TreeHead(verified.Entries, Convert.FromHexString(verified.Root)), ct);
            switch (published)
            {
                case CheckpointPublication.Published done:
                    Console.WriteLine($"checkpoint published by {writer.Address}: {verified.Entries} entries, root {verified.Root}, block {done.Block}, transaction {done.Transaction}");
                    return (int)ExitCode.Success;
                case CheckpointPublication.Unchanged:
                    Console.WriteLine($"the chain holds this checkpoint already: {verified.Entries} entries, root {verified.Root}");
                    return (int)ExitCode.Success;
                case CheckpointPublication.Empty:
                    Console.WriteLine("the ledger is empty: nothing to publish");
                    return (int)ExitCode.Success;
                case CheckpointPublication.Refused refused:
                    Console.WriteLine($"checkpoint REFUSED by contract {contract}: {refused.Reason}");
                    return (int)ExitCode.Found;
                default:
                    throw new InvalidOperationException($"unexpected {published}");
            }
        });
        return verb;
    }

    /// <summary>Where the AgriLedger contract is: --rpc, --contract and, for reading events, --from-block.</summary>
    internal sealed class ChainOptions
    {
        public Option<string?> Rpc { get; } = CliOptions.Optional("--rpc", "URL", "the chain node's JSON-RPC endpoint (http or https)");

        public Option<string?> Contract { get; } = CliOptions.Optional("--contract", "ADDRESS", "the AgriLedger contract's address (0x…)");

        public Option<long> FromBlock { get; } = CliOptions.Whole("--from-block", "N", "the block the contract was deployed in: its events are read from there", 0L, 0L, long.MaxValue);

        public (Uri Endpoint, string Contract) Required(ParseResult p)
        {
            return (Endpoint(p.GetValue(Rpc)), Address("--contract", p.GetValue(Contract) ?? throw new UsageException("give --contract ADDRESS: the AgriLedger contract's address")));
        }

        /// <summary>--keystore FILE: whose chain key it holds, in words ("the insurer's").</summary>
        public static Option<string?> Keystore(string whose) =>
            CliOptions.Optional("--keystore", "FILE", $"{whose} chain key as an encrypted keystore (Web3 Secret Storage), its passphrase in ${EvmKeys.PassphraseVariable}; without it the key is read from ${EvmKeys.KeyVariable} (64 hex digits); never from a flag");

        /// <summary>The key from --keystore or the environment. Errors: <see cref="UsageException"/> naming what is missing
        /// or unreadable, never the key.</summary>
        public static string Key(ParseResult p, Option<string?> keystore)
        {
            try
            {
                return p.GetValue(keystore) is { } file ? EvmKeys.FromKeystore(file) : EvmKeys.FromEnvironment();
            }
            catch (EvmKeyException e)
            {
                throw new UsageException(p.GetValue(keystore) is null ? $"no --keystore given: {e.Message}" : $"--keystore: {e.Message}");
            }
        }

        /// <summary>Errors: <see cref="OutputException"/> (environment, exit 3) naming --rpc when the node cannot be reached.</summary>
        public static Task<EvmChain> ConnectAsync(Uri endpoint, string key, CancellationToken ct) =>
            Reaching(endpoint, () => EvmChain.ConnectAsync(new EvmChainOptions { Endpoint = endpoint, RetryAttempts = 2 }, key, ct: ct));

        /// <summary>The contract's log, to read (no key). Errors: <see cref="OutputException"/> (environment, exit 3) naming
        /// --rpc when the node cannot be reached.</summary>
        public async Task<EvmLedger> ReaderAsync(ParseResult p, CancellationToken ct)
        {
            var (endpoint, contract) = Required(p);
            return await Reaching(endpoint, () => EvmLedger.ConnectReaderAsync(new EvmChainOptions { Endpoint = endpoint, RetryAttempts = 2 }, contract, p.GetValue(FromBlock), ct: ct));
        }

        public static async Task<T> Reaching<T>(Uri endpoint, Func<Task<T>> connect)
        {
            try
            {
                return await connect();
            }
            catch (Exception e) when (e is HttpRequestException or RpcClientUnknownException or RpcClientTimeoutException or RpcResponseException)
            {
                throw new OutputException($"--rpc {endpoint}: cannot reach the chain node: {e.GetBaseException().Message}");
            }
        }
    }

    /// <summary><c>ledger deploy</c>: the consortium's owner puts the AgriLedger contract on a chain.</summary>
    public static Verb Deploy()
    {
        var rpc = CliOptions.Optional("--rpc", "URL", "the chain node's JSON-RPC endpoint (http or https)");
        var keystore = ChainOptions.Keystore("the consortium owner's");
        var verb = new Verb("deploy", "deploy the AgriLedger contract (the insurers' shared ledger) from the consortium owner's account, which alone admits and removes insurers; prints its address and block",
            "the chain refused the deployment",
            "AGRI_EVM_KEY=… tools/agri ledger deploy --rpc http://127.0.0.1:8545")
        {
            rpc, keystore,
        };
        verb.SetAction(async (p, ct) =>
        {
            var endpoint = Endpoint(p.GetValue(rpc));
            var key = ChainOptions.Key(p, keystore);
            using var owner = await ChainOptions.ConnectAsync(endpoint, key, ct);
            var (contract, block) = await owner.DeployAgriLedgerAsync(ct);
            Console.WriteLine($"AgriLedger deployed at {contract} in block {block}; owner {owner.Address}");
            Console.WriteLine($"next: tools/agri ledger admit INSURER-ADDRESS --rpc {endpoint} --contract {contract}");
            return (int)ExitCode.Success;
        });
        return verb;
    }

    /// <summary><c>ledger admit</c> and <c>ledger remove</c>: the consortium's owner admits an insurer's account to write,
    /// or removes it (what it wrote stays).</summary>
    public static Verb Membership(bool admit)
    {
        var insurer = new Argument<string>("INSURER") { Description = "the insurer's chain account (0x and 40 hex digits)" };
        var chain = new ChainOptions();
        var keystore = ChainOptions.Keystore("the consortium owner's");
        var verb = admit
            ? new Verb("admit", "admit an insurer's account to the AgriLedger contract (the consortium's owner only): it may then anchor, and its keys are refused to everyone else",
                "the contract refused it (this account is not the consortium's owner)",
                "AGRI_EVM_KEY=… tools/agri ledger admit 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --rpc http://127.0.0.1:8545 --contract 0x5FbDB2315678afecb367f032d93F642f64180aa3")
            : new Verb("remove", "remove an insurer's account from the AgriLedger contract (the consortium's owner only): it writes nothing more; what it anchored stays",
                "the contract refused it (this account is not the consortium's owner)",
                "AGRI_EVM_KEY=… tools/agri ledger remove 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --rpc http://127.0.0.1:8545 --contract 0x5FbDB2315678afecb367f032d93F642f64180aa3");
        verb.Arguments.Add(insurer);
        verb.Options.Add(chain.Rpc);
        verb.Options.Add(chain.Contract);
        verb.Options.Add(keystore);
        verb.SetAction(async (p, ct) =>
        {
            var account = Address("INSURER", p.GetValue(insurer)!);
            var (endpoint, contract) = chain.Required(p);
            var key = ChainOptions.Key(p, keystore);
            await using var owner = await ChainOptions.Reaching(endpoint, () => EvmLedger.ConnectAsync(new EvmChainOptions { Endpoint = endpoint, RetryAttempts = 2 }, key, contract, ct: ct));
            // Removing an account that is not admitted changes nothing: said so, not reported as done.
            if (!admit && !await owner.IsInsurerAsync(account, ct))
            {
                Console.WriteLine($"{account} is not an admitted insurer of {contract}; nothing changed");
                return (int)ExitCode.Found;
            }
            try
            {
                if (admit)
                    await owner.AdmitInsurerAsync(account, ct);
                else
                    await owner.RemoveInsurerAsync(account, ct);
            }
            catch (UnauthorizedAccessException e)
            {
                Console.WriteLine($"REFUSED by contract {contract}: {e.Message}");
                return (int)ExitCode.Found;
            }
            Console.WriteLine(admit ? $"{account} admitted as an insurer of {contract}" : $"{account} removed from the insurers of {contract}; what it anchored stays");
            return (int)ExitCode.Success;
        });
        return verb;
    }

    private static Uri Endpoint(string? rpc)
    {
        if (rpc is null)
            throw new UsageException("give --rpc URL: the chain node's JSON-RPC endpoint");
        return Uri.TryCreate(rpc, UriKind.Absolute, out var endpoint) && endpoint.Scheme is "http" or "https"
            ? endpoint
            : throw new UsageException($"--rpc {rpc}: give an http or https URL");
    }

    /// <summary>An address as typed: 0x and 40 hex digits; in mixed case, its EIP-55 checksum must hold (a mistyped
    /// character in a checksummed address is caught here, not sent to an account nobody holds).</summary>
    private static string Address(string option, string text)
    {
        if (text.Length != 42 || !text.StartsWith("0x", StringComparison.Ordinal) || !text[2..].All(char.IsAsciiHexDigit))
            throw new UsageException($"{option} {text}: an address is 0x and 40 hex digits");
        var hex = text[2..];
        var mixed = hex.Any(char.IsAsciiLetterUpper) && hex.Any(char.IsAsciiLetterLower);
        if (mixed && !Nethereum.Util.AddressUtil.Current.IsChecksumAddress(text))
            throw new UsageException($"{option} {text}: its EIP-55 checksum (the mixed case) does not hold: a character was mistyped");
        return text;
    }

    public static Verb Prove()
    {
        var ledger = LedgerOption();
        var index = CliOptions.Whole("--index", "N", "the entry to prove, numbered from 0", 0L, 0L, long.MaxValue, required: true);
        var json = CliOptions.Optional("--json", "OUT.json", "also write the proof (RFC 6962 audit path, hex) as JSON");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("prove", "print the inclusion proof of entry N (RFC 6962 audit path) and check it with the standalone verifier against the root recomputed from every entry",
            "the ledger is tampered, or the proof does not verify",
            "tools/agri ledger prove --index 2")
        {
            ledger, index, json, overwrite,
        };
        verb.SetAction(async (p, ct) =>
        {
            var path = LedgerPath(p.GetValue(ledger));
            var output = p.GetValue(json);
            var n = p.GetValue(index);
            OutputFiles.Check(p.GetValue(overwrite), ("--json", output));
            Console.WriteLine($"ledger: {Path.GetFullPath(path)}");
            await using var opened = await SqliteLedger.OpenReadOnlyAsync(path, ct);
            if (await RecomputedRootAsync(opened, ct) is not { } verified)
                return (int)ExitCode.Found;
            if (n >= verified.Entries)
                throw new UsageException(verified.Entries == 0 ? $"--index {n}: the ledger has no entries" : $"--index {n}: the ledger has {verified.Entries} entries (0 to {verified.Entries - 1})");
            var proof = await opened.ProveAsync(n, ct);
            var root = Convert.FromHexString(verified.Root);
            var ok = ProofVerifier.VerifyInclusion(proof.LeafHash, proof.Index, proof.TreeSize, proof.Path, root);
            WriteJson(output, new
            {
                ledger = Path.GetFullPath(path), index = proof.Index, tree_size = proof.TreeSize, leaf = Convert.ToHexStringLower(proof.LeafHash),
                path = proof.Path.Select(Convert.ToHexStringLower), root = verified.Root, verifies = ok,
            });
            Console.WriteLine($"entry {proof.Index} of {proof.TreeSize}, leaf {Convert.ToHexStringLower(proof.LeafHash)}");
            foreach (var step in proof.Path)
                Console.WriteLine($"  path {Convert.ToHexStringLower(step)}");
            Console.WriteLine($"root {verified.Root} (recomputed from every entry)");
            Console.WriteLine(ok ? "proof verifies" : "proof does NOT verify: the stored hashes it was built from do not match the entries");
            return (int)(ok ? ExitCode.Success : ExitCode.Found);
        });
        return verb;
    }

    public static Verb Consistency()
    {
        var ledger = LedgerOption();
        var from = CliOptions.Whole("--from", "SIZE", "the number of entries the ledger had when you took its root", 1L, 1L, long.MaxValue, required: true);
        var root = new Option<string>("--root")
        {
            HelpName = "HEX", Required = true,
            Description = "the root you hold for that size (64 hex digits: from an earlier verify, prove or checkpoint); the check is against it",
        };
        var json = CliOptions.Optional("--json", "OUT.json", "also write the proof (RFC 9162 consistency path, hex) as JSON");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("consistency", "prove that the ledger as it is now extends the ledger you saw at an earlier size (RFC 9162 consistency proof): nothing before was changed or removed",
            "the ledger is tampered, shorter than the size you saw, or not an extension of the root you hold",
            "tools/agri ledger consistency --from 8 --root 47e846eec2ec8d6ef0ca980201a901d8aa46ce111b5dab94f2c4e2e730034fe7")
        {
            ledger, from, root, json, overwrite,
        };
        verb.SetAction(async (p, ct) =>
        {
            var path = LedgerPath(p.GetValue(ledger));
            var output = p.GetValue(json);
            var m = p.GetValue(from);
            var held = RootOption(p.GetValue(root)!);
            OutputFiles.Check(p.GetValue(overwrite), ("--json", output));
            Console.WriteLine($"ledger: {Path.GetFullPath(path)}");
            await using var opened = await SqliteLedger.OpenReadOnlyAsync(path, ct);
            if (await RecomputedRootAsync(opened, ct) is not { } verified)
                return (int)ExitCode.Found;
            if (m > verified.Entries)
            {
                Console.WriteLine($"ledger TAMPERED: it has {verified.Entries} entries, fewer than the {m} you saw; entries were removed");
                WriteJson(output, new { ledger = Path.GetFullPath(path), from = m, size = verified.Entries, consistent = false, problem = "shorter than the size seen" });
                return (int)ExitCode.Found;
            }
            var proof = await opened.ProveConsistencyAsync(m, ct);
            var ok = ProofVerifier.VerifyConsistency(m, verified.Entries, held, Convert.FromHexString(verified.Root), proof.Path);
            WriteJson(output, new
            {
                ledger = Path.GetFullPath(path), from = m, size = verified.Entries, first_root = Convert.ToHexStringLower(held), root = verified.Root,
                path = proof.Path.Select(Convert.ToHexStringLower), consistent = ok,
            });
            Console.WriteLine($"from {m} entries, root {Convert.ToHexStringLower(held)} (yours)");
            foreach (var step in proof.Path)
                Console.WriteLine($"  path {Convert.ToHexStringLower(step)}");
            Console.WriteLine($"to {verified.Entries} entries, root {verified.Root} (recomputed from every entry)");
            Console.WriteLine(ok ? "consistent: the ledger extends the one you saw; nothing in it was changed or removed"
                : "NOT consistent: the ledger you saw at that size is not a prefix of this one");
            return (int)(ok ? ExitCode.Success : ExitCode.Found);
        });
        return verb;
    }

    /// <summary>The whole ledger checked again; null (after saying so) when it is tampered: no proof is given against it.</summary>
    private static async Task<LedgerVerification?> RecomputedRootAsync(SqliteLedger ledger, CancellationToken ct)
    {
        var verified = await ledger.VerifyAsync(ct: ct);
        if (verified.IsIntact)
            return verified;
        Console.WriteLine($"ledger TAMPERED: first bad entry {verified.FirstTampered}: {verified.Problem}; no proof is given against a tampered ledger");
        return null;
    }

    private static byte[] RootOption(string hex) =>
        hex.Length == 64 && hex.All(char.IsAsciiHexDigit)
            ? Convert.FromHexString(hex)
            : throw new UsageException($"--root {hex}: a root is 64 hex digits (SHA-256)");

    /// <summary>The ledger named by --ledger, else the newest demo's. Errors: <see cref="UsageException"/>
    /// when there is none.</summary>
    private static string LedgerPath(string? given)
    {
        if (given is not null)
        {
            return File.Exists(given) ? given
                : throw new UsageException(Directory.Exists(given) ? $"--ledger {given} is a folder; give the ledger file (a demo's is cloud/ledger.db)" : $"--ledger {given}: no such file");
        }
        return DemoFolder.LatestLedger(Commands.AgriFolder)
            ?? throw new UsageException($"no demo ledger under {Commands.AgriFolder} (run tools/agri demo first, or pass --ledger FILE)");
    }

    private static void WriteJson(string? path, object document)
    {
        if (path is not null)
            OutputFiles.WriteAll((path, temp => Reports.WriteDocument(temp, document)));
    }
}

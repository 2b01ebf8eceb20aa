using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using AgriInsure.Ledger.Evm;
using AgriInsure.Tests;
using Nethereum.ABI;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Util;

namespace AgriInsure.Ledger.Tests;

/// <summary>The Solidity contract's own rules, called directly on anvil: policies anchored once with a cover window that
/// does not end before it starts, claims registered once, life events hash-chained per animal, checkpoints that only
/// grow, and no empty ids or hashes.</summary>
[Collection(AnvilCollection.Name)]
public sealed class AgriLedgerSolidityTests(AnvilNode node) : IAsyncLifetime
{
    private EvmLedger _owner = null!;
    private EvmLedger _insurer = null!;

    private static byte[] H(string s) => SHA256.HashData(Encoding.UTF8.GetBytes(s));

    public async Task InitializeAsync()
    {
        var (contract, block, ownerKey) = await node.DeployAsync();
        _owner = await EvmLedger.ConnectAsync(node.Options(), ownerKey, contract, block);
        _insurer = await EvmLedger.ConnectAsync(node.Options(), await node.NewAccountAsync(), contract, block);
        await _owner.AdmitInsurerAsync(_insurer.Account);
    }

    public async Task DisposeAsync()
    {
        await _insurer.DisposeAsync();
        await _owner.DisposeAsync();
    }

    private Task<EvmTransaction> SendAsync<T>(T message) where T : FunctionMessage, new() => _insurer.Chain.SendAsync(_insurer.Contract, message);

    [Fact]
    public async Task A_policy_is_anchored_once_with_a_cover_window_in_order()
    {
        var policy = new AnchorPolicyFunction { PolicyId = H("policy/P-1"), DocumentHash = H("signed.pdf"), CoverStart = 20_000, CoverEnd = 20_365, SubjectKey = H("animal/A-1") };
        Assert.True((await SendAsync(policy)).Succeeded);
        Assert.Equal("AgriLedger: policy already anchored", (await SendAsync(policy)).RevertReason);
        var backwards = new AnchorPolicyFunction { PolicyId = H("policy/P-2"), DocumentHash = H("signed.pdf"), CoverStart = 20_365, CoverEnd = 20_000, SubjectKey = H("animal/A-1") };
        Assert.Equal("AgriLedger: cover ends before it starts", (await SendAsync(backwards)).RevertReason);
        var empty = new AnchorPolicyFunction { PolicyId = H("policy/P-3"), DocumentHash = new byte[32], CoverStart = 1, CoverEnd = 2, SubjectKey = H("animal/A-1") };
        Assert.Equal("AgriLedger: empty id or hash", (await SendAsync(empty)).RevertReason);
    }

    [Fact]
    public async Task A_claim_is_registered_once_and_read_back_with_its_policy()
    {
        var claim = new RegisterClaimFunction { ClaimKey = H("claim/cow-17"), PolicyId = H("policy/P-1"), EvidenceHash = H("death photo") };
        var mined = await SendAsync(claim);
        Assert.True(mined.Succeeded);
        var stored = (await _insurer.Chain.CallAsync<ClaimFunction, ClaimOutput>(_insurer.Contract, new ClaimFunction { ClaimKey = claim.ClaimKey })).Value;
        Assert.True(AddressUtil.Current.AreAddressesTheSame(_insurer.Account, stored.Insurer));
        Assert.Equal(claim.PolicyId, stored.PolicyId);
        Assert.Equal(claim.EvidenceHash, stored.EvidenceHash);
        Assert.Equal("AgriLedger: claim key already registered", (await SendAsync(claim)).RevertReason);
        Assert.Equal("AgriLedger: empty key, kind or hash", (await SendAsync(new RegisterClaimFunction { ClaimKey = new byte[32], PolicyId = H("p"), EvidenceHash = H("e") })).RevertReason);
        // A key anchored by the generic path is no claim to the claim view.
        await _insurer.AppendAsync(new LedgerRecord("enrolment", Convert.ToHexStringLower(H("animal/A-1")), Convert.ToHexStringLower(H("t"))));
        var notClaim = (await _insurer.Chain.CallAsync<ClaimFunction, ClaimOutput>(_insurer.Contract, new ClaimFunction { ClaimKey = H("animal/A-1") })).Value;
        Assert.True(notClaim.Insurer.RemoveHexPrefix().All(c => c == '0'));
    }

    [Fact]
    public async Task An_animals_life_events_are_hash_chained_in_the_order_recorded()
    {
        var animal = H("animal/A-9");
        var events = new (LifeEventKind Kind, string What, ulong At)[]
        {
            (LifeEventKind.Enrolment, "enrolled at farm F-1", 1_700_000_000),
            (LifeEventKind.Vaccination, "FMD vaccine lot 42", 1_700_100_000),
            (LifeEventKind.CensusSeen, "census visit V-3", 1_700_200_000),
            (LifeEventKind.Death, "death survey S-1", 1_700_300_000),
        };
        var head = new byte[32];
        foreach (var (kind, what, at) in events)
        {
            var mined = await SendAsync(new RecordLifeEventFunction { AnimalId = animal, Kind = (byte)kind, EventHash = H(what), HappenedAt = at });
            Assert.True(mined.Succeeded, mined.RevertReason);
            head = Sha3Keccack.Current.CalculateHash(new ABIEncode().GetABIEncoded(
                new ABIValue("bytes32", head), new ABIValue("uint8", (byte)kind), new ABIValue("bytes32", H(what)), new ABIValue("uint64", at)));
        }
        var contract = _insurer.Contract;
        Assert.Equal(head, await _insurer.Chain.CallValueAsync<LifeHeadFunction, byte[]>(contract, new LifeHeadFunction { AnimalId = animal }));
        Assert.Equal(4UL, await _insurer.Chain.CallValueAsync<LifeEventsFunction, ulong>(contract, new LifeEventsFunction { AnimalId = animal }));
        var recorded = await _insurer.Chain.EventsAsync<LifeEventRecordedEvent>(contract, 0, await _insurer.Chain.BlockNumberAsync(), animal);
        Assert.Equal(events.Select(e => ((byte)e.Kind, e.At)), recorded.Select(e => (e.Event.Kind, e.Event.HappenedAt)));
        Assert.Equal([0UL, 1, 2, 3], recorded.Select(e => e.Event.Index));
        Assert.Equal("AgriLedger: empty id or hash", (await SendAsync(new RecordLifeEventFunction { AnimalId = animal, Kind = 0, EventHash = new byte[32], HappenedAt = 1 })).RevertReason);
        var stranger = await _owner.Chain.SendAsync(contract, new RecordLifeEventFunction { AnimalId = animal, Kind = 0, EventHash = H("x"), HappenedAt = 1 });
        Assert.Contains("is not an admitted insurer", stranger.RevertReason);
    }

    [Fact]
    public async Task An_anchor_costs_the_same_gas_however_many_are_anchored_before_it()
    {
        var gas = new List<long>();
        for (var i = 0; i < 25; i++)
        {
            var mined = await SendAsync(new AnchorFunction { Key = H($"key-{i}"), Kind = H("kind")[..8].Concat(new byte[24]).ToArray(), PayloadHash = H($"payload-{i}") });
            Assert.True(mined.Succeeded, mined.RevertReason);
            gas.Add(mined.GasUsed);
        }
        // The first pays for size and logHead going from zero; after it only calldata's zero bytes vary the price.
        var later = gas.Skip(1).ToList();
        Assert.True(later.Max() - later.Min() < 200, $"gas per anchor: {string.Join(", ", gas)}");
        Assert.InRange(later.Average(), 80_000, 150_000);
    }

    [Fact]
    public async Task Checkpoints_only_grow_and_one_size_keeps_one_root()
    {
        Task<EvmTransaction> Publish(ulong size, string root) =>
            SendAsync(new PublishCheckpointFunction { TreeSize = size, Root = H(root), Time = 1_700_000_000 + size, Signature = H("sig") });
        Assert.True((await Publish(10, "root-10")).Succeeded);
        Assert.Equal("AgriLedger: checkpoint smaller than the last", (await Publish(5, "root-5")).RevertReason);
        Assert.Equal("AgriLedger: checkpoint of the last size with another root", (await Publish(10, "rewritten-10")).RevertReason);
        Assert.True((await Publish(10, "root-10")).Succeeded);
        Assert.True((await Publish(12, "root-12")).Succeeded);
        var last = await _insurer.Chain.CallAsync<LastCheckpointFunction, CheckpointOutput>(_insurer.Contract, new LastCheckpointFunction { Insurer = _insurer.Account });
        Assert.Equal(12UL, last.TreeSize);
        Assert.Equal(H("root-12"), last.Root);
    }
}

/// <summary>The engine's typed messages, events and errors are the compiled contract's: each one's signature hash is in the
/// embedded ABI (a Solidity signature changed without the C# side fails here, before any chain is asked).</summary>
public sealed class AgriLedgerAbiTests
{
    [Fact]
    public void Every_typed_message_event_and_error_is_in_the_compiled_abi()
    {
        var abi = new Nethereum.ABI.ABIDeserialisation.ABIJsonDeserialiser().DeserialiseContract(AgriLedgerContract.Abi);
        var types = typeof(AgriLedgerContract).Assembly.GetExportedTypes();
        var functions = types.Where(t => t.IsSubclassOf(typeof(FunctionMessage))).ToList();
        Assert.True(functions.Count >= 15, $"{functions.Count} function messages");
        foreach (var f in functions)
            Assert.Contains(ABITypedRegistry.GetFunctionABI(f).Sha3Signature, abi.Functions.Select(a => a.Sha3Signature));
        foreach (var e in types.Where(t => t.GetInterfaces().Contains(typeof(Nethereum.ABI.FunctionEncoding.Attributes.IEventDTO))))
            Assert.Contains(ABITypedRegistry.GetEvent(e).Sha3Signature, abi.Events.Select(a => a.Sha3Signature));
        Assert.Contains(ABITypedRegistry.GetError(typeof(AccessControlUnauthorizedAccountError)).Sha3Signature, abi.Errors.Select(a => a.Sha3Signature));
        Assert.StartsWith("solc 0.8.37", AgriLedgerContract.Compiler);
    }
}

/// <summary>The committed ABI and bytecode are what the Solidity source compiles to (solc-js from tools/contracts'
/// lock, EVM paris): a source changed without running tools/contracts/build.mjs fails here.</summary>
public sealed class ContractArtifactTests
{
    private static readonly string Build = Path.Combine(Repo.Root, "tools", "contracts", "build.mjs");
    private static readonly string Sources = Path.Combine(Repo.Root, "cloud", "AgriInsure.Ledger.Evm", "Contracts");

    [Fact]
    public async Task The_committed_artifacts_match_the_source()
    {
        var (code, output) = await CheckAsync(Sources);
        Assert.True(code == 0, $"build.mjs --check exited {code}: {output}");
    }

    [Fact]
    public async Task A_source_changed_without_rebuilding_fails_the_check_naming_its_artifact()
    {
        using var copy = new TempFolder();
        foreach (var file in Directory.GetFiles(Sources))
            File.Copy(file, copy.File(Path.GetFileName(file)));
        var source = copy.File("AgriLedger.sol");
        await File.WriteAllTextAsync(source, (await File.ReadAllTextAsync(source)).Replace("AgriLedger: key already anchored", "AgriLedger: key taken"));
        var (code, output) = await CheckAsync(copy.Path);
        Assert.Equal(1, code);
        Assert.Contains("AgriLedger.json does not match AgriLedger.sol", output);
    }

    private static async Task<(int Code, string Output)> CheckAsync(string sources)
    {
        if (!File.Exists(Path.Combine(Repo.Root, "tools", "contracts", "node_modules", "solc", "package.json")))
            throw new InvalidOperationException("tools/contracts/node_modules is missing: run tools/setup --tests (it installs solc-js with npm ci)");
        var start = new ProcessStartInfo("node", [Build, "--check", "--sources", sources]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}

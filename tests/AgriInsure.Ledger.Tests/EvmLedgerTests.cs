using System.Net;
using System.Security.Cryptography;
using System.Text;
using AgriInsure.Ledger.Evm;
using Nethereum.Hex.HexConvertors.Extensions;

namespace AgriInsure.Ledger.Tests;

/// <summary>The shared ledger across insurers, on each chain: a key one insurer anchored is refused to another with the
/// contract's revert reason (read from a transaction mined with status 0), an account never admitted or removed writes
/// nothing, and only the consortium's owner admits.</summary>
public abstract class EvmInsurerTests(EvmNode node) : IAsyncLifetime
{
    private readonly List<EvmLedger> _opened = [];
    private string _contract = "";
    private long _block;
    private EvmLedger _owner = null!;

    protected static string H(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    public async Task InitializeAsync()
    {
        string ownerKey;
        (_contract, _block, ownerKey) = await node.DeployAsync();
        _owner = await OpenAsync(ownerKey);
    }

    private async Task<EvmLedger> OpenAsync(string key)
    {
        var ledger = await EvmLedger.ConnectAsync(node.Options(), key, _contract, _block);
        _opened.Add(ledger);
        return ledger;
    }

    private async Task<EvmLedger> InsurerAsync()
    {
        var ledger = await OpenAsync(await node.NewAccountAsync());
        await _owner.AdmitInsurerAsync(ledger.Account);
        return ledger;
    }

    public async Task DisposeAsync()
    {
        foreach (var ledger in _opened)
            await ledger.DisposeAsync();
    }

    [Fact]
    public async Task A_claim_key_insurer_A_anchored_is_refused_to_insurer_B_whichever_function_B_calls()
    {
        var (a, b) = (await InsurerAsync(), await InsurerAsync());
        var key = H("livestock/cow-17/death");
        Assert.IsType<AppendResult.Appended>(await a.AppendAsync(new LedgerRecord("claim", key, H("insurer A's evidence"))));

        var refused = Assert.IsType<AppendResult.Refused>(await b.AppendAsync(new LedgerRecord("claim", key, H("insurer B's evidence"))));
        Assert.StartsWith("AgriLedger: key already anchored: ", refused.Reason);
        Assert.Equal(H("insurer A's evidence"), refused.Entry.PayloadHash);

        // Sent past the simulation, the transaction is mined and reverts: status 0 in the receipt, not an exception.
        var anchored = await b.Chain.SendAsync(b.Contract, new AnchorFunction { Key = key.HexToByteArray(), Kind = Kind("claim"), PayloadHash = H("B").HexToByteArray() });
        Assert.False(anchored.Succeeded);
        Assert.Equal(0, (int)anchored.Receipt.Status.Value);
        Assert.Equal("AgriLedger: key already anchored", anchored.RevertReason);
        var registered = await b.Chain.SendAsync(b.Contract, new RegisterClaimFunction { ClaimKey = key.HexToByteArray(), PolicyId = new byte[32], EvidenceHash = H("B").HexToByteArray() });
        Assert.False(registered.Succeeded);
        Assert.Equal("AgriLedger: claim key already registered", registered.RevertReason);

        // And the other way round: a key registered as a claim is refused to the generic anchor.
        var other = H("livestock/cow-18/death");
        Assert.True((await b.Chain.SendAsync(b.Contract, new RegisterClaimFunction { ClaimKey = other.HexToByteArray(), PolicyId = new byte[32], EvidenceHash = H("B18").HexToByteArray() })).Succeeded);
        var taken = Assert.IsType<AppendResult.Refused>(await a.AppendAsync(new LedgerRecord("claim", other, H("A18"))));
        Assert.Equal(("claim", 1L), (taken.Entry.Kind, taken.Entry.Index));
        Assert.Equal(2, (await a.HeadAsync()).Size);
    }

    [Fact]
    public async Task The_death_of_an_ear_tagged_animal_claimed_at_insurer_A_is_refused_to_insurer_B()
    {
        // Each insurer has its own animal id and policy for the cow; the key is the domain's, from species and ear tag.
        var (a, b) = (await InsurerAsync(), await InsurerAsync());
        var template = Domain.Embedding.Create([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], "m").Value;
        var atA = Domain.Animal.Create("A-01", "F-1", Domain.Species.Cattle, "SI-1234-56", [template]).Value;
        var atB = Domain.Animal.Create("A-77", "F-9", Domain.Species.Cattle, "si123456", [template]).Value;
        var keyA = Domain.ClaimKey.ForDeath(atA, "LP-A").Hex;
        var keyB = Domain.ClaimKey.ForDeath(atB, "LP-B").Hex;
        Assert.IsType<AppendResult.Appended>(await a.AppendAsync(new LedgerRecord("claim", keyA, H("A's claim photo"))));
        var refused = Assert.IsType<AppendResult.Refused>(await b.AppendAsync(new LedgerRecord("claim", keyB, H("B's claim photo"))));
        Assert.StartsWith("AgriLedger: key already anchored: ", refused.Reason);
        Assert.Equal(H("A's claim photo"), refused.Entry.PayloadHash);
    }

    [Fact]
    public async Task An_account_never_admitted_writes_nothing()
    {
        var stranger = await OpenAsync(await node.NewAccountAsync());
        var error = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => stranger.AppendAsync(new LedgerRecord("claim", H("k"), H("p"))));
        Assert.Contains($"account {stranger.Account} is not an admitted insurer", error.Message, StringComparison.OrdinalIgnoreCase);
        var mined = await stranger.Chain.SendAsync(stranger.Contract, new AnchorFunction { Key = H("k").HexToByteArray(), Kind = Kind("claim"), PayloadHash = H("p").HexToByteArray() });
        Assert.False(mined.Succeeded);
        Assert.Contains("is not an admitted insurer", mined.RevertReason);
        Assert.Equal(0, (await stranger.HeadAsync()).Size);
        Assert.Null(await stranger.FindAsync(H("k")));
    }

    [Fact]
    public async Task A_removed_insurer_writes_nothing_more_and_what_it_wrote_stays()
    {
        var a = await InsurerAsync();
        var appended = Assert.IsType<AppendResult.Appended>(await a.AppendAsync(new LedgerRecord("policy", H("policy/P-1"), H("terms"))));
        Assert.True(await a.IsInsurerAsync(a.Account));
        await _owner.RemoveInsurerAsync(a.Account);
        Assert.False(await a.IsInsurerAsync(a.Account));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => a.AppendAsync(new LedgerRecord("policy", H("policy/P-2"), H("terms"))));
        Assert.Equal(appended.Entry, await a.FindAsync(H("policy/P-1")));
        var verified = await a.VerifyAsync();
        Assert.True(verified.IsIntact, verified.Problem);
        Assert.Equal(1, verified.Entries);
    }

    [Fact]
    public async Task Only_the_consortiums_owner_admits_and_removes_insurers()
    {
        var a = await InsurerAsync();
        var stranger = await OpenAsync(await node.NewAccountAsync());
        var error = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => a.AdmitInsurerAsync(stranger.Account));
        Assert.Contains("is not the consortium's owner", error.Message);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => a.RemoveInsurerAsync(a.Account));
        Assert.False(await a.IsInsurerAsync(stranger.Account));
    }

    private static byte[] Kind(string kind)
    {
        var bytes = new byte[32];
        Encoding.ASCII.GetBytes(kind, bytes);
        return bytes;
    }
}

[Collection(AnvilCollection.Name)]
public sealed class AnvilInsurerTests(AnvilNode node) : EvmInsurerTests(node);

[Collection(GanacheCollection.Name)]
public sealed class GanacheInsurerTests(GanacheNode node) : EvmInsurerTests(node);

/// <summary>How the engine talks to a chain: confirmations waited for, transport errors retried, a send whose answer was
/// lost not sent twice (on anvil, the faster node).</summary>
[Collection(AnvilCollection.Name)]
public sealed class EvmChainTests(AnvilNode node)
{
    private static string H(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    private async Task<(EvmLedger Owner, string Contract, long Block)> DeployAsync()
    {
        var (contract, block, ownerKey) = await node.DeployAsync();
        return (await EvmLedger.ConnectAsync(node.Options(), ownerKey, contract, block), contract, block);
    }

    [Fact]
    public async Task An_append_returns_only_after_the_configured_confirmations()
    {
        var (owner, contract, block) = await DeployAsync();
        await using var _ = owner;
        await using var ledger = await EvmLedger.ConnectAsync(node.Options(confirmations: 1), await node.NewAccountAsync(), contract, block);
        await owner.AdmitInsurerAsync(ledger.Account);

        var append = ledger.AppendAsync(new LedgerRecord("claim", H("k"), H("p")));
        await Task.WhenAny(append, Task.Delay(500));
        Assert.False(append.IsCompleted, "returned before a block followed the one holding the transaction");
        await node.MineAsync();
        Assert.IsType<AppendResult.Appended>(await append.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Transport_errors_are_retried_and_a_send_whose_answer_was_lost_is_not_sent_twice()
    {
        var (owner, contract, block) = await DeployAsync();
        await using var _ = owner;
        var flaky = new FlakyHandler();
        using var http = new HttpClient(flaky);
        await using var ledger = await EvmLedger.ConnectAsync(node.Options(http: http), await node.NewAccountAsync(), contract, block);
        await owner.AdmitInsurerAsync(ledger.Account);

        var appended = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => ledger.AppendAsync(new LedgerRecord("enrolment", H($"animal-{i}"), H($"t-{i}")))));

        Assert.All(appended, a => Assert.IsType<AppendResult.Appended>(a));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), appended.Select(a => a.Entry.Index).Order());
        Assert.True(flaky.LostAnswers > 0 && flaky.Refused > 0, $"{flaky.LostAnswers} answers lost, {flaky.Refused} requests refused");
        Assert.True(flaky.LostRawSends > 0, "no eth_sendRawTransaction lost its answer");
        var verified = await ledger.VerifyAsync();
        Assert.True(verified.IsIntact, verified.Problem);
        Assert.Equal(12, verified.Entries);
    }

    [Theory]
    [InlineData("drop the last", 4, "the contract holds 5 entries, the node's events 4")]
    [InlineData("change a payload", 2, "its Anchored event does not match what the contract stores")]
    public async Task Verify_names_the_first_entry_a_lying_node_left_out_or_changed(string lie, long expected, string problem)
    {
        var (owner, contract, block) = await DeployAsync();
        await using var _ = owner;
        var key = await node.NewAccountAsync();
        await using (var writer = await EvmLedger.ConnectAsync(node.Options(), key, contract, block))
        {
            await owner.AdmitInsurerAsync(writer.Account);
            for (var i = 0; i < 5; i++)
                await writer.AppendAsync(new LedgerRecord("claim", H($"k{i}"), H($"p{i}")));
            Assert.True((await writer.VerifyAsync()).IsIntact);
        }
        using var http = new HttpClient(new LyingHandler(lie));
        await using var reader = await EvmLedger.ConnectAsync(node.Options(http: http), key, contract, block);
        var verified = await reader.VerifyAsync();
        Assert.False(verified.IsIntact);
        Assert.Equal(expected, verified.FirstTampered);
        Assert.Contains(problem, verified.Problem);
    }

    /// <summary>A node that answers eth_getLogs with its last log left out, or with the third log's payload hash changed.</summary>
    private sealed class LyingHandler(string lie) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(ct);
            var response = await base.SendAsync(request, ct);
            if (!body.Contains("eth_getLogs"))
                return response;
            var answer = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
            var logs = answer["result"]!.AsArray();
            if (lie == "drop the last")
                logs.RemoveAt(logs.Count - 1);
            else
            {
                // data = payloadHash (32 bytes) · index · time, each a 32-byte word.
                var data = (string)logs[2]!["data"]!;
                logs[2]!["data"] = "0x" + Convert.ToHexStringLower(SHA256.HashData("forged"u8)) + data[66..];
            }
            response.Content = new StringContent(answer.ToJsonString(), Encoding.UTF8, "application/json");
            return response;
        }
    }

    /// <summary>Fails one JSON-RPC request in three: one in six before it reaches the node (refused), one in six after
    /// (the node acted on it, the answer is lost).</summary>
    private sealed class FlakyHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _count;
        public int Refused;
        public int LostAnswers;
        public int LostRawSends;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var n = Interlocked.Increment(ref _count);
            if (n % 6 == 2)
            {
                Interlocked.Increment(ref Refused);
                throw new HttpRequestException("connection refused (injected)");
            }
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(ct);
            var response = await base.SendAsync(request, ct);
            if (n % 6 == 5 || (body.Contains("eth_sendRawTransaction") && n % 2 == 0))
            {
                Interlocked.Increment(ref LostAnswers);
                if (body.Contains("eth_sendRawTransaction"))
                    Interlocked.Increment(ref LostRawSends);
                response.Dispose();
                throw new HttpRequestException("connection reset (injected)", null, HttpStatusCode.BadGateway);
            }
            return response;
        }
    }
}

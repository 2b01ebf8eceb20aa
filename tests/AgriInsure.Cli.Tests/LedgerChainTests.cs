using AgriInsure.Ledger.Evm;
using AgriInsure.Ledger.Tests;
using AgriInsure.Tests;
using Nethereum.Signer;

namespace AgriInsure.Cli.Tests;

/// <summary><c>ledger checkpoint</c> and <c>ledger verify --against-chain</c> run as a user runs them, on a copy of a demo
/// season's ledger, against a live chain (anvil, one per run of this assembly) with a contract deployed for each test
/// and an insurer its owner admitted. The insurer's key is given the way the verbs take it, in AGRI_EVM_KEY, and must
/// never be printed.</summary>
[Collection(AnvilCollection.Name)]
public sealed class LedgerChainTests(AnvilNode node, DemoSeasonFolder season) : IClassFixture<DemoSeasonFolder>
{
    private sealed record Chain(string Contract, long Block, string Key, string Address);

    private async Task<Chain> ConsortiumAsync()
    {
        var (contract, block, ownerKey) = await node.DeployAsync();
        var key = await node.NewAccountAsync();
        var address = EthECKey.GetPublicAddress(key);
        await using (var owner = await EvmLedger.ConnectAsync(node.Options(), ownerKey, contract, block))
            await owner.AdmitInsurerAsync(address);
        return new Chain(contract, block, key, address);
    }

    /// <summary>The verb run with the key in the environment; the key is in neither stream, with or without its 0x.</summary>
    private Agri.Result Run(TempFolder work, Chain chain, params string[] args)
    {
        var r = Agri.RunIn(work.Path, null, [(EvmKeys.KeyVariable, chain.Key)], args);
        Agri.Clean(r);
        var bare = chain.Key.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? chain.Key[2..] : chain.Key;
        Assert.DoesNotContain(bare, r.Out, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(bare, r.Err, StringComparison.OrdinalIgnoreCase);
        return r;
    }

    private string[] Checkpoint(string ledger, Chain chain) =>
        ["ledger", "checkpoint", "--ledger", ledger, "--rpc", node.Endpoint.ToString(), "--contract", chain.Contract];

    private string[] Verify(string ledger, Chain chain) =>
        ["ledger", "verify", "--ledger", ledger, "--against-chain", "--rpc", node.Endpoint.ToString(), "--contract", chain.Contract, "--insurer", chain.Address,
            "--from-block", chain.Block.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    private static string Copy(TempFolder work, string ledger, string name)
    {
        var copy = work.File(name);
        File.Copy(ledger, copy);
        return copy;
    }

    [Fact]
    public async Task A_demo_ledger_checkpointed_on_the_chain_verifies_against_it_until_an_entry_is_changed_or_the_last_removed()
    {
        using var work = new TempFolder();
        var chain = await ConsortiumAsync();
        var ledger = Path.Combine(season.CopyTo(work.Path), "ledger.db");
        var entries = DemoSeasonFolder.Scalar(ledger, "SELECT COUNT(*) FROM entries");
        Assert.True(int.Parse(entries, System.Globalization.CultureInfo.InvariantCulture) >= 4, entries);

        // Nothing published yet: the log has no checkpoint to be held against.
        var none = Run(work, chain, Verify(ledger, chain));
        Assert.True(none.Code == 1, none.Out + none.Err);

        var published = Run(work, chain, Checkpoint(ledger, chain));
        Assert.True(published.Code == 0, published.Out + published.Err);
        Assert.Contains($"checkpoint published by {chain.Address}: {entries} entries", published.Out, StringComparison.OrdinalIgnoreCase);
        var again = Run(work, chain, Checkpoint(ledger, chain));
        Assert.True(again.Code == 0, again.Out + again.Err);
        Assert.Contains($"the chain holds this checkpoint already: {entries} entries", again.Out);

        var intact = Run(work, chain, Verify(ledger, chain));
        Assert.True(intact.Code == 0, intact.Out + intact.Err);
        Assert.Contains($"consistent with the 1 checkpoint(s)", intact.Out);

        // One byte of entry 3 changed.
        var changed = Copy(work, ledger, "changed.db");
        var payload = DemoSeasonFolder.Scalar(changed, "SELECT payload_hash FROM entries WHERE idx = 3");
        DemoSeasonFolder.Sql(changed, $"DROP TRIGGER entries_no_update; UPDATE entries SET payload_hash = '{payload[..63]}{(payload[63] == '0' ? '1' : '0')}' WHERE idx = 3");
        var tampered = Run(work, chain, Verify(changed, chain));
        Assert.Equal(1, tampered.Code);
        Assert.Contains("first bad entry 3", tampered.Out);

        // The last entry (the season's last record) removed: the rest hashes consistently, the chain's checkpoint does not.
        var shortened = Copy(work, ledger, "shortened.db");
        // A careful forger also removes the interior nodes the last entry completed (verify names a node left behind).
        DemoSeasonFolder.Sql(shortened, "DROP TRIGGER entries_no_delete; DROP TRIGGER nodes_no_delete; " +
            "DELETE FROM nodes WHERE ((idx + 1) << level) - 1 >= (SELECT MAX(idx) FROM entries); DELETE FROM entries WHERE idx = (SELECT MAX(idx) FROM entries)");
        Assert.Equal(0, Run(work, chain, "ledger", "verify", "--ledger", shortened).Code);
        var removed = Run(work, chain, Verify(shortened, chain));
        Assert.Equal(1, removed.Code);
        Assert.Contains("fewer than", removed.Out);
        Assert.Contains("TAMPERED against the chain", removed.Out);

        // And the shortened log cannot be published over the checkpoint it falls short of.
        var refused = Run(work, chain, Checkpoint(shortened, chain));
        Assert.Equal(1, refused.Code);
        Assert.Contains("REFUSED", refused.Out);
    }

    [Fact]
    public async Task Reconcile_reads_the_chain_a_host_anchors_on_and_names_an_entry_the_registry_does_not_know()
    {
        using var work = new TempFolder();
        var chain = await ConsortiumAsync();
        var cloud = season.CopyTo(work.Path);
        // The chain holds what the season anchored (as a host with Cloud:Ledger=evm would have written it).
        await using (var file = await Ledger.Sqlite.SqliteLedger.OpenReadOnlyAsync(Path.Combine(cloud, "ledger.db")))
        await using (var insurer = await EvmLedger.ConnectAsync(node.Options(), chain.Key, chain.Contract, chain.Block))
        {
            foreach (var e in await file.EntriesAsync(0, int.MaxValue))
                Assert.IsType<Ledger.AppendResult.Appended>(await insurer.AppendAsync(new Ledger.LedgerRecord(e.Kind, e.Key, e.PayloadHash)));
        }
        string[] reconcile = ["ledger", "reconcile", "--cloud", cloud, "--rpc", node.Endpoint.ToString(), "--contract", chain.Contract,
            "--from-block", chain.Block.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        // No key is needed to read the chain: the variable is left empty.
        var agree = Agri.RunIn(work.Path, null, [(EvmKeys.KeyVariable, "")], reconcile);
        Agri.Clean(agree);
        Assert.True(agree.Code == 0, agree.Out + agree.Err);
        Assert.Contains("registry and ledger agree", agree.Out);

        await using (var insurer = await EvmLedger.ConnectAsync(node.Options(), chain.Key, chain.Contract, chain.Block))
            await insurer.AppendAsync(new Ledger.LedgerRecord("claim", new string('c', 64), new string('d', 64)));
        var diverge = Agri.RunIn(work.Path, null, [(EvmKeys.KeyVariable, "")], reconcile);
        Agri.Clean(diverge);
        Assert.True(diverge.Code == 1, diverge.Out + diverge.Err);
        Assert.Contains("1 unknown to the registry", diverge.Out);

        var unreachable = Agri.RunIn(work.Path, null, [], ["ledger", "reconcile", "--cloud", cloud, "--rpc", "http://127.0.0.1:9", "--contract", chain.Contract]);
        Agri.Clean(unreachable);
        Assert.Equal(3, unreachable.Code);
        Assert.Contains("--rpc", unreachable.Err);
    }

    [Fact]
    public async Task The_consortiums_owner_deploys_admits_and_removes_an_insurer_and_no_one_else_can()
    {
        using var work = new TempFolder();
        var owner = await node.NewAccountAsync();
        var insurer = EthECKey.GetPublicAddress(await node.NewAccountAsync());
        var deployed = Agri.RunIn(work.Path, null, [(EvmKeys.KeyVariable, owner)], ["ledger", "deploy", "--rpc", node.Endpoint.ToString()]);
        Agri.Clean(deployed);
        Assert.True(deployed.Code == 0, deployed.Out + deployed.Err);
        var contract = System.Text.RegularExpressions.Regex.Match(deployed.Out, "deployed at (0x[0-9a-fA-F]{40})").Groups[1].Value;
        Assert.NotEmpty(contract);

        string[] Membership(string verb, string account) => ["ledger", verb, account, "--rpc", node.Endpoint.ToString(), "--contract", contract];
        var admitted = Agri.RunIn(work.Path, null, [(EvmKeys.KeyVariable, owner)], Membership("admit", insurer));
        Assert.True(admitted.Code == 0, admitted.Out + admitted.Err);
        await using var reader = await EvmLedger.ConnectReaderAsync(node.Options(), contract);
        Assert.True(await reader.IsInsurerAsync(insurer));

        // Another account is not the owner: refused, with the contract's reason, nothing changed.
        var stranger = await node.NewAccountAsync();
        var refused = Agri.RunIn(work.Path, null, [(EvmKeys.KeyVariable, stranger)], Membership("remove", insurer));
        Assert.Equal(1, refused.Code);
        Assert.Contains("not the consortium's owner", refused.Out);
        Assert.True(await reader.IsInsurerAsync(insurer));

        var removed = Agri.RunIn(work.Path, null, [(EvmKeys.KeyVariable, owner)], Membership("remove", insurer));
        Assert.True(removed.Code == 0, removed.Out + removed.Err);
        Assert.False(await reader.IsInsurerAsync(insurer));
        foreach (var r in new[] { deployed, admitted, refused, removed })
            Assert.DoesNotContain(owner.StartsWith("0x", StringComparison.Ordinal) ? owner[2..] : owner, r.Out + r.Err, StringComparison.OrdinalIgnoreCase);

        var badAddress = Agri.RunIn(work.Path, null, [(EvmKeys.KeyVariable, owner)], Membership("admit", "0x1234"));
        Assert.Equal(2, badAddress.Code);
        Assert.Contains("INSURER 0x1234", badAddress.Err);

        // An address without contract code (an account, or where nothing was deployed) is refused before anything is sent:
        // a transaction to it would succeed and do nothing, and the verb would say "admitted".
        foreach (var empty in new[] { "0x0000000000000000000000000000000000000001", EthECKey.GetPublicAddress(owner) })
        {
            string[] into = ["ledger", "admit", insurer, "--rpc", node.Endpoint.ToString(), "--contract", empty];
            var nothing = Agri.RunIn(work.Path, null, [(EvmKeys.KeyVariable, owner)], into);
            Agri.Clean(nothing);
            Assert.Equal(2, nothing.Code);
            Assert.Contains("no contract at", nothing.Err);
            var ledger = Path.Combine(season.CopyTo(work.File("copy-" + empty[^4..])), "ledger.db");
            var audit = Agri.RunIn(work.Path, null, [], ["ledger", "verify", "--ledger", ledger, "--against-chain", "--rpc", node.Endpoint.ToString(), "--contract", empty,
                "--insurer", insurer]);
            Agri.Clean(audit);
            Assert.Equal(2, audit.Code);
            Assert.Contains("no contract at", audit.Err);
        }
    }

    [Fact]
    public void A_keystore_without_its_passphrase_variable_is_a_usage_error_naming_the_variable()
    {
        using var work = new TempFolder();
        var keystore = work.File("insurer.json");
        EvmKeys.CreateKeystore(keystore, "a passphrase", scryptCost: 1 << 10);
        var ledger = Path.Combine(season.CopyTo(work.Path), "ledger.db");
        var r = Agri.RunIn(work.Path, null, [(EvmKeys.PassphraseVariable, "")], ["ledger", "checkpoint", "--ledger", ledger, "--rpc", node.Endpoint.ToString(),
            "--contract", "0x" + new string('a', 40), "--keystore", keystore]);
        Agri.Clean(r);
        Assert.Equal(2, r.Code);
        Assert.Contains(EvmKeys.PassphraseVariable, r.Err);
        Assert.Contains("--keystore", r.Err);

        // Without a keystore and without the key variable: named too.
        var noKey = Agri.RunIn(work.Path, null, [(EvmKeys.KeyVariable, "")], ["ledger", "checkpoint", "--ledger", ledger, "--rpc", node.Endpoint.ToString(),
            "--contract", "0x" + new string('a', 40)]);
        Agri.Clean(noKey);
        Assert.Equal(2, noKey.Code);
        Assert.Contains(EvmKeys.KeyVariable, noKey.Err);
    }
}

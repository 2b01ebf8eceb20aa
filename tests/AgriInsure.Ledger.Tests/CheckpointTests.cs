using System.Security.Cryptography;
using System.Text;
using AgriInsure.Ledger.Evm;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Tests;
using Microsoft.Data.Sqlite;

namespace AgriInsure.Ledger.Tests;

/// <summary>The embedded log's signed checkpoints on a real chain (anvil): published by the insurer, then the log checked
/// against every one of them. Intact holds; one byte of an entry changed, the last entry deleted, and the whole log
/// rewritten as another valid-looking log are each caught and named.</summary>
[Collection(AnvilCollection.Name)]
public sealed class CheckpointTests(AnvilNode node) : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private string _contract = "";
    private long _block;
    private EvmLedger _insurer = null!;
    private EvmLedger _owner = null!;

    private static string H(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    public async Task InitializeAsync()
    {
        string ownerKey;
        (_contract, _block, ownerKey) = await node.DeployAsync();
        _owner = await EvmLedger.ConnectAsync(node.Options(), ownerKey, _contract, _block);
        _insurer = await EvmLedger.ConnectAsync(node.Options(), await node.NewAccountAsync(), _contract, _block);
        await _owner.AdmitInsurerAsync(_insurer.Account);
    }

    public async Task DisposeAsync()
    {
        await _insurer.DisposeAsync();
        await _owner.DisposeAsync();
        _folder.Dispose();
    }

    private static async Task AppendAsync(SqliteLedger ledger, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
            await ledger.AppendAsync(new LedgerRecord("claim", H($"{prefix}-key-{i}"), H($"{prefix}-payload-{i}")));
    }

    /// <summary>A log of <paramref name="count"/> entries with checkpoints published at 3 entries and at its end.</summary>
    private async Task<string> PublishedLogAsync(int count)
    {
        var path = _folder.File("ledger.db");
        await using var ledger = await SqliteLedger.OpenAsync(path);
        var publisher = new CheckpointPublisher(_insurer.Chain, _contract);
        await AppendAsync(ledger, "a", 3);
        Assert.IsType<CheckpointPublication.Published>(await publisher.PublishAsync(await ledger.HeadAsync()));
        await AppendAsync(ledger, "b", count - 3);
        var last = Assert.IsType<CheckpointPublication.Published>(await publisher.PublishAsync(await ledger.HeadAsync()));
        Assert.True(last.Checkpoint.SignatureHolds());
        Assert.IsType<CheckpointPublication.Unchanged>(await publisher.PublishAsync(await ledger.HeadAsync()));
        return path;
    }

    private async Task<(LedgerVerification Local, CheckpointAudit? Audit)> AuditAsync(string path)
    {
        await using var ledger = await SqliteLedger.OpenReadOnlyAsync(path);
        var local = await ledger.VerifyAsync();
        if (!local.IsIntact)
            return (local, null);
        return (local, await CheckpointAudit.RunAsync(ledger, local, _insurer.Chain, _contract, _insurer.Account, _block));
    }

    private static void Tamper(string path, string sql)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=false");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete; DROP TRIGGER nodes_no_update; DROP TRIGGER nodes_no_delete; {sql}";
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public async Task An_intact_log_is_consistent_with_every_checkpoint_its_insurer_published()
    {
        var path = await PublishedLogAsync(7);
        await using (var ledger = await SqliteLedger.OpenAsync(path))
            await AppendAsync(ledger, "c", 2);
        var (local, audit) = await AuditAsync(path);
        Assert.True(local.IsIntact);
        Assert.NotNull(audit);
        Assert.True(audit.Holds, audit.Problem ?? string.Join("; ", audit.Checkpoints.Select(c => c.Problem)));
        Assert.Equal([3L, 7L], audit.Checkpoints.Select(c => c.Checkpoint.TreeSize));
        Assert.Equal(9, audit.Entries);
    }

    [Fact]
    public async Task One_byte_of_an_entry_changed_is_named()
    {
        var path = await PublishedLogAsync(7);
        // The payload's first hex digit changed: the stored hashes no longer follow, so the log itself names entry 2.
        Tamper(path, "UPDATE entries SET payload_hash = (CASE substr(payload_hash, 1, 1) WHEN 'a' THEN 'b' ELSE 'a' END) || substr(payload_hash, 2) WHERE idx = 2");
        var (local, _) = await AuditAsync(path);
        Assert.False(local.IsIntact);
        Assert.Equal(2, local.FirstTampered);
    }

    [Fact]
    public async Task A_log_shorter_than_its_last_checkpoint_is_tampered()
    {
        var path = await PublishedLogAsync(7);
        // The paid claim deleted with its interior nodes: what remains is a valid log of 6 entries.
        Tamper(path, "DELETE FROM entries WHERE idx = 6; DELETE FROM nodes WHERE (idx + 1) << level > 6;");
        var (local, audit) = await AuditAsync(path);
        Assert.True(local.IsIntact);
        Assert.Equal(6, local.Entries);
        Assert.NotNull(audit);
        Assert.False(audit.Holds);
        var bad = Assert.Single(audit.Checkpoints, c => !c.Holds);
        Assert.Equal(7, bad.Checkpoint.TreeSize);
        Assert.Contains("fewer than the 7", bad.Problem);
    }

    [Fact]
    public async Task A_log_rewritten_whole_is_not_an_extension_of_the_checkpoints()
    {
        var path = await PublishedLogAsync(7);
        // Another log, every hash of it valid, longer than the last checkpoint: only the checkpoints tell it apart.
        File.Delete(path);
        await using (var forged = await SqliteLedger.OpenAsync(path))
        {
            await AppendAsync(forged, "a", 2);
            await AppendAsync(forged, "forged", 8);
        }
        var (local, audit) = await AuditAsync(path);
        Assert.True(local.IsIntact);
        Assert.NotNull(audit);
        Assert.False(audit.Holds);
        Assert.All(audit.Checkpoints, c => Assert.Contains("consistency proof fails", c.Problem));
    }

    [Fact]
    public async Task The_contract_refuses_a_rewritten_log_of_the_same_size_and_a_smaller_one()
    {
        await PublishedLogAsync(7);
        var publisher = new CheckpointPublisher(_insurer.Chain, _contract);
        var refused = Assert.IsType<CheckpointPublication.Refused>(await publisher.PublishAsync(new TreeHead(7, SHA256.HashData("other"u8))));
        Assert.Contains("checkpoint of the last size with another root", refused.Reason);
        var smaller = Assert.IsType<CheckpointPublication.Refused>(await publisher.PublishAsync(new TreeHead(5, SHA256.HashData("smaller"u8))));
        Assert.Contains("checkpoint smaller than the last", smaller.Reason);
    }

    [Fact]
    public void A_checkpoint_signed_for_another_insurer_or_chain_does_not_verify()
    {
        var head = new TreeHead(4, SHA256.HashData("root"u8));
        var signed = SignedCheckpoint.Sign(_insurer.Chain, _contract, head, DateTimeOffset.UnixEpoch.AddDays(20_000));
        Assert.True(signed.SignatureHolds());
        Assert.StartsWith("AgriInsure ledger checkpoint v1\nchain 31337\n", signed.Statement);
        Assert.False((signed with { Insurer = _owner.Account }).SignatureHolds());
        Assert.False((signed with { ChainId = 1 }).SignatureHolds());
        Assert.False((signed with { TreeSize = 5 }).SignatureHolds());
    }

    [Fact]
    public async Task An_insurer_with_no_checkpoint_is_not_verified()
    {
        var path = _folder.File("ledger.db");
        await using (var ledger = await SqliteLedger.OpenAsync(path))
            await AppendAsync(ledger, "a", 2);
        var (_, audit) = await AuditAsync(path);
        Assert.NotNull(audit);
        Assert.False(audit.Holds);
        Assert.Contains("published no checkpoint", audit.Problem);
    }
}

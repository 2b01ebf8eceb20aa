using System.Security.Cryptography;
using System.Text;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Proofs;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Tests;
using Microsoft.Data.Sqlite;

namespace AgriInsure.Ledger.Tests;

/// <summary>What only the embedded log does: reopening, its file's guards, naming a tampered row, upgrading old files.
/// What every engine does is in <see cref="LedgerContract"/>.</summary>
public class SqliteLedgerTests
{
    private static string H(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    [Fact]
    public async Task A_group_of_appends_commits_together_sees_its_own_appends_and_keeps_nothing_when_it_throws()
    {
        using var dir = new TempFolder();
        await using var ledger = await SqliteLedger.OpenAsync(dir.File("l.db"));
        await ledger.AppendAsync(new LedgerRecord("enrolment", H("A0"), H("t0")));
        var inside = await ledger.GroupAsync(async ct =>
        {
            var a = await ledger.AppendAsync(new LedgerRecord("enrolment", H("A1"), H("t1")), ct);
            var b = await ledger.AppendAsync(new LedgerRecord("enrolment", H("A2"), H("t2")), ct);
            var again = await ledger.AppendAsync(new LedgerRecord("enrolment", H("A1"), H("other")), ct);
            return (a.Entry.Index, b.Entry.Index, again, await ledger.FindAsync(H("A2"), ct));
        });
        Assert.Equal((1L, 2L), (inside.Item1, inside.Item2));
        Assert.Equal(1, Assert.IsType<AppendResult.Refused>(inside.again).Entry.Index);
        Assert.Equal(2, inside.Item4!.Index);

        await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.GroupAsync<bool>(async ct =>
        {
            await ledger.AppendAsync(new LedgerRecord("enrolment", H("A3"), H("t3")), ct);
            throw new InvalidOperationException("the registry's commit failed");
        }));
        Assert.Null(await ledger.FindAsync(H("A3")));
        Assert.Equal(3, (await ledger.HeadAsync()).Size);
        Assert.Equal(3, (await ledger.AppendAsync(new LedgerRecord("enrolment", H("A3"), H("t3")))).Entry.Index);

        // What another process reads from the file, and what a fresh look at the file recomputes, agree.
        await using var reader = await SqliteLedger.OpenReadOnlyAsync(dir.File("l.db"));
        var verified = await reader.VerifyAsync();
        Assert.True(verified.IsIntact, verified.Problem);
        Assert.Equal((4L, Convert.ToHexStringLower((await ledger.HeadAsync()).Root)), (verified.Entries, verified.Root));
    }

    [Fact]
    public void Only_hashes_can_be_anchored()
    {
        Assert.Throws<ArgumentException>(() => new LedgerRecord("claim", "Wang Wei, cow 17", H("x")));
        Assert.Throws<ArgumentException>(() => new LedgerRecord("claim", H("x"), "+86 138 0000 0000"));
        Assert.Throws<ArgumentException>(() => new LedgerRecord("Claim!", H("x"), H("y")));
    }

    [Fact]
    public async Task Proofs_verify_without_the_database_and_survive_reopening()
    {
        using var dir = new TempFolder();
        var path = dir.File("l.db");
        byte[] root;
        await using (var ledger = await SqliteLedger.OpenAsync(path))
        {
            for (var i = 0; i < 13; i++)
                await ledger.AppendAsync(new LedgerRecord("enrolment", H($"animal-{i}"), H($"template-{i}")));
            root = (await ledger.HeadAsync()).Root;
        }
        await using var reopened = await SqliteLedger.OpenAsync(path);
        Assert.Equal(root, (await reopened.HeadAsync()).Root);
        for (var i = 0; i < 13; i++)
        {
            var proof = await reopened.ProveAsync(i);
            Assert.True(ProofVerifier.VerifyInclusion(proof.LeafHash, proof.Index, proof.TreeSize, proof.Path, root));
        }
        var appended = await reopened.AppendAsync(new LedgerRecord("enrolment", H("animal-13"), H("t")));
        Assert.Equal(13, appended.Entry.Index);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => reopened.ProveAsync(14));
    }

    [Fact]
    public async Task Updates_and_deletes_are_refused_by_the_database()
    {
        using var dir = new TempFolder();
        var path = dir.File("l.db");
        await using (var ledger = await SqliteLedger.OpenAsync(path))
            await ledger.AppendAsync(new LedgerRecord("policy", H("p"), H("terms")));
        await using var db = new SqliteConnection($"Data Source={path};Pooling=false");
        db.Open();
        var cmd = db.CreateCommand();
        cmd.CommandText = "UPDATE entries SET payload_hash = 'x'";
        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => cmd.ExecuteNonQuery()).Message);
        cmd.CommandText = "DELETE FROM entries";
        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => cmd.ExecuteNonQuery()).Message);
    }

    [Theory]
    [InlineData("UPDATE entries SET payload_hash = '" + "ab" + "' WHERE idx = 3", 3, "leaf hash")]
    [InlineData("UPDATE entries SET recorded_at = recorded_at + 1 WHERE idx = 5", 5, "leaf hash")]
    [InlineData("DELETE FROM entries WHERE idx = 4", 4, "missing")]
    [InlineData("UPDATE entries SET chain_hash = zeroblob(32) WHERE idx = 6", 6, "chain")]
    [InlineData("UPDATE entries SET root_after = zeroblob(32) WHERE idx = 2", 2, "root")]
    public async Task Verify_names_the_first_tampered_entry(string attack, long expected, string problem)
    {
        using var dir = new TempFolder();
        var path = dir.File("l.db");
        await using (var ledger = await SqliteLedger.OpenAsync(path))
        {
            for (var i = 0; i < 8; i++)
                await ledger.AppendAsync(new LedgerRecord("claim", H($"k{i}"), H($"p{i}")));
            Assert.True((await ledger.VerifyAsync()).IsIntact);
        }
        // An attacker with the file: drops the guards and edits rows.
        await using (var db = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            db.Open();
            var cmd = db.CreateCommand();
            cmd.CommandText = $"DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete; {attack.Replace("'ab'", $"'{H("forged")}'")}";
            cmd.ExecuteNonQuery();
        }
        await using var reopened = await SqliteLedger.OpenAsync(path);
        var result = await reopened.VerifyAsync();
        Assert.False(result.IsIntact);
        Assert.Equal(expected, result.FirstTampered);
        Assert.Contains(problem, result.Problem);
    }

    [Fact]
    public async Task A_ledger_written_before_interior_nodes_were_stored_gets_them_when_opened_and_proves_the_same()
    {
        using var dir = new TempFolder();
        var path = dir.File("l.db");
        var proofs = new List<InclusionProof>();
        await using (var ledger = await SqliteLedger.OpenAsync(path))
        {
            for (var i = 0; i < 10; i++)
                await ledger.AppendAsync(new LedgerRecord("claim", H($"claim-{i}"), H($"evidence-{i}")));
            for (var i = 0; i < 10; i++)
                proofs.Add(await ledger.ProveAsync(i));
        }
        await using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await db.OpenAsync();
            await using var drop = db.CreateCommand();
            drop.CommandText = "DROP TABLE nodes";
            await drop.ExecuteNonQueryAsync();
        }
        // An auditor's read-only copy of such a file proves from its leaves.
        await using (var copy = await SqliteLedger.OpenReadOnlyAsync(path))
            Assert.Equal(proofs[3].Path, (await copy.ProveAsync(3)).Path);

        await using var reopened = await SqliteLedger.OpenAsync(path);
        await using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await db.OpenAsync();
            await using var count = db.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM nodes";
            Assert.Equal(5L + 2 + 1, (long)(await count.ExecuteScalarAsync())!);
        }
        for (var i = 0; i < 10; i++)
            Assert.Equal(proofs[i].Path, (await reopened.ProveAsync(i)).Path);
    }
}

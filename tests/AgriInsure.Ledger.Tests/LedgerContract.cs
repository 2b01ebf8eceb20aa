using System.Security.Cryptography;
using System.Text;
using AgriInsure.Ledger.Proofs;

namespace AgriInsure.Ledger.Tests;

/// <summary>What every <see cref="ILedger"/> engine must do, run on each: the embedded SQLite log, and the AgriLedger
/// contract on Ganache and on anvil. Each test has a ledger of its own; <see cref="WriterAsync"/> opens one more writer
/// on it (another connection to the file; on a chain, another admitted insurer's account).</summary>
public abstract class LedgerContract : IAsyncLifetime
{
    private readonly List<ILedger> _opened = [];

    protected static string H(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    /// <summary>A new writer on this test's ledger.</summary>
    protected abstract Task<ILedger> OpenWriterAsync();

    protected async Task<ILedger> WriterAsync()
    {
        var ledger = await OpenWriterAsync();
        _opened.Add(ledger);
        return ledger;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var ledger in _opened)
            await ledger.DisposeAsync();
    }

    [Fact]
    public async Task Appends_refuses_a_second_payload_under_a_key_and_accepts_a_retry()
    {
        var ledger = await WriterAsync();
        var first = Assert.IsType<AppendResult.Appended>(await ledger.AppendAsync(new LedgerRecord("claim", H("P1/A1"), H("capture-1"))));
        Assert.Equal(0, first.Entry.Index);
        var retry = Assert.IsType<AppendResult.AlreadyAnchored>(await ledger.AppendAsync(new LedgerRecord("claim", H("P1/A1"), H("capture-1"))));
        Assert.Equal(first.Entry, retry.Entry);
        var refused = Assert.IsType<AppendResult.Refused>(await ledger.AppendAsync(new LedgerRecord("claim", H("P1/A1"), H("capture-2"))));
        Assert.Equal(0, refused.Entry.Index);
        Assert.Equal(H("capture-1"), refused.Entry.PayloadHash);
        Assert.Contains("entry 0", refused.Reason);
        // The same key under another kind is another record, and refused as well.
        Assert.IsType<AppendResult.Refused>(await ledger.AppendAsync(new LedgerRecord("enrolment", H("P1/A1"), H("capture-1"))));
        Assert.Equal(1, (await ledger.HeadAsync()).Size);
    }

    [Fact]
    public async Task A_key_one_writer_anchored_is_refused_to_another_and_its_retry_is_already_anchored()
    {
        var (a, b) = (await WriterAsync(), await WriterAsync());
        var key = H("livestock/P-7/cow-17");
        var appended = Assert.IsType<AppendResult.Appended>(await a.AppendAsync(new LedgerRecord("claim", key, H("death-photo-a"))));
        var refused = Assert.IsType<AppendResult.Refused>(await b.AppendAsync(new LedgerRecord("claim", key, H("death-photo-b"))));
        Assert.Equal(appended.Entry, refused.Entry);
        Assert.IsType<AppendResult.AlreadyAnchored>(await b.AppendAsync(new LedgerRecord("claim", key, H("death-photo-a"))));
        Assert.Equal(appended.Entry, await b.FindAsync(key));
    }

    [Fact]
    public async Task Find_returns_the_entry_appended_and_nothing_for_a_key_never_anchored()
    {
        var ledger = await WriterAsync();
        Assert.Null(await ledger.FindAsync(H("nothing")));
        await ledger.AppendAsync(new LedgerRecord("policy", H("policy/P-1"), H("terms")));
        var appended = (await ledger.AppendAsync(new LedgerRecord("enrolment", H("animal/A-1"), H("templates")))).Entry;
        var found = await ledger.FindAsync(H("animal/A-1"));
        Assert.Equal(appended, found);
        Assert.Equal((1L, "enrolment", H("templates")), (found!.Index, found.Kind, found.PayloadHash));
        Assert.Equal(LeafEncoding.LeafHash(found.Index, found.Kind, found.Key, found.PayloadHash, found.RecordedAt), Convert.FromHexString(found.Anchor));
    }

    [Fact]
    public async Task An_empty_ledger_has_the_empty_root_and_verifies()
    {
        var ledger = await WriterAsync();
        var head = await ledger.HeadAsync();
        Assert.Equal(0, head.Size);
        Assert.Equal(MerkleHash.Empty(), head.Root);
        var verified = await ledger.VerifyAsync();
        Assert.True(verified.IsIntact, verified.Problem);
        Assert.Equal(0, verified.Entries);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ledger.ProveAsync(0));
    }

    [Fact]
    public async Task Proofs_of_every_entry_verify_against_the_head_and_verify_recomputes_its_root()
    {
        var ledger = await WriterAsync();
        for (var i = 0; i < 13; i++)
            await ledger.AppendAsync(new LedgerRecord("enrolment", H($"animal-{i}"), H($"template-{i}")));
        var head = await ledger.HeadAsync();
        Assert.Equal(13, head.Size);
        for (var i = 0; i < 13; i++)
        {
            var proof = await ledger.ProveAsync(i);
            Assert.Equal(((long)i, 13L), (proof.Index, proof.TreeSize));
            Assert.True(ProofVerifier.VerifyInclusion(proof.LeafHash, proof.Index, proof.TreeSize, proof.Path, head.Root), $"entry {i}");
            Assert.False(ProofVerifier.VerifyInclusion(proof.LeafHash, (proof.Index + 1) % 13, proof.TreeSize, proof.Path, head.Root), $"entry {i} at another index");
        }
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ledger.ProveAsync(13));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ledger.ProveAsync(-1));
        var verified = await ledger.VerifyAsync();
        Assert.True(verified.IsIntact, verified.Problem);
        Assert.Equal((13L, Convert.ToHexStringLower(head.Root)), (verified.Entries, verified.Root));
    }

    [Fact]
    public async Task Consistency_proofs_from_every_earlier_size_verify_against_the_roots_it_had_then()
    {
        var ledger = await WriterAsync();
        const int n = 21;
        var roots = new List<byte[]>();
        for (var i = 0; i < n; i++)
        {
            await ledger.AppendAsync(new LedgerRecord("enrolment", H($"animal-{i}"), H($"template-{i}")));
            roots.Add((await ledger.HeadAsync()).Root);
        }
        var now = roots[^1];
        for (var m = 1; m <= n; m++)
        {
            var proof = await ledger.ProveConsistencyAsync(m);
            Assert.Equal((m, (long)n), (proof.FirstSize, proof.SecondSize));
            Assert.Equal(roots[m - 1], proof.FirstRoot);
            Assert.True(ProofVerifier.VerifyConsistency(m, n, roots[m - 1], now, proof.Path), $"from {m}");
            Assert.False(ProofVerifier.VerifyConsistency(m, n, roots[m % n], now, proof.Path), $"from {m} with another size's root");
        }
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ledger.ProveConsistencyAsync(0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ledger.ProveConsistencyAsync(n + 1));
    }

    [Fact]
    public async Task Concurrent_appends_of_one_key_anchor_it_once()
    {
        var ledger = await WriterAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => ledger.AppendAsync(new LedgerRecord("claim", H("same"), H($"evidence-{i}")))));
        var appended = Assert.Single(results.OfType<AppendResult.Appended>());
        Assert.Equal(15, results.OfType<AppendResult.Refused>().Count());
        Assert.All(results.OfType<AppendResult.Refused>(), r => Assert.Equal(appended.Entry, r.Entry));
        var verified = await ledger.VerifyAsync();
        Assert.True(verified.IsIntact, verified.Problem);
        Assert.Equal(1, verified.Entries);
    }

    [Fact]
    public async Task Concurrent_appends_from_two_writers_take_every_index_once()
    {
        var (first, second) = (await WriterAsync(), await WriterAsync());
        var appended = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            (i % 2 == 0 ? first : second).AppendAsync(new LedgerRecord("enrolment", H($"animal-{i}"), H($"templates-{i}")))));

        Assert.All(appended, a => Assert.IsType<AppendResult.Appended>(a));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), appended.Select(a => a.Entry.Index).Order());
        var verified = await first.VerifyAsync();
        Assert.True(verified.IsIntact, verified.Problem);
        Assert.Equal(40, verified.Entries);
        var (one, two) = (await first.HeadAsync(), await second.HeadAsync());
        Assert.Equal(one.Size, two.Size);
        Assert.Equal(one.Root, two.Root);
        // Each entry is where the other writer proves it.
        foreach (var a in appended.Take(5))
        {
            var proof = await second.ProveAsync(a.Entry.Index);
            Assert.Equal(a.Entry.Anchor, Convert.ToHexStringLower(proof.LeafHash));
            Assert.True(ProofVerifier.VerifyInclusion(proof.LeafHash, proof.Index, proof.TreeSize, proof.Path, two.Root));
        }
    }
}

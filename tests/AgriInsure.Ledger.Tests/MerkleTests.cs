using System.Security.Cryptography;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Proofs;
using CsCheck;

namespace AgriInsure.Ledger.Tests;

public class MerkleTests
{
    private static List<byte[]> Leaves(int n) => Enumerable.Range(0, n).Select(i => MerkleHash.Leaf(BitConverter.GetBytes(i))).ToList();

    [Fact]
    public void Hashes_follow_rfc6962()
    {
        // Empty tree: SHA-256 of the empty string. Leaf: 0x00 prefix. Node: 0x01 prefix.
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(MerkleHash.Root([])));
        Assert.Equal(SHA256.HashData(new byte[] { 0 }), MerkleHash.Leaf([]));
        var l = MerkleHash.Leaf([1]);
        var r = MerkleHash.Leaf([2]);
        Assert.Equal(SHA256.HashData([1, .. l, .. r]), MerkleHash.Node(l, r));
        // Three leaves: the split is at the largest power of two below n.
        var leaves = Leaves(3);
        Assert.Equal(MerkleHash.Node(MerkleHash.Node(leaves[0], leaves[1]), leaves[2]), MerkleHash.Root(leaves));
    }

    [Fact]
    public void The_frontier_root_equals_the_recursive_root_for_every_size()
    {
        var leaves = Leaves(70);
        var frontier = new MerkleFrontier();
        for (var n = 1; n <= leaves.Count; n++)
        {
            frontier.Append(leaves[n - 1]);
            Assert.Equal(MerkleHash.Root(leaves.Take(n).ToList()), frontier.Root());
        }
    }

    [Fact]
    public void Every_inclusion_proof_verifies_and_no_wrong_one_does() =>
        Gen.Int[1, 200].SelectMany(n => Gen.Int[0, n - 1].Select(i => (n, i))).Sample(t =>
        {
            var (n, i) = t;
            var leaves = Leaves(n);
            var root = MerkleHash.Root(leaves);
            var path = MerkleHash.InclusionPath(leaves, i, n);
            Assert.True(ProofVerifier.VerifyInclusion(leaves[i], i, n, path, root));
            Assert.False(ProofVerifier.VerifyInclusion(MerkleHash.Leaf([9, 9]), i, n, path, root));
            if (n > 1)
                Assert.False(ProofVerifier.VerifyInclusion(leaves[i], (i + 1) % n, n, path, root));
            Assert.False(ProofVerifier.VerifyInclusion(leaves[i], i, i, path, root));
            if (path.Count > 0)
                Assert.False(ProofVerifier.VerifyInclusion(leaves[i], i, n, path.Skip(1).ToList(), root));
        }, iter: 300);

    [Fact]
    public void Consistency_proofs_match_rfc9162_and_catch_any_change_to_the_earlier_tree() =>
        Gen.Int[1, 130].SelectMany(n => Gen.Int[1, n].Select(m => (m, n))).Sample(t =>
        {
            var (m, n) = t;
            var leaves = Leaves(n);
            var (oldRoot, newRoot) = (MerkleHash.Root(leaves.Take(m).ToList()), MerkleHash.Root(leaves));
            var path = MerkleHash.ConsistencyPath(MerkleHash.FromLeaves(leaves), m, n);
            Assert.True(ProofVerifier.VerifyConsistency(m, n, oldRoot, newRoot, path));
            // A first tree with one leaf changed, or one leaf fewer, is not a prefix of the second.
            var changed = leaves.Take(m).ToList();
            changed[m / 2] = MerkleHash.Leaf([7, 7, 7]);
            Assert.False(ProofVerifier.VerifyConsistency(m, n, MerkleHash.Root(changed), newRoot, path));
            if (m > 1)
                Assert.False(ProofVerifier.VerifyConsistency(m - 1, n, MerkleHash.Root(leaves.Take(m - 1).ToList()), newRoot, path));
            Assert.False(ProofVerifier.VerifyConsistency(m, n, oldRoot, MerkleHash.Root(leaves.Take(n - 1).Append(MerkleHash.Leaf([8])).ToList()), path));
            if (path.Count > 0)
                Assert.False(ProofVerifier.VerifyConsistency(m, n, oldRoot, newRoot, path.Take(path.Count - 1).ToList()));
        }, iter: 400);

    [Fact]
    public void The_rfc9162_example_tree_of_seven_gives_the_published_proof_shapes()
    {
        // RFC 9162 §2.1.5: PROOF(3, D[7]) = [c, d, g, l]; PROOF(4, D[7]) = [l]; PROOF(6, D[7]) = [i, j, k].
        var leaves = Leaves(7);
        var nodes = MerkleHash.FromLeaves(leaves);
        var (c, d, g) = (leaves[2], leaves[3], MerkleHash.Node(leaves[0], leaves[1]));
        var (i, j, k) = (MerkleHash.Node(leaves[4], leaves[5]), leaves[6], MerkleHash.Node(g, MerkleHash.Node(c, d)));
        var l = MerkleHash.Node(i, j);
        Assert.Equal([c, d, g, l], MerkleHash.ConsistencyPath(nodes, 3, 7));
        Assert.Equal([l], MerkleHash.ConsistencyPath(nodes, 4, 7));
        Assert.Equal([i, j, k], MerkleHash.ConsistencyPath(nodes, 6, 7));
        Assert.Empty(MerkleHash.ConsistencyPath(nodes, 7, 7));
    }

    [Fact]
    public void The_frontier_reports_every_perfect_subtree_it_completes_where_the_rfc_places_it()
    {
        var leaves = Leaves(37);
        var frontier = new MerkleFrontier();
        var completed = new List<(int Level, long Index, byte[] Hash)>();
        foreach (var leaf in leaves)
            frontier.Append(leaf, completed);
        var reference = MerkleHash.FromLeaves(leaves);
        // Σ floor(37 / 2^l) for l ≥ 1: 18 + 9 + 4 + 2 + 1.
        Assert.Equal(34, completed.Count);
        Assert.All(completed, n => Assert.Equal(reference(n.Level, n.Index), n.Hash));
    }
}

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
}

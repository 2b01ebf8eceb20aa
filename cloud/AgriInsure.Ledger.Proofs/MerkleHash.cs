using System.Security.Cryptography;

namespace AgriInsure.Ledger.Proofs;

/// <summary>The log's hashing rules, RFC 6962 §2.1, written once. Leaves and interior nodes get
/// different one-byte prefixes so that a leaf can never be passed off as a node.</summary>
public static class MerkleHash
{
    public const int Size = 32;

    public static byte[] Leaf(ReadOnlySpan<byte> data)
    {
        var buffer = new byte[1 + data.Length];
        buffer[0] = 0x00;
        data.CopyTo(buffer.AsSpan(1));
        return SHA256.HashData(buffer);
    }

    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * Size];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + Size)..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>MTH of the empty tree: the hash of the empty string.</summary>
    public static byte[] Empty() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>MTH(D[n]) computed recursively from leaf hashes, as the RFC defines it.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes) =>
        leafHashes.Count == 0 ? Empty() : Subtree(leafHashes, 0, leafHashes.Count);

    /// <summary>PATH(m, D[n]): the audit path of leaf <paramref name="index"/> in the tree of the first <paramref name="treeSize"/> leaves.</summary>
    public static IReadOnlyList<byte[]> InclusionPath(IReadOnlyList<byte[]> leafHashes, long index, long treeSize)
    {
        if (treeSize < 1 || treeSize > leafHashes.Count || index < 0 || index >= treeSize)
            throw new ArgumentOutOfRangeException(nameof(index), $"leaf {index} is not in a tree of {treeSize}");
        var path = new List<byte[]>();
        Path((int)index, 0, (int)treeSize, leafHashes, path);
        return path;
    }

    private static void Path(int m, int start, int n, IReadOnlyList<byte[]> leaves, List<byte[]> path)
    {
        if (n == 1)
            return;
        var k = LargestPowerOfTwoBelow(n);
        if (m < k)
        {
            Path(m, start, k, leaves, path);
            path.Add(Subtree(leaves, start + k, n - k));
        }
        else
        {
            Path(m - k, start + k, n - k, leaves, path);
            path.Add(Subtree(leaves, start, k));
        }
    }

    private static byte[] Subtree(IReadOnlyList<byte[]> leaves, int start, int n)
    {
        if (n == 1)
            return leaves[start];
        var k = LargestPowerOfTwoBelow(n);
        return Node(Subtree(leaves, start, k), Subtree(leaves, start + k, n - k));
    }

    internal static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k << 1 < n)
            k <<= 1;
        return k;
    }
}

/// <summary>The right edge of a Merkle tree: the roots of its perfect subtrees, largest first. Appending
/// a leaf and taking the root are O(log n), so the log never re-hashes its history.</summary>
public sealed class MerkleFrontier
{
    private readonly List<(long Size, byte[] Hash)> _peaks = [];

    public long Count { get; private set; }

    public void CopyFrom(MerkleFrontier other)
    {
        _peaks.Clear();
        _peaks.AddRange(other._peaks);
        Count = other.Count;
    }

    public void Append(byte[] leafHash)
    {
        _peaks.Add((1, leafHash));
        while (_peaks.Count >= 2 && _peaks[^1].Size == _peaks[^2].Size)
        {
            var right = _peaks[^1];
            var left = _peaks[^2];
            _peaks.RemoveRange(_peaks.Count - 2, 2);
            _peaks.Add((left.Size * 2, MerkleHash.Node(left.Hash, right.Hash)));
        }
        Count++;
    }

    public byte[] Root()
    {
        if (_peaks.Count == 0)
            return MerkleHash.Empty();
        var root = _peaks[^1].Hash;
        for (var i = _peaks.Count - 2; i >= 0; i--)
            root = MerkleHash.Node(_peaks[i].Hash, root);
        return root;
    }
}

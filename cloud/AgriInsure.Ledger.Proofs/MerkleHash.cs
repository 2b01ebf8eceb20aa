using System.Security.Cryptography;

namespace AgriInsure.Ledger.Proofs;

/// <summary>A perfect subtree of a Merkle tree by position: the hash of the 2^<paramref name="level"/> leaves from leaf
/// <paramref name="index"/>·2^<paramref name="level"/> on (level 0: the leaf hashes).</summary>
public delegate byte[] PerfectNode(int level, long index);

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
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes) => Subtree(FromLeaves(leafHashes), 0, leafHashes.Count);

    /// <summary>PATH(m, D[n]): the audit path of leaf <paramref name="index"/> in the tree of the first <paramref name="treeSize"/> leaves.</summary>
    public static IReadOnlyList<byte[]> InclusionPath(IReadOnlyList<byte[]> leafHashes, long index, long treeSize)
    {
        if (treeSize > leafHashes.Count)
            throw new ArgumentOutOfRangeException(nameof(treeSize), $"a tree of {treeSize} from {leafHashes.Count} leaves");
        return InclusionPath(FromLeaves(leafHashes), index, treeSize);
    }

    /// <summary>PATH(m, D[n]) (RFC 9162 §2.1.3.1) from a tree's perfect subtrees: O(log n) of them, each read once.</summary>
    public static IReadOnlyList<byte[]> InclusionPath(PerfectNode nodes, long index, long treeSize)
    {
        if (treeSize < 1 || index < 0 || index >= treeSize)
            throw new ArgumentOutOfRangeException(nameof(index), $"leaf {index} is not in a tree of {treeSize}");
        var path = new List<byte[]>();
        Path(nodes, index, 0, treeSize, path);
        return path;
    }

    /// <summary>PROOF(m, D[n]) (RFC 9162 §2.1.4.1): the consistency proof that the tree of the first <paramref name="first"/>
    /// leaves is a prefix of the tree of <paramref name="second"/>, from the perfect subtrees of the larger. Empty when the
    /// sizes are equal. Throws <see cref="ArgumentOutOfRangeException"/> unless 1 ≤ first ≤ second.</summary>
    public static IReadOnlyList<byte[]> ConsistencyPath(PerfectNode nodes, long first, long second)
    {
        if (first < 1 || first > second)
            throw new ArgumentOutOfRangeException(nameof(first), $"no consistency proof from a tree of {first} to one of {second}");
        var path = new List<byte[]>();
        SubProof(nodes, first, 0, second, true, path);
        return path;
    }

    /// <summary>MTH(D[start:start+size]) from perfect subtrees. Every range the RFC's recursions ask for is a perfect
    /// subtree at an aligned start or the tree's right edge, which splits into O(log n) perfect subtrees.</summary>
    public static byte[] Subtree(PerfectNode nodes, long start, long size)
    {
        if (size == 0)
            return Empty();
        if ((size & (size - 1)) == 0 && start % size == 0)
            return nodes(System.Numerics.BitOperations.Log2((ulong)size), start / size);
        var k = LargestPowerOfTwoBelow(size);
        return Node(Subtree(nodes, start, k), Subtree(nodes, start + k, size - k));
    }

    /// <summary>Perfect subtrees computed from the leaves themselves: O(2^level) each, for tests and for a log with no
    /// stored interior nodes.</summary>
    public static PerfectNode FromLeaves(IReadOnlyList<byte[]> leaves)
    {
        byte[] At(int level, long index) =>
            level == 0 ? leaves[(int)index] : Node(At(level - 1, 2 * index), At(level - 1, 2 * index + 1));
        return At;
    }

    private static void Path(PerfectNode nodes, long m, long start, long n, List<byte[]> path)
    {
        if (n == 1)
            return;
        var k = LargestPowerOfTwoBelow(n);
        if (m < k)
        {
            Path(nodes, m, start, k, path);
            path.Add(Subtree(nodes, start + k, n - k));
        }
        else
        {
            Path(nodes, m - k, start + k, n - k, path);
            path.Add(Subtree(nodes, start, k));
        }
    }

    private static void SubProof(PerfectNode nodes, long m, long start, long n, bool whole, List<byte[]> path)
    {
        if (m == n)
        {
            if (!whole)
                path.Add(Subtree(nodes, start, n));
            return;
        }
        var k = LargestPowerOfTwoBelow(n);
        if (m <= k)
        {
            SubProof(nodes, m, start, k, whole, path);
            path.Add(Subtree(nodes, start + k, n - k));
        }
        else
        {
            SubProof(nodes, m - k, start + k, n - k, false, path);
            path.Add(Subtree(nodes, start, k));
        }
    }

    private static long LargestPowerOfTwoBelow(long n)
    {
        var k = 1L;
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

    /// <summary>Adds a leaf; <paramref name="completed"/>, when given, receives each perfect subtree of two leaves or more
    /// that the leaf completes (level, index, hash; see <see cref="PerfectNode"/>): what a log stores to prove in O(log n).</summary>
    public void Append(byte[] leafHash, List<(int Level, long Index, byte[] Hash)>? completed = null)
    {
        _peaks.Add((1, leafHash));
        while (_peaks.Count >= 2 && _peaks[^1].Size == _peaks[^2].Size)
        {
            var right = _peaks[^1];
            var left = _peaks[^2];
            _peaks.RemoveRange(_peaks.Count - 2, 2);
            var size = left.Size * 2;
            var hash = MerkleHash.Node(left.Hash, right.Hash);
            _peaks.Add((size, hash));
            completed?.Add((System.Numerics.BitOperations.Log2((ulong)size), (Count + 1) / size - 1, hash));
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

using System.Buffers.Binary;
using System.Text;

namespace AgriInsure.Ledger.Proofs;

/// <summary>The bytes a log entry hashes to: every stored field, length-prefixed, so that changing any
/// of them in the database changes the leaf hash.</summary>
public static class LeafEncoding
{
    private static readonly byte[] Magic = "agri-ledger-v1\0"u8.ToArray();

    public static byte[] Encode(long index, string kind, string key, string payloadHash, DateTimeOffset recordedAt)
    {
        using var ms = new MemoryStream(256);
        ms.Write(Magic);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, index);
        ms.Write(b);
        BinaryPrimitives.WriteInt64BigEndian(b, recordedAt.ToUnixTimeMilliseconds());
        ms.Write(b);
        foreach (var text in new[] { kind, key, payloadHash })
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            BinaryPrimitives.WriteInt32BigEndian(b, bytes.Length);
            ms.Write(b[..4]);
            ms.Write(bytes);
        }
        return ms.ToArray();
    }

    public static byte[] LeafHash(long index, string kind, string key, string payloadHash, DateTimeOffset recordedAt) =>
        MerkleHash.Leaf(Encode(index, kind, key, payloadHash, recordedAt));
}

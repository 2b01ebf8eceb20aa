using System.Buffers.Binary;
using System.Text;

namespace AgriInsure.Protocol;

/// <summary>The exact bytes a device signs. JSON is not canonical (key order, number formats, escapes),
/// so the signature covers this fixed, length-prefixed binary layout instead; any field change,
/// including one float of the embedding, changes the bytes.</summary>
public static class CanonicalBytes
{
    private static readonly byte[] Magic = "agri-capture-v1\0"u8.ToArray();

    public static byte[] Of(Capture c)
    {
        using var ms = new MemoryStream(512 + c.CropJpeg.Length + c.Embedding.Length * 4);
        ms.Write(Magic);
        Int(ms, c.V);
        Text(ms, c.CaptureId);
        Text(ms, c.Tenant);
        Text(ms, c.DeviceId);
        Text(ms, c.AgentId);
        Text(ms, c.Purpose.ToString());
        Text(ms, c.Species);
        ms.WriteByte(c.EarTag is null ? (byte)0 : (byte)1);
        Text(ms, c.EarTag ?? "");
        ms.WriteByte(c.FarmerId is null ? (byte)0 : (byte)1);
        Text(ms, c.FarmerId ?? "");
        Double(ms, c.Gps.Latitude);
        Double(ms, c.Gps.Longitude);
        Double(ms, c.Gps.AccuracyMetres);
        Long(ms, c.TakenAt.ToUnixTimeMilliseconds());
        Text(ms, c.Model.Id);
        Text(ms, c.Model.Version);
        Int(ms, c.Embedding.Length);
        Span<byte> f = stackalloc byte[4];
        foreach (var v in c.Embedding)
        {
            BinaryPrimitives.WriteSingleLittleEndian(f, v);
            ms.Write(f);
        }
        Int(ms, c.CropJpeg.Length);
        ms.Write(c.CropJpeg);
        return ms.ToArray();
    }

    private static void Int(Stream s, int v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        s.Write(b);
    }

    private static void Long(Stream s, long v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        s.Write(b);
    }

    private static void Double(Stream s, double v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, v);
        s.Write(b);
    }

    private static void Text(Stream s, string v)
    {
        var bytes = Encoding.UTF8.GetBytes(v);
        Int(s, bytes.Length);
        s.Write(bytes);
    }
}

using System.Buffers.Binary;
using System.Text;

namespace AgriInsure.Protocol;

/// <summary>The exact bytes a device signs (captures) and the cloud signs (acks). JSON is not canonical (key order, number formats, escapes),
/// so the signature covers this fixed, length-prefixed binary layout instead; any field change,
/// including one float of one photo's embedding, changes the bytes.
/// <para>Version 1: magic <c>agri-capture-v1\0</c>, the envelope, then the one embedding and crop. Version 2: magic
/// <c>agri-capture-v2\0</c>, the same envelope, the photo count, then each photo in order (embedding, crop, and
/// its quality: a presence byte and three doubles), so reordering, dropping or adding a photo breaks the signature.</para>
/// <para>Acks, version 2: magic <c>agri-ack-v2\0</c>, the version, capture id, tenant, device id, status and outcome,
/// then reason and animal id (each a presence byte and the text) and the score (a presence byte and a float).</para>
/// <para>Integers, floats and doubles are little-endian; a text is its UTF-8 length (int32) and bytes.</para></summary>
public static class CanonicalBytes
{
    private static readonly byte[] MagicV1 = "agri-capture-v1\0"u8.ToArray();
    private static readonly byte[] MagicV2 = "agri-capture-v2\0"u8.ToArray();
    private static readonly byte[] MagicAckV2 = "agri-ack-v2\0"u8.ToArray();

    /// <summary>The bytes the cloud signs of an ack, of any version (the version is among them, so a version 1 ack
    /// never verifies as a version 2 one).</summary>
    public static byte[] Of(Ack a)
    {
        using var ms = new MemoryStream(256);
        ms.Write(MagicAckV2);
        Int(ms, a.V);
        Text(ms, a.CaptureId);
        Text(ms, a.Tenant);
        Text(ms, a.DeviceId);
        Text(ms, a.Status.ToString());
        Text(ms, a.Outcome);
        Optional(ms, a.Reason);
        Optional(ms, a.AnimalId);
        ms.WriteByte(a.Score is null ? (byte)0 : (byte)1);
        Span<byte> f = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(f, a.Score ?? 0);
        ms.Write(f);
        return ms.ToArray();
    }

    /// <summary>Throws <see cref="ArgumentException"/> for a version other than 1 and 2, or a version 1 capture
    /// that is not one photo without quality (a version 1 capture has no place for more).</summary>
    public static byte[] Of(Capture c)
    {
        using var ms = new MemoryStream(512 + c.Photos.Sum(p => p.CropJpeg.Length + p.Embedding.Length * 4 + 32));
        switch (c.V)
        {
            case 1:
                if (c.Photos is not [{ Quality: null } only])
                    throw new ArgumentException("a version 1 capture carries exactly one photo, without quality", nameof(c));
                ms.Write(MagicV1);
                Envelope(ms, c);
                Photo(ms, only);
                break;
            case 2:
                ms.Write(MagicV2);
                Envelope(ms, c);
                Int(ms, c.Photos.Count);
                foreach (var photo in c.Photos)
                {
                    Photo(ms, photo);
                    ms.WriteByte(photo.Quality is null ? (byte)0 : (byte)1);
                    Double(ms, photo.Quality?.Sharpness ?? 0);
                    Double(ms, photo.Quality?.MeanLuma ?? 0);
                    Double(ms, photo.Quality?.LumaStdDev ?? 0);
                }
                break;
            default:
                throw new ArgumentException($"capture version {c.V} has no canonical bytes", nameof(c));
        }
        return ms.ToArray();
    }

    private static void Envelope(Stream ms, Capture c)
    {
        Int(ms, c.V);
        Text(ms, c.CaptureId);
        Text(ms, c.Tenant);
        Text(ms, c.DeviceId);
        Text(ms, c.AgentId);
        Text(ms, c.Purpose.ToString());
        Text(ms, c.Species);
        Optional(ms, c.EarTag);
        Optional(ms, c.FarmerId);
        Double(ms, c.Gps.Latitude);
        Double(ms, c.Gps.Longitude);
        Double(ms, c.Gps.AccuracyMetres);
        Long(ms, c.TakenAt.ToUnixTimeMilliseconds());
        Text(ms, c.Model.Id);
        Text(ms, c.Model.Version);
    }

    private static void Photo(Stream ms, CapturePhoto photo)
    {
        Int(ms, photo.Embedding.Length);
        Span<byte> f = stackalloc byte[4];
        foreach (var v in photo.Embedding)
        {
            BinaryPrimitives.WriteSingleLittleEndian(f, v);
            ms.Write(f);
        }
        Int(ms, photo.CropJpeg.Length);
        ms.Write(photo.CropJpeg);
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

    private static void Optional(Stream s, string? v)
    {
        s.WriteByte(v is null ? (byte)0 : (byte)1);
        Text(s, v ?? "");
    }

    private static void Text(Stream s, string v)
    {
        var bytes = Encoding.UTF8.GetBytes(v);
        Int(s, bytes.Length);
        s.Write(bytes);
    }
}

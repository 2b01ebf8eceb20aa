using System.Buffers.Binary;
using System.Text;

namespace AgriInsure.Tests;

/// <summary>Files as phones write them, built from their published layouts: ISO BMFF (HEIC, AVIF, MP4)
/// headers and "motion photos", a JPEG with a video appended after its end-of-image marker.</summary>
internal static class PhoneFiles
{
    /// <summary>The start of an ISO BMFF file: an ftyp box (size, "ftyp", major brand, minor version 0,
    /// compatible brands) and a box of <paramref name="payload"/> random bytes after it.</summary>
    public static byte[] IsoMedia(string major, string[] compatible, string nextBox = "meta", int payload = 256, int seed = 1)
    {
        var ftyp = new byte[16 + 4 * compatible.Length];
        BinaryPrimitives.WriteUInt32BigEndian(ftyp, (uint)ftyp.Length);
        Encoding.ASCII.GetBytes("ftyp").CopyTo(ftyp, 4);
        Encoding.ASCII.GetBytes(major).CopyTo(ftyp, 8);
        for (var i = 0; i < compatible.Length; i++)
            Encoding.ASCII.GetBytes(compatible[i]).CopyTo(ftyp, 16 + 4 * i);
        var box = new byte[8 + payload];
        BinaryPrimitives.WriteUInt32BigEndian(box, (uint)box.Length);
        Encoding.ASCII.GetBytes(nextBox).CopyTo(box, 4);
        new Random(seed).NextBytes(box.AsSpan(8));
        return [.. ftyp, .. box];
    }

    /// <summary>What an iPhone writes by default: major brand heic, compatible mif1 and heic.</summary>
    public static byte[] Heic() => IsoMedia("heic", ["mif1", "heic"]);

    /// <summary>An MP4 of <paramref name="bytes"/> media bytes, as a motion photo appends after the JPEG.</summary>
    public static byte[] Mp4(int bytes, int seed = 1) => IsoMedia("isom", ["isom", "iso2", "mp41"], "mdat", bytes, seed);

    /// <summary><paramref name="jpeg"/> with a 2 MB MP4 after its end-of-image marker: a Google or Samsung motion photo.</summary>
    public static byte[] MotionPhoto(byte[] jpeg) => [.. jpeg, .. Mp4(2_000_000)];
}

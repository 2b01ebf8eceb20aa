using System.Buffers.Binary;
using System.Text;

namespace AgriInsure.Edge.Vision;

/// <summary>What a file holds, told by its signature (first bytes), whatever its name says.</summary>
public enum PhotoFormat
{
    /// <summary>No signature known here. The decoder still tries it: TGA has no signature at all.</summary>
    Unknown,
    Jpeg,
    Png,
    Gif,
    Bmp,
    Tiff,
    Webp,

    /// <summary>HEIC/HEIF (ISO BMFF brands heic, heix, mif1, …): what iPhones and many Android phones
    /// save by default. This build cannot decode it.</summary>
    Heif,

    /// <summary>AVIF (ISO BMFF brands avif, avis). This build cannot decode it.</summary>
    Avif,

    /// <summary>ISO BMFF with a video brand (MP4, QuickTime, 3GP): a clip, not a photo.</summary>
    Video,
}

/// <summary>Photo formats by signature and by file name, in one place for the decoder and every folder walk.</summary>
public static class PhotoFormats
{
    /// <summary>Bytes <see cref="Sniff"/> needs to tell every format apart (an ISO BMFF ftyp box with a
    /// few compatible brands); fewer are fine, the check then sees less.</summary>
    public const int SignatureLength = 64;

    /// <summary>Names cameras and phones give photos, lower case with the dot: the decodable ones and
    /// those this build refuses, so a folder walk counts a .HEIC as a refused photo instead of passing it by.</summary>
    private static readonly HashSet<string> Extensions =
    [
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".tga",
        ".heic", ".heif", ".hif", ".avif",
    ];

    private static readonly HashSet<string> HeifBrands = ["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1"];
    private static readonly HashSet<string> AvifBrands = ["avif", "avis"];

    /// <summary>True when the file name ends in a photo extension (<c>.jpg</c>, <c>.JFIF</c>, <c>.heic</c>…), any case.</summary>
    public static bool HasPhotoExtension(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>True for the formats this build refuses by name (<see cref="PhotoFormat.Heif"/>,
    /// <see cref="PhotoFormat.Avif"/>, <see cref="PhotoFormat.Video"/>).</summary>
    public static bool IsUnsupported(PhotoFormat format) => format is PhotoFormat.Heif or PhotoFormat.Avif or PhotoFormat.Video;

    /// <summary>The format whose signature <paramref name="head"/> (the file's first bytes, ideally
    /// <see cref="SignatureLength"/> of them) starts with.</summary>
    public static PhotoFormat Sniff(ReadOnlySpan<byte> head) => head switch
    {
        [0xFF, 0xD8, 0xFF, ..] => PhotoFormat.Jpeg,
        [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => PhotoFormat.Png,
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'7' or (byte)'9', (byte)'a', ..] => PhotoFormat.Gif,
        [(byte)'B', (byte)'M', ..] => PhotoFormat.Bmp,
        [(byte)'I', (byte)'I', 0x2A, 0x00, ..] or [(byte)'M', (byte)'M', 0x00, 0x2A, ..] => PhotoFormat.Tiff,
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => PhotoFormat.Webp,
        [_, _, _, _, (byte)'f', (byte)'t', (byte)'y', (byte)'p', ..] => IsoMedia(head),
        _ => PhotoFormat.Unknown,
    };

    /// <summary>An ISO BMFF file's ftyp box: size (4 bytes, big-endian), "ftyp", the major brand, a minor
    /// version (4 bytes), then compatible brands to the box's end. HEIF and AVIF name themselves in either
    /// place (an AVIF is often major "avif" with "mif1" compatible, so AVIF is looked for first).</summary>
    private static PhotoFormat IsoMedia(ReadOnlySpan<byte> head)
    {
        var boxEnd = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(head), (uint)head.Length);
        var brands = new List<string>();
        for (var at = 8; at + 4 <= boxEnd; at += at == 8 ? 8 : 4)
            brands.Add(Encoding.ASCII.GetString(head.Slice(at, 4)));
        if (brands.Exists(AvifBrands.Contains))
            return PhotoFormat.Avif;
        return brands.Exists(HeifBrands.Contains) ? PhotoFormat.Heif : PhotoFormat.Video;
    }

    /// <summary>Why <paramref name="format"/> is refused, in words an agent can act on.</summary>
    internal static string Refusal(PhotoFormat format) => format switch
    {
        PhotoFormat.Heif => "a HEIC/HEIF photo, which this build cannot decode: set the camera to JPEG (\"Most Compatible\" on an iPhone) or convert it",
        PhotoFormat.Avif => "an AVIF image, which this build cannot decode: convert it to JPEG",
        PhotoFormat.Video => "an MP4/QuickTime video, not a photo: take a still photo",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "a format this build decodes has no refusal"),
    };
}

using System.Buffers.Binary;
using AgriInsure.Domain;
using PdfSharp.Fonts;

namespace AgriInsure.Underwriting.Contracts;

/// <summary>The typeface contracts are set in: WenQuanYi Micro Hei (Debian <c>fonts-wqy-microhei</c>), which covers
/// Chinese (GB 18030's common characters) and Latin alike, so a farmer's name and the English terms need no font
/// switching. PDFsharp finds no fonts on Linux by itself and reads no TrueType collection (.ttc), so the face is taken out
/// of the collection here (<see cref="FaceOf"/>) and given to PDFsharp by <see cref="Resolver"/>; PDFsharp embeds the
/// glyphs used as a subset.</summary>
public sealed class ContractFonts
{
    /// <summary>Where Debian's <c>fonts-wqy-microhei</c> puts the collection.</summary>
    public const string DefaultPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

    public const string Package = "fonts-wqy-microhei";

    /// <summary>The family name documents ask PDFsharp for.</summary>
    public const string Family = "WenQuanYi Micro Hei";

    private static readonly Lock Gate = new();
    private static ContractFonts? _installed;

    private ContractFonts(string path, byte[] face)
    {
        Path = path;
        Face = face;
    }

    /// <summary>The file the face was read from.</summary>
    public string Path { get; }

    internal byte[] Face { get; }

    /// <summary>The font resolver PDFsharp is given (process-wide: PDFsharp has one). It resolves <see cref="Family"/>
    /// and nothing else; another component drawing with PDFsharp in the same process uses this family or installs
    /// nothing of its own.</summary>
    public IFontResolver Resolver => new FaceResolver(Face);

    /// <summary>Reads the face from <paramref name="path"/> (a .ttc collection, its first face, or a plain .ttf). Errors,
    /// field <c>font</c>: the file is missing or unreadable (naming the Debian package that installs it), or it is no
    /// TrueType font.</summary>
    public static Result<ContractFonts> Load(string path = DefaultPath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ValidationError("font", $"{path} is missing or unreadable ({e.GetType().Name}): install the Debian package {Package} (apt-get install -y {Package})");
        }
        var face = FaceOf(bytes);
        return face is null
            ? new ValidationError("font", $"{path} is not a TrueType font or collection")
            : Result<ContractFonts>.Ok(new ContractFonts(path, face));
    }

    /// <summary>Gives PDFsharp these fonts, once per process (PDFsharp's resolver is global and set once). Errors, field
    /// <c>font</c>: PDFsharp already has another resolver, or fonts from another file.</summary>
    internal ValidationError? Install()
    {
        lock (Gate)
        {
            if (_installed is { } installed)
            {
                return installed.Face.AsSpan().SequenceEqual(Face) ? null
                    : new ValidationError("font", $"PDFsharp was given {installed.Path} in this process already; it takes its fonts once");
            }
            if (GlobalFontSettings.FontResolver is { } other)
                return new ValidationError("font", $"PDFsharp has another font resolver in this process ({other.GetType().Name}); give it ContractFonts.Resolver instead");
            GlobalFontSettings.FontResolver = Resolver;
            _installed = this;
            return null;
        }
    }

    /// <summary>The first face of a TrueType collection (OpenType spec, "Font Collections": a <c>ttcf</c> header, then
    /// the offset of each face's table directory) as a standalone font: its table directory with the tables copied after
    /// it, each on a 4-byte boundary, and their offsets rewritten. A plain TrueType font is returned as it is; anything
    /// else (or a truncated file) is null.</summary>
    internal static byte[]? FaceOf(byte[] file)
    {
        var span = file.AsSpan();
        if (span.Length < 12)
            return null;
        var tag = BinaryPrimitives.ReadUInt32BigEndian(span);
        if (tag is 0x00010000 or 0x74727565) // 1.0 or 'true': a TrueType font already
            return file;
        if (tag != 0x74746366) // 'ttcf'
            return null;
        var directory = (int)BinaryPrimitives.ReadUInt32BigEndian(span[12..]);
        if (directory < 0 || directory + 12 > span.Length)
            return null;
        var tables = BinaryPrimitives.ReadUInt16BigEndian(span[(directory + 4)..]);
        var header = 12 + 16 * tables;
        if (directory + header > span.Length)
            return null;
        var size = header;
        for (var i = 0; i < tables; i++)
        {
            var record = span[(directory + 12 + 16 * i)..];
            var offset = BinaryPrimitives.ReadUInt32BigEndian(record[8..]);
            var length = BinaryPrimitives.ReadUInt32BigEndian(record[12..]);
            if (offset + (long)length > span.Length)
                return null;
            size += (int)((length + 3) & ~3u);
        }
        var face = new byte[size];
        span.Slice(directory, header).CopyTo(face);
        var at = header;
        for (var i = 0; i < tables; i++)
        {
            var record = face.AsSpan(12 + 16 * i);
            var offset = (int)BinaryPrimitives.ReadUInt32BigEndian(record[8..]);
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(record[12..]);
            span.Slice(offset, length).CopyTo(face.AsSpan(at));
            BinaryPrimitives.WriteUInt32BigEndian(record[8..], (uint)at);
            at += (length + 3) & ~3;
        }
        return face;
    }

    private sealed class FaceResolver(byte[] face) : IFontResolver
    {
        private const string FaceName = "agri-contract-wqy-microhei";

        public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
            string.Equals(familyName, Family, StringComparison.OrdinalIgnoreCase) ? new FontResolverInfo(FaceName) : null;

        public byte[]? GetFont(string faceName) => faceName == FaceName ? face : null;
    }
}

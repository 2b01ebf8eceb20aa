using System.Buffers.Binary;
using System.Text;

namespace AgriInsure.Imagery.Rendering;

/// <summary>
/// Puts key/value text into an encoded PNG as ancillary chunks, right after IHDR (SkiaSharp's encoder writes no
/// text chunks). A value that Latin-1 can hold goes in a <c>tEXt</c> chunk; any other (Chinese plot ids, farmer
/// names) in an uncompressed <c>iTXt</c> chunk, which is UTF-8, because the PNG specification makes tEXt Latin-1 only.
/// </summary>
internal static class PngText
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];
    private static readonly Encoding Latin1 = Encoding.Latin1;
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming <paramref name="field"/> unless every key is a valid PNG keyword
    /// (1–79 printable Latin-1 characters, no leading, trailing or doubled space) and no value holds a NUL.
    /// </summary>
    public static void Validate(IReadOnlyList<(string Key, string Value)>? entries, string field)
    {
        if (entries is null)
            throw new ArgumentException("provenance is required (it may be empty)", field);
        foreach (var (key, value) in entries)
        {
            if (string.IsNullOrEmpty(key) || key.Length > 79)
                throw new ArgumentException($"provenance key '{key}' must be 1–79 characters (a PNG keyword)", field);
            if (key.Any(c => c is < ' ' or > '~' and < '\u00a1' or > '\u00ff'))
                throw new ArgumentException($"provenance key '{key}' must be printable Latin-1 (a PNG keyword)", field);
            if (key.StartsWith(' ') || key.EndsWith(' ') || key.Contains("  ", StringComparison.Ordinal))
                throw new ArgumentException($"provenance key '{key}' has a leading, trailing or doubled space", field);
            if (value is null || value.Contains('\0'))
                throw new ArgumentException($"provenance value for '{key}' is missing or holds a NUL character", field);
        }
    }

    /// <summary>Returns <paramref name="png"/> with one text chunk per entry inserted after IHDR.</summary>
    public static byte[] Insert(ReadOnlySpan<byte> png, IReadOnlyList<(string Key, string Value)> entries)
    {
        // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC) is fixed by the specification.
        const int afterIhdr = 8 + 25;
        if (png.Length < afterIhdr || !png[..8].SequenceEqual(Signature) || !png.Slice(12, 4).SequenceEqual("IHDR"u8))
            throw new InvalidOperationException("the encoder did not produce a PNG that starts with IHDR");

        using var output = new MemoryStream(png.Length + entries.Count * 64);
        output.Write(png[..afterIhdr]);
        foreach (var (key, value) in entries)
            WriteChunk(output, Chunk(key, value));
        output.Write(png[afterIhdr..]);
        return output.ToArray();
    }

    private static (string Type, byte[] Data) Chunk(string key, string value)
    {
        var keyword = Latin1.GetBytes(key);
        if (Latin1.GetString(Latin1.GetBytes(value)) == value)
            return ("tEXt", [.. keyword, 0, .. Latin1.GetBytes(value)]);
        // iTXt: keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, UTF-8 text.
        return ("iTXt", [.. keyword, 0, 0, 0, 0, 0, .. Encoding.UTF8.GetBytes(value)]);
    }

    private static void WriteChunk(Stream output, (string Type, byte[] Data) chunk)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)chunk.Data.Length);
        output.Write(word);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(chunk.Type), .. chunk.Data];
        output.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        output.Write(word);
    }

    /// <summary>The PNG CRC-32 (ISO 3309, polynomial 0xEDB88320 reflected) over a chunk's type and data.</summary>
    internal static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }

        return table;
    }
}

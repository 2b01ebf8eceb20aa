using System.Buffers.Binary;

namespace AgriInsure.Signing.Pdf;

/// <summary>
/// A TrueType font (glyf outlines) read from a .ttf or one face of a .ttc collection, enough to draw text in a PDF:
/// character → glyph through the Windows Unicode cmap (formats 4 and 12), advance widths, metrics, and a subset
/// (<see cref="Subset"/>) holding just the glyphs used, renumbered, so a contract embeds a few kilobytes of a 5 MB CJK
/// font. Table layouts from the OpenType specification (cmap, glyf, loca, head,
/// hhea, hmtx, maxp).
/// </summary>
internal sealed class TrueTypeFont
{
    private readonly byte[] _data;
    private readonly Dictionary<string, (int Offset, int Length)> _tables;
    private readonly Dictionary<int, int> _cmap = [];
    private readonly int[] _loca;
    private readonly ushort[] _advances;

    private TrueTypeFont(byte[] data, int faceOffset)
    {
        _data = data;
        var count = U16(faceOffset + 4);
        _tables = [];
        for (var i = 0; i < count; i++)
        {
            var record = faceOffset + 12 + 16 * i;
            var tag = System.Text.Encoding.ASCII.GetString(data, record, 4);
            _tables[tag] = ((int)U32(record + 8), (int)U32(record + 12));
        }
        foreach (var required in new[] { "head", "hhea", "hmtx", "maxp", "loca", "glyf", "cmap" })
        {
            if (!_tables.ContainsKey(required))
                throw new InvalidDataException($"the font has no '{required}' table (only TrueType outlines are supported)");
        }
        var head = _tables["head"].Offset;
        UnitsPerEm = U16(head + 18);
        BoundingBox = [S16(head + 36), S16(head + 38), S16(head + 40), S16(head + 42)];
        var longLoca = S16(head + 50) == 1;
        GlyphCount = U16(_tables["maxp"].Offset + 4);
        var hhea = _tables["hhea"].Offset;
        Ascent = S16(hhea + 4);
        Descent = S16(hhea + 6);
        var metrics = U16(hhea + 34);
        _advances = new ushort[GlyphCount];
        var hmtx = _tables["hmtx"].Offset;
        for (var g = 0; g < GlyphCount; g++)
            _advances[g] = (ushort)U16(hmtx + 4 * Math.Min(g, metrics - 1));
        _loca = new int[GlyphCount + 1];
        var loca = _tables["loca"].Offset;
        for (var g = 0; g <= GlyphCount; g++)
            _loca[g] = longLoca ? (int)U32(loca + 4 * g) : U16(loca + 2 * g) * 2;
        CapHeight = _tables.TryGetValue("OS/2", out var os2) && U16(os2.Offset) >= 2 && os2.Length >= 90 ? S16(os2.Offset + 88) : Ascent;
        ReadCmap();
    }

    public int UnitsPerEm { get; }

    public int[] BoundingBox { get; }

    public int Ascent { get; }

    public int Descent { get; }

    public int CapHeight { get; }

    public int GlyphCount { get; }

    /// <summary>Reads face <paramref name="face"/> of a .ttc, or the font of a .ttf.</summary>
    /// <exception cref="InvalidDataException">not a TrueType font or collection, or no such face.</exception>
    public static TrueTypeFont Load(byte[] data, int face = 0)
    {
        if (data.Length < 12)
            throw new InvalidDataException("too short for a font");
        var tag = System.Text.Encoding.ASCII.GetString(data, 0, 4);
        if (tag == "ttcf")
        {
            var faces = (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(8));
            if (face < 0 || face >= faces)
                throw new InvalidDataException($"the collection has {faces} faces, not {face + 1}");
            return new TrueTypeFont(data, (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(12 + 4 * face)));
        }
        if (BinaryPrimitives.ReadUInt32BigEndian(data) != 0x00010000 && tag != "true")
            throw new InvalidDataException("not a TrueType font (OpenType CFF fonts are not supported)");
        return new TrueTypeFont(data, 0);
    }

    /// <summary>The glyph for a Unicode code point; 0 (.notdef) when the font has none.</summary>
    public int GlyphOf(int codePoint) => _cmap.GetValueOrDefault(codePoint);

    /// <summary>Advance width of a glyph in 1/1000 em (PDF glyph space).</summary>
    public int Width(int glyph) => glyph < GlyphCount ? (int)Math.Round(_advances[glyph] * 1000.0 / UnitsPerEm) : 0;

    /// <summary>
    /// A font file holding only <paramref name="glyphs"/> (and the glyphs their composites use), renumbered from 1 in
    /// ascending order (.notdef stays 0), and the map from old to new glyph indices: text drawn with it must use the
    /// new indices. Tables kept: head, hhea, hmtx, maxp, loca, glyf and the hinting programs, which is what a PDF's
    /// embedded TrueType font needs (ISO 32000-1 §9.9: no cmap is consulted with CIDToGIDMap Identity).
    /// </summary>
    public (byte[] Program, IReadOnlyDictionary<int, int> NewGlyphs) Subset(IEnumerable<int> glyphs)
    {
        var keep = new SortedSet<int> { 0 };
        var pending = new Stack<int>(glyphs.Where(g => g > 0 && g < GlyphCount));
        var glyf = _tables["glyf"].Offset;
        while (pending.Count > 0)
        {
            var g = pending.Pop();
            if (!keep.Add(g))
                continue;
            foreach (var (_, component) in Components(glyf + _loca[g], _loca[g + 1] - _loca[g]))
            {
                if (component < GlyphCount)
                    pending.Push(component);
            }
        }
        var map = new Dictionary<int, int>();
        foreach (var g in keep)
            map[g] = map.Count;
        using var glyphData = new MemoryStream();
        var loca = new byte[4 * (keep.Count + 1)];
        var hmtx = new byte[4 * keep.Count];
        var metrics = U16(_tables["hhea"].Offset + 34);
        var hmtxAt = _tables["hmtx"].Offset;
        foreach (var (old, index) in map)
        {
            BinaryPrimitives.WriteUInt32BigEndian(loca.AsSpan(4 * index), (uint)glyphData.Position);
            var glyph = _data.AsSpan(glyf + _loca[old], _loca[old + 1] - _loca[old]).ToArray();
            // Composite glyphs name their components by index: renumber them too.
            foreach (var (at, component) in Components(glyf + _loca[old], glyph.Length))
                BinaryPrimitives.WriteUInt16BigEndian(glyph.AsSpan(at - glyf - _loca[old]), (ushort)map.GetValueOrDefault(component));
            glyphData.Write(glyph);
            while (glyphData.Position % 4 != 0)
                glyphData.WriteByte(0);
            BinaryPrimitives.WriteUInt16BigEndian(hmtx.AsSpan(4 * index), _advances[old]);
            var lsb = old < metrics ? hmtxAt + 4 * old + 2 : hmtxAt + 4 * metrics + 2 * (old - metrics);
            BinaryPrimitives.WriteInt16BigEndian(hmtx.AsSpan(4 * index + 2), (short)S16(lsb));
        }
        BinaryPrimitives.WriteUInt32BigEndian(loca.AsSpan(4 * keep.Count), (uint)glyphData.Position);
        var head = Table("head");
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(8), 0);
        BinaryPrimitives.WriteInt16BigEndian(head.AsSpan(50), 1);
        var hhea = Table("hhea");
        BinaryPrimitives.WriteUInt16BigEndian(hhea.AsSpan(34), (ushort)keep.Count);
        var maxp = Table("maxp");
        BinaryPrimitives.WriteUInt16BigEndian(maxp.AsSpan(4), (ushort)keep.Count);
        var tables = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["head"] = head,
            ["hhea"] = hhea,
            ["hmtx"] = hmtx,
            ["maxp"] = maxp,
            ["loca"] = loca,
            ["glyf"] = glyphData.ToArray(),
        };
        // The hinting programs are needed for the outlines to render as designed.
        foreach (var optional in new[] { "cvt ", "fpgm", "prep" })
        {
            if (_tables.ContainsKey(optional))
                tables[optional] = Table(optional);
        }
        return (Assemble(tables), map);
    }

    private byte[] Table(string tag)
    {
        var (offset, length) = _tables[tag];
        return _data.AsSpan(offset, length).ToArray();
    }

    // The components of a composite glyph (numberOfContours < 0): where each glyph index sits, and the index.
    private IEnumerable<(int At, int Glyph)> Components(int offset, int length)
    {
        if (length < 10 || S16(offset) >= 0)
            yield break;
        var at = offset + 10;
        while (at + 4 <= offset + length)
        {
            var flags = U16(at);
            yield return (at + 2, U16(at + 2));
            at += 4 + ((flags & 0x1) != 0 ? 4 : 2);
            if ((flags & 0x8) != 0)
                at += 2;
            else if ((flags & 0x40) != 0)
                at += 4;
            else if ((flags & 0x80) != 0)
                at += 8;
            if ((flags & 0x20) == 0)
                yield break;
        }
    }

    private void ReadCmap()
    {
        var cmap = _tables["cmap"].Offset;
        var count = U16(cmap + 2);
        int? format4 = null, format12 = null;
        for (var i = 0; i < count; i++)
        {
            var platform = U16(cmap + 4 + 8 * i);
            var encoding = U16(cmap + 6 + 8 * i);
            var sub = cmap + (int)U32(cmap + 8 + 8 * i);
            var format = U16(sub);
            if (platform == 3 && encoding == 10 && format == 12)
                format12 = sub;
            else if (platform == 3 && encoding == 1 && format == 4)
                format4 ??= sub;
            else if (platform == 0 && format == 4)
                format4 ??= sub;
        }
        if (format12 is { } f12)
        {
            var groups = (int)U32(f12 + 12);
            for (var i = 0; i < groups; i++)
            {
                var start = (int)U32(f12 + 16 + 12 * i);
                var end = (int)U32(f12 + 20 + 12 * i);
                var glyph = (int)U32(f12 + 24 + 12 * i);
                for (var c = start; c <= end && c - start < 0x10000; c++)
                    _cmap.TryAdd(c, glyph + c - start);
            }
        }
        if (format4 is not { } f4)
        {
            if (format12 is null)
                throw new InvalidDataException("the font has no Unicode cmap (format 4 or 12)");
            return;
        }
        var segments = U16(f4 + 6) / 2;
        var ends = f4 + 14;
        var starts = ends + 2 * segments + 2;
        var deltas = starts + 2 * segments;
        var rangeOffsets = deltas + 2 * segments;
        for (var s = 0; s < segments; s++)
        {
            int end = U16(ends + 2 * s), start = U16(starts + 2 * s), delta = S16(deltas + 2 * s), rangeOffset = U16(rangeOffsets + 2 * s);
            for (var c = start; c <= end && c != 0xFFFF; c++)
            {
                int glyph;
                if (rangeOffset == 0)
                    glyph = (c + delta) & 0xFFFF;
                else
                {
                    var at = rangeOffsets + 2 * s + rangeOffset + 2 * (c - start);
                    glyph = U16(at);
                    if (glyph != 0)
                        glyph = (glyph + delta) & 0xFFFF;
                }
                if (glyph != 0)
                    _cmap.TryAdd(c, glyph);
            }
        }
    }

    private static byte[] Assemble(SortedDictionary<string, byte[]> tables)
    {
        var count = tables.Count;
        var power = 1;
        var log2 = 0;
        while (power * 2 <= count)
        {
            power *= 2;
            log2++;
        }
        using var output = new MemoryStream();
        var header = new byte[12 + 16 * count];
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x00010000);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)count);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)(power * 16));
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), (ushort)log2);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), (ushort)(count * 16 - power * 16));
        var offset = header.Length;
        var i = 0;
        foreach (var (tag, data) in tables)
        {
            var record = header.AsSpan(12 + 16 * i++);
            System.Text.Encoding.ASCII.GetBytes(tag, record);
            BinaryPrimitives.WriteUInt32BigEndian(record[4..], Checksum(data));
            BinaryPrimitives.WriteUInt32BigEndian(record[8..], (uint)offset);
            BinaryPrimitives.WriteUInt32BigEndian(record[12..], (uint)data.Length);
            offset += (data.Length + 3) & ~3;
        }
        output.Write(header);
        foreach (var data in tables.Values)
        {
            output.Write(data);
            for (var pad = data.Length; pad % 4 != 0; pad++)
                output.WriteByte(0);
        }
        return output.ToArray();
    }

    private static uint Checksum(byte[] data)
    {
        uint sum = 0;
        for (var i = 0; i < data.Length; i += 4)
        {
            uint word = 0;
            for (var j = 0; j < 4; j++)
                word = (word << 8) | (i + j < data.Length ? data[i + j] : 0u);
            sum += word;
        }
        return sum;
    }

    private int U16(int at) => BinaryPrimitives.ReadUInt16BigEndian(_data.AsSpan(at));

    private int S16(int at) => BinaryPrimitives.ReadInt16BigEndian(_data.AsSpan(at));

    private uint U32(int at) => BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(at));
}

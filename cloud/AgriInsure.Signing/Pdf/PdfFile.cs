using System.IO.Compression;

namespace AgriInsure.Signing.Pdf;

internal enum XrefKind { Free, InFile, Compressed }

/// <summary>One cross-reference entry: in the file at <see cref="Offset"/>, or the <see cref="Index"/>-th object of object stream <see cref="Offset"/>.</summary>
internal sealed record XrefEntry(XrefKind Kind, long Offset, int Generation, int Index);

/// <summary>One cross-reference section (a table with its trailer, or an xref stream) and where it starts.</summary>
internal sealed record XrefSection(long Offset, bool IsStream, PdfDictionary Trailer, IReadOnlyDictionary<int, XrefEntry> Entries);

/// <summary>
/// A parsed PDF: the chain of cross-reference sections (ISO 32000-1 §7.5.4 tables, §7.5.8 streams, §7.5.6 incremental
/// updates through /Prev), the merged object table (the newest definition wins) and object lookup, including objects
/// inside object streams (§7.5.7). Read-only; writing goes through <see cref="IncrementalUpdate"/>.
/// </summary>
internal sealed class PdfFile
{
    private readonly Dictionary<int, XrefEntry> _entries = [];
    private readonly Dictionary<int, PdfObject> _cache = [];
    private readonly Dictionary<int, (byte[] Data, int First, Dictionary<int, int> Offsets)> _objectStreams = [];

    private PdfFile(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }

    /// <summary>Sections newest first.</summary>
    public List<XrefSection> Sections { get; } = [];

    public PdfDictionary Trailer => Sections[0].Trailer;

    public long StartXref => Sections[0].Offset;

    public IReadOnlyDictionary<int, XrefEntry> Entries => _entries;

    public int Size => (int)((Trailer["Size"] as PdfNumber)?.AsLong ?? (_entries.Count == 0 ? 1 : _entries.Keys.Max() + 1));

    public PdfReference RootReference => Trailer["Root"] as PdfReference ?? throw new PdfFormatException("the trailer has no /Root reference", StartXref);

    public PdfDictionary Catalog => Get(RootReference) as PdfDictionary ?? throw new PdfFormatException("/Root is not a dictionary", StartXref);

    /// <summary>True when <paramref name="bytes"/> begin like a PDF (§7.5.2: "%PDF-" in the first 1024 bytes).</summary>
    public static bool LooksLikePdf(ReadOnlySpan<byte> bytes) => bytes[..Math.Min(1024, bytes.Length)].IndexOf("%PDF-"u8) >= 0;

    /// <exception cref="PdfFormatException">not a PDF, truncated, or its cross-reference data is broken.</exception>
    public static PdfFile Parse(byte[] bytes)
    {
        if (!LooksLikePdf(bytes))
            throw new PdfFormatException("no %PDF- header", 0);
        var file = new PdfFile(bytes);
        var startxref = FindStartXref(bytes);
        var visited = new HashSet<long>();
        for (long? offset = startxref; offset is not null;)
        {
            if (!visited.Add(offset.Value))
                throw new PdfFormatException("the /Prev chain loops", offset.Value);
            var section = file.ReadSection(offset.Value);
            file.Sections.Add(section);
            offset = (section.Trailer["Prev"] as PdfNumber)?.AsLong;
        }
        foreach (var section in file.Sections)
        {
            foreach (var (number, entry) in section.Entries)
                file._entries.TryAdd(number, entry);
        }
        return file;
    }

    /// <summary>The offset after "startxref" at the end of the file.</summary>
    public static long FindStartXref(byte[] bytes)
    {
        var tail = Math.Max(0, bytes.Length - 4096);
        var index = bytes.AsSpan(tail).LastIndexOf("startxref"u8);
        if (index < 0)
            throw new PdfFormatException("no startxref at the end: the file is truncated", bytes.Length);
        var eof = bytes.AsSpan(tail + index).IndexOf("%%EOF"u8);
        if (eof < 0)
            throw new PdfFormatException("no %%EOF after startxref: the file is truncated", bytes.Length);
        // What follows the last %%EOF can only be line ends (or NUL padding): anything else is an update cut short.
        if (bytes.AsSpan(tail + index + eof + 5).TrimEnd("\r\n\t \0"u8).Length > 0)
            throw new PdfFormatException("bytes follow the last %%EOF: the file is truncated in the middle of an update", bytes.Length);
        var parser = new PdfParser(bytes, tail + index + 9);
        var offset = parser.ReadInteger("startxref offset");
        if (offset <= 0 || offset >= bytes.Length)
            throw new PdfFormatException($"startxref {offset} points outside the file", tail + index);
        return offset;
    }

    /// <summary>The object <paramref name="reference"/> points to; null for a free or missing object (§7.3.10: null).</summary>
    public PdfObject? Get(PdfReference reference) => Get(reference.Number);

    public PdfObject? Get(int number)
    {
        if (_cache.TryGetValue(number, out var cached))
            return cached;
        if (!_entries.TryGetValue(number, out var entry) || entry.Kind == XrefKind.Free)
            return null;
        var value = entry.Kind == XrefKind.InFile ? ReadAt(entry.Offset, number) : ReadCompressed((int)entry.Offset, entry.Index, number);
        _cache[number] = value;
        return value;
    }

    /// <summary>The object itself, or what a reference points to.</summary>
    public PdfObject? Resolve(PdfObject? value) => value is PdfReference reference ? Get(reference) : value;

    public PdfDictionary? ResolveDictionary(PdfObject? value) => Resolve(value) switch
    {
        PdfDictionary d => d,
        PdfStream s => s.Dictionary,
        _ => null,
    };

    /// <summary>The pages in order, with their references (§7.7.3 page tree).</summary>
    public List<(PdfReference Reference, PdfDictionary Page)> Pages()
    {
        var pages = new List<(PdfReference, PdfDictionary)>();
        var seen = new HashSet<int>();
        void Walk(PdfObject? node)
        {
            if (node is not PdfReference reference || !seen.Add(reference.Number) || Get(reference) is not PdfDictionary dictionary)
                return;
            if (dictionary.NameOf("Type") == "Page" || (dictionary["Kids"] is null && dictionary.NameOf("Type") != "Pages"))
            {
                pages.Add((reference, dictionary));
                return;
            }
            if (Resolve(dictionary["Kids"]) is PdfArray kids)
            {
                foreach (var kid in kids.Items)
                    Walk(kid);
            }
        }
        Walk(Catalog["Pages"]);
        return pages;
    }

    /// <summary>The decoded data of a stream (FlateDecode with or without PNG predictors; unfiltered).</summary>
    public byte[] Decode(PdfStream stream)
    {
        var filter = Resolve(stream.Dictionary["Filter"]);
        var names = filter switch
        {
            null => [],
            PdfName n => [n.Value],
            PdfArray a => a.Items.Select(i => (Resolve(i) as PdfName)?.Value ?? "?").ToList(),
            _ => new List<string> { "?" },
        };
        if (names.Count == 0)
            return stream.Data;
        if (names.Count != 1 || names[0] != "FlateDecode")
            throw new PdfFormatException($"stream filter {string.Join(",", names)} is not supported here", 0);
        byte[] inflated;
        try
        {
            using var input = new ZLibStream(new MemoryStream(stream.Data), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            inflated = output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new PdfFormatException("a FlateDecode stream does not inflate: " + e.Message, 0);
        }
        var parameters = ResolveDictionary(stream.Dictionary["DecodeParms"] is PdfArray p && p.Items.Count > 0 ? p.Items[0] : stream.Dictionary["DecodeParms"]);
        var predictor = (parameters?["Predictor"] as PdfNumber)?.AsLong ?? 1;
        if (predictor <= 1)
            return inflated;
        if (predictor < 10)
            throw new PdfFormatException("TIFF predictors are not supported here", 0);
        var colors = (int)((parameters!["Colors"] as PdfNumber)?.AsLong ?? 1);
        var bits = (int)((parameters["BitsPerComponent"] as PdfNumber)?.AsLong ?? 8);
        var columns = (int)((parameters["Columns"] as PdfNumber)?.AsLong ?? 1);
        return UnPng(inflated, Math.Max(1, colors * bits / 8), (colors * bits * columns + 7) / 8);
    }

    // PNG row filters (RFC 2083 §6), as PDF predictors 10–15 use them: each row is prefixed by its filter type.
    private static byte[] UnPng(byte[] data, int bytesPerPixel, int rowLength)
    {
        var rows = data.Length / (rowLength + 1);
        var output = new byte[rows * rowLength];
        var previous = new byte[rowLength];
        for (var r = 0; r < rows; r++)
        {
            var type = data[r * (rowLength + 1)];
            var row = output.AsSpan(r * rowLength, rowLength);
            data.AsSpan(r * (rowLength + 1) + 1, rowLength).CopyTo(row);
            for (var i = 0; i < rowLength; i++)
            {
                int left = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0, up = previous[i], upLeft = i >= bytesPerPixel ? previous[i - bytesPerPixel] : 0;
                row[i] = type switch
                {
                    0 => row[i],
                    1 => (byte)(row[i] + left),
                    2 => (byte)(row[i] + up),
                    3 => (byte)(row[i] + (left + up) / 2),
                    4 => (byte)(row[i] + Paeth(left, up, upLeft)),
                    _ => throw new PdfFormatException($"PNG predictor row type {type}", 0),
                };
            }
            row.CopyTo(previous);
        }
        return output;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private PdfObject ReadAt(long offset, int expected)
    {
        if (offset < 0 || offset >= Bytes.Length)
            throw new PdfFormatException($"object {expected} is said to be at {offset}, outside the file", offset);
        var parser = new PdfParser(Bytes, (int)offset) { LengthResolver = r => (Get(r) as PdfNumber)?.AsLong };
        var (number, _, value) = parser.ReadIndirectObject();
        if (number != expected)
            throw new PdfFormatException($"the cross-reference table says object {expected} is here, but object {number} is", offset);
        return value;
    }

    private PdfObject ReadCompressed(int streamNumber, int index, int expected)
    {
        if (!_objectStreams.TryGetValue(streamNumber, out var objectStream))
        {
            if (Get(streamNumber) is not PdfStream stream || stream.Dictionary.NameOf("Type") != "ObjStm")
                throw new PdfFormatException($"object {streamNumber} is not an object stream", 0);
            var data = Decode(stream);
            var count = (int)((stream.Dictionary["N"] as PdfNumber)?.AsLong ?? 0);
            var first = (int)((stream.Dictionary["First"] as PdfNumber)?.AsLong ?? 0);
            var header = new PdfParser(data);
            var offsets = new Dictionary<int, int>();
            for (var i = 0; i < count; i++)
            {
                var number = (int)header.ReadInteger("object number in object stream");
                offsets[number] = (int)header.ReadInteger("offset in object stream");
            }
            objectStream = (data, first, offsets);
            _objectStreams[streamNumber] = objectStream;
        }
        if (!objectStream.Offsets.TryGetValue(expected, out var at))
            throw new PdfFormatException($"object stream {streamNumber} does not hold object {expected} (index {index})", 0);
        return new PdfParser(objectStream.Data, objectStream.First + at).ReadObject();
    }

    private XrefSection ReadSection(long offset)
    {
        var parser = new PdfParser(Bytes, (int)offset);
        parser.SkipWhitespace();
        if (parser.Matches("xref"))
        {
            parser.Position += 4;
            var entries = new Dictionary<int, XrefEntry>();
            while (true)
            {
                parser.SkipWhitespace();
                if (parser.Matches("trailer"))
                {
                    parser.Position += 7;
                    break;
                }
                var first = parser.ReadInteger("xref subsection start");
                var count = parser.ReadInteger("xref subsection count");
                for (var i = 0; i < count; i++)
                {
                    var at = parser.ReadInteger("xref offset");
                    var generation = parser.ReadInteger("xref generation");
                    var kind = parser.ReadKeyword();
                    if (kind is not ("n" or "f"))
                        throw new PdfFormatException($"xref entry type '{kind}'", parser.Position);
                    entries[(int)(first + i)] = kind == "n" ? new XrefEntry(XrefKind.InFile, at, (int)generation, 0) : new XrefEntry(XrefKind.Free, 0, (int)generation, 0);
                }
            }
            if (parser.ReadObject() is not PdfDictionary trailer)
                throw new PdfFormatException("the trailer is not a dictionary", parser.Position);
            // A hybrid file (§7.5.8.4): the table's own entries win over the xref stream's.
            if (trailer["XRefStm"] is PdfNumber stm)
            {
                foreach (var (number, entry) in ReadXrefStream(stm.AsLong).Entries)
                    entries.TryAdd(number, entry);
            }
            return new XrefSection(offset, IsStream: false, trailer, entries);
        }
        return ReadXrefStream(offset);
    }

    private XrefSection ReadXrefStream(long offset)
    {
        var parser = new PdfParser(Bytes, (int)offset) { LengthResolver = r => (Get(r) as PdfNumber)?.AsLong };
        PdfObject value;
        try
        {
            value = parser.ReadIndirectObject().Value;
        }
        catch (PdfFormatException e)
        {
            throw new PdfFormatException("startxref or /Prev points at neither an xref table nor an xref stream: " + e.Reason, offset);
        }
        if (value is not PdfStream stream || stream.Dictionary.NameOf("Type") != "XRef")
            throw new PdfFormatException("startxref or /Prev points at neither an xref table nor an xref stream", offset);
        var data = Decode(stream);
        var widths = (stream.Dictionary["W"] as PdfArray)?.Items.Select(i => (int)((i as PdfNumber)?.AsLong ?? -1)).ToArray();
        if (widths is not { Length: 3 } || widths.Any(w => w is < 0 or > 8))
            throw new PdfFormatException("xref stream /W is not three widths", offset);
        var size = (int)((stream.Dictionary["Size"] as PdfNumber)?.AsLong ?? 0);
        var index = (stream.Dictionary["Index"] as PdfArray)?.Items.Select(i => (int)((i as PdfNumber)?.AsLong ?? 0)).ToArray() ?? [0, size];
        var entries = new Dictionary<int, XrefEntry>();
        var row = widths.Sum();
        var position = 0;
        for (var s = 0; s + 1 < index.Length; s += 2)
        {
            for (var i = 0; i < index[s + 1]; i++)
            {
                if (position + row > data.Length)
                    throw new PdfFormatException("xref stream shorter than its /Index says", offset);
                var type = widths[0] == 0 ? 1 : Field(data, position, widths[0]);
                var second = Field(data, position + widths[0], widths[1]);
                var third = Field(data, position + widths[0] + widths[1], widths[2]);
                position += row;
                entries[index[s] + i] = type switch
                {
                    0 => new XrefEntry(XrefKind.Free, 0, (int)third, 0),
                    1 => new XrefEntry(XrefKind.InFile, second, (int)third, 0),
                    2 => new XrefEntry(XrefKind.Compressed, second, 0, (int)third),
                    _ => new XrefEntry(XrefKind.Free, 0, 0, 0),
                };
            }
        }
        return new XrefSection(offset, IsStream: true, stream.Dictionary, entries);
    }

    private static long Field(byte[] data, int at, int width)
    {
        long value = 0;
        for (var i = 0; i < width; i++)
            value = (value << 8) | data[at + i];
        return value;
    }
}

using System.Globalization;
using System.Text;

namespace AgriInsure.Signing.Pdf;

/// <summary>A malformed PDF: what was wrong and at which byte offset.</summary>
internal sealed class PdfFormatException(string reason, long offset) : Exception($"{reason} (at byte {offset})")
{
    public string Reason { get; } = reason;

    public long Offset { get; } = offset;
}

/// <summary>
/// Reads PDF objects (ISO 32000-1 §7.2 lexical conventions, §7.3 objects) from bytes. Stream lengths given as
/// indirect references are resolved through <see cref="LengthResolver"/>.
/// </summary>
internal sealed class PdfParser(byte[] data, int position = 0)
{
    public int Position { get; set; } = position;

    public Func<PdfReference, long?>? LengthResolver { get; init; }

    public byte[] Data => data;

    public static bool IsWhitespace(byte b) => b is 0 or 9 or 10 or 12 or 13 or 32;

    public static bool IsDelimiter(byte b) => b is (byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}' or (byte)'/' or (byte)'%';

    public void SkipWhitespace()
    {
        while (Position < data.Length)
        {
            var b = data[Position];
            if (IsWhitespace(b))
                Position++;
            else if (b == '%')
            {
                while (Position < data.Length && data[Position] is not (byte)'\r' and not (byte)'\n')
                    Position++;
            }
            else
                break;
        }
    }

    /// <summary>Reads "N G obj OBJECT endobj" at the current position: the object and its number.</summary>
    public (int Number, int Generation, PdfObject Value) ReadIndirectObject()
    {
        var start = Position;
        var number = ReadInteger("object number");
        var generation = ReadInteger("generation number");
        if (ReadKeyword() != "obj")
            throw new PdfFormatException("expected 'obj'", start);
        var value = ReadObject();
        SkipWhitespace();
        if (value is PdfDictionary dictionary && Matches("stream"))
            value = ReadStreamBody(dictionary);
        SkipWhitespace();
        // endobj is missing in some writers' output; what matters is the object read.
        if (Matches("endobj"))
            Position += 6;
        return ((int)number, (int)generation, value);
    }

    public PdfObject ReadObject()
    {
        SkipWhitespace();
        if (Position >= data.Length)
            throw new PdfFormatException("unexpected end of file", Position);
        var b = data[Position];
        switch (b)
        {
            case (byte)'/':
                return ReadName();
            case (byte)'(':
                return ReadLiteralString();
            case (byte)'[':
            {
                Position++;
                var items = new List<PdfObject>();
                while (true)
                {
                    SkipWhitespace();
                    if (Position >= data.Length)
                        throw new PdfFormatException("unterminated array", Position);
                    if (data[Position] == ']')
                    {
                        Position++;
                        return new PdfArray(items);
                    }
                    items.Add(ReadObject());
                }
            }
            case (byte)'<':
                if (Position + 1 < data.Length && data[Position + 1] == '<')
                    return ReadDictionary();
                return ReadHexString();
        }
        if (b is (byte)'+' or (byte)'-' or (byte)'.' || (b >= '0' && b <= '9'))
        {
            var number = ReadNumber();
            // "N G R": look ahead for a reference without consuming on a mismatch.
            if (number == Math.Floor(number) && number >= 0)
            {
                var mark = Position;
                SkipWhitespace();
                if (Position < data.Length && data[Position] >= '0' && data[Position] <= '9')
                {
                    var generation = ReadNumber();
                    SkipWhitespace();
                    if (Position < data.Length && data[Position] == 'R' && (Position + 1 >= data.Length || IsWhitespace(data[Position + 1]) || IsDelimiter(data[Position + 1])))
                    {
                        Position++;
                        return new PdfReference((int)number, (int)generation);
                    }
                }
                Position = mark;
            }
            return new PdfNumber(number);
        }
        var keyword = ReadKeyword();
        return keyword switch
        {
            "true" => new PdfBoolean(true),
            "false" => new PdfBoolean(false),
            "null" => PdfNull.Instance,
            _ => throw new PdfFormatException($"unexpected token '{keyword}'", Position - keyword.Length),
        };
    }

    public bool Matches(string keyword)
    {
        if (Position + keyword.Length > data.Length)
            return false;
        for (var i = 0; i < keyword.Length; i++)
        {
            if (data[Position + i] != keyword[i])
                return false;
        }
        return true;
    }

    public string ReadKeyword()
    {
        SkipWhitespace();
        var start = Position;
        while (Position < data.Length && !IsWhitespace(data[Position]) && !IsDelimiter(data[Position]))
            Position++;
        return Encoding.ASCII.GetString(data, start, Position - start);
    }

    public long ReadInteger(string what)
    {
        SkipWhitespace();
        var start = Position;
        while (Position < data.Length && data[Position] >= '0' && data[Position] <= '9')
            Position++;
        if (Position == start || Position - start > 18)
            throw new PdfFormatException($"expected {what}", start);
        return long.Parse(Encoding.ASCII.GetString(data, start, Position - start), CultureInfo.InvariantCulture);
    }

    private double ReadNumber()
    {
        var start = Position;
        if (data[Position] is (byte)'+' or (byte)'-')
            Position++;
        while (Position < data.Length && (data[Position] is >= (byte)'0' and <= (byte)'9' or (byte)'.'))
            Position++;
        var text = Encoding.ASCII.GetString(data, start, Position - start);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            throw new PdfFormatException($"bad number '{text}'", start);
        return value;
    }

    private PdfName ReadName()
    {
        Position++;
        var bytes = new List<byte>();
        while (Position < data.Length && !IsWhitespace(data[Position]) && !IsDelimiter(data[Position]))
        {
            if (data[Position] == '#' && Position + 2 < data.Length && IsHex(data[Position + 1]) && IsHex(data[Position + 2]))
            {
                bytes.Add((byte)(HexValue(data[Position + 1]) * 16 + HexValue(data[Position + 2])));
                Position += 3;
            }
            else
                bytes.Add(data[Position++]);
        }
        return new PdfName(Encoding.UTF8.GetString(bytes.ToArray()));
    }

    private PdfDictionary ReadDictionary()
    {
        var start = Position;
        Position += 2;
        var dictionary = new PdfDictionary();
        while (true)
        {
            SkipWhitespace();
            if (Position + 1 >= data.Length)
                throw new PdfFormatException("unterminated dictionary", start);
            if (data[Position] == '>' && data[Position + 1] == '>')
            {
                Position += 2;
                return dictionary;
            }
            if (data[Position] != '/')
                throw new PdfFormatException("expected a name as dictionary key", Position);
            var key = ReadName().Value;
            dictionary[key] = ReadObject();
        }
    }

    private PdfString ReadHexString()
    {
        var start = Position;
        Position++;
        var bytes = new List<byte>();
        int? high = null;
        while (true)
        {
            if (Position >= data.Length)
                throw new PdfFormatException("unterminated hex string", start);
            var b = data[Position++];
            if (b == '>')
                break;
            if (IsWhitespace(b))
                continue;
            if (!IsHex(b))
                throw new PdfFormatException("bad character in hex string", Position - 1);
            if (high is null)
                high = HexValue(b);
            else
            {
                bytes.Add((byte)(high.Value * 16 + HexValue(b)));
                high = null;
            }
        }
        if (high is not null)
            bytes.Add((byte)(high.Value * 16));
        return new PdfString(bytes.ToArray(), Hex: true);
    }

    private PdfString ReadLiteralString()
    {
        var start = Position;
        Position++;
        var bytes = new List<byte>();
        var depth = 1;
        while (true)
        {
            if (Position >= data.Length)
                throw new PdfFormatException("unterminated string", start);
            var b = data[Position++];
            if (b == '\\')
            {
                if (Position >= data.Length)
                    throw new PdfFormatException("unterminated string", start);
                var e = data[Position++];
                switch (e)
                {
                    case (byte)'n': bytes.Add(10); break;
                    case (byte)'r': bytes.Add(13); break;
                    case (byte)'t': bytes.Add(9); break;
                    case (byte)'b': bytes.Add(8); break;
                    case (byte)'f': bytes.Add(12); break;
                    case (byte)'\r':
                        if (Position < data.Length && data[Position] == '\n')
                            Position++;
                        break;
                    case (byte)'\n': break;
                    case >= (byte)'0' and <= (byte)'7':
                    {
                        var value = e - '0';
                        for (var i = 0; i < 2 && Position < data.Length && data[Position] is >= (byte)'0' and <= (byte)'7'; i++)
                            value = value * 8 + (data[Position++] - '0');
                        bytes.Add((byte)value);
                        break;
                    }
                    default: bytes.Add(e); break;
                }
                continue;
            }
            if (b == '(')
                depth++;
            else if (b == ')' && --depth == 0)
                break;
            bytes.Add(b);
        }
        return new PdfString(bytes.ToArray());
    }

    private PdfStream ReadStreamBody(PdfDictionary dictionary)
    {
        Position += 6;
        // §7.3.8.1: "stream" is followed by CRLF or LF.
        if (Position < data.Length && data[Position] == '\r')
            Position++;
        if (Position < data.Length && data[Position] == '\n')
            Position++;
        var start = Position;
        long? length = dictionary["Length"] switch
        {
            PdfNumber n => n.AsLong,
            PdfReference r => LengthResolver?.Invoke(r),
            _ => null,
        };
        if (length is null || length < 0 || start + length > data.Length || !EndstreamFollows(start + length.Value))
        {
            // A wrong /Length: find endstream instead.
            var end = IndexOf(data, "endstream"u8, start);
            if (end < 0)
                throw new PdfFormatException("stream without endstream", start);
            var stop = end;
            if (stop > start && data[stop - 1] == '\n')
                stop--;
            if (stop > start && data[stop - 1] == '\r')
                stop--;
            length = stop - start;
        }
        var bytes = data.AsSpan(start, (int)length.Value).ToArray();
        Position = start + (int)length.Value;
        SkipWhitespace();
        if (Matches("endstream"))
            Position += 9;
        return new PdfStream(dictionary, bytes);
    }

    private bool EndstreamFollows(long at)
    {
        var saved = Position;
        Position = (int)at;
        SkipWhitespace();
        var ok = Matches("endstream");
        Position = saved;
        return ok;
    }

    public static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle, int from)
    {
        var index = haystack.AsSpan(from).IndexOf(needle);
        return index < 0 ? -1 : from + index;
    }

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}

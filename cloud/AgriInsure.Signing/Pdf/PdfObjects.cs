using System.Globalization;
using System.Text;

namespace AgriInsure.Signing.Pdf;

/// <summary>A PDF object (ISO 32000-1 §7.3) as read from a file or about to be written.</summary>
internal abstract record PdfObject
{
    public abstract void Write(Stream output);

    protected static void Ascii(Stream output, string text) => output.Write(Encoding.ASCII.GetBytes(text));
}

internal sealed record PdfNull : PdfObject
{
    public static readonly PdfNull Instance = new();

    public override void Write(Stream output) => Ascii(output, "null");
}

internal sealed record PdfBoolean(bool Value) : PdfObject
{
    public override void Write(Stream output) => Ascii(output, Value ? "true" : "false");
}

internal sealed record PdfNumber(double Value) : PdfObject
{
    public long AsLong => (long)Value;

    public override void Write(Stream output) =>
        Ascii(output, Value == Math.Floor(Value) && Math.Abs(Value) < 1e15 ? ((long)Value).ToString(CultureInfo.InvariantCulture) : Value.ToString("0.####", CultureInfo.InvariantCulture));
}

/// <summary>A string: its bytes, and whether it was (or is to be) written in hex.</summary>
internal sealed record PdfString(byte[] Value, bool Hex = false) : PdfObject
{
    public static PdfString Text(string text)
    {
        // PDFDocEncoding covers ASCII; anything else is UTF-16BE with a byte order mark (§7.9.2.2).
        if (text.All(c => c is >= ' ' and < (char)127))
            return new PdfString(Encoding.ASCII.GetBytes(text));
        return new PdfString([0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(text)], Hex: true);
    }

    public string AsText() =>
        Value.Length >= 2 && Value[0] == 0xFE && Value[1] == 0xFF
            ? Encoding.BigEndianUnicode.GetString(Value, 2, Value.Length - 2)
            : Encoding.Latin1.GetString(Value);

    public override void Write(Stream output)
    {
        if (Hex)
        {
            Ascii(output, "<" + Convert.ToHexString(Value) + ">");
            return;
        }
        output.WriteByte((byte)'(');
        foreach (var b in Value)
        {
            if (b is (byte)'(' or (byte)')' or (byte)'\\')
                output.WriteByte((byte)'\\');
            if (b is (byte)'\r' or (byte)'\n')
            {
                Ascii(output, b == '\r' ? "\\r" : "\\n");
                continue;
            }
            output.WriteByte(b);
        }
        output.WriteByte((byte)')');
    }

    public bool Equals(PdfString? other) => other is not null && Value.AsSpan().SequenceEqual(other.Value);

    public override int GetHashCode() => Value.Length;
}

internal sealed record PdfName(string Value) : PdfObject
{
    public override void Write(Stream output)
    {
        var builder = new StringBuilder("/");
        foreach (var b in Encoding.UTF8.GetBytes(Value))
        {
            if (b is > 0x20 and < 0x7F and not ((byte)'#' or (byte)'/' or (byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}' or (byte)'%'))
                builder.Append((char)b);
            else
                builder.Append('#').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        Ascii(output, builder.ToString());
    }

    public override string ToString() => "/" + Value;
}

internal sealed record PdfReference(int Number, int Generation) : PdfObject
{
    public override void Write(Stream output) => Ascii(output, $"{Number} {Generation} R");

    public override string ToString() => $"{Number} {Generation} R";
}

internal sealed record PdfArray(List<PdfObject> Items) : PdfObject
{
    public PdfArray(params PdfObject[] items) : this(items.ToList())
    {
    }

    public override void Write(Stream output)
    {
        output.WriteByte((byte)'[');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
                output.WriteByte((byte)' ');
            Items[i].Write(output);
        }
        output.WriteByte((byte)']');
    }

    public bool Equals(PdfArray? other) => other is not null && Items.SequenceEqual(other.Items);

    public override int GetHashCode() => Items.Count;
}

/// <summary>A dictionary; keys keep their order so that a rewritten object reads like the original.</summary>
internal record PdfDictionary : PdfObject
{
    public PdfDictionary()
    {
    }

    public PdfDictionary(IEnumerable<KeyValuePair<string, PdfObject>> entries)
    {
        foreach (var (key, value) in entries)
            this[key] = value;
    }

    public List<KeyValuePair<string, PdfObject>> Entries { get; } = [];

    public PdfObject? this[string key]
    {
        get => Entries.FirstOrDefault(e => e.Key == key).Value;
        set
        {
            var index = Entries.FindIndex(e => e.Key == key);
            if (value is null)
            {
                if (index >= 0)
                    Entries.RemoveAt(index);
            }
            else if (index >= 0)
                Entries[index] = new(key, value);
            else
                Entries.Add(new(key, value));
        }
    }

    public string? NameOf(string key) => (this[key] as PdfName)?.Value;

    public PdfDictionary Copy() => new(Entries);

    public override void Write(Stream output)
    {
        Ascii(output, "<<");
        foreach (var (key, value) in Entries)
        {
            new PdfName(key).Write(output);
            output.WriteByte((byte)' ');
            value.Write(output);
        }
        Ascii(output, ">>");
    }

    public virtual bool Equals(PdfDictionary? other) =>
        other is not null && other.GetType() == GetType() && Entries.Count == other.Entries.Count &&
        Entries.All(e => Equals(other[e.Key], e.Value));

    public override int GetHashCode() => Entries.Count;
}

/// <summary>A stream: its dictionary and its data as stored (still encoded by its /Filter).</summary>
internal sealed record PdfStream(PdfDictionary Dictionary, byte[] Data) : PdfObject
{
    public override void Write(Stream output)
    {
        var dictionary = Dictionary.Copy();
        dictionary["Length"] = new PdfNumber(Data.Length);
        dictionary.Write(output);
        Ascii(output, "\nstream\n");
        output.Write(Data);
        Ascii(output, "\nendstream");
    }

    public bool Equals(PdfStream? other) => other is not null && Dictionary.Equals(other.Dictionary) && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => Data.Length;

    /// <summary>A stream of <paramref name="data"/> compressed with FlateDecode.</summary>
    public static PdfStream Deflated(PdfDictionary dictionary, ReadOnlySpan<byte> data)
    {
        using var buffer = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(data);
        dictionary["Filter"] = new PdfName("FlateDecode");
        return new PdfStream(dictionary, buffer.ToArray());
    }
}

using System.Text;

namespace AgriInsure.Signing.Pdf;

/// <summary>
/// A fixed-width stretch of bytes written in place of an object, to be filled after the file is written (a
/// signature's /ByteRange and /Contents). <see cref="WrittenAt"/> is where its first byte landed in the output.
/// </summary>
internal sealed record PdfPlaceholder(string Text) : PdfObject
{
    public long WrittenAt { get; private set; } = -1;

    public override void Write(Stream output)
    {
        WrittenAt = output.Position;
        Ascii(output, Text);
    }
}

/// <summary>
/// An incremental update (ISO 32000-1 §7.5.6): new and changed objects appended after the original bytes, which stay
/// byte-identical, followed by a cross-reference section holding just those objects, chained to the previous one by
/// /Prev. The section is a table when the previous one is, an xref stream (§7.5.8) when the previous one is.
/// </summary>
internal sealed class IncrementalUpdate(PdfFile file)
{
    private readonly SortedDictionary<int, PdfObject> _objects = [];
    private int _next = file.Size;

    public PdfFile File => file;

    /// <summary>Adds a new object and returns its reference.</summary>
    public PdfReference Add(PdfObject value)
    {
        var reference = new PdfReference(_next++, 0);
        _objects[reference.Number] = value;
        return reference;
    }

    /// <summary>Writes a new version of an existing object.</summary>
    public void Replace(PdfReference reference, PdfObject value)
    {
        if (reference.Generation != 0 && file.Entries.TryGetValue(reference.Number, out var entry) && entry.Generation != reference.Generation)
            throw new PdfFormatException($"object {reference} has generation {entry.Generation}", 0);
        _objects[reference.Number] = value;
    }

    /// <summary>The original bytes followed by the update; placeholders know where they were written.</summary>
    public byte[] Write()
    {
        var original = file.Bytes;
        using var output = new MemoryStream(original.Length + 64 * 1024);
        output.Write(original);
        if (original.Length > 0 && original[^1] is not (byte)'\n' and not (byte)'\r')
            output.WriteByte((byte)'\n');
        var offsets = new SortedDictionary<int, long>();
        foreach (var (number, value) in _objects)
        {
            offsets[number] = output.Position;
            var generation = file.Entries.TryGetValue(number, out var entry) && entry.Kind == XrefKind.InFile ? entry.Generation : 0;
            Ascii(output, $"{number} {generation} obj\n");
            value.Write(output);
            Ascii(output, "\nendobj\n");
        }
        var previous = file.Trailer;
        var trailer = new PdfDictionary();
        foreach (var key in new[] { "Root", "Info", "ID" })
        {
            if (previous[key] is { } value)
                trailer[key] = value;
        }
        trailer["Prev"] = new PdfNumber(file.StartXref);
        if (file.Sections[0].IsStream)
            WriteXrefStream(output, offsets, trailer);
        else
            WriteXrefTable(output, offsets, trailer);
        return output.ToArray();
    }

    private void WriteXrefTable(MemoryStream output, SortedDictionary<int, long> offsets, PdfDictionary trailer)
    {
        var start = output.Position;
        var text = new StringBuilder("xref\n");
        foreach (var run in Runs(offsets.Keys.ToList()))
        {
            text.Append($"{run.First} {run.Count}\n");
            for (var n = run.First; n < run.First + run.Count; n++)
            {
                var generation = file.Entries.TryGetValue(n, out var entry) && entry.Kind == XrefKind.InFile ? entry.Generation : 0;
                // Each entry is exactly 20 bytes (§7.5.4): 10-digit offset, 5-digit generation, type, two-byte EOL.
                text.Append($"{offsets[n]:D10} {generation:D5} n\r\n");
            }
        }
        Ascii(output, text.ToString());
        trailer["Size"] = new PdfNumber(Math.Max(file.Size, _next));
        Ascii(output, "trailer\n");
        trailer.Write(output);
        Ascii(output, $"\nstartxref\n{start}\n%%EOF\n");
    }

    private void WriteXrefStream(MemoryStream output, SortedDictionary<int, long> offsets, PdfDictionary trailer)
    {
        var number = _next++;
        var start = output.Position;
        offsets[number] = start;
        var index = new PdfArray();
        var rows = new MemoryStream();
        foreach (var run in Runs(offsets.Keys.ToList()))
        {
            index.Items.Add(new PdfNumber(run.First));
            index.Items.Add(new PdfNumber(run.Count));
            for (var n = run.First; n < run.First + run.Count; n++)
            {
                var generation = file.Entries.TryGetValue(n, out var entry) && entry.Kind == XrefKind.InFile ? entry.Generation : 0;
                // W [1 5 2]: type 1, a five-byte offset (files up to a terabyte), a two-byte generation.
                rows.WriteByte(1);
                for (var shift = 32; shift >= 0; shift -= 8)
                    rows.WriteByte((byte)(offsets[n] >> shift));
                rows.WriteByte((byte)(generation >> 8));
                rows.WriteByte((byte)generation);
            }
        }
        var dictionary = new PdfDictionary { ["Type"] = new PdfName("XRef") };
        foreach (var (key, value) in trailer.Entries)
            dictionary[key] = value;
        dictionary["Size"] = new PdfNumber(Math.Max(file.Size, _next));
        dictionary["Index"] = index;
        dictionary["W"] = new PdfArray(new PdfNumber(1), new PdfNumber(5), new PdfNumber(2));
        Ascii(output, $"{number} 0 obj\n");
        new PdfStream(dictionary, rows.ToArray()).Write(output);
        Ascii(output, $"\nendobj\nstartxref\n{start}\n%%EOF\n");
    }

    private static IEnumerable<(int First, int Count)> Runs(List<int> numbers)
    {
        for (var i = 0; i < numbers.Count;)
        {
            var j = i;
            while (j + 1 < numbers.Count && numbers[j + 1] == numbers[j] + 1)
                j++;
            yield return (numbers[i], j - i + 1);
            i = j + 1;
        }
    }

    private static void Ascii(Stream output, string text) => output.Write(Encoding.ASCII.GetBytes(text));
}

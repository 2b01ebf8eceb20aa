using System.Buffers.Binary;
using System.Text;
using SkiaSharp;

namespace AgriInsure.Imagery.Rendering.Tests;

/// <summary>Requests shaped like real claims, built cell by cell.</summary>
internal static class Requests
{
    public static readonly (string, string)[] Figures =
    [
        ("Plot area", "4.32 ha (64.8 mu)"),
        ("Damaged area", "1.07 ha (16.1 mu)"),
        ("Damage share", "24.8 %"),
        ("Deductible", "10 %"),
        ("Indemnity", "CNY 3,412.50"),
        ("Quality", "88 % of cells observed on both dates"),
    ];

    public static readonly (string, string)[] Provenance =
    [
        ("Software", "AgriInsure.Imagery.Rendering"),
        ("Before scene", "S2B_MSIL2A_20260502T031529_N0511_R118_T49RGP"),
        ("After scene", "S2A_MSIL2A_20260611T031541_N0511_R118_T49RGP"),
        ("Policy", "POL-2026-000187"),
        ("Farmer", "张伟"),
    ];

    public static ClaimMapRequest Claim(int columns, int rows, Func<int, int, MapCell> cell, Func<int, int, float>? before = null,
        Func<int, int, float>? after = null, double north = 0, string plotId = "P-0042")
    {
        var cells = new MapCell[columns * rows];
        var b = new float[cells.Length];
        var a = new float[cells.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var i = r * columns + c;
                cells[i] = cell(c, r);
                b[i] = before?.Invoke(c, r) ?? 0.72f;
                a[i] = after?.Invoke(c, r) ?? (cells[i] == MapCell.Damaged ? 0.12f : 0.65f);
            }
        }

        IReadOnlyList<(double, double)> border = [(0, 0), (columns, 0), (columns, rows), (0, rows)];
        return new ClaimMapRequest(plotId, "2026-05-02 03:15 UTC", "2026-06-11 03:15 UTC", columns, rows, b, a, cells,
            [border], 10, 10, north, Figures, Provenance);
    }

    public static GrowthCurveRequest Season(params GrowthPoint[] points) =>
        new("P-0042", points, null, Provenance);

    public static GrowthPoint Point(int month, int day, double? mean, bool cloudy = false, bool alert = false) =>
        new(new DateTimeOffset(2026, month, day, 3, 15, 0, TimeSpan.Zero), mean, mean, cloudy ? 0.2 : 0.97, cloudy, alert);
}

/// <summary>Reads what a renderer wrote, independently of the renderer's own code.</summary>
internal static class Png
{
    public static byte[] Render(ClaimMapRequest request)
    {
        using var stream = new MemoryStream();
        ClaimMap.Write(request, stream);
        Samples.Keep($"claim-{request.PlotId}-{request.Columns}x{request.Rows}.png", stream.ToArray());
        return stream.ToArray();
    }

    public static byte[] Render(GrowthCurveRequest request, string name)
    {
        using var stream = new MemoryStream();
        GrowthCurve.Write(request, stream);
        Samples.Keep($"growth-{name}.png", stream.ToArray());
        return stream.ToArray();
    }

    public static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidDataException("SkiaSharp could not decode the PNG");

    /// <summary>Every chunk as (type, data), after checking the signature and each chunk's CRC.</summary>
    public static List<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        Assert.Equal(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }, png[..8]);
        var chunks = new List<(string, byte[])>();
        for (var at = 8; at < png.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at));
            var typeAndData = png.AsSpan(at + 4, 4 + length);
            Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length)), Crc(typeAndData));
            chunks.Add((Encoding.ASCII.GetString(typeAndData[..4]), typeAndData[4..].ToArray()));
            at += 12 + length;
        }

        return chunks;
    }

    /// <summary>Key/value pairs from tEXt (Latin-1) and uncompressed iTXt (UTF-8) chunks, in file order.</summary>
    public static List<(string Type, string Key, string Value)> Text(byte[] png)
    {
        var text = new List<(string, string, string)>();
        foreach (var (type, data) in Chunks(png))
        {
            var nul = Array.IndexOf(data, (byte)0);
            if (type == "tEXt")
            {
                text.Add((type, Encoding.Latin1.GetString(data, 0, nul), Encoding.Latin1.GetString(data, nul + 1, data.Length - nul - 1)));
            }
            else if (type == "iTXt")
            {
                Assert.Equal(0, data[nul + 1]); // not compressed
                var language = Array.IndexOf(data, (byte)0, nul + 3);
                var translated = Array.IndexOf(data, (byte)0, language + 1);
                text.Add((type, Encoding.Latin1.GetString(data, 0, nul), Encoding.UTF8.GetString(data, translated + 1, data.Length - translated - 1)));
            }
        }

        return text;
    }

    /// <summary>CRC-32 bit by bit, the specification's reference algorithm, so the renderer's table is checked against it.</summary>
    private static uint Crc(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }

        return ~crc;
    }
}

/// <summary>Keeps rendered PNGs for a person to look at when AGRI_RENDER_SAMPLES names a folder.</summary>
internal static class Samples
{
    public static void Keep(string name, byte[] png)
    {
        var folder = Environment.GetEnvironmentVariable("AGRI_RENDER_SAMPLES");
        if (string.IsNullOrEmpty(folder))
            return;
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, name), png);
    }
}

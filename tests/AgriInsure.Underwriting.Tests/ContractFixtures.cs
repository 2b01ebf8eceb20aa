using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Underwriting.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Underwriting.Tests;

internal static class ContractFixtures
{
    public const string Name = "王秀英";
    public const string Region = "甘肃省定西市安定区巉口镇东岔村";
    public static readonly DateTimeOffset Issued = new(2026, 3, 15, 2, 30, 0, TimeSpan.Zero);

    private static readonly Lazy<ContractWriter> Shared = new(() => new ContractWriter(ContractFonts.Load().Value));

    public static ContractWriter Writer => Shared.Value;

    public static string AnimalId(int i) => string.Create(CultureInfo.InvariantCulture, $"A-01JQ7Z5N3K8X{i:D4}");

    /// <summary>A photo-sized JPEG of its own texture per seed (a camera's face crop is some hundreds of pixels a side).</summary>
    /// <summary>One of 20 distinct faces (a large herd repeats them: drawing a photo costs more than the contract does).</summary>
    public static byte[] Face(int seed) => Faces.GetOrAdd(seed % 20, s => Face(s, 320, 320));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte[]> Faces = new();

    public static byte[] Face(int seed, int width, int height)
    {
        var random = new Random(seed);
        using var image = new Image<Rgb24>(width, height);
        var (r, g, b) = (random.Next(60, 200), random.Next(40, 160), random.Next(20, 120));
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var shade = ((x + seed * 7) / 23 + y / 31) % 2 * 40 + random.Next(-12, 12);
                    row[x] = new Rgb24((byte)Math.Clamp(r + shade, 0, 255), (byte)Math.Clamp(g + shade, 0, 255), (byte)Math.Clamp(b + shade, 0, 255));
                }
            }
        });
        using var output = new MemoryStream();
        image.SaveAsJpeg(output);
        return output.ToArray();
    }

    public static LivestockContractRequest Livestock(int head, string name = Name, string region = Region, DateTimeOffset? issued = null)
    {
        var farmer = Farmer.Create("t1", "F-0042", name, region).Value;
        var ids = Enumerable.Range(1, head).Select(AnimalId).ToList();
        var policy = LivestockPolicy.Create("LP-01JQ7Z5N3K8XPOLICY", farmer.Id, ids, Money.Create(12000m, "CNY").Value,
            Money.Create(96m * head, "CNY").Value, new Coverage(new DateOnly(2026, 4, 1), new DateOnly(2027, 3, 31))).Value;
        var herd = ids.Select((id, i) => new HerdAnimal(id, i % 7 == 3 ? null : string.Create(CultureInfo.InvariantCulture, $"CN-62-{i + 1:D6}"), Face(i))).ToList();
        return new LivestockContractRequest("中原农业保险股份有限公司", farmer, policy, herd, issued ?? Issued);
    }

    public static CropContractRequest Crop(byte[]? mapPng = null)
    {
        var farmer = Farmer.Create("t1", "F-0042", Name, Region).Value;
        GeoPoint[] outline = [new(104.60, 35.58), new(104.6031, 35.58), new(104.6034, 35.5822), new(104.6002, 35.5825), new(104.60, 35.58)];
        var plot = Plot.Create("PL-DONGCHA-07", farmer.Id, outline, Area.FromMu(90).Value).Value;
        var acreage = MeasuredAcreage.Create(plot.Id, Area.FromSquareMetres(55_432.17).Value, PlotQuality.Ok, new DateTimeOffset(2026, 3, 2, 3, 0, 0, TimeSpan.Zero), new string('c', 64)).Value;
        var terms = CropTerms.Create("玉米 maize", Money.Create(800m, "CNY").Value, Money.Create(24m, "CNY").Value, 0.1m,
            new Coverage(new DateOnly(2026, 4, 20), new DateOnly(2026, 10, 15))).Value;
        var policy = CropPolicy.Create("CP-01JQ7Z5N3K8XCROP", farmer.Id, acreage, terms).Value;
        return new CropContractRequest("中原农业保险股份有限公司", farmer, policy, plot, mapPng, Issued);
    }
}

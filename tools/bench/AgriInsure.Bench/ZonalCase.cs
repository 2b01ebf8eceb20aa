using System.Globalization;
using System.Text;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rasters;

namespace AgriInsure.Bench;

/// <summary>The zonal-area benchmark case of the imagery issue, made here from a fixed seed: a float32
/// NDVI-like GeoTIFF on a UTM 33N 10 m grid (clouds as nodata discs) and random field polygons in WGS84,
/// star-shaped with 5–12 corners, 150 m to 1.5 km across, one in five with a hole.</summary>
internal static class ZonalCase
{
    public const int Seed = 20261128;
    public const string Crs = "EPSG:32633";
    private const float Nodata = -9999;

    public static string RasterPath(string dir, int size) => Path.Combine(dir, $"ndvi-{size}.tif");

    public static string PlotsPath(string dir, int size, int plots) => Path.Combine(dir, $"fields-{size}-{plots}.geojson");

    /// <summary>One field over the raster less a 1 km margin: the worst case for memory.</summary>
    public static string WholePath(string dir, int size) => Path.Combine(dir, $"whole-{size}.geojson");

    public static Grid GridOf(int size) => new(500_000, 5_150_000, 10, 10, size, size);

    /// <summary>Writes the raster and the plots unless they are already there; returns what it did.</summary>
    public static string Ensure(string dir, int size, int plots)
    {
        Directory.CreateDirectory(dir);
        var said = new StringBuilder();
        var raster = RasterPath(dir, size);
        if (!File.Exists(raster))
        {
            WriteRaster(raster + ".partial", size);
            File.Move(raster + ".partial", raster);
            said.Append($"wrote {raster} ({size}×{size} float32, {(double)new FileInfo(raster).Length / (1 << 20):N0} MiB); ");
        }
        var fields = PlotsPath(dir, size, plots);
        if (!File.Exists(fields))
        {
            File.WriteAllText(fields + ".partial", Fields(size, plots));
            File.Move(fields + ".partial", fields);
            said.Append($"wrote {fields} ({plots} fields)");
        }
        var whole = WholePath(dir, size);
        if (!File.Exists(whole))
            File.WriteAllText(whole, Whole(size));
        return said.Length == 0 ? $"reusing {raster} and {fields}" : said.ToString();
    }

    private static void WriteRaster(string path, int size)
    {
        var grid = GridOf(size);
        var random = new Random(Seed);
        var clouds = Enumerable.Range(0, 12).Select(_ => (X: random.NextDouble() * size, Y: random.NextDouble() * size, R: 50 + random.NextDouble() * 250)).ToArray();
        var across = Enumerable.Range(0, size).Select(c => Math.Sin(c / 370.0)).ToArray();
        using var writer = GeoTiffWriter.Create(path, grid, Crs, 1, Nodata);
        const int rows = 256;
        var band = new float[rows * size];
        for (var first = 0; first < size; first += rows)
        {
            var count = Math.Min(rows, size - first);
            var values = count == rows ? band : new float[count * size];
            Parallel.For(0, count, r =>
            {
                var row = first + r;
                var down = Math.Cos(row / 530.0);
                for (var c = 0; c < size; c++)
                {
                    var cloudy = false;
                    foreach (var (x, y, radius) in clouds)
                        cloudy |= (c - x) * (c - x) + (row - y) * (row - y) < radius * radius;
                    values[r * size + c] = cloudy ? Nodata : (float)(0.45 + 0.3 * across[c] * down + 0.1 * Noise(c, row));
                }
            });
            writer.Write(1, first, values);
        }
    }

    /// <summary>Deterministic noise in [−1, 1) from the cell's position.</summary>
    private static double Noise(int column, int row)
    {
        var h = (uint)(column * 73856093) ^ (uint)(row * 19349663) ^ Seed;
        h ^= h >> 16;
        h *= 0x7feb352d;
        h ^= h >> 15;
        h *= 0x846ca68b;
        h ^= h >> 16;
        return h / (double)uint.MaxValue * 2 - 1;
    }

    private static string Whole(int size)
    {
        var g = GridOf(size);
        var corners = new List<(double, double)> { (g.Left + 1000, g.Bottom + 1000), (g.Right - 1000, g.Bottom + 1000), (g.Right - 1000, g.Top - 1000), (g.Left + 1000, g.Top - 1000) };
        using var toWgs84 = ToWgs84();
        return $$$"""{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"whole"},"geometry":{"type":"Polygon","coordinates":[{{{Ring(toWgs84, corners)}}}]}}]}""";
    }

    private static CoordinateTransform ToWgs84() =>
        CoordinateTransform.TryCreate(Crs, "EPSG:4326", out var transform, out var error) ? transform : throw new InvalidOperationException(error.ToString());

    /// <summary>A UTM ring as GeoJSON WGS84 coordinates, closed.</summary>
    private static string Ring(CoordinateTransform toWgs84, List<(double X, double Y)> ring)
    {
        var xy = ring.Append(ring[0]).SelectMany(p => new[] { p.X, p.Y }).ToArray();
        if (!toWgs84.TryTransform(xy, out var failed))
            throw new InvalidOperationException(failed.ToString());
        return "[" + string.Join(",", Enumerable.Range(0, xy.Length / 2).Select(k => string.Create(CultureInfo.InvariantCulture, $"[{xy[2 * k]:R},{xy[2 * k + 1]:R}]"))) + "]";
    }

    private static string Fields(int size, int count)
    {
        var grid = GridOf(size);
        var random = new Random(Seed + 1);
        using var toWgs84 = ToWgs84();
        var features = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var radius = 75 * Math.Pow(10, random.NextDouble());
            var (x, y) = (grid.Left + radius + random.NextDouble() * (grid.Right - grid.Left - 2 * radius), grid.Bottom + radius + random.NextDouble() * (grid.Top - grid.Bottom - 2 * radius));
            var corners = random.Next(5, 13);
            // Corners evenly spread with jitter, so the outline is simple and keeps ≥ 0.3 r from the centre.
            var outer = Enumerable.Range(0, corners).Select(k =>
            {
                var angle = (k + (random.NextDouble() - 0.5) * 0.6) * 2 * Math.PI / corners;
                var r = radius * (0.6 + 0.4 * random.NextDouble());
                return (x + r * Math.Cos(angle), y + r * Math.Sin(angle));
            }).ToList();
            var rings = new List<List<(double, double)>> { outer };
            if (random.NextDouble() < 0.2)
                rings.Add(Enumerable.Range(0, 6).Select(k => (x + 0.2 * radius * Math.Cos(-k * Math.PI / 3), y + 0.2 * radius * Math.Sin(-k * Math.PI / 3))).ToList());
            features.Add($$$"""{"type":"Feature","properties":{"id":"field-{{{i:D4}}}"},"geometry":{"type":"Polygon","coordinates":[{{{string.Join(",", rings.Select(r => Ring(toWgs84, r)))}}}]}}""");
        }
        return $$"""{"type":"FeatureCollection","features":[{{string.Join(",\n", features)}}]}""";
    }
}

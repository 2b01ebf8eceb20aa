using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgriInsure.Imagery.Geodesy;
using AgriInsure.Tests;
using CsCheck;

namespace AgriInsure.Imagery.Tests;

public class GeodesicAreaTests
{
    /// <summary>GeographicLib's own Planimeter (Debian geographiclib-tools), the reference.</summary>
    private static double Planimeter(IReadOnlyList<(double Lon, double Lat)> ring)
    {
        var start = new ProcessStartInfo("Planimeter", "-r") { RedirectStandardInput = true, RedirectStandardOutput = true };
        using var p = Process.Start(start) ?? throw new InvalidOperationException("Planimeter did not start: tools/test installs geographiclib-tools");
        foreach (var (lon, lat) in ring)
            p.StandardInput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{lat:0.################} {lon:0.################}"));
        p.StandardInput.Close();
        var fields = p.StandardOutput.ReadToEnd().Trim().Split(' ');
        p.WaitForExit();
        return Math.Abs(double.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Agrees_with_planimeter_on_random_fields() =>
        Gen.Select(Gen.Double[-60, 60], Gen.Double[-179, 179], Gen.Int[3, 12]).SelectMany(t =>
            Gen.Double[0.0005, 0.02].Array[t.Item3].Select(r => (Lat: t.Item1, Lon: t.Item2, Radii: r))).Sample(f =>
        {
            var ring = f.Radii.Select((r, i) => (f.Lon + r * Math.Cos(2 * Math.PI * i / f.Radii.Length), f.Lat + r * Math.Sin(2 * Math.PI * i / f.Radii.Length))).ToList();
            var mine = GeodesicArea.OfRing(ring);
            var reference = Planimeter(ring);
            Assert.True(Math.Abs(mine - reference) <= 1e-6 * reference + 1e-3, $"{mine} vs Planimeter {reference}: {string.Join(" ", ring)}");
        }, iter: 40);

    [Fact]
    public void A_one_degree_cell_at_50_north_has_its_known_area()
    {
        List<(double, double)> cell = [(0, 50), (1, 50), (1, 51), (0, 51)];
        Assert.Equal(7_892_061_583.2, GeodesicArea.OfRing(cell), 0.5);
        cell.Reverse();
        Assert.Equal(7_892_061_583.2, GeodesicArea.OfRing(cell), 0.5);
    }

    [Fact]
    public void The_eo_learn_land_use_polygons_match_planimeter_ring_by_ring()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Repo.SharedData, "imagery", "eo-learn", "lulc.geojson")));
        double total = 0;
        var rings = 0;
        foreach (var feature in doc.RootElement.GetProperty("features").EnumerateArray())
        {
            var polygon = feature.GetProperty("geometry").GetProperty("coordinates").EnumerateArray()
                .Select(r => (IReadOnlyList<(double, double)>)r.EnumerateArray().Select(p => (p[0].GetDouble(), p[1].GetDouble())).ToList())
                .ToList();
            foreach (var ring in polygon)
            {
                // Planimeter prints areas to 0.1 m².
                Assert.Equal(Planimeter(ring), GeodesicArea.OfRing(ring), 0.051);
                rings++;
            }
            total += GeodesicArea.OfPolygon(polygon);
        }
        Assert.Equal(120, rings);
        // ../shared/data/README.md gives 2,095,189.1 m² by a method it does not name; Planimeter ring by
        // ring sums to 2,095,186.0 (to its 0.1 m² rounding). The 3.6 m² (1.7e-6) gap is the README's.
        Assert.Equal(2_095_185.46, total, 0.01);
    }

    [Fact]
    public void Degenerate_and_impossible_rings_are_handled()
    {
        Assert.Equal(0, GeodesicArea.OfRing([(0, 0), (1, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => GeodesicArea.OfRing([(0, 0), (1, 95), (2, 0)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => GeodesicArea.OfRing([(double.NaN, 0), (1, 1), (2, 0)]));
    }
}

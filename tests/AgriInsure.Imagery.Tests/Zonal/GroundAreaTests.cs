using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Imagery.Geodesy;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Tests;
using CsCheck;
using static AgriInsure.Imagery.Tests.Fixtures;
using static AgriInsure.Imagery.Tests.Zonal.FieldInputTests;

namespace AgriInsure.Imagery.Tests.Zonal;

/// <summary>Point 1 of the imagery issue: whatever the raster's CRS, with a rule every valid cell meets,
/// the measured area is the plot's geodesic area (PROJ's geod_polygonarea) times its covered share.</summary>
public class GroundAreaTests
{
    /// <summary>A CRS, a place in it (lon, lat) and a cell size in its own units.</summary>
    public static TheoryData<string, double, double, double> Crss => new()
    {
        { "EPSG:32650", 116.9, 39.9, 10 },        // UTM 50N, 1.9° east of its central meridian
        { "EPSG:3857", 10.3, 60.2, 10 },          // Web Mercator at 60° N: its plane is 4× the ground
        { "EPSG:2263", -73.9, 40.75, 30 },        // New York Long Island, US survey feet
        { "EPSG:4547", 113.2, 30.1, 10 },         // CGCS2000 3° Gauss-Krüger, CM 114° E
        { "EPSG:4326", 5.2, 51.3, 0.0001 },       // longitude/latitude
        { "EPSG:3413", -45.1, 78.9, 10 },         // polar stereographic north, near the pole
        { "EPSG:4326", 40.0, 88.4, 0.0001 },      // longitude/latitude 180 km from the pole
    };

    [Theory]
    [MemberData(nameof(Crss))]
    public void Measured_area_is_the_geodesic_area_times_the_covered_share(string crs, double lon, double lat, double cell)
    {
        using var dir = new TempFolder();
        // A 1200×1200-cell raster centred on the place, every cell 1.
        var centre = new[] { lon, lat };
        Assert.True(CoordinateTransform.TryCreate("EPSG:4326", crs, out var toCrs, out _));
        using (toCrs)
            Assert.True(toCrs.TryTransform(centre, out _));
        var half = 600 * cell;
        using var raster = Open(Create(dir, "r.tif", crs, "Byte", (centre[0] - half, centre[1] + half, centre[0] + half, centre[1] - half), 1200, 1200, [1]));
        Assert.True(CoordinateTransform.TryCreate(crs, "EPSG:4326", out var toLonLat, out _));
        using (toLonLat)
        {
            // Star-shaped fields of 5–12 corners, 50–2,000 cells across, placed anywhere on the raster or across its edge.
            var fields = Gen.Select(Gen.Double[-0.6, 0.6], Gen.Double[-0.6, 0.6], Gen.Double[25, 1000], Gen.Int[5, 12], Gen.Double[0, 1].Array[12]);
            fields.Sample((dx, dy, radius, corners, jitter) =>
            {
                var ring = new double[2 * corners];
                for (var k = 0; k < corners; k++)
                {
                    var angle = 2 * Math.PI * k / corners;
                    var r = radius * cell * (0.5 + 0.5 * jitter[k]);
                    (ring[2 * k], ring[2 * k + 1]) = (centre[0] + dx * 2 * half + r * Math.Cos(angle), centre[1] + dy * 2 * half + r * Math.Sin(angle));
                }
                Assert.True(toLonLat.TryTransform(ring, out _));
                var points = Enumerable.Range(0, corners + 1).Select(k => (ring[2 * (k % corners)], ring[2 * (k % corners) + 1])).ToList();
                var path = Collection(dir, "f.geojson", Feature("f", points));
                var plot = AcreageMeasurement.Measure(raster, ReadPlots(path), new CellRule.BandAtLeast(1, 1), null).Single();
                var geodesic = GeodesicArea.OfRing(points);
                Assert.Equal(geodesic, plot.AreaM2, geodesic * 1e-12);
                if (plot.Quality == PlotQuality.OutsideRaster)
                    return;
                var expected = geodesic * plot.CoveredFraction;
                Assert.True(Math.Abs(plot.MeasuredM2 - expected) <= expected * 1e-6 + 1e-9,
                    $"{crs}: measured {plot.MeasuredM2.ToString("R", CultureInfo.InvariantCulture)} vs geodesic × covered {expected.ToString("R", CultureInfo.InvariantCulture)} ({(plot.MeasuredM2 / expected - 1):E2})");
                if (plot.CoveredFraction > 0.9999999)
                    Assert.Equal(1.0, plot.MeasuredM2 / geodesic, 1e-6);
            }, iter: 40, threads: 1);
        }
    }

    [Theory]
    [MemberData(nameof(Crss))]
    public void Interpolated_cell_areas_stay_within_1e_7_of_the_exact_areal_scale(string crs, double lon, double lat, double cell)
    {
        if (crs == "EPSG:4326")
            return;
        var centre = new[] { lon, lat };
        Assert.True(CoordinateTransform.TryCreate("EPSG:4326", crs, out var toCrs, out _));
        using (toCrs)
            Assert.True(toCrs.TryTransform(centre, out _));
        // 50 km a side: the lattice's nodes are far apart in cells, and the worst point is a lattice cell's centre.
        var size = (int)(50_000 / (crs == "EPSG:2263" ? 0.3048 * cell : cell));
        var grid = new AgriInsure.Imagery.Coverage.Grid(centre[0] - size * cell / 2, centre[1] + size * cell / 2, cell, cell, size, size);
        using var areas = new ProjectedCellAreas(grid, crs);
        var s = areas.Spacing;
        var row = new double[1];
        var worst = 0.0;
        foreach (var (i, j) in new[] { (3, 3), (10, 7), (size / s / 2, size / s / 2), (size / s - 2, 1) })
        {
            var column = i * s + s / 2;
            var r = j * s + s / 2;
            areas.Row(r, column, row);
            var exact = areas.Factor(grid.ColumnLeft(column) + cell / 2, grid.RowTop(r) - cell / 2) * grid.CellArea;
            worst = Math.Max(worst, Math.Abs(row[0] / exact - 1));
        }
        Assert.True(worst < 1e-7, $"{crs}: lattice every {s} cells errs by {worst:E2}");
    }
}

using AgriInsure.Imagery.Coverage;
using CsCheck;
using NetTopologySuite.Geometries;

namespace AgriInsure.Imagery.Tests.Coverage;

public class ExactCoverageTests
{
    /// <summary>A simple (non-self-intersecting) star-shaped ring around (cx, cy): vertices at increasing
    /// angles with random radii, counter-clockwise unless <paramref name="clockwise"/>.</summary>
    private static double[] Star(double cx, double cy, double[] radii, double[] jitter, bool clockwise)
    {
        var n = radii.Length;
        var ring = new double[2 * n];
        for (var i = 0; i < n; i++)
        {
            var angle = 2 * Math.PI * (i + 0.8 * jitter[i]) / n * (clockwise ? -1 : 1);
            ring[2 * i] = cx + radii[i] * Math.Cos(angle);
            ring[2 * i + 1] = cy + radii[i] * Math.Sin(angle);
        }
        return ring;
    }

    private static readonly Gen<(Grid Grid, PolygonRings Polygon, double Area)> FieldInsideGrid =
        from cols in Gen.Int[5, 60]
        from rows in Gen.Int[5, 60]
        from cell in Gen.Double[0.5, 30]
        from aspect in Gen.Double[0.5, 2]
        from n in Gen.Int[3, 40]
        from radii in Gen.Double[0.2, 1].Array[n]
        from jitter in Gen.Double[0, 1].Array[n]
        from holeN in Gen.Int[0, 12]
        from holeRadii in Gen.Double[0.02, 0.1].Array[holeN]
        from holeJitter in Gen.Double[0, 1].Array[holeN]
        from clockwise in Gen.Bool
        select Make(cols, rows, cell, aspect, radii, jitter, holeRadii, holeJitter, clockwise);

    private static (Grid, PolygonRings, double) Make(int cols, int rows, double cell, double aspect, double[] radii, double[] jitter, double[] holeRadii, double[] holeJitter, bool clockwise)
    {
        // A UTM-like place: eastings near 500 km, northings near 5,000 km.
        var grid = new Grid(465_181.05, 5_080_254.63, cell, cell * aspect, cols, rows);
        var cx = grid.Left + cols * cell / 2;
        var cy = grid.Top - rows * cell * aspect / 2;
        var scale = Math.Min(cols * cell, rows * cell * aspect) / 2 * 0.99;
        var shell = Star(cx, cy, radii.Select(r => r * scale).ToArray(), jitter, clockwise);
        var rings = new List<double[]> { shell };
        var area = Math.Abs(ExactCoverage.SignedArea(shell));
        if (holeRadii.Length >= 3 && radii.Length >= 8)
        {
            // Inside the shell: with 8 or more vertices no shell edge comes nearer the centre than
            // 0.2 × cos(81° / 2) > 0.15, and every hole radius is at most 0.1.
            var hole = Star(cx, cy, holeRadii.Select(r => r * scale).ToArray(), holeJitter, !clockwise);
            rings.Add(hole);
            area -= Math.Abs(ExactCoverage.SignedArea(hole));
        }
        return (grid, new PolygonRings(rings), area);
    }

    private static double Covered(Grid grid, CoverageWindow w) => w.Fractions.Sum() * grid.CellArea;

    [Fact]
    public void Coverage_times_cell_area_equals_the_polygon_area() =>
        FieldInsideGrid.Sample(t =>
        {
            var covered = Covered(t.Grid, ExactCoverage.Compute(t.Grid, [t.Polygon]));
            Assert.True(Math.Abs(covered - t.Area) <= 1e-9 * t.Area, $"covered {covered}, area {t.Area}, relative {(covered - t.Area) / t.Area:e2}");
        }, iter: 300);

    [Fact]
    public void Fractions_stay_between_zero_and_one() =>
        FieldInsideGrid.Sample(t => Assert.All(ExactCoverage.Compute(t.Grid, [t.Polygon]).Fractions, f => Assert.InRange(f, 0, 1)), iter: 100);

    [Fact]
    public void Every_cell_matches_the_area_of_the_polygon_intersected_with_that_cell() =>
        // An independent reference: NTS's overlay clips the polygon to each cell's box.
        FieldInsideGrid.Sample(t =>
        {
            var factory = new GeometryFactory();
            LinearRing Ring(double[] xy) => factory.CreateLinearRing(Enumerable.Range(0, xy.Length / 2 + 1).Select(i => new Coordinate(xy[2 * (i % (xy.Length / 2))], xy[2 * (i % (xy.Length / 2)) + 1])).ToArray());
            var shell = Ring(t.Polygon.Rings[0]);
            var holes = t.Polygon.Rings.Skip(1).Select(Ring).ToArray();
            var polygon = factory.CreatePolygon(shell.IsCCW ? shell : (LinearRing)shell.Reverse(), holes);
            var w = ExactCoverage.Compute(t.Grid, [t.Polygon]);
            for (var r = w.FirstRow; r < w.FirstRow + w.Rows; r++)
            {
                for (var c = w.FirstColumn; c < w.FirstColumn + w.Columns; c++)
                {
                    var (x, y) = (t.Grid.ColumnLeft(c), t.Grid.RowTop(r));
                    var cell = factory.ToGeometry(new Envelope(x, x + t.Grid.CellWidth, y - t.Grid.CellHeight, y));
                    var expected = polygon.Intersection(cell).Area / t.Grid.CellArea;
                    Assert.True(Math.Abs(w[r, c] - expected) < 1e-7, $"cell ({r}, {c}): {w[r, c]} against {expected}");
                }
            }
        }, iter: 40);

    [Fact]
    public void Computing_a_band_of_rows_gives_the_same_cells_as_the_whole_window() =>
        FieldInsideGrid.Select(Gen.Int[1, 7]).Sample((t, band) =>
        {
            var whole = ExactCoverage.Compute(t.Grid, [t.Polygon]);
            var range = ExactCoverage.Window(t.Grid, [t.Polygon])!.Value;
            for (var first = range.FirstRow; first < range.FirstRow + range.Rows; first += band)
            {
                var rows = Math.Min(band, range.FirstRow + range.Rows - first);
                var part = ExactCoverage.Compute(t.Grid, [t.Polygon], range with { FirstRow = first, Rows = rows });
                for (var r = first; r < first + rows; r++)
                    for (var c = range.FirstColumn; c < range.FirstColumn + range.Columns; c++)
                        Assert.Equal(whole[r, c], part[r, c], 12);
            }
        }, iter: 100);

    [Fact]
    public void A_unit_square_on_cell_corners_covers_whole_cells()
    {
        var grid = new Grid(0, 10, 1, 1, 10, 10);
        var square = new PolygonRings([[2, 2, 5, 2, 5, 5, 2, 5, 2, 2]]);
        var w = ExactCoverage.Compute(grid, [square]);
        Assert.Equal(9, w.Fractions.Count(f => f == 1));
        Assert.Equal(9.0, Covered(grid, w), 12);
        Assert.Equal(1.0, w[6, 3]);
    }

    [Fact]
    public void A_half_cell_offset_square_gives_halves_and_quarters()
    {
        var grid = new Grid(0, 4, 1, 1, 4, 4);
        var square = new PolygonRings([[0.5, 0.5, 2.5, 0.5, 2.5, 2.5, 0.5, 2.5]]);
        var w = ExactCoverage.Compute(grid, [square]);
        Assert.Equal(0.25, w[3, 0], 12);
        Assert.Equal(0.5, w[3, 1], 12);
        Assert.Equal(1.0, w[2, 1], 12);
        Assert.Equal(4.0, Covered(grid, w), 12);
    }

    [Fact]
    public void A_sliver_thinner_than_a_cell_is_counted_exactly()
    {
        var grid = new Grid(0, 10, 1, 1, 10, 10);
        var sliver = new PolygonRings([[0.1, 5.0005, 9.7, 5.0005, 9.7, 5.0015, 0.1, 5.0015]]);
        Assert.Equal(9.6 * 0.001, Covered(grid, ExactCoverage.Compute(grid, [sliver])), 12);
    }

    [Fact]
    public void Parts_outside_the_grid_are_not_counted()
    {
        var grid = new Grid(0, 10, 1, 1, 10, 10);
        var half = new PolygonRings([[-5, 2, 5, 2, 5, 4, -5, 4]]);
        Assert.Equal(10.0, Covered(grid, ExactCoverage.Compute(grid, [half])), 12);
        var outside = new PolygonRings([[20, 20, 30, 20, 30, 30]]);
        Assert.Same(CoverageWindow.Empty, ExactCoverage.Compute(grid, [outside]));
    }

    [Fact]
    public void Multipolygon_parts_add_up()
    {
        var grid = new Grid(0, 10, 0.7, 0.7, 20, 20);
        var a = new PolygonRings([[1, 1, 3, 1, 3, 3, 1, 3]]);
        var b = new PolygonRings([[5, 5, 8, 5, 8, 6, 5, 6]]);
        Assert.Equal(7.0, Covered(grid, ExactCoverage.Compute(grid, [a, b])), 10);
    }

    [Fact]
    public void Bad_grids_are_refused_by_name()
    {
        Assert.Throws<ArgumentException>(() => new Grid(0, 0, 0, 1, 1, 1));
        Assert.Throws<ArgumentException>(() => new Grid(0, 0, 1, 1, 0, 1));
        Assert.Throws<ArgumentException>(() => new Grid(double.NaN, 0, 1, 1, 1, 1));
    }
}

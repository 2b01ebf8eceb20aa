using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Tests;

namespace AgriInsure.Imagery.Tests.Rasters;

/// <summary>A UTM raster on a Web Mercator grid: each pixel shows the cell its centre lies in, found independently (the
/// pixel's longitude and latitude from the spherical Mercator formulas, then GDAL to UTM), not the cell a stretch between
/// the corners would give; nodata stays empty; a large raster is read decimated.</summary>
public sealed class MercatorResamplerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    // UTM zone 48N (central meridian 105° E) over 103.00–103.03° E near 30° N: about 1° of grid convergence.
    private const string Utm = "EPSG:32648";

    /// <summary>A raster whose cell (column, row) holds column + 10,000 × row, nodata in its first 5 rows.</summary>
    private GdalRaster Numbered(int columns, int rows, double cell)
    {
        Assert.True(CoordinateTransform.TryCreate("EPSG:4326", Utm, out var transform, out var error), error?.ToString());
        double[] corner = [103.0, 30.02];
        using (transform)
            Assert.True(transform.TryTransform(corner, out error), error?.ToString());
        var grid = new Grid(Math.Round(corner[0]), Math.Round(corner[1]), cell, cell, columns, rows);
        var path = _folder.File($"numbered-{columns}x{rows}.tif");
        using (var writer = GeoTiffWriter.Create(path, grid, Utm, 1, nodata: -1))
        {
            var values = new float[columns * rows];
            for (var r = 0; r < rows; r++)
                for (var c = 0; c < columns; c++)
                    values[r * columns + c] = r < 5 ? -1 : c + 10_000 * r;
            writer.Write(1, 0, values);
        }
        Assert.True(GdalRaster.TryOpen(path, out var raster, out var openError), openError?.ToString());
        return raster;
    }

    /// <summary>The cell of <paramref name="raster"/> under pixel (i, j)'s centre, by inverting EPSG:3857 on paper.</summary>
    private static (double Column, double Row) Expected(GdalRaster raster, MercatorGrid grid, int i, int j)
    {
        var x = grid.Left + (i + 0.5) * (grid.Right - grid.Left) / grid.Width;
        var y = grid.Top - (j + 0.5) * (grid.Top - grid.Bottom) / grid.Height;
        double[] point = [x / WebMercator.Radius * 180 / Math.PI, (2 * Math.Atan(Math.Exp(y / WebMercator.Radius)) - Math.PI / 2) * 180 / Math.PI];
        Assert.True(CoordinateTransform.TryCreate("EPSG:4326", Utm, out var transform, out var error), error?.ToString());
        using (transform)
            Assert.True(transform.TryTransform(point, out error), error?.ToString());
        return ((point[0] - raster.Grid.Left) / raster.Grid.CellWidth, (raster.Grid.Top - point[1]) / raster.Grid.CellHeight);
    }

    [Fact]
    public void Every_pixel_shows_the_cell_under_its_centre_and_a_corner_stretch_would_not()
    {
        using var raster = Numbered(300, 200, 10);
        var footprint = MercatorResampler.Footprint(raster);
        // 3 km × 2 km of UTM: about 0.031° of longitude and 0.018° of latitude at 30° N, tilted by the convergence.
        Assert.InRange(footprint.East - footprint.West, 0.030, 0.034);
        Assert.InRange(footprint.North - footprint.South, 0.018, 0.020);
        var grid = MercatorGrid.Of(footprint, 256);
        var picture = MercatorResampler.Resample(raster, new MapLayer.Band(1), grid);
        Assert.Equal(grid.Width * grid.Height, picture.Values.Length);
        int shown = 0, right = 0, stretchRight = 0, empty = 0;
        for (var j = 0; j < grid.Height; j++)
        {
            for (var i = 0; i < grid.Width; i++)
            {
                var (column, row) = Expected(raster, grid, i, j);
                var value = picture.Values[j * grid.Width + i];
                var inside = column >= 0 && column < raster.Grid.Columns && row >= 5 && row < raster.Grid.Rows;
                if (!inside)
                {
                    // Off the raster, or nodata: transparent (a cell edge a hair away may round either way).
                    empty += float.IsNaN(value) ? 1 : 0;
                    continue;
                }
                shown++;
                right += value == Math.Floor(column) + 10_000 * Math.Floor(row) ? 1 : 0;
                // The naive picture: the raster's grid stretched linearly over the footprint's box.
                var (sc, sr) = ((i + 0.5) / grid.Width * raster.Grid.Columns, (j + 0.5) / grid.Height * raster.Grid.Rows);
                stretchRight += value == Math.Floor(sc) + 10_000 * Math.Floor(sr) ? 1 : 0;
            }
        }
        Assert.True(shown > grid.Width * grid.Height / 2, $"{shown} pixels on the raster");
        Assert.True(right >= shown * 0.999, $"{right} of {shown} pixels show the cell under their centre");
        Assert.True(stretchRight < shown * 0.2, $"a corner stretch would have put {stretchRight} of {shown} pixels right");
        Assert.True(empty > 0);
    }

    [Fact]
    public void A_raster_larger_than_the_picture_is_read_decimated_yet_each_pixel_keeps_a_nearby_cell()
    {
        using var raster = Numbered(1200, 800, 2.5);
        var grid = MercatorGrid.Of(MercatorResampler.Footprint(raster), 100);
        var picture = MercatorResampler.Resample(raster, new MapLayer.Band(1), grid);
        var checkedPixels = 0;
        for (var j = 0; j < grid.Height; j += 7)
        {
            for (var i = 0; i < grid.Width; i += 7)
            {
                var (column, row) = Expected(raster, grid, i, j);
                var value = picture.Values[j * grid.Width + i];
                if (column < 10 || column > raster.Grid.Columns - 10 || row < 15 || row > raster.Grid.Rows - 10 || float.IsNaN(value))
                    continue;
                checkedPixels++;
                // At most twice the picture's pixels are read, so a pixel's cell is within a decimation step (about 6 cells).
                var (gotColumn, gotRow) = (value % 10_000, Math.Floor(value / 10_000));
                Assert.InRange(gotColumn - column, -7, 7);
                Assert.InRange(gotRow - row, -7, 7);
            }
        }
        Assert.True(checkedPixels > 50, $"{checkedPixels} pixels checked");
    }

    [Fact]
    public void Ndvi_from_two_bands_has_no_value_outside_minus_one_to_one_and_a_grid_keeps_square_pixels()
    {
        var grid = new Grid(103.0, 30.01, 0.001, 0.001, 10, 10);
        var path = _folder.File("bands.tif");
        using (var writer = GeoTiffWriter.Create(path, grid, "EPSG:4326", 2))
        {
            writer.Write(1, 0, [.. Enumerable.Repeat(0.1f, 50), .. Enumerable.Repeat(-0.3f, 50)]);
            writer.Write(2, 0, [.. Enumerable.Repeat(0.5f, 50), .. Enumerable.Repeat(0.1f, 50)]);
        }
        Assert.True(GdalRaster.TryOpen(path, out var raster, out var error), error?.ToString());
        using (raster)
        {
            var box = MercatorResampler.Footprint(raster);
            Assert.Equal((103.0, 103.01, 30.0, 30.01), (Math.Round(box.West, 9), Math.Round(box.East, 9), Math.Round(box.South, 9), Math.Round(box.North, 9)));
            var mercator = MercatorGrid.Of(box, 40);
            // 0.01° of longitude and of latitude at 30° N: a Mercator picture about 1 / cos 30° times taller than wide.
            Assert.InRange(mercator.Height, 45, 47);
            var picture = MercatorResampler.Resample(raster, new MapLayer.Ndvi(1, 2), mercator);
            Assert.Equal((0.5f - 0.1f) / (0.5f + 0.1f), picture.Values[mercator.Width / 2], 5);
            // (0.1 − (−0.3)) / (0.1 + (−0.3)) = −2: not an NDVI.
            Assert.True(float.IsNaN(picture.Values[^1]));
        }
    }

    public void Dispose() => _folder.Dispose();
}

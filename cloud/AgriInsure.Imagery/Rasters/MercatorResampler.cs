namespace AgriInsure.Imagery.Rasters;

/// <summary>What a map shows of a raster: one band's values, or NDVI from a red and a near-infrared band.</summary>
public abstract record MapLayer
{
    public sealed record Band(int Number) : MapLayer;

    /// <summary>NDVI = (nir − red) / (nir + red); a cell outside [−1, 1] has no value.</summary>
    public sealed record Ndvi(int Red, int Nir) : MapLayer;

    public string Describe() => this switch
    {
        Band b => $"band {b.Number}",
        Ndvi n => $"NDVI of bands {n.Red} (red), {n.Nir} (NIR)",
        _ => ToString(),
    };
}

/// <summary>A raster's values on a <see cref="MercatorGrid"/>, row-major, NaN where there is no value (nodata, masked,
/// outside the raster).</summary>
public sealed record ResampledRaster(MercatorGrid Grid, float[] Values);

/// <summary>Puts a raster of any CRS on a Web Mercator image grid for a web map, by inverse mapping: each output pixel's
/// centre goes from EPSG:3857 through GDAL's transformation to the raster's CRS, and takes the value of the cell it lands in
/// (nearest neighbour). Stretching a UTM image between its corners' longitudes and latitudes would instead misplace it by
/// the grid convergence (about 0.3° at 14.5° E in UTM zone 33, tens of metres across a few kilometres).</summary>
public static class MercatorResampler
{
    private const int EdgeSamples = 64;

    /// <summary>The WGS84 box holding the raster's whole extent: its four edges, each at <see cref="EdgeSamples"/> points,
    /// transformed to longitude and latitude (a projected grid's edges are curves in degrees). Latitudes are clamped to the
    /// web map's ±85.05°. Throws <see cref="RasterException"/> (<see cref="RasterError.BadCrs"/>) when GDAL cannot
    /// transform the raster's CRS to WGS84.</summary>
    public static LonLatBox Footprint(GdalRaster raster)
    {
        var g = raster.Grid;
        var xy = new double[8 * EdgeSamples];
        for (var i = 0; i < EdgeSamples; i++)
        {
            var t = (double)i / EdgeSamples;
            Put(0 * EdgeSamples + i, g.Left + t * (g.Right - g.Left), g.Top);
            Put(1 * EdgeSamples + i, g.Right, g.Top - t * (g.Top - g.Bottom));
            Put(2 * EdgeSamples + i, g.Right - t * (g.Right - g.Left), g.Bottom);
            Put(3 * EdgeSamples + i, g.Left, g.Bottom + t * (g.Top - g.Bottom));
        }
        if (!CoordinateTransform.TryCreate(raster.ProjectionWkt, "EPSG:4326", out var transform, out var error))
            throw new RasterException(error);
        using (transform)
        {
            if (!transform.TryTransform(xy, out error))
                throw new RasterException(error with { Reason = $"{raster.Path}: its edges cannot be placed in longitude and latitude: {error.Reason}" });
        }
        double west = double.MaxValue, east = double.MinValue, south = double.MaxValue, north = double.MinValue;
        for (var i = 0; i < xy.Length; i += 2)
        {
            (west, east) = (Math.Min(west, xy[i]), Math.Max(east, xy[i]));
            (south, north) = (Math.Min(south, xy[i + 1]), Math.Max(north, xy[i + 1]));
        }
        return new LonLatBox(west, Math.Max(south, -WebMercator.MaxLatitude), east, Math.Min(north, WebMercator.MaxLatitude));

        void Put(int k, double x, double y) => (xy[2 * k], xy[2 * k + 1]) = (x, y);
    }

    /// <summary>The raster's <paramref name="layer"/> on <paramref name="grid"/>. The cells under the grid are read once,
    /// decimated by GDAL to at most twice the grid's pixels on each side, so a large raster costs no more than its picture.
    /// Throws <see cref="RasterException"/> for a band the raster lacks or a CRS GDAL cannot transform.</summary>
    public static ResampledRaster Resample(GdalRaster raster, MapLayer layer, MercatorGrid grid)
    {
        var (width, height) = (grid.Width, grid.Height);
        var columns = new double[width * height];
        var rows = new double[width * height];
        if (!CoordinateTransform.TryCreate(WebMercator.Crs, raster.ProjectionWkt, out var transform, out var error))
            throw new RasterException(error);
        var g = raster.Grid;
        using (transform)
        {
            var xy = new double[2 * width];
            var (dx, dy) = ((grid.Right - grid.Left) / width, (grid.Top - grid.Bottom) / height);
            for (var j = 0; j < height; j++)
            {
                for (var i = 0; i < width; i++)
                    (xy[2 * i], xy[2 * i + 1]) = (grid.Left + (i + 0.5) * dx, grid.Top - (j + 0.5) * dy);
                var point = new double[2];
                if (!transform.TryTransform(xy, out _))
                {
                    // Some pixel of the row is beyond the raster CRS's reach (far outside a UTM zone): place the row pixel
                    // by pixel, and leave the ones that cannot be placed empty.
                    for (var i = 0; i < width; i++)
                    {
                        (point[0], point[1]) = (grid.Left + (i + 0.5) * dx, grid.Top - (j + 0.5) * dy);
                        (xy[2 * i], xy[2 * i + 1]) = transform.TryTransform(point, out _) ? (point[0], point[1]) : (double.NaN, double.NaN);
                    }
                }
                for (var i = 0; i < width; i++)
                    (columns[j * width + i], rows[j * width + i]) = ((xy[2 * i] - g.Left) / g.CellWidth, (g.Top - xy[2 * i + 1]) / g.CellHeight);
            }
        }

        var values = new float[width * height];
        Array.Fill(values, float.NaN);
        // The window of cells any pixel lands in.
        double c0 = double.MaxValue, c1 = double.MinValue, r0 = double.MaxValue, r1 = double.MinValue;
        for (var k = 0; k < columns.Length; k++)
        {
            if (!Inside(columns[k], rows[k], g))
                continue;
            (c0, c1, r0, r1) = (Math.Min(c0, columns[k]), Math.Max(c1, columns[k]), Math.Min(r0, rows[k]), Math.Max(r1, rows[k]));
        }
        if (c0 > c1)
            return new ResampledRaster(grid, values);
        var (firstColumn, firstRow) = ((int)Math.Floor(c0), (int)Math.Floor(r0));
        var (windowColumns, windowRows) = ((int)Math.Floor(c1) - firstColumn + 1, (int)Math.Floor(r1) - firstRow + 1);
        var (readColumns, readRows) = (Math.Min(windowColumns, 2 * width), Math.Min(windowRows, 2 * height));
        var read = Read(raster, layer, firstColumn, firstRow, windowColumns, windowRows, readColumns, readRows);
        var (sx, sy) = ((double)readColumns / windowColumns, (double)readRows / windowRows);
        for (var k = 0; k < columns.Length; k++)
        {
            if (!Inside(columns[k], rows[k], g))
                continue;
            var c = Math.Min(readColumns - 1, (int)((Math.Floor(columns[k]) - firstColumn) * sx));
            var r = Math.Min(readRows - 1, (int)((Math.Floor(rows[k]) - firstRow) * sy));
            values[k] = (float)read[r * readColumns + c];
        }
        return new ResampledRaster(grid, values);
    }

    private static bool Inside(double column, double row, Coverage.Grid g) => column >= 0 && column < g.Columns && row >= 0 && row < g.Rows;

    private static double[] Read(GdalRaster raster, MapLayer layer, int column, int row, int columns, int rows, int outColumns, int outRows)
    {
        switch (layer)
        {
            case MapLayer.Band b:
                return raster.ReadDecimated(b.Number, column, row, columns, rows, outColumns, outRows);
            case MapLayer.Ndvi n:
                var red = raster.ReadDecimated(n.Red, column, row, columns, rows, outColumns, outRows);
                var nir = raster.ReadDecimated(n.Nir, column, row, columns, rows, outColumns, outRows);
                for (var k = 0; k < outColumns * outRows; k++)
                {
                    var ndvi = (nir[k] - red[k]) / (nir[k] + red[k]);
                    red[k] = ndvi is >= -1 and <= 1 ? ndvi : double.NaN;
                }
                return red;
            default:
                throw new ArgumentOutOfRangeException(nameof(layer), layer, null);
        }
    }
}

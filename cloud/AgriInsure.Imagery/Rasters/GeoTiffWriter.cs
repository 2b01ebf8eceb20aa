using System.Runtime.InteropServices;
using AgriInsure.Imagery.Coverage;

namespace AgriInsure.Imagery.Rasters;

/// <summary>Writes a tiled float32 GeoTIFF through GDAL, a band of rows at a time, so that a raster
/// larger than memory can be made (sample data, benchmarks, rasters derived for the claims file).</summary>
public sealed class GeoTiffWriter : IDisposable
{
    private readonly DatasetHandle _dataset;
    private readonly string _path;

    private GeoTiffWriter(DatasetHandle dataset, string path, Grid grid, int bands)
    {
        _dataset = dataset;
        _path = path;
        Grid = grid;
        Bands = bands;
    }

    public Grid Grid { get; }
    public int Bands { get; }

    /// <param name="crs">Anything OSR reads: "EPSG:32633", a WKT string, a PROJ string.</param>
    public static GeoTiffWriter Create(string path, Grid grid, string crs, int bands, double? nodata = null)
    {
        Gdal.EnsureRegistered();
        if (bands < 1)
            throw new RasterException(new RasterError(RasterError.CannotCreate, $"{path}: {bands} bands"));
        var wkt = Wkt(crs) ?? throw new RasterException(new RasterError(RasterError.BadCrs, $"'{crs}' is not a coordinate reference system GDAL knows: {Gdal.LastError()}"));
        var driver = Gdal.GDALGetDriverByName("GTiff");
        Gdal.CPLErrorReset();
        var dataset = Gdal.GDALCreate(driver, path, grid.Columns, grid.Rows, bands, Gdal.TypeFloat32, ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "BIGTIFF=IF_SAFER", null]);
        if (dataset.IsInvalid)
            throw new RasterException(new RasterError(RasterError.CannotCreate, $"{path}: {Gdal.LastError()}"));
        var writer = new GeoTiffWriter(dataset, path, grid, bands);
        if (Gdal.GDALSetGeoTransform(dataset, [grid.Left, grid.CellWidth, 0, grid.Top, 0, -grid.CellHeight]) != Gdal.CeNone || Gdal.GDALSetProjection(dataset, wkt) != Gdal.CeNone)
        {
            writer.Dispose();
            throw new RasterException(new RasterError(RasterError.CannotCreate, $"{path}: {Gdal.LastError()}"));
        }
        if (nodata is { } value)
        {
            for (var b = 1; b <= bands; b++)
                Gdal.GDALSetRasterNoDataValue(Gdal.GDALGetRasterBand(dataset, b), value);
        }
        return writer;
    }

    /// <summary>Writes whole rows <paramref name="row"/> … row + values.Length / columns − 1 of a band.</summary>
    public void Write(int band, int row, float[] values)
    {
        var rows = values.Length / Grid.Columns;
        if (band < 1 || band > Bands || rows == 0 || values.Length % Grid.Columns != 0 || row < 0 || row + rows > Grid.Rows)
            throw new RasterException(new RasterError(RasterError.OutsideRaster, $"{_path}: band {band}, {values.Length} values from row {row} do not fit {Grid.Columns}×{Grid.Rows}×{Bands}"));
        Gdal.CPLErrorReset();
        if (Gdal.GDALRasterIO(Gdal.GDALGetRasterBand(_dataset, band), Gdal.WriteAccess, 0, row, Grid.Columns, rows, values, Grid.Columns, rows, Gdal.TypeFloat32, 0, 0) != Gdal.CeNone)
            throw new RasterException(new RasterError(RasterError.WriteFailed, $"{_path}: {Gdal.LastError()}"));
    }

    /// <summary>The band's description: the acquisition time for a dated stack.</summary>
    public void Describe(int band, string description) => Gdal.GDALSetDescription(Gdal.GDALGetRasterBand(_dataset, band), description);

    public void Dispose() => _dataset.Dispose();

    private static string? Wkt(string crs)
    {
        var srs = CoordinateTransform.Srs(crs);
        if (srs == IntPtr.Zero)
            return null;
        try
        {
            if (Gdal.OSRExportToWkt(srs, out var text) != Gdal.CeNone)
                return null;
            try
            {
                return Marshal.PtrToStringUTF8(text);
            }
            finally
            {
                Gdal.VSIFree(text);
            }
        }
        finally
        {
            CoordinateTransform.Release(srs);
        }
    }
}

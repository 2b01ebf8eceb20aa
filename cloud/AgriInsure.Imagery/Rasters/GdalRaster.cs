using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Diagnostics.CodeAnalysis;
using AgriInsure.Imagery.Coverage;

namespace AgriInsure.Imagery.Rasters;

/// <summary>One band's pixels in a window, as doubles with scale and offset applied; NaN where the band
/// says nodata.</summary>
public sealed record RasterWindow(int Column, int Row, int Columns, int Rows, double[] Values);

/// <summary>A raster opened through GDAL: any format GDAL reads (GeoTIFF, COG, JPEG2000, VRT …). Reads are
/// by window, never the whole raster, so memory stays bounded on rasters of any size.</summary>
public sealed class GdalRaster : IDisposable
{
    private readonly DatasetHandle _dataset;

    private GdalRaster(DatasetHandle dataset, string path, Grid grid, string wkt, string? epsg, bool geographic, int bands)
    {
        IsGeographic = geographic;
        _dataset = dataset;
        Path = path;
        Grid = grid;
        ProjectionWkt = wkt;
        Epsg = epsg;
        Bands = bands;
    }

    public string Path { get; }
    public Grid Grid { get; }
    public string ProjectionWkt { get; }

    /// <summary>"EPSG:32633" where GDAL can identify the CRS, else null.</summary>
    public string? Epsg { get; }

    public int Bands { get; }

    /// <summary>True for longitude/latitude grids, whose cells must be measured on the ellipsoid.</summary>
    public bool IsGeographic { get; }

    public static bool TryOpen(string path, [NotNullWhen(true)] out GdalRaster? raster, [NotNullWhen(false)] out RasterError? error)
    {
        raster = null;
        Gdal.EnsureRegistered();
        Gdal.CPLErrorReset();
        var dataset = Gdal.GDALOpenEx(path, Gdal.OfRaster | Gdal.OfReadOnly | Gdal.OfVerboseError, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero);
        if (dataset.IsInvalid)
        {
            error = new RasterError(RasterError.CannotOpen, $"{path}: {Gdal.LastError()}");
            return false;
        }
        var transform = new double[6];
        var hasTransform = Gdal.GDALGetGeoTransform(dataset, transform) == Gdal.CeNone;
        var wkt = Gdal.Text(Gdal.GDALGetProjectionRef(dataset)) ?? "";
        if (!hasTransform || string.IsNullOrWhiteSpace(wkt))
        {
            dataset.Dispose();
            error = new RasterError(RasterError.NoGeoreferencing, $"{path} has {(hasTransform ? "no coordinate reference system" : "no geotransform")}: its pixels cannot be placed on the ground");
            return false;
        }
        if (transform[2] != 0 || transform[4] != 0 || transform[5] >= 0 || transform[1] <= 0)
        {
            dataset.Dispose();
            error = new RasterError(RasterError.Rotated, $"{path} is rotated or not north-up (geotransform {string.Join(", ", transform)}); warp it to a north-up grid first");
            return false;
        }
        var grid = new Grid(transform[0], transform[3], transform[1], -transform[5], Gdal.GDALGetRasterXSize(dataset), Gdal.GDALGetRasterYSize(dataset));
        var (epsg, geographic) = Identify(wkt);
        raster = new GdalRaster(dataset, path, grid, wkt, epsg, geographic, Gdal.GDALGetRasterCount(dataset));
        error = null;
        return true;
    }

    /// <summary>A second handle on the same file: a GDAL dataset must not be read from two threads at once,
    /// so each worker opens its own.</summary>
    public GdalRaster Reopen() =>
        TryOpen(Path, out var raster, out var error) ? raster : throw new RasterException(error);

    /// <summary>Reads band <paramref name="band"/> (1-based) in the window; a window that reaches past
    /// the raster is an error, not a silent crop.</summary>
    public RasterWindow Read(int band, int column, int row, int columns, int rows) =>
        new(column, row, columns, rows, ReadInto(band, column, row, columns, rows, null));

    /// <summary>As <see cref="Read"/>, into <paramref name="buffer"/> when it holds the window (the window's
    /// values are then its first columns × rows elements); returns the array read into. A cell is NaN
    /// where GDAL's mask band says it is not valid (nodata compared in the band's own data type,
    /// per-dataset masks, alpha) and where the value itself is NaN; elsewhere value × scale + offset.</summary>
    public double[] ReadInto(int band, int column, int row, int columns, int rows, double[]? buffer) =>
        ReadInto(band, column, row, columns, rows, columns, rows, buffer);

    /// <summary>The window read into <paramref name="outColumns"/> × <paramref name="outRows"/> values, GDAL picking the
    /// nearest cell for each (its default RasterIO resampling, overviews where the file has them): a picture of a large
    /// window without reading every cell. Masked as <see cref="ReadInto(int, int, int, int, int, double[])"/>.</summary>
    public double[] ReadDecimated(int band, int column, int row, int columns, int rows, int outColumns, int outRows)
    {
        if (outColumns <= 0 || outRows <= 0 || outColumns > columns || outRows > rows)
            throw new ArgumentOutOfRangeException(nameof(outColumns), $"{outColumns}×{outRows} values from a window of {columns}×{rows} cells");
        return ReadInto(band, column, row, columns, rows, outColumns, outRows, null);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double[] ReadInto(int band, int column, int row, int columns, int rows, int outColumns, int outRows, double[]? buffer)
    {
        CheckBand(band);
        if (column < 0 || row < 0 || columns <= 0 || rows <= 0 || column + columns > Grid.Columns || row + rows > Grid.Rows)
            throw new RasterException(new RasterError(RasterError.OutsideRaster, $"window ({column}, {row}) {columns}×{rows} is not inside {Grid.Columns}×{Grid.Rows}"));
        var handle = Gdal.GDALGetRasterBand(_dataset, band);
        var count = outColumns * outRows;
        var values = buffer is not null && buffer.Length >= count ? buffer : new double[Buffers.Grown(buffer?.Length ?? 0, count)];
        // Float32 bands (NDVI and reflectance products) are read as they are stored and widened in the loop
        // below that applies the mask anyway: GDAL's own conversion to Float64 was a second pass over the window.
        var single = Gdal.GDALGetRasterDataType(handle) == Gdal.TypeFloat32;
        if (single && _single.Length < count)
            _single = new float[Buffers.Grown(_single.Length, count)];
        Gdal.CPLErrorReset();
        var read = single
            ? Gdal.GDALRasterIO(handle, Gdal.ReadAccess, column, row, columns, rows, _single, outColumns, outRows, Gdal.TypeFloat32, 0, 0)
            : Gdal.GDALRasterIO(handle, Gdal.ReadAccess, column, row, columns, rows, values, outColumns, outRows, Gdal.TypeFloat64, 0, 0);
        if (read != Gdal.CeNone)
            throw new RasterException(new RasterError(RasterError.ReadFailed, $"{Path} band {band}: {Gdal.LastError()}"));
        var mask = ReadMask(handle, band, column, row, columns, rows, outColumns, outRows);
        var scale = Gdal.GDALGetRasterScale(handle, out var hasScale);
        var offset = Gdal.GDALGetRasterOffset(handle, out var hasOffset);
        if (hasScale == 0)
            scale = 1;
        if (hasOffset == 0)
            offset = 0;
        if (single)
        {
            var stored = _single;
            for (var i = 0; i < count; i++)
                values[i] = mask is not null && mask[i] == 0 ? double.NaN : stored[i] * scale + offset;
            return values;
        }
        if (mask is null && scale == 1 && offset == 0)
            return values;
        for (var i = 0; i < count; i++)
            values[i] = mask is not null && mask[i] == 0 ? double.NaN : values[i] * scale + offset;
        return values;
    }

    // One instance is read by one thread (workers Reopen their own), so these buffers are reused safely.
    private byte[] _mask = [];
    private float[] _single = [];

    /// <summary>GDAL's validity mask over the window, or null when GDAL says every pixel is valid.</summary>
    private byte[]? ReadMask(IntPtr handle, int band, int column, int row, int columns, int rows, int outColumns, int outRows)
    {
        if ((Gdal.GDALGetMaskFlags(handle) & Gdal.MaskAllValid) != 0)
            return null;
        var count = outColumns * outRows;
        if (_mask.Length < count)
            _mask = new byte[Buffers.Grown(_mask.Length, count)];
        var mask = _mask;
        if (Gdal.GDALRasterIO(Gdal.GDALGetMaskBand(handle), Gdal.ReadAccess, column, row, columns, rows, mask, outColumns, outRows, Gdal.TypeByte, 0, 0) != Gdal.CeNone)
            throw new RasterException(new RasterError(RasterError.ReadFailed, $"{Path} band {band} mask: {Gdal.LastError()}"));
        return mask;
    }

    private void CheckBand(int band)
    {
        if (band < 1 || band > Bands)
            throw new RasterException(new RasterError(RasterError.NoBand, $"band {band}: {Path} has bands 1 to {Bands}"));
    }

    /// <summary>True when both rasters' CRSs are the same (OSRIsSame: the same definition, however the
    /// WKT is written).</summary>
    public bool SameCrs(GdalRaster other)
    {
        if (ProjectionWkt == other.ProjectionWkt)
            return true;
        var a = CoordinateTransform.Srs(ProjectionWkt);
        var b = CoordinateTransform.Srs(other.ProjectionWkt);
        try
        {
            return a != IntPtr.Zero && b != IntPtr.Zero && Gdal.OSRIsSame(a, b) != 0;
        }
        finally
        {
            CoordinateTransform.Release(a);
            CoordinateTransform.Release(b);
        }
    }

    /// <summary>Every file the dataset reads besides <see cref="Path"/>, as GDAL lists them (a <c>.msk</c> mask,
    /// <c>.aux.xml</c> statistics and nodata, a world file, a VRT's sources), full paths: what provenance must hash,
    /// since each can change what is measured.</summary>
    public IReadOnlyList<string> Sidecars()
    {
        var list = Gdal.GDALGetFileList(_dataset);
        var files = new List<string>();
        try
        {
            for (var i = 0; list != IntPtr.Zero && Marshal.ReadIntPtr(list, i * IntPtr.Size) is var item && item != IntPtr.Zero; i++)
                files.Add(System.IO.Path.GetFullPath(Marshal.PtrToStringUTF8(item)!));
        }
        finally
        {
            Gdal.CSLDestroy(list);
        }
        var self = System.IO.Path.GetFullPath(Path);
        return [.. files.Where(f => f != self && File.Exists(f)).Distinct()];
    }

    /// <summary>The band's description (for the eo-learn stacks, the acquisition time).</summary>
    public string Description(int band) =>
        band >= 1 && band <= Bands ? Gdal.Text(Gdal.GDALGetDescription(Gdal.GDALGetRasterBand(_dataset, band))) ?? "" : throw new RasterException(new RasterError(RasterError.NoBand, $"band {band}: {Path} has bands 1 to {Bands}"));

    /// <summary>When band <paramref name="band"/> was acquired, where the file says: the band's description
    /// as an ISO 8601 time (the eo-learn stacks), else GDAL's IMAGERY metadata ACQUISITIONDATETIME (set by
    /// the drivers of satellite products); null when it says nothing. UTC when no offset is given. A
    /// GeoTIFF's TIFFTAG_DATETIME is when the file was written, not when the ground was seen: not used.</summary>
    public DateTimeOffset? AcquiredAt(int band)
    {
        if (DescribedTime(band) is { } fromBand)
            return fromBand;
        var imagery = Gdal.Text(Gdal.GDALGetMetadataItem(_dataset.DangerousGetHandle(), "ACQUISITIONDATETIME", "IMAGERY"));
        return imagery is not null && DateTimeOffset.TryParse(imagery, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var fromMetadata)
            ? fromMetadata : null;
    }

    /// <summary>True for a dated stack: several bands, each described by its acquisition time (ISO 8601),
    /// as the eo-learn series are; such a raster is read one acquisition at a time.</summary>
    public bool IsDatedStack => Bands > 1 && Enumerable.Range(1, Bands).All(b => DescribedTime(b) is not null);

    private DateTimeOffset? DescribedTime(int band)
    {
        var description = Description(band);
        return description.Length >= 10 && DateTimeOffset.TryParse(description, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? time : null;
    }

    /// <summary>The band of one acquisition, matched against band descriptions (ISO 8601 acquisition
    /// times, as the eo-learn stacks carry): <c>YYYY-MM-DD</c> when one band was acquired that day; the
    /// full timestamp (<c>2015-12-08T10:11:25</c>) or the day with a 1-based index in acquisition order
    /// (<c>2015-12-08#2</c>) when several were. Errors: <see cref="RasterError.NoSuchDate"/> naming what
    /// exists.</summary>
    public int BandForDate(string acquisition)
    {
        var hash = acquisition.IndexOf('#');
        var key = hash < 0 ? acquisition : acquisition[..hash];
        var matches = Enumerable.Range(1, Bands).Where(b => Description(b).StartsWith(key, StringComparison.Ordinal)).OrderBy(Description, StringComparer.Ordinal).ToList();
        if (matches.Count == 0)
            throw new RasterException(new RasterError(RasterError.NoSuchDate, $"{Path} has no band acquired on {key}"));
        if (hash >= 0)
        {
            return int.TryParse(acquisition[(hash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= matches.Count
                ? matches[n - 1]
                : throw new RasterException(new RasterError(RasterError.NoSuchDate, $"{acquisition}: {Path} has {matches.Count} acquisition(s) on {key}, numbered 1 to {matches.Count}"));
        }
        return matches.Count == 1
            ? matches[0]
            : throw new RasterException(new RasterError(RasterError.AmbiguousDate,
                $"{Path} has {matches.Count} bands on {key} ({string.Join(", ", matches.Select(Description))}); give the full timestamp ({Description(matches[0])}) or the day and its number ({key}#1)"));
    }

    /// <summary>Bytes of one block of <paramref name="band"/> (columns × rows × the data type's size).</summary>
    public long BlockBytes(int band)
    {
        CheckBand(band);
        var handle = Gdal.GDALGetRasterBand(_dataset, band);
        Gdal.GDALGetBlockSize(handle, out var x, out var y);
        return (long)x * y * Gdal.GDALGetDataTypeSizeBytes(Gdal.GDALGetRasterDataType(handle));
    }

    public (int Columns, int Rows) BlockSize(int band)
    {
        Gdal.GDALGetBlockSize(Gdal.GDALGetRasterBand(_dataset, band), out var x, out var y);
        return (x, y);
    }

    public void Dispose() => _dataset.Dispose();

    private static (string? Epsg, bool Geographic) Identify(string wkt)
    {
        var srs = Gdal.OSRNewSpatialReference(wkt);
        if (srs == IntPtr.Zero)
            return (null, false);
        try
        {
            Gdal.OSRAutoIdentifyEPSG(srs);
            var authority = Gdal.Text(Gdal.OSRGetAuthorityName(srs, null));
            var code = Gdal.Text(Gdal.OSRGetAuthorityCode(srs, null));
            return (authority is not null && code is not null ? $"{authority}:{code}" : null, Gdal.OSRIsGeographic(srs) != 0);
        }
        finally
        {
            Gdal.OSRDestroySpatialReference(srs);
        }
    }
}

using System.Runtime.InteropServices;

namespace AgriInsure.Imagery.Rasters;

/// <summary>The few GDAL 3.6 C API functions the raster reader needs (Debian libgdal32). GDAL's C API
/// is stable across 3.x; the exact soname is used because the bare libgdal.so exists only with -dev.</summary>
internal static class Gdal
{
    private const string Library = "libgdal.so.32";

    public const int ReadAccess = 0;
    public const int OfRaster = 0x02;
    public const int OfReadOnly = 0x00;
    public const int OfVerboseError = 0x40;
    public const int TypeByte = 1;
    public const int TypeFloat64 = 7;

    /// <summary>GDALGetMaskFlags bits (gdal.h): every pixel valid; one mask shared by all bands; the mask
    /// is an alpha band; the mask comes from the nodata value.</summary>
    public const int MaskAllValid = 0x01;
    public const int CeNone = 0;

    public const int WriteAccess = 1;
    public const int TypeFloat32 = 6;

    private static readonly Lazy<bool> Registered = new(() =>
    {
        GDALAllRegister();
        // GDAL's default handler prints "ERROR 4: …" lines to stderr before our own message says the same
        // in the user's terms; the quiet handler still keeps the last message for LastError.
        CPLSetErrorHandler(NativeLibrary.GetExport(NativeLibrary.Load(Library, typeof(Gdal).Assembly, null), "CPLQuietErrorHandler"));
        SizeCache(0);
        return true;
    });

    public static void EnsureRegistered() => _ = Registered.Value;

    /// <summary>GDAL's block cache defaults to 5 % of physical memory (1.2 GB on a 24 GB machine), which
    /// alone would break the memory budget. Zonal reads walk plots in spatial order, so a block is wanted
    /// by a few neighbouring plots and then never again: a small cache keeps those, and once full GDAL
    /// recycles an evicted block's buffer instead of mapping fresh pages for every new one. Measured on the
    /// 10000×10000 case (one layer): reads took 0.27 s with a 4 MiB cache, 0.32 s with 16 MiB, 0.71 s with
    /// 64 MiB and 2.3 s with 512 MiB. So 16 MiB plus a few blocks per layer read at once (a season of 68
    /// dates and their masks wants more). GDAL_CACHEMAX in the environment still wins.</summary>
    public static void SizeCache(long blockBytesAtOnce)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GDAL_CACHEMAX")))
            GDALSetCacheMax64(Math.Clamp((16L << 20) + 4 * blockBytesAtOnce, 16L << 20, 512L << 20));
    }

    [DllImport(Library)]
    private static extern void GDALAllRegister();

    [DllImport(Library)]
    public static extern DatasetHandle GDALOpenEx([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint flags, IntPtr drivers, IntPtr options, IntPtr siblings);

    [DllImport(Library)]
    public static extern void GDALClose(IntPtr dataset);

    /// <summary>The files a dataset reads, as a NULL-terminated list of strings the caller frees with <see cref="CSLDestroy"/>.</summary>
    [DllImport(Library)]
    public static extern IntPtr GDALGetFileList(DatasetHandle dataset);

    [DllImport(Library)]
    public static extern void CSLDestroy(IntPtr list);

    [DllImport(Library)]
    public static extern int GDALGetRasterXSize(DatasetHandle dataset);

    [DllImport(Library)]
    public static extern int GDALGetRasterYSize(DatasetHandle dataset);

    [DllImport(Library)]
    public static extern int GDALGetRasterCount(DatasetHandle dataset);

    [DllImport(Library)]
    public static extern int GDALGetGeoTransform(DatasetHandle dataset, double[] transform);

    [DllImport(Library)]
    public static extern IntPtr GDALGetProjectionRef(DatasetHandle dataset);

    [DllImport(Library)]
    public static extern IntPtr GDALGetRasterBand(DatasetHandle dataset, int band);

    [DllImport(Library)]
    public static extern double GDALGetRasterNoDataValue(IntPtr band, out int hasNoData);

    [DllImport(Library)]
    public static extern double GDALGetRasterScale(IntPtr band, out int hasScale);

    [DllImport(Library)]
    public static extern double GDALGetRasterOffset(IntPtr band, out int hasOffset);

    /// <summary>GDAL's validity mask of a band (nodata, per-dataset masks, alpha), 0 where invalid and
    /// non-zero where valid; GDAL compares nodata in the band's own data type.</summary>
    [DllImport(Library)]
    public static extern IntPtr GDALGetMaskBand(IntPtr band);

    [DllImport(Library)]
    public static extern int GDALGetMaskFlags(IntPtr band);

    [DllImport(Library)]
    public static extern int GDALRasterIO(IntPtr band, int rwFlag, int xOff, int yOff, int xSize, int ySize, byte[] buffer, int bufXSize, int bufYSize, int bufType, int pixelSpace, int lineSpace);

    [DllImport(Library)]
    public static extern int OSRIsSame(IntPtr srs, IntPtr other);

    [DllImport(Library)]
    public static extern void GDALGetBlockSize(IntPtr band, out int x, out int y);

    [DllImport(Library)]
    public static extern int GDALGetRasterDataType(IntPtr band);

    [DllImport(Library)]
    public static extern int GDALGetDataTypeSizeBytes(int type);

    [DllImport(Library)]
    public static extern IntPtr GDALGetDescription(IntPtr objectHandle);

    [DllImport(Library)]
    public static extern IntPtr GDALGetMetadataItem(IntPtr objectHandle, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string? domain);

    [DllImport(Library)]
    public static extern int GDALRasterIO(IntPtr band, int rwFlag, int xOff, int yOff, int xSize, int ySize, double[] buffer, int bufXSize, int bufYSize, int bufType, int pixelSpace, int lineSpace);

    [DllImport(Library)]
    public static extern int GDALRasterIO(IntPtr band, int rwFlag, int xOff, int yOff, int xSize, int ySize, float[] buffer, int bufXSize, int bufYSize, int bufType, int pixelSpace, int lineSpace);

    [DllImport(Library)]
    private static extern void GDALSetCacheMax64(long bytes);

    [DllImport(Library)]
    public static extern IntPtr GDALGetDriverByName([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    /// <summary><paramref name="options"/>: NAME=VALUE strings, the last element null (GDAL's char** list); LPStr is UTF-8 on Linux.</summary>
    [DllImport(Library)]
    public static extern DatasetHandle GDALCreate(IntPtr driver, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int columns, int rows, int bands, int type,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] options);

    [DllImport(Library)]
    public static extern int GDALSetGeoTransform(DatasetHandle dataset, double[] transform);

    [DllImport(Library)]
    public static extern int GDALSetProjection(DatasetHandle dataset, [MarshalAs(UnmanagedType.LPUTF8Str)] string wkt);

    [DllImport(Library)]
    public static extern int GDALSetRasterNoDataValue(IntPtr band, double value);

    [DllImport(Library)]
    public static extern void GDALSetDescription(IntPtr objectHandle, [MarshalAs(UnmanagedType.LPUTF8Str)] string description);

    [DllImport(Library)]
    public static extern int OSRExportToWkt(IntPtr srs, out IntPtr wkt);

    /// <summary>CPLFree is a macro over this; strings GDAL hands over (OSRExportToWkt) go back through it.</summary>
    [DllImport(Library)]
    public static extern void VSIFree(IntPtr memory);

    [DllImport(Library)]
    public static extern void CPLErrorReset();

    [DllImport(Library)]
    private static extern IntPtr CPLSetErrorHandler(IntPtr handler);

    [DllImport(Library)]
    public static extern IntPtr CPLGetLastErrorMsg();

    [DllImport(Library)]
    public static extern IntPtr OSRNewSpatialReference([MarshalAs(UnmanagedType.LPUTF8Str)] string? wkt);

    [DllImport(Library)]
    public static extern void OSRDestroySpatialReference(IntPtr srs);

    [DllImport(Library)]
    public static extern int OSRAutoIdentifyEPSG(IntPtr srs);

    [DllImport(Library)]
    public static extern IntPtr OSRGetAuthorityName(IntPtr srs, [MarshalAs(UnmanagedType.LPUTF8Str)] string? key);

    [DllImport(Library)]
    public static extern IntPtr OSRGetAuthorityCode(IntPtr srs, [MarshalAs(UnmanagedType.LPUTF8Str)] string? key);

    public const int TraditionalGisOrder = 0;

    [DllImport(Library)]
    public static extern int OSRIsGeographic(IntPtr srs);

    [DllImport(Library)]
    public static extern int OSRSetFromUserInput(IntPtr srs, [MarshalAs(UnmanagedType.LPUTF8Str)] string definition);

    [DllImport(Library)]
    public static extern void OSRSetAxisMappingStrategy(IntPtr srs, int strategy);

    [DllImport(Library)]
    public static extern IntPtr OCTNewCoordinateTransformation(IntPtr source, IntPtr target);

    [DllImport(Library)]
    public static extern void OCTDestroyCoordinateTransformation(IntPtr transform);

    [DllImport(Library)]
    public static extern int OCTTransform(IntPtr transform, int count, double[] x, double[] y, double[]? z);

    public static string LastError()
    {
        var message = Marshal.PtrToStringUTF8(CPLGetLastErrorMsg());
        return string.IsNullOrWhiteSpace(message) ? "GDAL gave no message" : message;
    }

    public static string? Text(IntPtr utf8) => utf8 == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(utf8);
}

/// <summary>A GDAL dataset handle, closed exactly once whatever happens.</summary>
internal sealed class DatasetHandle : SafeHandle
{
    public DatasetHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Gdal.GDALClose(handle);
        return true;
    }
}

using System.Diagnostics.CodeAnalysis;

namespace AgriInsure.Imagery.Rasters;

/// <summary>Moves coordinates from one CRS to another with GDAL's OSR (PROJ underneath). Both sides use
/// the traditional GIS axis order, x = longitude/easting first, whatever the EPSG definition says:
/// GDAL 3 otherwise swaps latitude and longitude for EPSG:4326.</summary>
public sealed class CoordinateTransform : IDisposable
{
    private IntPtr _transform;
    private IntPtr _source;
    private IntPtr _target;

    private CoordinateTransform(IntPtr transform, IntPtr source, IntPtr target)
    {
        _transform = transform;
        _source = source;
        _target = target;
    }

    /// <summary><paramref name="source"/> and <paramref name="target"/>: anything OSR accepts, such as
    /// "EPSG:4326" or a raster's WKT.</summary>
    public static bool TryCreate(string source, string target, [NotNullWhen(true)] out CoordinateTransform? transform, [NotNullWhen(false)] out RasterError? error)
    {
        Gdal.EnsureRegistered();
        transform = null;
        Gdal.CPLErrorReset();
        var from = Srs(source);
        var to = Srs(target);
        if (from == IntPtr.Zero || to == IntPtr.Zero)
        {
            Release(from);
            Release(to);
            error = new RasterError(RasterError.BadCrs, $"'{Clip(from == IntPtr.Zero ? source : target)}' is not a coordinate reference system: {Gdal.LastError()}");
            return false;
        }
        var ct = Gdal.OCTNewCoordinateTransformation(from, to);
        if (ct == IntPtr.Zero)
        {
            Release(from);
            Release(to);
            error = new RasterError(RasterError.BadCrs, $"no transformation from {Clip(source)} to {Clip(target)}: {Gdal.LastError()}");
            return false;
        }
        transform = new CoordinateTransform(ct, from, to);
        error = null;
        return true;
    }

    // Scratch for OCTTransform's separate x and y arrays, kept from call to call: a transformation is used by
    // one thread at a time, as GDAL's are.
    private double[] _x = [];
    private double[] _y = [];

    /// <summary>Transforms x, y pairs in place; false (and nothing half-changed for the caller to use)
    /// when any point cannot be transformed.</summary>
    public bool TryTransform(Span<double> xy, [NotNullWhen(false)] out RasterError? error)
    {
        ObjectDisposedException.ThrowIf(_transform == IntPtr.Zero, this);
        var n = xy.Length / 2;
        if (_x.Length < n)
            (_x, _y) = (new double[n], new double[n]);
        var (x, y) = (_x, _y);
        for (var i = 0; i < n; i++)
            (x[i], y[i]) = (xy[2 * i], xy[2 * i + 1]);
        Gdal.CPLErrorReset();
        var ok = Gdal.OCTTransform(_transform, n, x, y, null) != 0;
        for (var i = 0; ok && i < n; i++)
            ok = double.IsFinite(x[i]) && double.IsFinite(y[i]);
        if (!ok)
        {
            error = new RasterError(RasterError.BadCrs, $"some of {n} points cannot be transformed: {Gdal.LastError()}");
            return false;
        }
        for (var i = 0; i < n; i++)
            (xy[2 * i], xy[2 * i + 1]) = (x[i], y[i]);
        error = null;
        return true;
    }

    public void Dispose()
    {
        if (_transform != IntPtr.Zero)
            Gdal.OCTDestroyCoordinateTransformation(_transform);
        Release(_source);
        Release(_target);
        _transform = _source = _target = IntPtr.Zero;
    }

    /// <summary>An OSR handle for anything OSR reads, in GIS axis order; zero when it reads none.
    /// Release it with <see cref="Release"/>.</summary>
    internal static IntPtr Srs(string definition)
    {
        var srs = Gdal.OSRNewSpatialReference(null);
        if (Gdal.OSRSetFromUserInput(srs, definition) != Gdal.CeNone)
        {
            Gdal.OSRDestroySpatialReference(srs);
            return IntPtr.Zero;
        }
        Gdal.OSRSetAxisMappingStrategy(srs, Gdal.TraditionalGisOrder);
        return srs;
    }

    internal static void Release(IntPtr srs)
    {
        if (srs != IntPtr.Zero)
            Gdal.OSRDestroySpatialReference(srs);
    }

    private static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";
}

namespace AgriInsure.Imagery.Rasters;

/// <summary>Why a raster could not be used: a stable code, and GDAL's own message where GDAL failed.</summary>
public sealed record RasterError(string Code, string Reason)
{
    public const string CannotOpen = "cannot-open";
    public const string NoGeoreferencing = "no-georeferencing";
    public const string Rotated = "rotated-grid";
    public const string NoBand = "no-such-band";
    public const string OutsideRaster = "window-outside-raster";
    public const string ReadFailed = "read-failed";
    public const string BadCrs = "bad-crs";
    public const string GridMismatch = "grid-mismatch";
    public const string NoSuchDate = "no-such-date";
    public const string AmbiguousDate = "ambiguous-date";
    public const string CannotCreate = "cannot-create";
    public const string WriteFailed = "write-failed";
    public const string SwappedCoordinates = "coordinates-look-swapped";

    public override string ToString() => $"{Code}: {Reason}";
}

public sealed class RasterException(RasterError error) : Exception(error.ToString())
{
    public RasterError Error { get; } = error;
}

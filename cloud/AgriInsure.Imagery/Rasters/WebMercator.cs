namespace AgriInsure.Imagery.Rasters;

/// <summary>A box in WGS84 degrees: west ≤ east (no antimeridian crossing), south ≤ north.</summary>
public readonly record struct LonLatBox(double West, double South, double East, double North)
{
    /// <summary>The box grown by <paramref name="share"/> of its width and height on each side.</summary>
    public LonLatBox Grown(double share)
    {
        var (dx, dy) = ((East - West) * share, (North - South) * share);
        return new(West - dx, Math.Max(-WebMercator.MaxLatitude, South - dy), East + dx, Math.Min(WebMercator.MaxLatitude, North + dy));
    }
}

/// <summary>Web Mercator (EPSG:3857, "Pseudo-Mercator"): the spherical Mercator of web maps (Leaflet's default CRS), on a
/// sphere of the WGS84 semi-major axis. Only used to lay out pixels the way a web map lays them out; every raster value
/// reaches a pixel through GDAL's transformation from EPSG:3857 to the raster's own CRS.</summary>
public static class WebMercator
{
    public const string Crs = "EPSG:3857";

    /// <summary>Metres: the WGS84 semi-major axis, which EPSG:3857 uses as the sphere's radius.</summary>
    public const double Radius = 6_378_137;

    /// <summary>Degrees: the latitude at which the square web map ends (y = ±π·R).</summary>
    public const double MaxLatitude = 85.051128779806589;

    /// <summary>Easting in metres of a longitude in degrees.</summary>
    public static double X(double longitude) => Radius * longitude * Math.PI / 180;

    /// <summary>Northing in metres of a latitude in degrees (clamped to ±<see cref="MaxLatitude"/>).</summary>
    public static double Y(double latitude)
    {
        var phi = Math.Clamp(latitude, -MaxLatitude, MaxLatitude) * Math.PI / 180;
        return Radius * Math.Log(Math.Tan(Math.PI / 4 + phi / 2));
    }
}

/// <summary>An image grid aligned with Web Mercator: <see cref="Width"/> × <see cref="Height"/> pixels spanning
/// <see cref="Bounds"/>, equal steps in EPSG:3857 metres, row 0 northernmost. Leaflet's <c>imageOverlay</c> given these
/// bounds (<c>[[south, west], [north, east]]</c>) stretches the image linearly in the same projection, so every pixel lands
/// where its ground is.</summary>
public sealed record MercatorGrid
{
    /// <summary>The most pixels on either side of a grid.</summary>
    public const int MaxSide = 4096;

    public MercatorGrid(LonLatBox bounds, int width, int height)
    {
        if (!(bounds.East > bounds.West) || !(bounds.North > bounds.South))
            throw new ArgumentException($"the box {bounds} is empty", nameof(bounds));
        if (width is < 1 or > MaxSide || height is < 1 or > MaxSide)
            throw new ArgumentOutOfRangeException(nameof(width), $"{width}×{height} px: each side is 1 to {MaxSide}");
        (Bounds, Width, Height) = (bounds, width, height);
        (Left, Right, Top, Bottom) = (WebMercator.X(bounds.West), WebMercator.X(bounds.East), WebMercator.Y(bounds.North), WebMercator.Y(bounds.South));
    }

    /// <summary>A grid over <paramref name="bounds"/> <paramref name="width"/> pixels wide whose pixels are square in
    /// EPSG:3857 (height from the box's aspect, at least 1, capped at <see cref="MaxSide"/>).</summary>
    public static MercatorGrid Of(LonLatBox bounds, int width)
    {
        var (dx, dy) = (WebMercator.X(bounds.East) - WebMercator.X(bounds.West), WebMercator.Y(bounds.North) - WebMercator.Y(bounds.South));
        var height = (int)Math.Clamp(Math.Round(width * dy / dx), 1, MaxSide);
        return new MercatorGrid(bounds, width, height);
    }

    public LonLatBox Bounds { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>EPSG:3857 metres of the grid's edges.</summary>
    public double Left { get; }

    public double Right { get; }
    public double Top { get; }
    public double Bottom { get; }

    /// <summary>The pixel position (fractional; 0 at the left and top edges) of a WGS84 point.</summary>
    public (double X, double Y) Pixel(double longitude, double latitude) =>
        ((WebMercator.X(longitude) - Left) / (Right - Left) * Width, (Top - WebMercator.Y(latitude)) / (Top - Bottom) * Height);
}

using System.Buffers;
using System.Runtime.InteropServices;

namespace AgriInsure.Imagery.Geodesy;

/// <summary>Areas of WGS84 polygons on the ellipsoid, by Karney's algorithm as PROJ exports it from
/// GeographicLib (<c>geod_polygonarea</c> in libproj, Debian libproj25): accurate to far below a square
/// metre on a field, never degrees squared.</summary>
public static class GeodesicArea
{
    private const string Proj = "libproj.so.25";
    private const double Wgs84SemiMajor = 6_378_137.0;
    private const double Wgs84Flattening = 1 / 298.257223563;

    /// <summary>struct geod_geodesic is 51 doubles; it is opaque here, so a larger buffer is passed.</summary>
    private const int GeodesicDoubles = 64;

    [DllImport(Proj)]
    private static extern void geod_init(double[] geodesic, double a, double f);

    [DllImport(Proj)]
    private static extern void geod_polygonarea(double[] geodesic, double[] lats, double[] lons, int n, out double area, out double perimeter);

    [DllImport(Proj)]
    private static extern void geod_inverse(double[] geodesic, double lat1, double lon1, double lat2, double lon2, out double s12, out double azi1, out double azi2);

    [DllImport(Proj)]
    private static extern void geod_direct(double[] geodesic, double lat1, double lon1, double azi1, double s12, out double lat2, out double lon2, out double azi2);

    private static readonly double[] Wgs84 = Init();

    /// <summary>The geodesic from (lon1, lat1) to (lon2, lat2): its length in metres and its azimuth at
    /// the start in degrees clockwise from north.</summary>
    internal static (double Length, double Azimuth) Inverse(double lon1, double lat1, double lon2, double lat2)
    {
        geod_inverse(Wgs84, lat1, lon1, lat2, lon2, out var s12, out var azi1, out _);
        return (s12, azi1);
    }

    /// <summary>The point <paramref name="distance"/> metres along the geodesic leaving (lon, lat) at
    /// <paramref name="azimuth"/>; its longitude continues past ±180° rather than wrapping.</summary>
    internal static (double Longitude, double Latitude) Direct(double lon, double lat, double azimuth, double distance)
    {
        geod_direct(Wgs84, lat, lon, azimuth, distance, out var lat2, out var lon2, out _);
        return (lon + Math.IEEERemainder(lon2 - lon, 360), lat2);
    }

    private static double[] Init()
    {
        var g = new double[GeodesicDoubles];
        geod_init(g, Wgs84SemiMajor, Wgs84Flattening);
        return g;
    }

    /// <summary>Area in m² of one ring given as longitude, latitude pairs (GeoJSON order); the closing
    /// point may be repeated or not. Either winding gives the same, positive area.</summary>
    public static double OfRing(IReadOnlyList<(double Longitude, double Latitude)> ring) => Measure(ring).Area;

    /// <summary>Area (m², positive) and perimeter (m) of one ring, as <see cref="OfRing"/>.</summary>
    internal static (double Area, double Perimeter) Measure(IReadOnlyList<(double Longitude, double Latitude)> ring)
    {
        var n = ring.Count;
        if (n > 1 && ring[0] == ring[n - 1])
            n--;
        if (n < 3)
            return (0, 0);
        // Rented, as this runs for every ring of every plot a zonal worker measures: PROJ reads only n points.
        var lats = ArrayPool<double>.Shared.Rent(n);
        var lons = ArrayPool<double>.Shared.Rent(n);
        try
        {
            for (var i = 0; i < n; i++)
            {
                var (lon, lat) = ring[i];
                if (!double.IsFinite(lon) || !double.IsFinite(lat) || lat is < -90 or > 90 || lon is < -540 or > 540)
                    throw new ArgumentOutOfRangeException(nameof(ring), $"point {i} ({lon}, {lat}) is not a longitude, latitude pair");
                lats[i] = lat;
                lons[i] = lon;
            }
            geod_polygonarea(Wgs84, lats, lons, n, out var area, out var perimeter);
            return (Math.Abs(area), perimeter);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(lats);
            ArrayPool<double>.Shared.Return(lons);
        }
    }

    /// <summary>Area in m² of a polygon: its shell less its holes.</summary>
    public static double OfPolygon(IReadOnlyList<IReadOnlyList<(double Longitude, double Latitude)>> rings) =>
        rings.Count == 0 ? 0 : OfRing(rings[0]) - rings.Skip(1).Sum(OfRing);
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using AgriInsure.Imagery.Geodesy;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;
using NetTopologySuite.Operation.Valid;

namespace AgriInsure.Imagery.Plots;

/// <summary>A field as submitted: its id (the feature's RFC 7946 <c>id</c> member, else an <c>id</c>
/// property, else its index), its WGS84 outline (split at the antimeridian where it crosses it), and the
/// policy that insures it when the file says (a <c>policy</c> property).</summary>
public sealed record PlotFeature(string Id, Geometry Outline, string? Policy = null)
{
    /// <summary>The feature's properties as text (numbers in invariant form), for grouping and reports.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();
}

public sealed record PlotError(string Field, string Reason)
{
    public override string ToString() => $"{Field}: {Reason}";
}

/// <summary>Reads plots from a GeoJSON FeatureCollection in WGS84. Invalid outlines (self-intersecting,
/// holes outside the shell, unclosed rings, too few points) are refused, not repaired: a repaired outline
/// would be a different field than the farmer drew, and the premium would rest on a guess. A ring with an
/// edge more than 180° of longitude long crosses the antimeridian (no field is half the world wide): it
/// is split there into parts, as RFC 7946 §3.1.9 asks writers to do.</summary>
public static class PlotReader
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new GeoJsonConverterFactory() } };
    private static readonly GeometryFactory Factory = NetTopologySuite.NtsGeometryServices.Instance.CreateGeometryFactory(4326);

    public static bool TryRead(string path, [NotNullWhen(true)] out IReadOnlyList<PlotFeature>? plots, [NotNullWhen(false)] out PlotError? error)
    {
        plots = null;
        byte[] bytes;
        if (Directory.Exists(path))
        {
            // .NET reports a folder opened as a file as "access denied", which sends the user after permissions.
            error = new PlotError("plots", $"{path} is a folder; give a GeoJSON file of plots");
            return false;
        }
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = new PlotError("plots", $"cannot read {path}: {e.Message}");
            return false;
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            // The parser's own words ("Expected the literal 'null'") say little to someone who handed over
            // a GeoPackage or a shapefile: say what the file needs to be, and where it stops being that.
            error = new PlotError("plots", $"{path} is not GeoJSON (RFC 7946 text): it stops being JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}; convert other formats with: ogr2ogr -f GeoJSON -t_srs EPSG:4326 out.geojson {System.IO.Path.GetFileName(path)}");
            return false;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "FeatureCollection"
                || !root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            {
                error = new PlotError("plots", $"{path} is not a GeoJSON FeatureCollection");
                return false;
            }
            if (features.GetArrayLength() == 0)
            {
                error = new PlotError("plots", $"{path} holds no features");
                return false;
            }
            var result = new List<PlotFeature>();
            var i = 0;
            foreach (var element in features.EnumerateArray())
            {
                var id = IdOf(element) ?? $"{i}";
                var field = $"features[{i}] (id {id})";
                if (string.IsNullOrWhiteSpace(id))
                {
                    error = new PlotError($"features[{i}]", "has an empty id; results are keyed by id");
                    return false;
                }
                IFeature? feature;
                try
                {
                    feature = element.Deserialize<IFeature>(Json);
                }
                // NetTopologySuite throws ArgumentException for an unclosed ring or too few points.
                catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or NotSupportedException)
                {
                    error = new PlotError(field, $"is not a valid GeoJSON feature: {e.Message}");
                    return false;
                }
                var (outline, problem) = Check(feature?.Geometry);
                if (problem is not null)
                {
                    error = new PlotError(field, problem);
                    return false;
                }
                var policy = feature!.Attributes?.Exists("policy") == true ? Convert.ToString(feature.Attributes["policy"], CultureInfo.InvariantCulture) : null;
                var properties = feature.Attributes?.GetNames().ToDictionary(n => n, n => Convert.ToString(feature.Attributes[n], CultureInfo.InvariantCulture) ?? "") ?? [];
                result.Add(new PlotFeature(id, outline!, policy) { Properties = properties });
                i++;
            }
            var repeated = result.GroupBy(p => p.Id).FirstOrDefault(g => g.Count() > 1);
            if (repeated is not null)
            {
                error = new PlotError("plots", $"{path} has {repeated.Count()} features with id {repeated.Key}; results are keyed by id");
                return false;
            }
            plots = result;
            error = null;
            return true;
        }
    }

    /// <summary>One outline given as a GeoJSON geometry object (RFC 7946 §3.1, e.g. an HTTP request's), through the same
    /// checks as a file's features: a Polygon or MultiPolygon of longitude, latitude on WGS84, valid (refused, not
    /// repaired), split at the antimeridian. A <c>crs</c> member naming anything but WGS84 longitude, latitude is refused:
    /// RFC 7946 dropped it, and coordinates in another CRS would be read as degrees. Errors name <paramref name="field"/>.</summary>
    public static bool TryReadOutline(JsonElement geometry, string field, [NotNullWhen(true)] out Geometry? outline, [NotNullWhen(false)] out PlotError? error)
    {
        outline = null;
        if (geometry.ValueKind != JsonValueKind.Object)
        {
            error = new PlotError(field, "is not a GeoJSON geometry object");
            return false;
        }
        if (geometry.TryGetProperty("crs", out var crs) && !IsWgs84(crs))
        {
            error = new PlotError($"{field}.crs", $"names {crs.GetRawText()}; GeoJSON outlines are WGS84 longitude, latitude (RFC 7946 §4): reproject, e.g. ogr2ogr -t_srs EPSG:4326");
            return false;
        }
        Geometry? parsed;
        try
        {
            parsed = geometry.Deserialize<Geometry>(Json);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            error = new PlotError(field, $"is not a valid GeoJSON geometry: {e.Message}");
            return false;
        }
        var (checkedOutline, problem) = Check(parsed);
        error = problem is null ? null : new PlotError(field, problem);
        outline = checkedOutline;
        return problem is null;
    }

    /// <summary>The 2008 GeoJSON <c>crs</c> member's names for WGS84 longitude, latitude.</summary>
    private static bool IsWgs84(JsonElement crs) =>
        crs.ValueKind == JsonValueKind.Object && crs.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
        && properties.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
        && name.GetString() is "urn:ogc:def:crs:OGC:1.3:CRS84" or "urn:ogc:def:crs:OGC::CRS84" or "EPSG:4326" or "urn:ogc:def:crs:EPSG::4326";

    /// <summary>RFC 7946 §3.2: a feature's identifier is its <c>id</c> member (string or number); files
    /// written by older tools keep it as a property.</summary>
    private static string? IdOf(JsonElement feature)
    {
        if (feature.ValueKind != JsonValueKind.Object)
            return null;
        if (feature.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number)
            return id.ValueKind == JsonValueKind.String ? id.GetString() : id.GetRawText();
        if (feature.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            && properties.TryGetProperty("id", out var property) && property.ValueKind is JsonValueKind.String or JsonValueKind.Number)
            return property.ValueKind == JsonValueKind.String ? property.GetString() : property.GetRawText();
        return null;
    }

    private static (Geometry? Outline, string? Problem) Check(Geometry? geometry)
    {
        if (geometry is null || geometry.IsEmpty)
            return (null, "has no geometry");
        if (geometry is not (Polygon or MultiPolygon))
            return (null, $"is a {geometry.GeometryType}; a plot is a Polygon or MultiPolygon");
        var parts = Enumerable.Range(0, geometry.NumGeometries).Select(i => (Polygon)geometry.GetGeometryN(i)).ToList();
        foreach (var ring in parts.SelectMany(Rings))
        {
            var seq = ring.CoordinateSequence;
            for (var k = 0; k < seq.Count; k++)
            {
                var (x, y) = (seq.GetX(k), seq.GetY(k));
                if (!double.IsFinite(x) || !double.IsFinite(y) || y is < -90 or > 90 || x is < -180 or > 180)
                    return (null, $"has the point ({x}, {y}), which is not longitude, latitude in WGS84");
            }
        }
        foreach (var part in parts)
        {
            if (Unwrapped(part) is not { } unwrapped)
                return (null, "goes round a pole (its longitudes do not come back to where they started); a field cannot");
            var validity = SimpleRing.ProvesValid(unwrapped) ? null : new IsValidOp(unwrapped).ValidationError;
            if (validity is not null)
                return (null, $"is not a valid polygon: {validity.Message} at ({validity.Coordinate?.X}, {validity.Coordinate?.Y}); it is refused, not repaired");
        }
        var outline = parts.Any(CrossesAntimeridian) ? SplitAtAntimeridian(parts) : geometry;
        return outline.Area <= 0 ? (null, "has no area") : (outline, null);
    }

    private static IEnumerable<LineString> Rings(Polygon polygon) => [polygon.ExteriorRing, .. polygon.InteriorRings];

    private static bool CrossesAntimeridian(Polygon polygon)
    {
        foreach (var ring in Rings(polygon))
        {
            var seq = ring.CoordinateSequence;
            for (var k = 1; k < seq.Count; k++)
            {
                if (Math.Abs(seq.GetX(k) - seq.GetX(k - 1)) > 180)
                    return true;
            }
        }
        return false;
    }

    /// <summary>The polygon with each ring's longitudes continued past ±180° where an edge crosses the
    /// antimeridian, every ring on the shell's side of it, and a vertex added where each crossing edge's
    /// geodesic meets the meridian: cut there, the parts' geodesic edges are pieces of the field's own, so
    /// the parts add up to the field's area exactly (a cut at the planar crossing would move the corner by
    /// the geodesic's bend, 100 m on a 1° edge at 60°). Null when a ring goes round a pole (its longitudes
    /// do not come back), which no field does.</summary>
    private static Polygon? Unwrapped(Polygon polygon)
    {
        if (!CrossesAntimeridian(polygon))
            return polygon;
        var reference = polygon.ExteriorRing.Coordinates[0].X;
        LinearRing? Ring(LineString ring)
        {
            var original = ring.Coordinates;
            var coordinates = new List<Coordinate> { original[0].Copy() };
            coordinates[0].X -= 360 * Math.Round((coordinates[0].X - reference) / 360);
            for (var k = 1; k < original.Length; k++)
            {
                var previous = coordinates[^1];
                var next = original[k].Copy();
                next.X -= 360 * Math.Round((next.X - previous.X) / 360);
                // Odd multiples of 180° between the two: the antimeridian, however far unwrapped.
                var low = Math.Min(previous.X, next.X);
                var high = Math.Max(previous.X, next.X);
                for (var meridian = 180 + 360 * Math.Ceiling((low - 180) / 360); meridian <= high; meridian += 360)
                {
                    if (meridian > low && meridian < high)
                        coordinates.Add(new Coordinate(meridian, GeodesicCrossing(previous, next, meridian)));
                }
                coordinates.Add(next);
            }
            return coordinates[0].X == coordinates[^1].X ? Factory.CreateLinearRing(coordinates.ToArray()) : null;
        }
        var shell = Ring(polygon.ExteriorRing);
        var holes = polygon.InteriorRings.Select(Ring).ToArray();
        return shell is null || holes.Any(h => h is null) ? null : Factory.CreatePolygon(shell, holes!);
    }

    /// <summary>The latitude at which the geodesic from <paramref name="a"/> to <paramref name="b"/>
    /// (longitudes unwrapped) meets <paramref name="meridian"/>, by bisection along its length.</summary>
    private static double GeodesicCrossing(Coordinate a, Coordinate b, double meridian)
    {
        var (length, azimuth) = GeodesicArea.Inverse(a.X, a.Y, b.X, b.Y);
        var eastward = b.X > a.X;
        double lo = 0, hi = length, latitude = a.Y;
        for (var i = 0; i < 100 && hi - lo > 1e-9; i++)
        {
            var mid = (lo + hi) / 2;
            var (lon, lat) = GeodesicArea.Direct(a.X, a.Y, azimuth, mid);
            latitude = lat;
            if (lon < meridian == eastward)
                lo = mid;
            else
                hi = mid;
        }
        return latitude;
    }

    /// <summary>The parts cut at ±180° and moved back into −180…180°.</summary>
    private static Geometry SplitAtAntimeridian(IEnumerable<Polygon> parts)
    {
        var pieces = new List<Polygon>();
        foreach (var part in parts.Select(p => Unwrapped(p)!))
        {
            foreach (var turn in new[] { -1, 0, 1 })
            {
                var box = Factory.ToGeometry(new Envelope(-180 + 360 * turn, 180 + 360 * turn, -90, 90));
                var piece = part.Intersection(box);
                for (var g = 0; g < piece.NumGeometries; g++)
                {
                    if (piece.GetGeometryN(g) is Polygon { IsEmpty: false } p && p.Area > 0)
                    {
                        var moved = (Polygon)p.Copy();
                        moved.Apply(new Shift(-360 * turn));
                        pieces.Add(moved);
                    }
                }
            }
        }
        return Factory.CreateMultiPolygon(pieces.ToArray());
    }

    private sealed class Shift(double dx) : ICoordinateSequenceFilter
    {
        public bool Done => false;
        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq, int i) => seq.SetX(i, seq.GetX(i) + dx);
    }
}

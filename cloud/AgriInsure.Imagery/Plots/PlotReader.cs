using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;
using NetTopologySuite.Operation.Valid;

namespace AgriInsure.Imagery.Plots;

/// <summary>A field as submitted: its id (the feature's <c>id</c> property, else its index), its WGS84
/// outline, and the policy that insures it when the file says (a <c>policy</c> property).</summary>
public sealed record PlotFeature(string Id, Geometry Outline, string? Policy = null);

public sealed record PlotError(string Field, string Reason)
{
    public override string ToString() => $"{Field}: {Reason}";
}

/// <summary>Reads plots from a GeoJSON FeatureCollection in WGS84. Invalid outlines (self-intersecting,
/// holes outside the shell, too few points) are refused, not repaired: a repaired outline would be a
/// different field than the farmer drew, and the premium would rest on a guess.</summary>
public static class PlotReader
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new GeoJsonConverterFactory() } };

    public static bool TryRead(string path, [NotNullWhen(true)] out IReadOnlyList<PlotFeature>? plots, [NotNullWhen(false)] out PlotError? error)
    {
        plots = null;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = new PlotError("plots", $"cannot read {path}: {e.Message}");
            return false;
        }
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("type", out var type) || type.GetString() != "FeatureCollection")
            {
                error = new PlotError("plots", $"{path} is not a GeoJSON FeatureCollection");
                return false;
            }
            var collection = JsonSerializer.Deserialize<FeatureCollection>(bytes, Json);
            if (collection is null || collection.Count == 0)
            {
                error = new PlotError("plots", $"{path} holds no features");
                return false;
            }
            var result = new List<PlotFeature>();
            for (var i = 0; i < collection.Count; i++)
            {
                var feature = collection[i];
                var id = feature.Attributes?.Exists("id") == true ? Convert.ToString(feature.Attributes["id"], System.Globalization.CultureInfo.InvariantCulture) ?? $"{i}" : $"{i}";
                var problem = Check(feature.Geometry);
                if (problem is not null)
                {
                    error = new PlotError($"features[{i}] (id {id})", problem);
                    return false;
                }
                var policy = feature.Attributes?.Exists("policy") == true ? Convert.ToString(feature.Attributes["policy"], System.Globalization.CultureInfo.InvariantCulture) : null;
                result.Add(new PlotFeature(id, feature.Geometry, policy));
            }
            plots = result;
            error = null;
            return true;
        }
        catch (JsonException e)
        {
            error = new PlotError("plots", $"{path} is not valid GeoJSON: {e.Message}");
            return false;
        }
    }

    private static string? Check(Geometry? geometry)
    {
        if (geometry is null || geometry.IsEmpty)
            return "has no geometry";
        if (geometry is not (Polygon or MultiPolygon))
            return $"is a {geometry.GeometryType}; a plot is a Polygon or MultiPolygon";
        foreach (var c in geometry.Coordinates)
        {
            if (!double.IsFinite(c.X) || !double.IsFinite(c.Y) || c.Y is < -90 or > 90 || c.X is < -180 or > 180)
                return $"has the point ({c.X}, {c.Y}), which is not longitude, latitude in WGS84";
        }
        var validity = new IsValidOp(geometry).ValidationError;
        if (validity is not null)
            return $"is not a valid polygon: {validity.Message} at ({validity.Coordinate?.X}, {validity.Coordinate?.Y}); it is refused, not repaired";
        if (geometry.Area <= 0)
            return "has no area";
        return null;
    }
}

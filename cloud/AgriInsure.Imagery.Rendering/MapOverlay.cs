using SkiaSharp;

namespace AgriInsure.Imagery.Rendering;

/// <summary>How an overlay's values become colours.</summary>
public enum OverlayRamp
{
    /// <summary><see cref="Ndvi"/> when every value lies in [−1, 1], else <see cref="Value"/>.</summary>
    Auto,

    /// <summary>The NDVI ramp of the claims maps and growth curves (brown bare soil → dark green), fixed at −0.2…0.9.</summary>
    Ndvi,

    /// <summary>Grey from dark to light, stretched between the 2nd and 98th percentiles of the image's values.</summary>
    Value,
}

/// <summary>A raster picture for a web map: <paramref name="Values"/> row-major over <paramref name="Width"/> ×
/// <paramref name="Height"/> px, NaN where there is no value (drawn transparent, so the map beneath shows);
/// <paramref name="Outlines"/>: rings in pixel coordinates (0 at the left and top edges) drawn as a light line over a dark
/// halo; <paramref name="Provenance"/>: PNG text chunks (keys 1–79 Latin-1 characters).</summary>
public sealed record OverlayRequest(
    int Width, int Height, float[] Values, OverlayRamp Ramp = OverlayRamp.Auto, IReadOnlyList<IReadOnlyList<(double X, double Y)>>? Outlines = null,
    IReadOnlyList<(string Key, string Value)>? Provenance = null);

/// <summary>The ramp an overlay was drawn with and the values at its two ends (what a legend states).</summary>
public sealed record OverlayLegend(OverlayRamp Ramp, double Low, double High);

/// <summary>Writes raster values as a PNG with transparency for a map overlay.</summary>
public static class MapOverlay
{
    /// <summary>Draws <paramref name="request"/> as an RGBA PNG into <paramref name="png"/> and says which ramp it used.
    /// Throws <see cref="ArgumentException"/> for a size that does not match the values, or bad provenance keys.</summary>
    public static OverlayLegend Write(OverlayRequest request, Stream png)
    {
        Figure.ValidateStream(png);
        if (request.Width < 1 || request.Height < 1 || request.Values.Length != request.Width * request.Height)
            throw new ArgumentException($"{request.Values.Length} values do not fill {request.Width}×{request.Height} px", nameof(request));
        PngText.Validate(request.Provenance ?? [], "provenance");
        var legend = Legend(request.Values, request.Ramp);
        using var bitmap = new SKBitmap(new SKImageInfo(request.Width, request.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var pixels = new SKColor[request.Values.Length];
        for (var k = 0; k < pixels.Length; k++)
            pixels[k] = float.IsNaN(request.Values[k]) ? SKColors.Transparent : Colour(legend, request.Values[k]);
        bitmap.Pixels = pixels;
        if (request.Outlines is { Count: > 0 } outlines)
        {
            using var canvas = new SKCanvas(bitmap);
            using var path = Figure.Polylines(outlines.Select(r => r.Select(p => new SKPoint((float)p.X, (float)p.Y)).ToArray()), close: true);
            Figure.DrawOutline(canvas, path);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG");
        png.Write(PngText.Insert(data.AsSpan(), request.Provenance ?? []));
        return legend;
    }

    /// <summary>The colour <paramref name="value"/> takes under <paramref name="legend"/> (opaque).</summary>
    public static SKColor Colour(OverlayLegend legend, float value)
    {
        if (legend.Ramp == OverlayRamp.Ndvi)
            return Palette.NdviColour(value);
        var t = legend.High > legend.Low ? Math.Clamp((value - legend.Low) / (legend.High - legend.Low), 0, 1) : 0.5;
        var grey = (byte)Math.Round(24 + t * (240 - 24));
        return new SKColor(grey, grey, grey);
    }

    private static OverlayLegend Legend(float[] values, OverlayRamp ramp)
    {
        var valid = values.Where(v => !float.IsNaN(v)).ToArray();
        if (ramp == OverlayRamp.Auto)
            ramp = valid.All(v => v is >= -1 and <= 1) ? OverlayRamp.Ndvi : OverlayRamp.Value;
        if (ramp == OverlayRamp.Ndvi)
            return new OverlayLegend(ramp, Palette.NdviLow, Palette.NdviHigh);
        if (valid.Length == 0)
            return new OverlayLegend(ramp, 0, 0);
        Array.Sort(valid);
        return new OverlayLegend(ramp, valid[(int)(0.02 * (valid.Length - 1))], valid[(int)Math.Ceiling(0.98 * (valid.Length - 1))]);
    }
}

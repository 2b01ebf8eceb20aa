using SkiaSharp;

namespace AgriInsure.Imagery.Rendering;

/// <summary>The colours both renderers share, so a legend and the map it explains can never disagree.</summary>
internal static class Palette
{
    public const float NdviLow = -0.2f;
    public const float NdviHigh = 0.9f;

    // Brown → tan → yellow → light green → green → dark green: lightness falls monotonically from the yellow
    // towards both ends, and the hue runs bare soil → vegetation, so an officer reads "greener = more growth".
    private static readonly (float Ndvi, SKColor Colour)[] Ramp =
    [
        (-0.2f, new SKColor(140, 81, 10)),
        (0.1f, new SKColor(216, 179, 101)),
        (0.3f, new SKColor(246, 226, 127)),
        (0.5f, new SKColor(166, 217, 106)),
        (0.7f, new SKColor(26, 152, 80)),
        (0.9f, new SKColor(0, 68, 27)),
    ];

    public static readonly SKColor Background = SKColors.White;
    public static readonly SKColor Ink = new(33, 33, 33);
    public static readonly SKColor MutedInk = new(97, 97, 97);
    public static readonly SKColor Rule = new(210, 210, 210);

    /// <summary>NDVI cell with no value (NaN): a mid grey no ramp colour comes near.</summary>
    public static readonly SKColor NoValue = new(190, 190, 190);

    /// <summary>Damaged: a saturated red that no ramp colour, hidden grey or clear green comes near.</summary>
    public static readonly SKColor Damaged = new(220, 20, 60);

    /// <summary>Clear (observed, not damaged).</summary>
    public static readonly SKColor Clear = new(171, 221, 164);

    /// <summary>Hidden (cloud, shadow, no data): a neutral grey under <see cref="Hatch"/> stripes.</summary>
    public static readonly SKColor Hidden = new(214, 214, 214);

    public static readonly SKColor Hatch = new(90, 90, 90);

    /// <summary>Cells of the window outside the plot, in the assessment panel.</summary>
    public static readonly SKColor Outside = new(248, 248, 248);

    /// <summary>Outline: a light line over a dark halo, visible on white, black and every colour between.</summary>
    public static readonly SKColor OutlineHalo = new(20, 20, 20);

    public static readonly SKColor OutlineLine = new(255, 255, 255);

    public static readonly SKColor Alert = new(211, 47, 47);

    public static readonly SKColor Series = new(25, 118, 210);

    public static readonly SKColor Neighbours = new(110, 110, 110);

    public static readonly SKColor CloudBand = new(224, 224, 224);

    /// <summary>The ramp colour of <paramref name="ndvi"/>, clamped to −0.2…0.9; <see cref="NoValue"/> for NaN.</summary>
    public static SKColor NdviColour(float ndvi)
    {
        if (float.IsNaN(ndvi))
            return NoValue;
        var v = Math.Clamp(ndvi, NdviLow, NdviHigh);
        for (var i = 1; i < Ramp.Length; i++)
        {
            if (v > Ramp[i].Ndvi)
                continue;
            var (lo, a) = Ramp[i - 1];
            var (hi, b) = Ramp[i];
            var t = (v - lo) / (hi - lo);
            return new SKColor(Lerp(a.Red, b.Red, t), Lerp(a.Green, b.Green, t), Lerp(a.Blue, b.Blue, t));
        }

        return Ramp[^1].Colour;
    }

    /// <summary><paramref name="colour"/> mixed with white by <paramref name="share"/> (0 = unchanged, 1 = white).</summary>
    public static SKColor Fade(SKColor colour, float share) =>
        new(Lerp(colour.Red, 255, share), Lerp(colour.Green, 255, share), Lerp(colour.Blue, 255, share));

    private static byte Lerp(byte a, byte b, float t) => (byte)Math.Round(a + (b - a) * t);
}

using SkiaSharp;

namespace AgriInsure.Imagery.Rendering.Tests;

public class MapOverlayTests
{
    private static (OverlayLegend Legend, byte[] Png) Write(OverlayRequest request)
    {
        using var png = new MemoryStream();
        var legend = MapOverlay.Write(request, png);
        return (legend, png.ToArray());
    }

    [Fact]
    public void Ndvi_values_take_the_shared_ramp_and_cells_without_a_value_are_transparent()
    {
        float[] values = [0.8f, float.NaN, -0.2f, 0.3f];
        var (legend, png) = Write(new OverlayRequest(2, 2, values, Provenance: [("raster", "2027/ndvi_may.tif")]));
        Assert.Equal(new OverlayLegend(OverlayRamp.Ndvi, Palette.NdviLow, Palette.NdviHigh), legend);
        using var image = Png.Decode(png);
        Assert.Equal((2, 2), (image.Width, image.Height));
        Assert.Equal(Palette.NdviColour(0.8f), image.GetPixel(0, 0));
        Assert.Equal(0, image.GetPixel(1, 0).Alpha);
        Assert.Equal(Palette.NdviColour(-0.2f), image.GetPixel(0, 1));
        Assert.Equal(("raster", "2027/ndvi_may.tif"), Png.Text(png).Select(t => (t.Key, t.Value)).Single());
    }

    [Fact]
    public void Values_outside_ndvi_are_stretched_in_grey_between_their_percentiles()
    {
        var values = Enumerable.Range(0, 100).Select(v => (float)(v * 10)).ToArray();
        var (legend, png) = Write(new OverlayRequest(10, 10, values));
        Assert.Equal(OverlayRamp.Value, legend.Ramp);
        Assert.Equal((10, 980), (legend.Low, legend.High));
        using var image = Png.Decode(png);
        var (dark, light) = (image.GetPixel(0, 0), image.GetPixel(9, 9));
        Assert.True(dark.Red == dark.Green && dark.Green == dark.Blue && dark.Red < 40, $"{dark}");
        Assert.True(light.Red > 220 && light.Alpha == 255, $"{light}");
        Assert.Equal(OverlayRamp.Value, MapOverlay.Write(new OverlayRequest(1, 1, [0.5f], OverlayRamp.Value), new MemoryStream()).Ramp);
    }

    [Fact]
    public void An_outline_is_drawn_over_the_values_where_its_ring_runs()
    {
        var values = Enumerable.Repeat(0.7f, 64 * 64).ToArray();
        IReadOnlyList<(double X, double Y)> ring = [(16, 16), (48, 16), (48, 48), (16, 48), (16, 16)];
        var (_, png) = Write(new OverlayRequest(64, 64, values, Outlines: [ring]));
        using var image = Png.Decode(png);
        Assert.Equal(Palette.NdviColour(0.7f), image.GetPixel(32, 32));
        Assert.Equal(Palette.NdviColour(0.7f), image.GetPixel(4, 4));
        var onLine = image.GetPixel(32, 16);
        Assert.True(onLine.Red > 230 && onLine.Green > 230 && onLine.Blue > 230, $"the outline's light line at (32, 16): {onLine}");
    }

    [Fact]
    public void Values_that_do_not_fill_the_picture_are_refused()
    {
        Assert.Throws<ArgumentException>(() => MapOverlay.Write(new OverlayRequest(3, 3, new float[8]), new MemoryStream()));
    }
}

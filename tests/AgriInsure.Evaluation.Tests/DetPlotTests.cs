using AgriInsure.Evaluation;
using AgriInsure.Tests;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Evaluation.Tests;

public class DetPlotTests
{
    [Fact]
    public void Draws_the_curve_and_the_operating_point()
    {
        using var dir = new TempFolder();
        var path = dir.File("det.png");
        var det = Enumerable.Range(0, 100).Select(i => (Far: Math.Pow(10, -4 + i / 25.0), Frr: Math.Pow(10, -i / 33.0))).ToList();
        DetPlot.Save(det, (0.01, 0.1), path);
        using var image = Image.Load<Rgb24>(path);
        Assert.Equal((640, 480), (image.Width, image.Height));
        var blue = 0;
        var red = 0;
        for (var y = 0; y < image.Height; y++)
            for (var x = 0; x < image.Width; x++)
            {
                var p = image[x, y];
                if (p.B > 150 && p.R < 60)
                    blue++;
                if (p.R > 180 && p.G < 80)
                    red++;
            }
        Assert.True(blue > 300, $"{blue} curve pixels");
        Assert.True(red > 20, $"{red} operating-point pixels");
    }
}

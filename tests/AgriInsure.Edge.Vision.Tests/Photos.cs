using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Edge.Vision.Tests;

/// <summary>Photos the tests make themselves.</summary>
internal static class Photos
{
    /// <summary>A textured RGB picture: sharp edges, mid exposure.</summary>
    public static Image<Rgb24> Textured(int width, int height, int seed = 1, int block = 6)
    {
        var r = new Random(seed);
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var check = ((x / block) + (y / block)) % 2 == 0 ? 60 : 190;
                var v = (byte)Math.Clamp(check + r.Next(-20, 20), 0, 255);
                image[x, y] = new Rgb24(v, (byte)(v * 0.9), (byte)(v * 0.8));
            }
        }
        return image;
    }

    public static byte[] Jpeg(Image<Rgb24> image)
    {
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new JpegEncoder { Quality = 90 });
        return ms.ToArray();
    }

    public static byte[] Png<TPixel>(Image<TPixel> image) where TPixel : unmanaged, IPixel<TPixel>
    {
        using var ms = new MemoryStream();
        image.SaveAsPng(ms, new PngEncoder());
        return ms.ToArray();
    }

    public static byte[] JpegClaiming(int width, int height)
    {
        using var small = Textured(16, 16);
        return AgriInsure.Tests.JpegHeaders.ClaimingSize(Jpeg(small), width, height);
    }
}

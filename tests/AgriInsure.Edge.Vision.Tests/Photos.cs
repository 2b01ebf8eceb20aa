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

    /// <summary>A valid small JPEG whose frame header (SOF0) is rewritten to claim other dimensions.</summary>
    public static byte[] JpegClaiming(int width, int height)
    {
        using var small = Textured(16, 16);
        var bytes = Jpeg(small);
        for (var i = 2; i < bytes.Length - 9; i++)
        {
            if (bytes[i] == 0xFF && bytes[i + 1] is 0xC0 or 0xC2)
            {
                bytes[i + 5] = (byte)(height >> 8);
                bytes[i + 6] = (byte)height;
                bytes[i + 7] = (byte)(width >> 8);
                bytes[i + 8] = (byte)width;
                return bytes;
            }
        }
        throw new InvalidOperationException("no SOF marker in the encoder's output");
    }
}

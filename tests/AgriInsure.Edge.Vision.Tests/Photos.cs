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

/// <summary>JPEGs ImageSharp 2.1 cannot write, made with libjpeg-turbo's compressor: CMYK, as print-workflow
/// software and some scanners write them, and progressive, as many phones and web tools do.</summary>
internal static class TurboJpegWriter
{
    private const string Library = "libturbojpeg.so.0";
    private const int PixelFormatRgb = 0;
    private const int PixelFormatCmyk = 11;
    private const int Subsampling444 = 0;
    private const int Subsampling420 = 2;
    private const int FlagProgressive = 16384;

    [System.Runtime.InteropServices.DllImport(Library)]
    private static extern IntPtr tjInitCompress();

    [System.Runtime.InteropServices.DllImport(Library)]
    private static extern int tjCompress2(IntPtr handle, byte[] source, int width, int pitch, int height, int pixelFormat, ref IntPtr jpeg, ref nuint size, int subsampling, int quality, int flags);

    [System.Runtime.InteropServices.DllImport(Library)]
    private static extern void tjFree(IntPtr buffer);

    [System.Runtime.InteropServices.DllImport(Library)]
    private static extern int tjDestroy(IntPtr handle);

    /// <summary>A CMYK JPEG: left half one ink mix, right half another, as C, M, Y, K bytes per pixel.</summary>
    public static byte[] CmykTwoHalves(int width, int height, (byte C, byte M, byte Y, byte K) left, (byte C, byte M, byte Y, byte K) right)
    {
        var pixels = new byte[width * height * 4];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (c, m, yellow, k) = x < width / 2 ? left : right;
                var i = (y * width + x) * 4;
                (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]) = (c, m, yellow, k);
            }
        }
        return Compress(pixels, width, height, PixelFormatCmyk, 4, Subsampling444, 0);
    }

    /// <summary>A progressive JPEG of <paramref name="image"/>: several scans, each with its own entropy-coded data.</summary>
    public static byte[] Progressive(Image<Rgb24> image)
    {
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return Compress(pixels, image.Width, image.Height, PixelFormatRgb, 3, Subsampling420, FlagProgressive);
    }

    private static byte[] Compress(byte[] pixels, int width, int height, int pixelFormat, int bytesPerPixel, int subsampling, int flags)
    {
        var handle = tjInitCompress();
        var jpeg = IntPtr.Zero;
        nuint size = 0;
        try
        {
            if (tjCompress2(handle, pixels, width, width * bytesPerPixel, height, pixelFormat, ref jpeg, ref size, subsampling, 95, flags) != 0)
                throw new InvalidOperationException("libjpeg-turbo could not write the JPEG");
            var bytes = new byte[(int)size];
            System.Runtime.InteropServices.Marshal.Copy(jpeg, bytes, 0, bytes.Length);
            return bytes;
        }
        finally
        {
            tjFree(jpeg);
            tjDestroy(handle);
        }
    }
}

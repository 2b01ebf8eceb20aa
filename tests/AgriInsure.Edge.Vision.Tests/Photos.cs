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

/// <summary>CMYK JPEGs, as print-workflow software and some scanners write them, made with libjpeg-turbo's
/// compressor (ImageSharp 2.1 cannot write CMYK).</summary>
internal static class CmykJpeg
{
    private const string Library = "libturbojpeg.so.0";
    private const int PixelFormatCmyk = 11;
    private const int Subsampling444 = 0;

    [System.Runtime.InteropServices.DllImport(Library)]
    private static extern IntPtr tjInitCompress();

    [System.Runtime.InteropServices.DllImport(Library)]
    private static extern int tjCompress2(IntPtr handle, byte[] source, int width, int pitch, int height, int pixelFormat, ref IntPtr jpeg, ref nuint size, int subsampling, int quality, int flags);

    [System.Runtime.InteropServices.DllImport(Library)]
    private static extern void tjFree(IntPtr buffer);

    [System.Runtime.InteropServices.DllImport(Library)]
    private static extern int tjDestroy(IntPtr handle);

    /// <summary>Left half one ink mix, right half another, as C, M, Y, K bytes per pixel.</summary>
    public static byte[] TwoHalves(int width, int height, (byte C, byte M, byte Y, byte K) left, (byte C, byte M, byte Y, byte K) right)
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
        var handle = tjInitCompress();
        var jpeg = IntPtr.Zero;
        nuint size = 0;
        try
        {
            if (tjCompress2(handle, pixels, width, width * 4, height, PixelFormatCmyk, ref jpeg, ref size, Subsampling444, 95, 0) != 0)
                throw new InvalidOperationException("libjpeg-turbo could not write a CMYK JPEG");
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

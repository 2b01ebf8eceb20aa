using System.Runtime.InteropServices;

namespace AgriInsure.Edge.Vision;

/// <summary>libjpeg-turbo's TurboJPEG API (Debian libturbojpeg0), used for one thing ImageSharp 2.1 cannot
/// do: decode a JPEG at 1/2, 1/4 or 1/8 scale straight from the DCT coefficients. A 1600×1200 handheld
/// photo that the pipeline shrinks to 256 px anyway then costs a few milliseconds instead of ~27.
/// Where the library is missing the caller falls back to a full decode.</summary>
internal static class TurboJpeg
{
    private const string Library = "libturbojpeg.so.0";
    private const int PixelFormatRgb = 0;

    [StructLayout(LayoutKind.Sequential)]
    private struct ScalingFactor
    {
        public int Num;
        public int Denom;
    }

    [DllImport(Library)]
    private static extern IntPtr tjInitDecompress();

    [DllImport(Library)]
    private static extern int tjDestroy(IntPtr handle);

    [DllImport(Library)]
    private static extern int tjDecompressHeader3(IntPtr handle, byte[] jpeg, nuint size, out int width, out int height, out int subsampling, out int colorspace);

    [DllImport(Library)]
    private static extern int tjDecompress2(IntPtr handle, byte[] jpeg, nuint size, byte[] destination, int width, int pitch, int height, int pixelFormat, int flags);

    [DllImport(Library)]
    private static extern IntPtr tjGetScalingFactors(out int count);

    private static readonly Lazy<ScalingFactor[]?> Factors = new(LoadFactors);

    public static bool IsAvailable => Factors.Value is not null;

    private static ScalingFactor[]? LoadFactors()
    {
        try
        {
            var pointer = tjGetScalingFactors(out var count);
            if (pointer == IntPtr.Zero || count <= 0)
                return null;
            var factors = new ScalingFactor[count];
            var size = Marshal.SizeOf<ScalingFactor>();
            for (var i = 0; i < count; i++)
                factors[i] = Marshal.PtrToStructure<ScalingFactor>(pointer + i * size);
            return factors;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>RGB pixels of the JPEG at the smallest libjpeg-turbo scale whose long side is still at
    /// least <paramref name="minLongSide"/>; null when the library is missing or refuses the file
    /// (CMYK, progressive oddities), and the caller decodes it the ordinary way.</summary>
    public static (byte[] Rgb, int Width, int Height)? DecodeScaled(byte[] jpeg, int minLongSide)
    {
        var factors = Factors.Value;
        if (factors is null)
            return null;
        var handle = tjInitDecompress();
        if (handle == IntPtr.Zero)
            return null;
        try
        {
            if (tjDecompressHeader3(handle, jpeg, (nuint)jpeg.Length, out var width, out var height, out _, out _) != 0)
                return null;
            var (w, h) = (width, height);
            foreach (var f in factors)
            {
                var sw = (width * f.Num + f.Denom - 1) / f.Denom;
                var sh = (height * f.Num + f.Denom - 1) / f.Denom;
                if (Math.Max(sw, sh) >= minLongSide && (long)sw * sh < (long)w * h)
                    (w, h) = (sw, sh);
            }
            var rgb = new byte[w * h * 3];
            return tjDecompress2(handle, jpeg, (nuint)jpeg.Length, rgb, w, w * 3, h, PixelFormatRgb, 0) == 0 ? (rgb, w, h) : null;
        }
        finally
        {
            tjDestroy(handle);
        }
    }
}

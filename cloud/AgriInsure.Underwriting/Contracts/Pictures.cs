using AgriInsure.Domain;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgriInsure.Underwriting.Contracts;

/// <summary>The images a contract carries, made small and plain before they go in: a face crop becomes a JPEG thumbnail,
/// a map a PNG of bounded size, both without metadata. Crafted images are an attack surface: dimensions are read with
/// <c>Image.Identify</c> and capped before anything is decoded.</summary>
internal static class Pictures
{
    /// <summary>The largest side accepted, in pixels.</summary>
    public const int MaxSide = 8000;

    /// <summary>A face thumbnail's longest side: 2.4 px a point at the 40 pt it is drawn (about 170 dpi).</summary>
    public const int FacePixels = 96;

    /// <summary>A map's longest side.</summary>
    public const int MapPixels = 1000;

    public static Result<byte[]> Face(byte[] jpeg, string field) => Convert(jpeg, JpegFormat.Instance, field, bytes =>
    {
        using var image = Image.Load<Rgb24>(bytes);
        Shrink(image, FacePixels);
        using var output = new MemoryStream();
        image.SaveAsJpeg(output, new JpegEncoder { Quality = 80 });
        return output.ToArray();
    });

    public static Result<byte[]> Map(byte[] png, string field) => Convert(png, PngFormat.Instance, field, bytes =>
    {
        using var image = Image.Load<Rgba32>(bytes);
        Shrink(image, MapPixels);
        // Transparent parts print as paper: flattened on white, so no soft mask goes into the PDF.
        image.Mutate(x => x.BackgroundColor(Color.White));
        using var opaque = image.CloneAs<Rgb24>();
        using var output = new MemoryStream();
        opaque.SaveAsPng(output, new PngEncoder { CompressionLevel = PngCompressionLevel.BestCompression });
        return output.ToArray();
    });

    /// <summary>Checks the header, then decodes and re-encodes; an image whose body is broken fails as one with a bad header.</summary>
    private static Result<byte[]> Convert(byte[] bytes, IImageFormat expected, string field, Func<byte[], byte[]> convert)
    {
        var header = Check(bytes, expected, field);
        if (!header.IsOk)
            return header.Error;
        try
        {
            return Result<byte[]>.Ok(convert(bytes));
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or NotSupportedException)
        {
            return Result<byte[]>.Fail(field, $"is not a readable {expected.Name} image ({e.Message})");
        }
    }

    private static Result<bool> Check(byte[] bytes, IImageFormat expected, string field)
    {
        if (bytes is not { Length: > 0 })
            return Result<bool>.Fail(field, "is empty");
        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(bytes, out format);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or NotSupportedException)
        {
            return Result<bool>.Fail(field, $"is not a readable {expected.Name} image ({e.Message})");
        }
        if (info is null || format != expected)
            return Result<bool>.Fail(field, $"is not a {expected.Name} image{(format is null ? "" : $" (it is {format.Name})")}");
        if (info.Width > MaxSide || info.Height > MaxSide)
            return Result<bool>.Fail(field, $"is {info.Width}×{info.Height} px; at most {MaxSide} px a side");
        return Result<bool>.Ok(true);
    }

    private static void Shrink(Image image, int side)
    {
        image.Metadata.ExifProfile = null;
        image.Metadata.IccProfile = null;
        image.Metadata.XmpProfile = null;
        if (image.Width > side || image.Height > side)
            image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(side, side), Mode = ResizeMode.Max }));
    }
}

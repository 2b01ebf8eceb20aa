using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgriInsure.Edge.Vision;

/// <summary>Decodes a photo safely. Crafted images are an attack surface: the header is read first and
/// anything claiming more pixels than a handheld camera makes is refused before a byte is decoded.</summary>
public static class PhotoDecoder
{
    public const int MaxSide = 8192;
    public const long MaxPixels = 40_000_000;

    /// <summary>The side a handheld works at: the long side of every photo is brought down to this once,
    /// right after decoding, and the gate, the embedder and the crop sent to the cloud all use that copy.</summary>
    public const int WorkingSide = 256;

    /// <summary>Decodes <paramref name="bytes"/>, applies the EXIF rotation and, when
    /// <paramref name="maxSide"/> is given, shrinks the long side to it (never enlarges). The format is
    /// told by the bytes, never a name; a JPEG decodes the same with or without data after its
    /// end-of-image marker (phones append the MP4 of a "motion photo" there). Errors:
    /// <see cref="VisionError.Empty"/>, <see cref="VisionError.UnsupportedFormat"/> (HEIC/HEIF, AVIF,
    /// video), <see cref="VisionError.UnknownFormat"/>, <see cref="VisionError.Corrupt"/> (including a
    /// truncated JPEG), <see cref="VisionError.TooLarge"/>.</summary>
    public static bool TryDecode(byte[] bytes, out Image<Rgb24>? image, out VisionError? error, int? maxSide = null)
    {
        image = null;
        if (bytes.Length == 0)
            return Fail(out error, VisionError.Empty, "the file is empty (0 bytes)");
        var format = PhotoFormats.Sniff(bytes);
        if (PhotoFormats.IsUnsupported(format))
            return Fail(out error, VisionError.UnsupportedFormat, PhotoFormats.Refusal(format));
        if (format == PhotoFormat.Jpeg)
        {
            // The decoders fill a truncated JPEG with grey instead of failing, so a missing end marker
            // is caught here; bytes after it are cut off so both decoders see exactly the picture.
            if (JpegStructure.End(bytes) is not { } end)
                return Fail(out error, VisionError.Corrupt, "the JPEG ends before its end-of-image marker: the file is truncated");
            if (end < bytes.Length)
                bytes = bytes[..end];
        }
        IImageInfo? info;
        try
        {
            info = Image.Identify(bytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Decoders have thrown NullReference and IndexOutOfRange on crafted headers; whatever the
            // decoder throws, the photo is unusable and the agent must be told so, not crash.
            return Fail(out error, VisionError.Corrupt, $"the image header cannot be read: {e.Message}");
        }
        if (info is null)
            return Fail(out error, VisionError.UnknownFormat, "not a JPEG, PNG, BMP, GIF, TGA, TIFF or WebP image");
        if (info.Width <= 0 || info.Height <= 0)
            return Fail(out error, VisionError.Corrupt, $"the header claims {info.Width}×{info.Height} pixels");
        if (info.Width > MaxSide || info.Height > MaxSide || (long)info.Width * info.Height > MaxPixels)
            return Fail(out error, VisionError.TooLarge, $"the header claims {info.Width}×{info.Height} pixels; the limit is {MaxSide} a side and {MaxPixels / 1_000_000} MP");
        try
        {
            image = maxSide is { } target && format == PhotoFormat.Jpeg && TurboJpeg.DecodeScaled(bytes, target) is { } scaled
                ? WithMetadataOf(info, Image.LoadPixelData<Rgb24>(scaled.Rgb, scaled.Width, scaled.Height))
                : format == PhotoFormat.Jpeg ? Image.Load<Rgb24>(bytes) : Flattened(bytes);
            // Phones store the rotation in EXIF instead of rotating pixels.
            image.Mutate(x => x.AutoOrient());
            if (maxSide is { } side && Math.Max(image.Width, image.Height) > side)
                image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(side, side), Mode = ResizeMode.Max, Sampler = KnownResamplers.Triangle }));
            error = null;
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            image?.Dispose();
            image = null;
            return Fail(out error, VisionError.Corrupt, $"the image data is damaged: {e.Message}");
        }
    }

    /// <summary>What transparent pixels show: mid-grey, flat, so that a cut-out animal is judged on the
    /// animal (the quality gate refuses a photo that is mostly background for its low contrast) and never on
    /// the colours a PNG happens to keep under alpha 0.</summary>
    public static readonly Rgb24 Background = new(128, 128, 128);

    /// <summary>An image that may hold alpha (PNG, GIF, WebP, TIFF, BMP, TGA), composited over
    /// <see cref="Background"/>.</summary>
    private static Image<Rgb24> Flattened(byte[] bytes)
    {
        using var rgba = Image.Load<Rgba32>(bytes);
        var flat = new Image<Rgb24>(rgba.Width, rgba.Height);
        flat.Metadata.ExifProfile = rgba.Metadata.ExifProfile?.DeepClone();
        rgba.ProcessPixelRows(flat, (source, target) =>
        {
            for (var y = 0; y < source.Height; y++)
            {
                var from = source.GetRowSpan(y);
                var to = target.GetRowSpan(y);
                for (var x = 0; x < from.Length; x++)
                {
                    var p = from[x];
                    to[x] = p.A == 255 ? new Rgb24(p.R, p.G, p.B) : new Rgb24(Over(p.R, p.A, Background.R), Over(p.G, p.A, Background.G), Over(p.B, p.A, Background.B));
                }
            }
        });
        return flat;
    }

    private static byte Over(byte value, byte alpha, byte background) => (byte)((value * alpha + background * (255 - alpha) + 127) / 255);

    /// <summary>Carries the EXIF orientation over to pixels decoded outside ImageSharp.</summary>
    private static Image<Rgb24> WithMetadataOf(IImageInfo info, Image<Rgb24> image)
    {
        if (info.Metadata.ExifProfile is { } exif)
            image.Metadata.ExifProfile = exif.DeepClone();
        return image;
    }

    private static bool Fail(out VisionError error, string code, string reason)
    {
        error = new VisionError(code, reason);
        return false;
    }
}

using AgriInsure.Edge.Vision;
using AgriInsure.Tests;
using CsCheck;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgriInsure.Edge.Vision.Tests;

public class PhotoDecoderTests
{
    [Fact]
    public void Transparent_pixels_are_judged_over_the_stated_background_not_on_the_colour_kept_under_them()
    {
        using var cutOut = new Image<Rgba32>(4, 1);
        cutOut[0, 0] = new Rgba32(255, 0, 0, 0);
        cutOut[1, 0] = new Rgba32(255, 255, 255, 255);
        cutOut[2, 0] = new Rgba32(0, 0, 0, 128);
        cutOut[3, 0] = new Rgba32(10, 200, 30, 255);
        using var png = new MemoryStream();
        cutOut.SaveAsPng(png);
        Assert.True(PhotoDecoder.TryDecode(png.ToArray(), out var image, out var error), error?.ToString());
        using (image)
        {
            Assert.Equal(PhotoDecoder.Background, image![0, 0]);
            Assert.Equal(new Rgb24(255, 255, 255), image[1, 0]);
            Assert.Equal(new Rgb24(64, 64, 64), image[2, 0]);
            Assert.Equal(new Rgb24(10, 200, 30), image[3, 0]);
        }
    }

    private static VisionError Refused(byte[] bytes)
    {
        Assert.False(PhotoDecoder.TryDecode(bytes, out var image, out var error));
        Assert.Null(image);
        return error!;
    }

    [Fact]
    public void An_empty_file_is_refused() => Assert.Equal(VisionError.Empty, Refused([]).Code);

    [Fact]
    public void Bytes_that_are_no_image_are_refused() =>
        Assert.Contains(Refused("this is a text file, not a photo"u8.ToArray()).Code, new[] { VisionError.UnknownFormat, VisionError.Corrupt });

    [Fact]
    public void A_header_claiming_20000_by_20000_is_refused_before_decoding()
    {
        var error = Refused(Photos.JpegClaiming(20000, 20000));
        Assert.Equal(VisionError.TooLarge, error.Code);
        Assert.Contains("20000×20000", error.Reason);
    }

    [Fact]
    public void A_truncated_or_damaged_jpeg_is_refused()
    {
        using var image = Photos.Textured(200, 200);
        var jpeg = Photos.Jpeg(image);
        Assert.Equal(VisionError.Corrupt, Refused(jpeg[..40]).Code);
        var damaged = (byte[])jpeg.Clone();
        for (var i = 20; i < 200; i++)
            damaged[i] = 0xFF;
        Assert.Contains(Refused(damaged).Code, new[] { VisionError.Corrupt, VisionError.UnknownFormat });
    }

    [Fact]
    public void Grey_and_alpha_pngs_decode_to_rgb()
    {
        using var grey = new Image<L8>(64, 80);
        using var alpha = new Image<Rgba32>(64, 80, new Rgba32(200, 10, 10, 0));
        Assert.True(PhotoDecoder.TryDecode(Photos.Png(grey), out var g, out _));
        Assert.True(PhotoDecoder.TryDecode(Photos.Png(alpha), out var a, out _));
        using (g)
        using (a)
        {
            Assert.Equal((64, 80), (g!.Width, g.Height));
            Assert.Equal((64, 80), (a!.Width, a.Height));
        }
    }

    [Fact]
    public void A_cmyk_jpeg_decodes_to_rgb_with_its_halves_apart()
    {
        // All bytes 0 on the left, all 255 on the right: one half is paper and the other full ink whichever
        // way the file's inversion (Adobe's convention) is read, so they must come out far apart, in RGB.
        var jpeg = TurboJpegWriter.CmykTwoHalves(320, 240, (0, 0, 0, 0), (255, 255, 255, 255));
        Assert.Equal(4, FrameComponents(jpeg));
        Assert.True(PhotoDecoder.TryDecode(jpeg, out var image, out var error), error?.ToString());
        using (image)
        {
            Assert.Equal((320, 240), (image!.Width, image.Height));
            double Mean(int x0) => Enumerable.Range(0, 100).Average(i => image[x0 + i % 10 * 10, 20 + i / 10 * 20].R);
            Assert.True(Math.Abs(Mean(20) - Mean(200)) > 150, $"left {Mean(20)}, right {Mean(200)}");
        }

        // A handheld-sized CMYK photo on the reduced-scale path (libjpeg-turbo refuses CMYK to RGB).
        var large = TurboJpegWriter.CmykTwoHalves(1600, 1200, (0, 0, 0, 0), (255, 255, 255, 255));
        Assert.True(PhotoDecoder.TryDecode(large, out var small, out error, PhotoDecoder.WorkingSide), error?.ToString());
        using (small)
        {
            Assert.Equal((256, 192), (small!.Width, small.Height));
            Assert.True(Math.Abs(small[30, 96].R - small[220, 96].R) > 150, $"left {small[30, 96]}, right {small[220, 96]}");
        }
    }

    /// <summary>Size and RGB bytes of a successful decode, to compare two decodes exactly.</summary>
    private static (int Width, int Height, byte[] Rgb) Decoded(byte[] bytes, int? maxSide)
    {
        Assert.True(PhotoDecoder.TryDecode(bytes, out var image, out var error, maxSide), error?.ToString());
        using (image)
        {
            var rgb = new byte[image!.Width * image.Height * 3];
            image.CopyPixelDataTo(rgb);
            return (image.Width, image.Height, rgb);
        }
    }

    private static void AssertDecodesLike(byte[] expected, byte[] actual, int? maxSide)
    {
        var (w, h, rgb) = Decoded(expected, maxSide);
        var decoded = Decoded(actual, maxSide);
        Assert.Equal((w, h), (decoded.Width, decoded.Height));
        Assert.Equal(rgb, decoded.Rgb);
    }

    /// <summary>Baseline (ImageSharp's encoder), progressive (several scans) and CMYK (libjpeg-turbo
    /// refuses it, so the working-size path falls back to ImageSharp) JPEGs; null is a full-size decode
    /// (ImageSharp), <see cref="PhotoDecoder.WorkingSide"/> the reduced-scale libjpeg-turbo path.</summary>
    public static TheoryData<string, int?> JpegKinds() => new()
    {
        { "baseline", null }, { "baseline", PhotoDecoder.WorkingSide },
        { "progressive", null }, { "progressive", PhotoDecoder.WorkingSide },
        { "cmyk", null }, { "cmyk", PhotoDecoder.WorkingSide },
    };

    private static byte[] JpegOfKind(string kind)
    {
        using var image = Photos.Textured(640, 480, block: 20);
        return kind switch
        {
            "baseline" => Photos.Jpeg(image),
            "progressive" => TurboJpegWriter.Progressive(image),
            _ => TurboJpegWriter.CmykTwoHalves(640, 480, (0, 0, 0, 0), (255, 255, 255, 255)),
        };
    }

    [Theory]
    [MemberData(nameof(JpegKinds))]
    public void A_jpeg_with_data_after_its_end_decodes_like_the_same_jpeg_without_it(string kind, int? maxSide)
    {
        var jpeg = JpegOfKind(kind);
        using var other = Photos.Textured(320, 240, seed: 9);
        // A motion photo's MP4, an MPF second image, padding, and end markers a backwards search would take.
        byte[][] trailers =
        [
            PhoneFiles.Mp4(2_000_000),
            Photos.Jpeg(other),
            new byte[10_000],
            Enumerable.Repeat(new byte[] { 0xFF, 0xD9 }, 100).SelectMany(b => b).ToArray(),
        ];
        foreach (var trailer in trailers)
            AssertDecodesLike(jpeg, [.. jpeg, .. trailer], maxSide);
    }

    [Fact]
    public void Any_trailer_leaves_the_decoded_pixels_unchanged()
    {
        // Markers and JPEG starts inside the trailer, and trailers long enough to push the picture's own
        // end marker far from the file's end, are what a search for the end from the back trips on.
        using var image = Photos.Textured(96, 64);
        var jpeg = Photos.Jpeg(image);
        var chunk = Gen.OneOf<byte[]>(Gen.Byte.Array[0, 3000], Gen.Const(new byte[] { 0xFF, 0xD9 }), Gen.Const(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }), Gen.Const(new byte[] { 0xFF }));
        chunk.Array[1, 12].Select(chunks => chunks.SelectMany(c => c).ToArray()).Sample(trailer =>
        {
            AssertDecodesLike(jpeg, [.. jpeg, .. trailer], null);
            AssertDecodesLike(jpeg, [.. jpeg, .. trailer], PhotoDecoder.WorkingSide);
        }, iter: 150);
    }

    [Theory]
    [InlineData("baseline")]
    [InlineData("progressive")]
    public void Every_cut_before_the_end_marker_is_refused_as_truncated(string kind)
    {
        var jpeg = JpegOfKind(kind);
        Gen.Int[3, jpeg.Length - 1].Sample(n => Assert.Equal(VisionError.Corrupt, Refused(jpeg[..n]).Code), iter: 300);
    }

    [Theory]
    [InlineData("heic", new[] { "mif1", "heic" }, "HEIC/HEIF")]
    [InlineData("mif1", new[] { "mif1", "heix" }, "HEIC/HEIF")]
    [InlineData("avif", new[] { "avif", "mif1", "miaf" }, "AVIF")]
    [InlineData("isom", new[] { "isom", "iso2", "mp41" }, "video")]
    [InlineData("qt  ", new string[0], "video")]
    public void Heif_avif_and_video_are_refused_as_unsupported_by_name(string major, string[] compatible, string named)
    {
        var error = Refused(PhoneFiles.IsoMedia(major, compatible));
        Assert.Equal(VisionError.UnsupportedFormat, error.Code);
        Assert.Contains(named, error.Reason);
    }

    /// <summary>The component count of the baseline frame header (FF C0): 3 for YCbCr, 4 for CMYK.</summary>
    private static int FrameComponents(byte[] jpeg)
    {
        for (var i = 2; i + 9 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0)
                return jpeg[i + 9];
        }
        return 0;
    }

    [Fact]
    public void Exif_rotation_is_applied()
    {
        using var image = Photos.Textured(120, 60);
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Orientation, (ushort)6);
        image.Metadata.ExifProfile = exif;
        Assert.True(PhotoDecoder.TryDecode(Photos.Jpeg(image), out var decoded, out _));
        using (decoded)
            Assert.Equal((60, 120), (decoded!.Width, decoded.Height));
    }

    [Fact]
    public void A_large_photo_is_decoded_at_reduced_scale_and_looks_the_same()
    {
        Assert.True(TurboJpeg.IsAvailable, "libturbojpeg0 is missing: tools/setup installs it");
        using var big = Photos.Textured(1600, 1200, block: 40);
        var jpeg = Photos.Jpeg(big);
        Assert.True(PhotoDecoder.TryDecode(jpeg, out var reduced, out _, PhotoDecoder.WorkingSide));
        Assert.True(PhotoDecoder.TryDecode(jpeg, out var whole, out _));
        using var fast = reduced!;
        using var full = whole!;
        Assert.Equal((256, 192), (fast.Width, fast.Height));
        full.Mutate(x => x.Resize(256, 192));
        double diff = 0;
        for (var y = 0; y < 192; y++)
            for (var x = 0; x < 256; x++)
                diff += Math.Abs(fast[x, y].R - full[x, y].R);
        Assert.True(diff / (256 * 192) < 6, $"mean abs difference {diff / (256 * 192):0.00} levels");
    }

    [Fact]
    public void Exif_rotation_is_applied_on_the_reduced_scale_path_too()
    {
        using var image = Photos.Textured(1200, 600);
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Orientation, (ushort)6);
        image.Metadata.ExifProfile = exif;
        Assert.True(PhotoDecoder.TryDecode(Photos.Jpeg(image), out var decoded, out _, PhotoDecoder.WorkingSide));
        using (decoded)
            Assert.Equal((128, 256), (decoded!.Width, decoded.Height));
    }
}

using AgriInsure.Edge.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Edge.Vision.Tests;

public class PhotoDecoderTests
{
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
    public void Exif_rotation_is_applied()
    {
        using var image = Photos.Textured(120, 60);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        Assert.True(PhotoDecoder.TryDecode(Photos.Jpeg(image), out var decoded, out _));
        using (decoded)
            Assert.Equal((60, 120), (decoded!.Width, decoded.Height));
    }
}

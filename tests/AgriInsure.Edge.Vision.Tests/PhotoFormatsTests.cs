using AgriInsure.Edge.Vision;
using AgriInsure.Tests;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;

namespace AgriInsure.Edge.Vision.Tests;

public class PhotoFormatsTests
{
    public static TheoryData<PhotoFormat, string> Encoded() => new()
    {
        { PhotoFormat.Jpeg, nameof(JpegEncoder) },
        { PhotoFormat.Png, nameof(PngEncoder) },
        { PhotoFormat.Gif, nameof(GifEncoder) },
        { PhotoFormat.Bmp, nameof(BmpEncoder) },
        { PhotoFormat.Tiff, nameof(TiffEncoder) },
        { PhotoFormat.Webp, nameof(WebpEncoder) },
        // TGA has no signature: it is Unknown here, and the decoder still reads it.
        { PhotoFormat.Unknown, nameof(TgaEncoder) },
    };

    [Theory]
    [MemberData(nameof(Encoded))]
    public void Decodable_formats_are_told_by_their_first_bytes_and_decode(PhotoFormat expected, string encoderName)
    {
        IImageEncoder encoder = encoderName switch
        {
            nameof(JpegEncoder) => new JpegEncoder(),
            nameof(PngEncoder) => new PngEncoder(),
            nameof(GifEncoder) => new GifEncoder(),
            nameof(BmpEncoder) => new BmpEncoder(),
            nameof(TiffEncoder) => new TiffEncoder(),
            nameof(WebpEncoder) => new WebpEncoder(),
            _ => new TgaEncoder(),
        };
        using var image = Photos.Textured(64, 48);
        using var ms = new MemoryStream();
        image.Save(ms, encoder);
        var bytes = ms.ToArray();
        Assert.Equal(expected, PhotoFormats.Sniff(bytes.AsSpan(0, PhotoFormats.SignatureLength)));
        Assert.False(PhotoFormats.IsUnsupported(expected));
        Assert.True(PhotoDecoder.TryDecode(bytes, out var decoded, out var error), error?.ToString());
        using (decoded)
            Assert.Equal((64, 48), (decoded!.Width, decoded.Height));
    }

    [Theory]
    [InlineData("heic", new[] { "mif1", "heic" }, PhotoFormat.Heif)]
    [InlineData("heix", new[] { "mif1", "heix" }, PhotoFormat.Heif)]
    [InlineData("mif1", new[] { "mif1", "heic" }, PhotoFormat.Heif)]
    [InlineData("msf1", new[] { "msf1", "hevc" }, PhotoFormat.Heif)]
    [InlineData("avif", new[] { "avif", "mif1", "miaf" }, PhotoFormat.Avif)]
    [InlineData("mif1", new[] { "mif1", "avif" }, PhotoFormat.Avif)]
    [InlineData("isom", new[] { "isom", "iso2", "mp41" }, PhotoFormat.Video)]
    [InlineData("qt  ", new[] { "qt  " }, PhotoFormat.Video)]
    public void Iso_media_files_are_told_apart_by_their_brands(string major, string[] compatible, PhotoFormat expected)
    {
        var head = PhoneFiles.IsoMedia(major, compatible).AsSpan(0, PhotoFormats.SignatureLength);
        Assert.Equal(expected, PhotoFormats.Sniff(head));
        Assert.True(PhotoFormats.IsUnsupported(expected));
    }

    [Fact]
    public void Text_and_short_heads_are_unknown()
    {
        Assert.Equal(PhotoFormat.Unknown, PhotoFormats.Sniff("this is a text file, not a photo"u8));
        Assert.Equal(PhotoFormat.Unknown, PhotoFormats.Sniff([0xFF, 0xD8]));
        Assert.Equal(PhotoFormat.Unknown, PhotoFormats.Sniff([]));
    }

    [Theory]
    [InlineData("IMG_0001.jpg", true)]
    [InlineData("IMG_0001.JPEG", true)]
    [InlineData("scan.jfif", true)]
    [InlineData("old.JPE", true)]
    [InlineData("IMG_0002.HEIC", true)]
    [InlineData("dir.d/IMG_0003.heif", true)]
    [InlineData("cow.avif", true)]
    [InlineData("README.txt", false)]
    [InlineData("MVIMG_0004.mp4", false)]
    [InlineData("IMG_0005", false)]
    public void Photo_extensions_include_jpeg_aliases_and_the_formats_refused_by_name(string path, bool photo) =>
        Assert.Equal(photo, PhotoFormats.HasPhotoExtension(path));
}

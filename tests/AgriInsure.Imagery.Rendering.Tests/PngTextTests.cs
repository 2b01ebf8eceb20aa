namespace AgriInsure.Imagery.Rendering.Tests;

public class PngTextTests
{
    [Fact]
    public void Crc32_matches_the_png_specification()
    {
        Assert.Equal(0xAE426082u, PngText.Crc32("IEND"u8)); // the CRC every PNG ends with
        Assert.Equal(0xCBF43926u, PngText.Crc32("123456789"u8)); // the CRC-32 check value
    }

    [Fact]
    public void Chunks_go_after_ihdr_and_the_image_still_decodes()
    {
        using var bitmap = new SkiaSharp.SKBitmap(3, 2);
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        var png = PngText.Insert(data.AsSpan(), [("Title", "Ernteschäden"), ("Plot", "川-0042")]);

        Assert.Equal(["IHDR", "tEXt", "iTXt"], Png.Chunks(png).Take(3).Select(c => c.Type));
        Assert.Equal([("Title", "Ernteschäden"), ("Plot", "川-0042")], Png.Text(png).Select(t => (t.Key, t.Value)));
        using var decoded = Png.Decode(png);
        Assert.Equal((3, 2), (decoded.Width, decoded.Height));
    }
}

namespace AgriInsure.Edge.Vision;

/// <summary>The marker structure of a JPEG (ITU T.81, Annex B), read without decoding anything.</summary>
internal static class JpegStructure
{
    private const byte Prefix = 0xFF;
    private const byte EndOfImage = 0xD9;
    private const byte StartOfScan = 0xDA;

    /// <summary>The offset just past the end-of-image marker of the JPEG starting at <paramref name="jpeg"/>[0]
    /// (its SOI); null when the bytes run out first, i.e. the file is truncated. Segments are stepped over
    /// by their lengths, so the EOI of an EXIF thumbnail inside APP1 does not count, and each scan's
    /// entropy-coded data runs to the first marker that is neither stuffing (FF 00) nor a restart
    /// (FF D0–D7). What follows the EOI (a motion photo's MP4, an MPF second image, padding) is not
    /// part of the picture.</summary>
    public static int? End(ReadOnlySpan<byte> jpeg)
    {
        var at = 2;
        while (true)
        {
            // libjpeg skips stray bytes before a marker and any number of FF fill bytes; so does this.
            var prefix = jpeg[at..].IndexOf(Prefix);
            if (prefix < 0)
                return null;
            at += prefix;
            while (at < jpeg.Length && jpeg[at] == Prefix)
                at++;
            if (at >= jpeg.Length)
                return null;
            var marker = jpeg[at++];
            if (marker == EndOfImage)
                return at;
            // Stray stuffing and the markers that carry no length (TEM, RST0–7, SOI).
            if (marker is 0x00 or 0x01 or (>= 0xD0 and <= 0xD8))
                continue;
            if (at + 2 > jpeg.Length)
                return null;
            at += jpeg[at] << 8 | jpeg[at + 1];
            if (at > jpeg.Length)
                return null;
            if (marker == StartOfScan)
                at = EntropyCodedEnd(jpeg, at);
        }
    }

    private static int EntropyCodedEnd(ReadOnlySpan<byte> jpeg, int at)
    {
        while (true)
        {
            var prefix = jpeg[at..].IndexOf(Prefix);
            if (prefix < 0)
                return jpeg.Length;
            at += prefix;
            if (at + 1 >= jpeg.Length)
                return jpeg.Length;
            var next = jpeg[at + 1];
            if (next != 0x00 && next is not (>= 0xD0 and <= 0xD7))
                return at;
            at += 2;
        }
    }
}

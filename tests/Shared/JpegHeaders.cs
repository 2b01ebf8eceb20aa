namespace AgriInsure.Tests;

internal static class JpegHeaders
{
    /// <summary>A copy of a valid JPEG whose frame header (SOF) claims other dimensions: the shape of a
    /// decompression-bomb attack, without the bytes.</summary>
    public static byte[] ClaimingSize(byte[] jpeg, int width, int height)
    {
        var bytes = (byte[])jpeg.Clone();
        for (var i = 2; i < bytes.Length - 9; i++)
        {
            if (bytes[i] == 0xFF && bytes[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                bytes[i + 5] = (byte)(height >> 8);
                bytes[i + 6] = (byte)height;
                bytes[i + 7] = (byte)(width >> 8);
                bytes[i + 8] = (byte)width;
                return bytes;
            }
        }
        throw new InvalidOperationException("no SOF marker in the JPEG");
    }
}

namespace AgriInsure.Protocol;

public static class Limits
{
    /// <summary>A face crop is a few hundred pixels; anything larger is a mistake or an attack.</summary>
    public const int MaxCropBytes = 128 * 1024;

    public const int MaxEmbeddingDimension = 4096;

    /// <summary>Base64 of the crop and the embedding plus the envelope; checked before any parsing.</summary>
    public const int MaxPayloadBytes = 256 * 1024;

    public const int MaxTextField = 64;
}

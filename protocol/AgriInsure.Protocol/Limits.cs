namespace AgriInsure.Protocol;

public static class Limits
{
    /// <summary>A face crop is a few hundred pixels; anything larger is a mistake or an attack.</summary>
    public const int MaxCropBytes = 128 * 1024;

    /// <summary>Photos in one capture: an enrolment takes 1 to 5 (3 recommended); a claim or a census as many.</summary>
    public const int MaxPhotos = 5;

    public const int MaxEmbeddingDimension = 4096;

    /// <summary>Base64 of <see cref="MaxPhotos"/> crops at <see cref="MaxCropBytes"/> (some 875 KB) and their embeddings
    /// (at most some 330 KB of JSON numbers at <see cref="MaxEmbeddingDimension"/>) plus the envelope; checked before any parsing.</summary>
    public const int MaxPayloadBytes = 1536 * 1024;

    public const int MaxTextField = 64;
}

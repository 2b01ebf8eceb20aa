namespace AgriInsure.Edge.Vision;

/// <summary>Why a photo could not be used: a stable code, and a reason the field agent can act on.</summary>
public sealed record VisionError(string Code, string Reason)
{
    public const string Empty = "empty-file";
    public const string UnknownFormat = "unknown-format";

    /// <summary>A format recognised by its signature that this build cannot decode (HEIC/HEIF, AVIF, video).</summary>
    public const string UnsupportedFormat = "unsupported-format";
    public const string Corrupt = "corrupt-image";
    public const string TooLarge = "too-large";
    public const string TooSmall = "too-small";
    public const string Blurred = "blurred";
    public const string Underexposed = "underexposed";
    public const string Overexposed = "overexposed";
    public const string LowContrast = "low-contrast";
    public const string NotACattleFace = "not-a-cattle-face";

    /// <summary>A photo almost the same as an earlier one of the capture (the same frame taken twice): it adds no
    /// second view of the animal.</summary>
    public const string NearDuplicate = "near-duplicate";

    /// <summary>A capture with no photo or more than the protocol carries.</summary>
    public const string PhotoCount = "photo-count";

    public override string ToString() => $"{Code}: {Reason}";
}

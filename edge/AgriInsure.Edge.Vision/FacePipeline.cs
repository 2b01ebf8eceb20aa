using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Edge.Vision;

/// <summary>Where a photo was refused.</summary>
public enum RefusedAt
{
    None,
    Decode,
    QualityGate,
    FaceCheck,
}

/// <summary>One photo through the pipeline: the working image, the quality gate's measurements and the
/// embedding, or why it was refused. Dispose it to release the image.</summary>
public sealed class FaceResult(Image<Rgb24>? image, float[]? embedding, RefusedAt refusedAt, IReadOnlyList<VisionError> problems, QualityReport? quality = null) : IDisposable
{
    public Image<Rgb24>? Image { get; } = image;
    public float[]? Embedding { get; } = embedding;

    /// <summary>What the quality gate measured; null when the photo did not decode.</summary>
    public QualityReport? Quality { get; } = quality;
    public RefusedAt RefusedAt { get; } = refusedAt;
    public IReadOnlyList<VisionError> Problems { get; } = problems;
    public bool Accepted => Embedding is not null;

    public void Dispose() => Image?.Dispose();
}

/// <summary>The handheld's photo pipeline, written once and used by the handheld, the evaluation harness
/// and the benchmarks: safe decode at working size → quality gate → face check → embedding.</summary>
public sealed class FacePipeline(FaceEmbedder embedder, QualityGate gate, FaceCheck? faceCheck)
{
    public ModelManifest Embedder => embedder.Manifest;

    public FaceResult Run(byte[] photo)
    {
        if (!PhotoDecoder.TryDecode(photo, out var image, out var error, PhotoDecoder.WorkingSide))
            return new FaceResult(null, null, RefusedAt.Decode, [error!]);
        var quality = gate.Check(image!);
        if (!quality.Passed)
            return Refused(image!, RefusedAt.QualityGate, quality.Problems, quality);
        if (faceCheck?.Check(image!) is { } notAFace)
            return Refused(image!, RefusedAt.FaceCheck, [notAFace], quality);
        return new FaceResult(image, embedder.Embed(image!), RefusedAt.None, [], quality);
    }

    private static FaceResult Refused(Image<Rgb24> image, RefusedAt stage, IReadOnlyList<VisionError> problems, QualityReport quality)
    {
        image.Dispose();
        return new FaceResult(null, null, stage, problems, quality);
    }
}

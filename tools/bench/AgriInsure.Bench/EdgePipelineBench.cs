using AgriInsure.Edge.Vision;
using BenchmarkDotNet.Attributes;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgriInsure.Bench;

/// <summary>Goals (biometrics issue), one core, shipped models: decode → quality gate → face check → embed ≤ 30 ms for a
/// 1600×1200 JPEG as a handheld takes it, ≤ 5 ms for a crop near the model's input size; model load ≤ 300 ms.</summary>
public class EdgePipelineBench
{
    private ModelManifest _manifest = null!;
    private FaceEmbedder _embedder = null!;
    private FaceCheck _faceCheck = null!;
    private FacePipeline _pipeline = null!;
    private readonly QualityGate _gate = new(new QualityOptions());
    private byte[] _handheldPhoto = [];
    private byte[] _crop = [];
    private Image<Rgb24> _cropImage = null!;

    [GlobalSetup]
    public void Setup()
    {
        var manifestPath = Path.Combine(RepoRoot(), "models", "cattle-face-embedder.manifest.json");
        if (!ModelManifest.TryLoad(manifestPath, out var manifest, out var error))
            throw new InvalidOperationException(error);
        _manifest = manifest!;
        _embedder = new FaceEmbedder(_manifest, threads: 1);
        if (!ModelManifest.TryLoad(Path.Combine(RepoRoot(), "models", "cattle-face-check.manifest.json"), out var check, out error))
            throw new InvalidOperationException(error);
        _faceCheck = new FaceCheck(check!, threads: 1);
        _pipeline = new FacePipeline(_embedder, _gate, faceCheck: null);
        _handheldPhoto = Photo(1600, 1200, 92);
        _crop = Photo(_manifest.Input.Width + 16, _manifest.Input.Height + 16, 90);
        PhotoDecoder.TryDecode(_crop, out var cropImage, out _, PhotoDecoder.WorkingSide);
        _cropImage = cropImage!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _embedder.Dispose();
        _faceCheck.Dispose();
        _cropImage.Dispose();
    }

    [Benchmark]
    public float HandheldPhoto1600x1200() => Pipeline(_handheldPhoto);

    /// <summary>The decoder alone, to see what is left for the gate and the model.</summary>
    [Benchmark]
    public int DecodeOnly1600x1200() => Decode(_handheldPhoto);

    [Benchmark]
    public float CropNearInputSize() => Pipeline(_crop);

    /// <summary>The stages of the crop's budget, one by one, on its decoded working image.</summary>
    [Benchmark]
    public int CropDecodeOnly() => Decode(_crop);

    [Benchmark]
    public bool CropQualityGateOnly() => _gate.Check(_cropImage).Passed;

    [Benchmark]
    public float CropFaceCheckOnly() => _faceCheck.Logit(_cropImage);

    [Benchmark]
    public float CropEmbedOnly() => _embedder.Embed(_cropImage)[0];

    [Benchmark]
    public int ModelLoad()
    {
        using var embedder = new FaceEmbedder(_manifest, threads: 1);
        return embedder.Manifest.Output.Size;
    }

    private static int Decode(byte[] jpeg)
    {
        PhotoDecoder.TryDecode(jpeg, out var image, out _, PhotoDecoder.WorkingSide);
        using (image)
            return image!.Width;
    }

    /// <summary>The pipeline without its face check, which is then run on the working image: the made-up
    /// photo is no cow and the check would stop the run before the embedder.</summary>
    private float Pipeline(byte[] jpeg)
    {
        using var face = _pipeline.Run(jpeg);
        if (!face.Accepted)
            throw new InvalidOperationException($"the benchmark photo was refused: {string.Join("; ", face.Problems)}");
        return face.Embedding![0] + _faceCheck.Logit(face.Image!);
    }

    /// <summary>A photo with camera-like detail (textures, edges, noise), so JPEG decoding does real work.</summary>
    private static byte[] Photo(int width, int height, int quality)
    {
        var r = new Random(7);
        using var image = new Image<Rgb24>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var patch = ((x * 7 / width) + (y * 5 / height)) % 2 == 0 ? 200 : 40;
                    var v = patch + 30 * Math.Sin(x * 0.05) * Math.Cos(y * 0.07) + r.Next(-25, 25);
                    var b = (byte)Math.Clamp(v, 0, 255);
                    row[x] = new Rgb24(b, (byte)(b * 0.9), (byte)(b * 0.75));
                }
            }
        });
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new JpegEncoder { Quality = quality });
        return ms.ToArray();
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgriInsure.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("AgriInsure.sln not found above the benchmark binary");
    }
}

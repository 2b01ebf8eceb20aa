using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgriInsure.Edge.Vision;

/// <summary>Runs the ONNX embedding model on a face photo, preprocessing exactly as its manifest says.
/// One instance per model; <see cref="Embed"/> is safe to call from several threads.</summary>
public sealed class FaceEmbedder : IDisposable
{
    private readonly InferenceSession _session;

    public FaceEmbedder(ModelManifest manifest, int threads = 1)
    {
        Manifest = manifest;
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(manifest.ModelPath, options);
    }

    public ModelManifest Manifest { get; }

    /// <summary>The L2-normalised embedding of one photo.</summary>
    public float[] Embed(Image<Rgb24> photo)
    {
        var input = Preprocess(photo);
        var raw = Run(input, 1);
        Normalise(raw);
        return raw;
    }

    /// <summary>The model's raw output for an already-preprocessed tensor: what the parity test compares.</summary>
    public float[] Run(float[] input, int batch)
    {
        var spec = Manifest.Input;
        int[] shape = spec.Layout == "nchw" ? [batch, spec.Channels, spec.Height, spec.Width] : [batch, spec.Height, spec.Width, spec.Channels];
        var tensor = new DenseTensor<float>(input, shape);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(spec.Name, tensor)]);
        var output = results.First(r => r.Name == Manifest.Output.Name).AsTensor<float>().ToArray();
        if (output.Length != batch * Manifest.Output.Size)
            throw new InvalidOperationException($"the model gave {output.Length} values; the manifest promises {batch}×{Manifest.Output.Size}");
        return output;
    }

    public float[] Preprocess(Image<Rgb24> photo)
    {
        var spec = Manifest.Input;
        using var resized = photo.Clone(x => x.Resize(new ResizeOptions
        {
            Size = new Size(spec.Width, spec.Height),
            Mode = ResizeMode.Stretch,
            Sampler = KnownResamplers.Triangle,
        }));
        var plane = spec.Width * spec.Height;
        var data = new float[plane * spec.Channels];
        resized.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var p = row[x];
                    Span<float> c = spec.Colour switch
                    {
                        "bgr" => [p.B, p.G, p.R],
                        "grey" => [0.299f * p.R + 0.587f * p.G + 0.114f * p.B],
                        _ => [p.R, p.G, p.B],
                    };
                    for (var ch = 0; ch < spec.Channels; ch++)
                    {
                        var v = (c[ch] * spec.Scale - spec.Mean[ch]) / spec.Std[ch];
                        var index = spec.Layout == "nchw" ? ch * plane + y * spec.Width + x : (y * spec.Width + x) * spec.Channels + ch;
                        data[index] = v;
                    }
                }
            }
        });
        return data;
    }

    private static void Normalise(Span<float> v)
    {
        var norm = TensorPrimitives.Norm(v);
        if (norm > 0)
            TensorPrimitives.Divide(v, norm, v);
    }

    public void Dispose() => _session.Dispose();
}

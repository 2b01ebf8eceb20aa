using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgriInsure.Edge.Vision;

/// <summary>Runs the ONNX embedding model on a face photo: the L2-normalised embedding.
/// One instance per model; <see cref="Embed"/> is safe to call from several threads.</summary>
public sealed class FaceEmbedder(ModelManifest manifest, int threads = 1) : IDisposable
{
    private readonly ImageModel _model = new(manifest, ModelManifest.Embedder, threads);

    public ModelManifest Manifest => _model.Manifest;

    public float[] Embed(Image<Rgb24> photo)
    {
        var raw = _model.Run(_model.Preprocess(photo), 1);
        var norm = TensorPrimitives.Norm(raw);
        if (norm > 0)
            TensorPrimitives.Divide(raw, norm, raw);
        return raw;
    }

    /// <summary>The model's raw output for an already-preprocessed tensor: what the parity test compares.</summary>
    public float[] Run(float[] input, int batch) => _model.Run(input, batch);

    public float[] Preprocess(Image<Rgb24> photo) => _model.Preprocess(photo);

    public void Dispose() => _model.Dispose();
}

/// <summary>Refuses photos that are not a cattle face (grass, sky, soil, a fence, a person, a blank or
/// noisy frame) before they are embedded, with the model's logit as the reason.</summary>
public sealed class FaceCheck(ModelManifest manifest, int threads = 1) : IDisposable
{
    private readonly ImageModel _model = new(manifest, ModelManifest.FaceCheck, threads);

    public ModelManifest Manifest => _model.Manifest;

    public float Logit(Image<Rgb24> photo) => _model.Run(_model.Preprocess(photo), 1)[0];

    public VisionError? Check(Image<Rgb24> photo)
    {
        var logit = Logit(photo);
        return logit >= Manifest.Threshold
            ? null
            : new VisionError(VisionError.NotACattleFace, $"this does not look like a cattle face (score {logit:0.00}, needs {Manifest.Threshold:0.00}); frame the animal's face and retake");
    }

    public void Dispose() => _model.Dispose();
}

/// <summary>A model file that ONNX Runtime cannot load, or that lacks the input or output its manifest
/// names: the message says which file and why, so a partner's model that does not fit is refused at start.</summary>
public sealed class ModelLoadException(string message) : Exception(message);

/// <summary>An ONNX image model driven by its manifest: preprocessing (size, colour order, layout,
/// normalisation) and the named input and output, so a partner's model drops in without code.</summary>
public sealed class ImageModel : IDisposable
{
    private readonly InferenceSession _session;

    public ImageModel(ModelManifest manifest, string kind, int threads = 1)
    {
        if (manifest.Kind != kind)
            throw new ArgumentException($"{manifest.Id} is a {manifest.Kind} model, not a {kind}", nameof(manifest));
        Manifest = manifest;
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        try
        {
            _session = new InferenceSession(manifest.ModelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelLoadException($"{manifest.ModelPath} (the manifest's file) cannot be loaded: {e.Message}");
        }
        var problem = Missing("input", manifest.Input.Name, _session.InputMetadata.Keys)
                      ?? Missing("output", manifest.Output.Name, _session.OutputMetadata.Keys);
        if (problem is not null)
        {
            _session.Dispose();
            throw new ModelLoadException($"{manifest.ModelPath}: {problem}");
        }
    }

    private static string? Missing(string what, string named, IEnumerable<string> present) =>
        present.Contains(named) ? null : $"the manifest's {what}.name '{named}' is not among the model's {what}s ({string.Join(", ", present)})";

    public ModelManifest Manifest { get; }

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

    public void Dispose() => _session.Dispose();
}

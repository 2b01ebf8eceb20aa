using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgriInsure.Edge.Vision;

/// <summary>Everything code needs to run an embedding model, read from the JSON beside it, so a
/// partner's model drops in without a code change.</summary>
public sealed record ModelManifest
{
    public required string Id { get; init; }
    public required string Version { get; init; }
    public required string File { get; init; }

    /// <summary>"embedder" (output: an embedding; threshold: cosine similarity) or "face-check"
    /// (output: one logit; threshold: the logit at or above which a photo is a cattle face).</summary>
    public string Kind { get; init; } = Embedder;

    public const string Embedder = "embedder";
    public const string FaceCheck = "face-check";
    public required InputSpec Input { get; init; }
    public required OutputSpec Output { get; init; }

    /// <summary>For an embedder, the cosine similarity at or above which two photos are taken to be the
    /// same animal; for a face check, the logit at or above which a photo is a cattle face.</summary>
    public required float Threshold { get; init; }

    [JsonIgnore]
    public string Folder { get; init; } = "";

    public string ModelPath => Path.Combine(Folder, File);

    public sealed record InputSpec
    {
        public required string Name { get; init; }
        public required int Width { get; init; }
        public required int Height { get; init; }
        public required int Channels { get; init; }
        public string Colour { get; init; } = "rgb";
        public string Layout { get; init; } = "nchw";
        public float Scale { get; init; } = 1f / 255f;
        public required float[] Mean { get; init; }
        public required float[] Std { get; init; }
    }

    public sealed record OutputSpec
    {
        public required string Name { get; init; }
        public required int Size { get; init; }
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static bool TryLoad(string manifestPath, out ModelManifest? manifest, out string? error)
    {
        manifest = null;
        try
        {
            var parsed = JsonSerializer.Deserialize<ModelManifest>(System.IO.File.ReadAllBytes(manifestPath), Json);
            if (parsed is null)
                return Fail(out error, "the manifest is empty");
            manifest = parsed with { Folder = Path.GetDirectoryName(Path.GetFullPath(manifestPath))! };
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return Fail(out error, $"cannot read {manifestPath}: {e.Message}");
        }
        error = Check(manifest);
        if (error is not null)
            manifest = null;
        return error is null;
    }

    private static string? Check(ModelManifest m)
    {
        if (m.Input.Channels is not (1 or 3))
            return $"input.channels is {m.Input.Channels}; 1 (grey) or 3 (rgb/bgr) are supported";
        if (m.Input.Colour is not ("rgb" or "bgr" or "grey"))
            return $"input.colour '{m.Input.Colour}' is not rgb, bgr or grey";
        if ((m.Input.Colour == "grey") != (m.Input.Channels == 1))
            return "input.colour grey goes with exactly one channel";
        if (m.Input.Layout is not ("nchw" or "nhwc"))
            return $"input.layout '{m.Input.Layout}' is not nchw or nhwc";
        if (m.Input.Width is < 8 or > 1024 || m.Input.Height is < 8 or > 1024)
            return $"input size {m.Input.Width}×{m.Input.Height} is outside 8..1024";
        if (m.Input.Mean.Length != m.Input.Channels || m.Input.Std.Length != m.Input.Channels || m.Input.Std.Any(s => s <= 0))
            return "input.mean and input.std need one value per channel, std > 0";
        return m.Kind switch
        {
            Embedder when m.Output.Size is < 8 or > 4096 => $"output.size {m.Output.Size} is outside 8..4096",
            Embedder when m.Threshold is <= -1 or >= 1 => $"threshold {m.Threshold} is not a cosine similarity in (-1, 1)",
            FaceCheck when m.Output.Size != 1 => $"output.size {m.Output.Size}: a face check gives one logit",
            FaceCheck when !float.IsFinite(m.Threshold) => "threshold is not a finite logit",
            Embedder or FaceCheck => null,
            _ => $"kind '{m.Kind}' is neither {Embedder} nor {FaceCheck}",
        };
    }

    private static bool Fail(out string error, string message)
    {
        error = message;
        return false;
    }
}

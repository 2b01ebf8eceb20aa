using System.Text.Json;
using AgriInsure.Edge.Vision;
using AgriInsure.Tests;

namespace AgriInsure.Edge.Vision.Tests;

public class FaceEmbedderTests
{
    private static ModelManifest Shipped()
    {
        Assert.True(ModelManifest.TryLoad(Repo.Manifest, out var manifest, out var error), error);
        return manifest!;
    }

    /// <summary>For an int8 model the stored outputs are torch's emulation of ONNX Runtime's integer
    /// arithmetic, so this also proves that emulation, which the model card's figures come from; the
    /// float network it was quantised from is checked against torch's float outputs.</summary>
    [Fact]
    public void Matches_the_training_framework_on_stored_inputs()
    {
        var manifest = Shipped();
        AssertParity(manifest, "output");
        using var json = JsonDocument.Parse(File.ReadAllBytes(Repo.Manifest));
        if (json.RootElement.TryGetProperty("quantisation", out var quantisation))
            AssertParity(manifest with { File = quantisation.GetProperty("from").GetString()! }, "float_output");
    }

    private static void AssertParity(ModelManifest manifest, string outputs)
    {
        using var parity = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Repo.Models, $"{manifest.Id}.parity.json")));
        var root = parity.RootElement;
        var input = Floats(root.GetProperty("input").GetString()!);
        var expected = Floats(root.GetProperty(outputs).GetString()!);
        var batch = root.GetProperty("shape")[0].GetInt32();
        using var embedder = new FaceEmbedder(manifest);
        var actual = embedder.Run(input, batch);
        Assert.Equal(expected.Length, actual.Length);
        var maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(maxDiff < 1e-4, $"{manifest.File}: max abs difference {maxDiff}");
    }

    /// <summary>The parity inputs are the first photos of the first test identity, preprocessed by the
    /// training script (PIL). The C# preprocessing of the same files must give nearly the same tensor
    /// and embedding, or the model sees different pictures in the field than in training.</summary>
    [Fact]
    public void Preprocessing_matches_training_on_the_parity_photos()
    {
        var manifest = Shipped();
        using var manifestJson = JsonDocument.Parse(File.ReadAllBytes(Repo.Manifest));
        var identity = manifestJson.RootElement.GetProperty("training").GetProperty("split").GetProperty("test")[0].GetString()!.Split('/');
        var folder = identity[0] == "holstein2025"
            ? Path.Combine(Repo.SharedData, "cattle", "holstein2025", "datasets_v2", identity[1])
            : Path.Combine(Repo.SharedData, "cattle", identity[0], identity[1]);
        using var parity = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Repo.Models, $"{manifest.Id}.parity.json")));
        var stored = Floats(parity.RootElement.GetProperty("input").GetString()!);
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToArray();
        using var embedder = new FaceEmbedder(manifest);
        var plane = stored.Length / parity.RootElement.GetProperty("shape")[0].GetInt32();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(PhotoDecoder.TryDecode(File.ReadAllBytes(files[i]), out var image, out _));
            using (image)
            {
                var mine = embedder.Preprocess(image!);
                var theirs = stored.AsSpan(i * plane, plane).ToArray();
                var meanAbs = mine.Zip(theirs, (a, b) => Math.Abs(a - b)).Average();
                Assert.True(meanAbs < 0.03, $"{Path.GetFileName(files[i])}: mean abs difference {meanAbs:0.0000}");
                var a1 = embedder.Run(mine, 1);
                var b1 = embedder.Run(theirs, 1);
                var cos = a1.Zip(b1, (x, y) => x * y).Sum() / Math.Sqrt(a1.Sum(x => x * x) * b1.Sum(x => x * x));
                Assert.True(cos > 0.98, $"{Path.GetFileName(files[i])}: embedding cosine {cos:0.0000}");
            }
        }
    }

    [Fact]
    public void Two_photos_of_one_cow_score_higher_than_photos_of_two_cows()
    {
        var root = Path.Combine(Repo.SharedData, "cattle", "holstein2025", "datasets_v2");
        var cows = Directory.GetDirectories(root).Order(StringComparer.Ordinal).Take(2).ToArray();
        using var embedder = new FaceEmbedder(Shipped());
        float[] Embed(string file)
        {
            Assert.True(PhotoDecoder.TryDecode(File.ReadAllBytes(file), out var image, out _));
            using (image)
                return embedder.Embed(image!);
        }
        var a = Directory.GetFiles(cows[0]).Order(StringComparer.Ordinal).Take(2).Select(Embed).ToArray();
        var b = Embed(Directory.GetFiles(cows[1]).Order(StringComparer.Ordinal).First());
        var same = a[0].Zip(a[1], (x, y) => x * y).Sum();
        var different = a[0].Zip(b, (x, y) => x * y).Sum();
        Assert.True(same > different, $"same cow {same:0.000}, different cows {different:0.000}");
    }

    [Theory]
    [InlineData("\"channels\": 3", "\"channels\": 2", "channels")]
    [InlineData("\"layout\": \"nchw\"", "\"layout\": \"chw\"", "layout")]
    [InlineData("\"threshold\": ", "\"threshold\": 7, \"x\": ", "threshold")]
    public void A_bad_manifest_is_refused_with_the_reason(string from, string to, string expected)
    {
        using var dir = new TempFolder();
        var text = File.ReadAllText(Repo.Manifest);
        Assert.Contains(from, text);
        var path = dir.File("m.json");
        File.WriteAllText(path, text.Replace(from, to));
        Assert.False(ModelManifest.TryLoad(path, out var manifest, out var error));
        Assert.Null(manifest);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void A_missing_or_broken_manifest_is_refused()
    {
        using var dir = new TempFolder();
        Assert.False(ModelManifest.TryLoad(dir.File("none.json"), out _, out var missing));
        Assert.Contains("cannot read", missing);
        File.WriteAllText(dir.File("broken.json"), "{ nope");
        Assert.False(ModelManifest.TryLoad(dir.File("broken.json"), out _, out var broken));
        Assert.Contains("cannot read", broken);
    }

    [Fact]
    public void A_model_file_that_does_not_fit_its_manifest_is_refused_with_the_reason()
    {
        using var dir = new TempFolder();
        var manifest = Shipped() with { Folder = dir.Path };
        File.WriteAllText(dir.File(manifest.File), "not an onnx file");
        var broken = Assert.Throws<ModelLoadException>(() => new FaceEmbedder(manifest));
        Assert.Contains("cannot be loaded", broken.Message);
        Assert.Contains(manifest.File, broken.Message);

        var renamed = Shipped() with { Output = new ModelManifest.OutputSpec { Name = "features", Size = Shipped().Output.Size } };
        var wrongName = Assert.Throws<ModelLoadException>(() => new FaceEmbedder(renamed));
        Assert.Contains("output.name 'features'", wrongName.Message);
    }

    private static float[] Floats(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}

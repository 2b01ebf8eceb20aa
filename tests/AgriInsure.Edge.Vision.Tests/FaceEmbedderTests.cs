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

    [Fact]
    public void Matches_the_training_framework_on_stored_inputs()
    {
        var manifest = Shipped();
        using var parity = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Repo.Models, $"{manifest.Id}.parity.json")));
        var root = parity.RootElement;
        var input = Floats(root.GetProperty("input").GetString()!);
        var expected = Floats(root.GetProperty("output").GetString()!);
        var batch = root.GetProperty("shape")[0].GetInt32();
        using var embedder = new FaceEmbedder(manifest);
        var actual = embedder.Run(input, batch);
        Assert.Equal(expected.Length, actual.Length);
        var maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(maxDiff < 1e-4, $"max abs difference {maxDiff}");
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

    private static float[] Floats(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}

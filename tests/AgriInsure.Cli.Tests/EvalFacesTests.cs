using System.Text.Json;
using AgriInsure.Cli;
using AgriInsure.Edge.Vision;
using AgriInsure.Evaluation;
using AgriInsure.Tests;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgriInsure.Cli.Tests;

public class EvalFacesTests
{
    /// <summary>A DIR as users hand it over: good animals, and every kind of bad input beside them.</summary>
    private static string MessyFolder(TempFolder dir)
    {
        var root = Path.Combine(dir.Path, "faces");
        var cattely = Path.Combine(Repo.SharedData, "cattle", "cattely");
        foreach (var animal in new[] { "s1778", "s1805", "sn22" })
        {
            var target = Directory.CreateDirectory(Path.Combine(root, animal)).FullName;
            foreach (var file in Directory.GetFiles(Path.Combine(cattely, animal)).Order(StringComparer.Ordinal).Take(6))
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        var first = Directory.GetFiles(Path.Combine(root, "s1778")).Order(StringComparer.Ordinal).First();
        using (var face = Image.Load<Rgb24>(first))
        {
            // The same animal as grey PNG, PNG with alpha, and a JPEG stored rotated with an EXIF tag.
            using var grey = face.CloneAs<L8>();
            grey.SaveAsPng(Path.Combine(root, "s1778", "grey.png"));
            using var alpha = face.CloneAs<Rgba32>();
            alpha.SaveAsPng(Path.Combine(root, "s1778", "alpha.png"), new PngEncoder { ColorType = PngColorType.RgbWithAlpha });
            using var rotated = face.Clone(x => x.Rotate(RotateMode.Rotate270));
            var exif = new ExifProfile();
            exif.SetValue(ExifTag.Orientation, (ushort)6);
            rotated.Metadata.ExifProfile = exif;
            rotated.SaveAsJpeg(Path.Combine(root, "s1778", "rotated.jpg"));
        }
        File.WriteAllBytes(Path.Combine(root, "s1805", "empty.jpg"), []);
        File.WriteAllText(Path.Combine(root, "s1805", "notes.jpg"), "not a photo");
        File.WriteAllText(Path.Combine(root, "s1805", "README.txt"), "ignored: not a photo extension");
        File.WriteAllBytes(Path.Combine(root, "s1805", "IMG_0001.HEIC"), PhoneFiles.Heic());
        Directory.CreateDirectory(Path.Combine(root, "no-photos"));
        var single = Directory.CreateDirectory(Path.Combine(root, "one-photo")).FullName;
        File.Copy(Directory.GetFiles(Path.Combine(cattely, "s1918")).Order(StringComparer.Ordinal).First(), Path.Combine(single, "only.jpg"));
        return root;
    }

    [Fact]
    public async Task Bad_inputs_are_counted_and_reported_not_crashed_on()
    {
        using var dir = new TempFolder();
        var json = dir.File("out/report.json");
        var plot = dir.File("det.png");
        var code = await Commands.RunAsync(["eval", "faces", "--data", MessyFolder(dir), "--json", json, "--plot", plot, "--model", Repo.Manifest, "--face-check", Repo.FaceCheck]);
        Assert.Equal(0, code);
        using var report = JsonDocument.Parse(File.ReadAllBytes(json));
        var r = report.RootElement;
        // 3 animals × 6 photos + 3 variants + 1 single photo; the empty folder holds none.
        Assert.Equal(22, r.GetProperty("images").GetInt32());
        Assert.Equal(4, r.GetProperty("identities").GetInt32());
        // The empty folder and the one-photo animal take no part in either k-shot figure.
        Assert.Equal(2, r.GetProperty("skipped_identities_1shot").GetInt32());
        Assert.Equal(2, r.GetProperty("skipped_identities_3shot").GetInt32());
        foreach (var key in new[] { "rank1_1shot", "rank1_3shot", "tar_at_far_1pct", "tar_at_far_0_1pct", "eer", "false_duplicate_rate", "threshold" })
            Assert.InRange(r.GetProperty(key).GetDouble(), -1, 1);
        var photos = r.GetProperty("photos");
        Assert.Equal(25, photos.GetProperty("files").GetInt32());
        Assert.Equal(3, photos.GetProperty("unreadable").GetInt32());
        Assert.Equal(
            new Dictionary<string, int> { [VisionError.Empty] = 1, [VisionError.UnknownFormat] = 1, [VisionError.UnsupportedFormat] = 1 },
            photos.GetProperty("unreadable_by_reason").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32()));
        Assert.Equal(1, photos.GetProperty("not_photos").GetInt32());
        Assert.True(new FileInfo(plot).Length > 1000);
    }

    /// <summary>The shipped model on <paramref name="folder"/>, without the face check.</summary>
    private static (EvaluationReport Report, PhotoAccounting Photos) Evaluate(string folder)
    {
        Assert.True(ModelManifest.TryLoad(Repo.Manifest, out var manifest, out var error), error);
        var (report, photos, _) = new FaceEvaluationRun(manifest!, new QualityGate(new QualityOptions()), faceCheck: null).Run(FaceEvaluationRun.Scan(folder), 7, CancellationToken.None);
        return (report, photos);
    }

    [Fact]
    public void The_run_counts_each_kind_of_bad_photo()
    {
        using var dir = new TempFolder();
        var (report, photos) = Evaluate(MessyFolder(dir));
        Assert.Equal(3, photos.Unreadable);
        Assert.Equal(1, photos.EmptyFolders);
        Assert.Equal(5, photos.Folders);
        Assert.Equal(25, photos.Photos);
        Assert.Contains(photos.Problems, p => p.Contains("empty.jpg") && p.Contains(VisionError.Empty));
        Assert.Contains(photos.Problems, p => p.Contains("IMG_0001.HEIC") && p.Contains($"{VisionError.UnsupportedFormat}: a HEIC/HEIF photo"));
        Assert.Equal([Path.Combine("s1805", "README.txt")], photos.NotPhotos);
        Assert.Contains(("unreadable photos by reason", "empty-file 1, unknown-format 1, unsupported-format 1"), photos.SummaryRows());
        Assert.Contains(("other files (not photos, ignored)", "1"), photos.SummaryRows());
        Assert.Equal(22, report.Images);
    }

    /// <summary>A phone's export: one cow's JPEGs under every name phones and tools give them (a motion photo
    /// among them, one without an extension), and a cow photographed in HEIC, one of them named .jpg.</summary>
    private static string PhoneFolder(TempFolder dir)
    {
        var root = Path.Combine(dir.Path, "phone");
        var cattely = Path.Combine(Repo.SharedData, "cattle", "cattely");
        var jpegs = Directory.CreateDirectory(Path.Combine(root, "s1778")).FullName;
        var names = new[] { "a.jpg", "b.jfif", "c.JPE", "d.jpeg", "MVIMG_0005.jpg", "IMG_0006" };
        var sources = Directory.GetFiles(Path.Combine(cattely, "s1778")).Order(StringComparer.Ordinal).Take(names.Length).ToArray();
        for (var i = 0; i < names.Length; i++)
        {
            var bytes = File.ReadAllBytes(sources[i]);
            File.WriteAllBytes(Path.Combine(jpegs, names[i]), names[i].StartsWith("MVIMG", StringComparison.Ordinal) ? PhoneFiles.MotionPhoto(bytes) : bytes);
        }
        var heic = Directory.CreateDirectory(Path.Combine(root, "s1805")).FullName;
        foreach (var name in new[] { "IMG_0001.HEIC", "IMG_0002.HEIC", "IMG_0003.heif", "IMG_0004.jpg" })
            File.WriteAllBytes(Path.Combine(heic, name), PhoneFiles.Heic());
        return root;
    }

    [Fact]
    public void Jpeg_aliases_and_motion_photos_are_evaluated_and_heic_photos_counted_with_their_reason()
    {
        using var dir = new TempFolder();
        var (report, photos) = Evaluate(PhoneFolder(dir));
        Assert.Equal(10, photos.Photos);
        Assert.Equal(6, report.Images);
        Assert.Equal(4, photos.Unreadable);
        Assert.Equal(new Dictionary<string, int> { [VisionError.UnsupportedFormat] = 4 }, photos.UnreadableByReason);
        Assert.Equal(1, photos.EmptyFolders);
        Assert.Empty(photos.NotPhotos);
        foreach (var name in new[] { "IMG_0001.HEIC", "IMG_0002.HEIC", "IMG_0003.heif", "IMG_0004.jpg" })
            Assert.Contains(photos.Problems, p => p.StartsWith(Path.Combine("s1805", name), StringComparison.Ordinal) && p.Contains("HEIC/HEIF"));
    }

    [Fact]
    public async Task A_folder_without_animal_folders_is_a_usage_error()
    {
        using var dir = new TempFolder();
        Assert.Equal(2, await Commands.RunAsync(["eval", "faces", "--data", dir.Path, "--json", dir.File("r.json")]));
        Assert.Equal(2, await Commands.RunAsync(["eval", "faces", "--data", dir.File("missing"), "--json", dir.File("r.json")]));
        Assert.Equal(2, await Commands.RunAsync(["eval", "faces", "--json", dir.File("r.json")]));
        Assert.False(File.Exists(dir.File("r.json")));
    }

    [Fact]
    public async Task A_model_file_that_cannot_be_loaded_is_an_error_not_a_crash()
    {
        using var dir = new TempFolder();
        File.Copy(Repo.Manifest, dir.File("m.json"));
        using (var manifest = JsonDocument.Parse(File.ReadAllBytes(Repo.Manifest)))
            File.WriteAllText(dir.File(manifest.RootElement.GetProperty("file").GetString()!), "truncated");
        Assert.Equal(2, await Commands.RunAsync(["eval", "faces", "--data", MessyFolder(dir), "--json", dir.File("r.json"), "--model", dir.File("m.json"), "--face-check", "none"]));
        Assert.False(File.Exists(dir.File("r.json")));
    }
}

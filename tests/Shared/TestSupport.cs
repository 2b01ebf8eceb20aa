namespace AgriInsure.Tests;

/// <summary>A folder deleted when the test ends.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agri-test-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Where the repository and ../shared/data are, found from the test binary.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Models => System.IO.Path.Combine(Root, "models");

    public static string Manifest => System.IO.Path.Combine(Models, "cattle-face-embedder.manifest.json");

    public static string FaceCheck => System.IO.Path.Combine(Models, "cattle-face-check.manifest.json");

    /// <summary>../shared/data; a test that needs it fails with this message rather than skipping.</summary>
    public static string SharedData
    {
        get
        {
            var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, "..", "shared", "data"));
            if (!Directory.Exists(path))
                throw new InvalidOperationException($"test data not found at {path}: lay ../shared/data beside the repository");
            return path;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "AgriInsure.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("AgriInsure.sln not found above the test binary");
    }
}

/// <summary>A clock that stands where a test puts it.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

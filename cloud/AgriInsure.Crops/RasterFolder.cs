using AgriInsure.Domain;

namespace AgriInsure.Crops;

/// <summary>The rasters the cloud holds: files under one folder, named by their path relative to it
/// (<c>2027/ndvi_may.tif</c>). A name is never a path out of the folder: absolute paths, <c>..</c> segments, GDAL's
/// virtual file systems (<c>/vsicurl/…</c>) and links leading outside are refused, so a request cannot make the cloud
/// open, or say whether it has, any other file.</summary>
public sealed class RasterFolder(string root)
{
    /// <summary>The longest raster name taken.</summary>
    public const int MaxName = 200;

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The full path of the raster <paramref name="name"/>; fails naming <paramref name="field"/> for a name
    /// that is not a relative path of letters, digits, <c>- _ .</c> and <c>/</c> inside the folder, or names no file.</summary>
    public Result<string> Resolve(string? name, string field)
    {
        if (string.IsNullOrWhiteSpace(name))
            return Result<string>.Fail(field, "is empty; name a raster in the cloud's raster folder");
        if (name.Length > MaxName)
            return Result<string>.Fail(field, $"is {name.Length} characters; at most {MaxName}");
        var segments = name.Split('/');
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/') || segments.Any(s => s.Length == 0 || s.All(c => c == '.')))
            return Result<string>.Fail(field, $"'{Shown(name)}' is not a raster name: a path relative to the raster folder, of letters, digits, '-', '_', '.' and '/', without '..' or empty parts");
        var path = Path.GetFullPath(Path.Combine(Root, Path.Combine(segments)));
        if (!Inside(Root, path) || !File.Exists(path))
            return Result<string>.Fail(field, $"the cloud holds no raster '{name}'");
        // The operator's own link: saying it leads out tells nothing of the files outside.
        if (!Inside(Followed(Root), Followed(Root, segments)))
            return Result<string>.Fail(field, $"'{name}' is a link leading out of the raster folder, and links are followed only inside it: copy the raster into the folder");
        return Result<string>.Ok(path);
    }

    /// <summary>The extensions of the files <see cref="Names"/> lists: GeoTIFF (and COG), VRT, JPEG 2000, ERDAS Imagine.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".tif", ".tiff", ".vrt", ".jp2", ".img"];

    /// <summary>The names (as <see cref="Resolve"/> takes them) of the raster files in the folder and below it, by
    /// <see cref="Extensions"/>, in ordinal order; files whose names <see cref="Resolve"/> refuses are left out, and linked
    /// folders are not entered (a link back up would list the same files again, without end).</summary>
    public IReadOnlyList<string> Names()
    {
        var names = new List<string>();
        var folders = new Stack<string>([Root]);
        while (folders.TryPop(out var folder))
        {
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System }))
            {
                if (entry is DirectoryInfo sub)
                {
                    if (sub.LinkTarget is null)
                        folders.Push(sub.FullName);
                }
                else if (Extensions.Contains(entry.Extension.ToLowerInvariant()))
                {
                    var name = Path.GetRelativePath(Root, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
                    if (Resolve(name, "raster").IsOk)
                        names.Add(name);
                }
            }
        }
        return [.. names.Order(StringComparer.Ordinal)];
    }

    private static bool Inside(string folder, string path) => path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Where <paramref name="folder"/> joined with <paramref name="segments"/> leads once a link at any step is followed.</summary>
    private static string Followed(string folder, params string[] segments)
    {
        var current = Follow(folder);
        foreach (var segment in segments)
            current = Follow(Path.Combine(current, segment));
        return current;

        static string Follow(string path) =>
            new FileInfo(path).LinkTarget is null ? path : Path.GetFullPath(new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)!.FullName);
    }

    private static string Shown(string name) => name.Length > 64 ? name[..64] + "…" : name;
}

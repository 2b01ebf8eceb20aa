using System.Text.Json;

namespace AgriInsure.Cli;

/// <summary>Every file a command writes goes to a temporary name first and is moved into place, so a
/// failed or interrupted command never leaves a partial report behind.</summary>
internal static class OutputFiles
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void WriteJson<T>(string path, T value) => WriteText(path, JsonSerializer.Serialize(value, Indented));

    public static void WriteText(string path, string text) => Write(path, temp => File.WriteAllText(temp, text));

    /// <summary><paramref name="write"/> writes the content to the temporary path it is given.</summary>
    public static void Write(string path, Action<string> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = $"{full}.{Guid.NewGuid():N}.tmp{Path.GetExtension(full)}";
        try
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    /// <summary>All or nothing: every output is written to a temporary file beside it first, and only when
    /// all are written are they moved into place; on any failure the temporaries are deleted and no output
    /// (old or new) is touched. Outputs with a null path are skipped.</summary>
    public static void WriteAll(params (string? Path, Action<string> Write)[] outputs)
    {
        var pending = new List<(string Temp, string Full)>();
        try
        {
            foreach (var (path, write) in outputs)
            {
                if (path is null)
                    continue;
                var full = Path.GetFullPath(path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                var temp = $"{full}.{Guid.NewGuid():N}.tmp{Path.GetExtension(full)}";
                pending.Add((temp, full));
                try
                {
                    write(temp);
                }
                // The user named the output, not our temporary beside it: say it in their terms.
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new IOException($"{full}: {e.Message.Replace(temp, full, StringComparison.Ordinal)}", e);
                }
            }
            foreach (var (temp, full) in pending)
                File.Move(temp, full, overwrite: true);
        }
        finally
        {
            foreach (var (temp, _) in pending)
            {
                if (File.Exists(temp))
                    File.Delete(temp);
            }
        }
    }
}

/// <summary>A hidden folder inside <paramref name="target"/> for outputs made piece by piece, deleted with
/// whatever is left in it when disposed; the target itself too when this made it and it stayed empty.</summary>
internal sealed class StagingFolder : IDisposable
{
    private readonly bool _madeTarget;

    public StagingFolder(string target)
    {
        var full = System.IO.Path.GetFullPath(target);
        _madeTarget = !Directory.Exists(full);
        Path = System.IO.Path.Combine(full, $".agri-partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
        var parent = System.IO.Path.GetDirectoryName(Path)!;
        if (_madeTarget && Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any())
            Directory.Delete(parent);
    }
}

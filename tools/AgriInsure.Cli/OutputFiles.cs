namespace AgriInsure.Cli;

/// <summary>Every file a command writes goes to a temporary name first and is moved into place, so a
/// failed or interrupted command never leaves a partial report behind.</summary>
internal static class OutputFiles
{
    /// <summary>Before any work: each output named can be written, so that a long run does not end in an
    /// error after the work is done. A folder, a file that exists (unless <paramref name="overwrite"/>) and
    /// one path given for two outputs are usage errors; a place that cannot be written (no permission, a
    /// read-only file system, a file where a folder should be) is an <see cref="OutputException"/>. Outputs
    /// with a null path are skipped.</summary>
    public static void Check(bool overwrite, params (string Flag, string? Path)[] outputs)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (flag, path) in outputs)
        {
            if (path is null)
                continue;
            if (string.IsNullOrWhiteSpace(path))
                throw new UsageException($"{flag}: give a file name, not an empty one");
            var full = Path.GetFullPath(path);
            if (seen.TryGetValue(full, out var other))
                throw new UsageException($"{flag} {path} is also given as {other}; each output needs its own file");
            seen[full] = flag;
            if (Directory.Exists(full))
                throw new UsageException($"{flag} {path} is a folder; it takes a file name");
            if (File.Exists(full) && IsDatabase(full))
                throw new UsageException($"{flag} {path} is a database (a registry, a ledger, an outbox): an output never replaces one, even with --overwrite");
            if (File.Exists(full) && !overwrite)
                throw new UsageException($"{flag} {path} exists; give --overwrite to replace it, or another name");
            Writable(flag, path, Path.GetDirectoryName(full)!);
        }
    }

    /// <summary>Whether the file starts with SQLite's header: the cloud's and the handheld's stores, which a verb reads as
    /// evidence (a ledger to verify, a registry to reconcile) and no report may replace.</summary>
    private static bool IsDatabase(string path)
    {
        try
        {
            Span<byte> header = stackalloc byte[16];
            using var file = File.OpenRead(path);
            return file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length && header.SequenceEqual("SQLite format 3\0"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Before any work: a folder for one image per plot, new or empty, so that images of this run
    /// are never mixed with (or written over) images of another, or with the user's own files.</summary>
    public static void CheckFolder(string flag, string? path)
    {
        if (path is null)
            return;
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            throw new UsageException($"{flag} {path} is a file; it takes a folder (one image per plot)");
        StagingFolder.RemoveStale(full, flag);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new UsageException($"{flag} {path} is not empty; give a new or empty folder, so that this run's images are not mixed with others");
        Writable(flag, path, Directory.Exists(full) ? full : Path.GetDirectoryName(full)!);
    }

    /// <summary>Writes and deletes a probe file in <paramref name="folder"/>, or in the nearest folder
    /// above it that exists (where the run will make the missing ones).</summary>
    private static void Writable(string flag, string path, string folder)
    {
        var existing = folder;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
                throw new OutputException($"{flag} {path}: {existing} is a file, not a folder");
            existing = Path.GetDirectoryName(existing) ?? throw new OutputException($"{flag} {path}: no folder of it exists");
        }
        var probe = Path.Combine(existing, $".agri-probe-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"{flag} {path}: cannot write in {existing}: {e.Message.Replace(probe, existing, StringComparison.Ordinal)}");
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
                // Drawing a season's growth curves takes seconds: Ctrl-C between files still leaves nothing.
                Commands.Interrupted.ThrowIfCancellationRequested();
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
            Commands.Interrupted.ThrowIfCancellationRequested();
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

    private const string Prefix = ".agri-partial-";
    private readonly FileStream _held;

    /// <summary>An exclusive lock on the staging folder's <c>.lock</c> while its run lives, so another run tells a
    /// stale folder from one in use; null when another process holds it.</summary>
    private static FileStream? Hold(string folder)
    {
        try
        {
            return new FileStream(System.IO.Path.Combine(folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public StagingFolder(string target)
    {
        var full = System.IO.Path.GetFullPath(target);
        _madeTarget = !Directory.Exists(full);
        Path = System.IO.Path.Combine(full, $"{Prefix}{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
        _held = Hold(Path) ?? throw new IOException($"cannot hold {Path}");
        // A process ended by the signal itself (a second Ctrl-C, or one landing where .NET does not deliver it to us)
        // skips the using's Dispose; the runtime still runs exit handlers.
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    private void OnExit(object? sender, EventArgs e) => Dispose();

    /// <summary>Removes staging folders a run killed before it could clean up left in <paramref name="target"/>
    /// (only ours, by their name), and says so.</summary>
    public static void RemoveStale(string target, string flag)
    {
        if (!Directory.Exists(target))
            return;
        foreach (var stale in Directory.EnumerateDirectories(target, Prefix + "*"))
        {
            using (var held = Hold(stale))
            {
                if (held is null)
                    continue;
            }
            Directory.Delete(stale, recursive: true);
            Console.Error.WriteLine($"agri: {flag}: removed {System.IO.Path.GetFileName(stale)}, the unfinished maps of a run that was stopped");
        }
    }

    public string Path { get; }

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        _held.Dispose();
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
        var parent = System.IO.Path.GetDirectoryName(Path)!;
        if (_madeTarget && Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any())
            Directory.Delete(parent);
    }
}

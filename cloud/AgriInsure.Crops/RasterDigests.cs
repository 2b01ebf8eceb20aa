using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace AgriInsure.Crops;

/// <summary>SHA-256 of a raster file's content, as evidence records name it, computed once per file version: a batch
/// measuring 1,000 plots on one 1 GB raster would otherwise read 1 TB. A version is the file's full path, length and
/// last write time (UTC, 100 ns ticks); a file rewritten in place changes the last, so it is hashed again.</summary>
internal static class RasterDigests
{
    private const int Capacity = 512;
    private static readonly ConcurrentDictionary<(string Path, long Length, long Written), Lazy<Task<string>>> Known = new();

    /// <summary>Lower-case hex SHA-256 of the file at <paramref name="path"/>. Errors: those of opening and reading it.</summary>
    public static async Task<string> OfAsync(string path, CancellationToken ct)
    {
        var info = new FileInfo(path);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc.Ticks);
        if (Known.Count >= Capacity)
            Known.Clear();
        var digest = Known.GetOrAdd(key, k => new Lazy<Task<string>>(() => HashAsync(k.Path)));
        try
        {
            return await digest.Value.WaitAsync(ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // A failed read is not remembered: the next request tries the file again.
            Known.TryRemove(key, out _);
            throw;
        }
    }

    // Not cancelled by the first caller's token: others may be waiting on the same hash.
    private static async Task<string> HashAsync(string path)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
    }
}

namespace AgriInsure.Storage.LocalFolder;

/// <summary>The embedded blob store: one file per blob under a root folder, a content key
/// <c>sha256/9f86…</c> at <c>sha256/9f/9f86…</c> (256 subfolders, so no folder holds millions of files) and a key from
/// before content addressing at its own path (<c>crops/t1/…/0.jpg</c>). Writes go to a temporary file first and are
/// renamed into place, so a reader never sees half a blob, even after a crash. The content type is not kept: reads
/// return bytes only.</summary>
public sealed class LocalFolderBlobStore : IBlobStore
{
    private readonly string _root;

    public LocalFolderBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public async Task<string> PutAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken ct = default)
    {
        BlobKeys.CheckContentType(contentType);
        ct.ThrowIfCancellationRequested();
        var key = BlobKeys.Of(content.Span);
        try
        {
            await WriteAsync(key, content, ct);
            return key;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlobStoreException(key, $"cannot write it under {_root}: {e.Message}", e);
        }
    }

    private async Task WriteAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        var path = FileOf(key);
        if (await HoldsAsync(path, key, ct))
            return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, ct);
                await stream.FlushAsync(ct);
                stream.Flush(flushToDisk: true);
            }
            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another put of the same bytes won the race, or the file there is damaged: keep a good one, replace
                // a damaged one (a rename replaces atomically, so a reader sees the old file or the new, whole).
                if (!await HoldsAsync(path, key, ct))
                    File.Move(temp, path, overwrite: true);
            }
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken ct = default)
    {
        var path = FileOf(key);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, ct);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlobStoreException(key, $"cannot read {path}: {e.Message}", e);
        }
        BlobKeys.Verify(key, bytes);
        return bytes;
    }

    public Task<bool> ExistsAsync(string key, CancellationToken ct = default)
    {
        var path = FileOf(key);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(File.Exists(path));
    }

    /// <summary>The file that holds (or would hold) the blob of a key, for people who open it by hand (the review
    /// verbs print it). Errors: <see cref="ArgumentException"/> for a key <see cref="BlobKeys.Check"/> refuses.</summary>
    public string FileOf(string key)
    {
        BlobKeys.Check(key);
        if (BlobKeys.IsContentKey(key))
        {
            var hex = key[BlobKeys.ContentPrefix.Length..];
            return Path.Combine(_root, "sha256", hex[..2], hex);
        }
        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>Whether the file exists and its bytes hash to the key.</summary>
    private static async Task<bool> HoldsAsync(string path, string key, CancellationToken ct)
    {
        try
        {
            return BlobKeys.Of(await File.ReadAllBytesAsync(path, ct)) == key;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }
}

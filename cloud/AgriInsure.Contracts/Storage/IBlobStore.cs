namespace AgriInsure.Storage;

/// <summary>Where photos, rasters and contract PDFs live. Keys are slash-separated paths such as
/// <c>crops/tenant/01J….jpg</c>. A put of the same key and bytes twice is a no-op, so retries are safe.</summary>
public interface IBlobStore
{
    Task PutAsync(string key, ReadOnlyMemory<byte> content, string contentType, CancellationToken ct = default);

    /// <summary>The blob's bytes, or null when there is none under that key.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken ct = default);

    Task<bool> ExistsAsync(string key, CancellationToken ct = default);

    Task DeleteAsync(string key, CancellationToken ct = default);
}

public static class BlobKeys
{
    /// <summary>Refuses keys that could escape a folder or confuse a cloud store.</summary>
    public static void Check(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 512)
            throw new ArgumentException("a blob key is 1 to 512 characters", nameof(key));
        foreach (var part in key.Split('/'))
        {
            if (part.Length == 0 || part is "." or "..")
                throw new ArgumentException($"'{key}' has an empty, '.' or '..' segment", nameof(key));
            if (!part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                throw new ArgumentException($"'{key}' may hold only A-Z a-z 0-9 - _ . and /", nameof(key));
        }
    }
}

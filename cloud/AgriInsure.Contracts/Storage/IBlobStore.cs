using System.Security.Cryptography;

namespace AgriInsure.Storage;

/// <summary>Where photos, rasters and contract PDFs live, filed by content: a put returns the key
/// <c>sha256/&lt;64 lowercase hex digits&gt;</c> (<see cref="BlobKeys.Of"/>), so the same bytes always get the same
/// key, a retried or repeated put is a no-op, and a key names exactly one content. There is no delete: one blob may
/// back records of several captures, so removing it would need to know every record that points to it.</summary>
public interface IBlobStore
{
    /// <summary>Stores <paramref name="content"/> and returns its key. Idempotent, also when two processes put the
    /// same bytes at once; the first put's content type is the one kept. Errors: <see cref="ArgumentException"/>
    /// (parameter <c>contentType</c>) for a content type that is not a media type (RFC 9110 §8.3.1), and
    /// <see cref="BlobStoreException"/> when the engine fails.</summary>
    Task<string> PutAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken ct = default);

    /// <summary>The blob's bytes, or null when there is none under that key. A content key's bytes are checked
    /// against it on every read: bytes that no longer hash to their key throw <see cref="BlobCorruptedException"/>.
    /// Keys written before blobs were content-addressed (<c>crops/tenant/capture/0.jpg</c>) are still read, without
    /// that check. Errors: <see cref="ArgumentException"/> (parameter <c>key</c>) for a key
    /// <see cref="BlobKeys.Check"/> refuses, <see cref="BlobStoreException"/> when the engine fails.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken ct = default);

    /// <summary>Whether a blob is stored under the key (its bytes are not read, so not checked). Errors as
    /// <see cref="GetAsync"/>.</summary>
    Task<bool> ExistsAsync(string key, CancellationToken ct = default);
}

/// <summary>The keys of a blob store: content keys <c>sha256/</c> + the lowercase hex SHA-256 (FIPS 180-4) of the
/// bytes, and the slash-separated keys that callers chose before (<c>crops/t1/01J…/0.jpg</c>), still readable. Both
/// forms are valid file paths below a folder and valid Azure blob names.</summary>
public static class BlobKeys
{
    public const string ContentPrefix = "sha256/";

    /// <summary>Length of a content key: the prefix and 64 hex digits.</summary>
    public const int ContentKeyLength = 7 + 64;

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>The content key of these bytes.</summary>
    public static string Of(ReadOnlySpan<byte> content) => ContentPrefix + Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Whether the key has the content form (checked with <see cref="Check"/> first).</summary>
    public static bool IsContentKey(string key) => key.StartsWith(ContentPrefix, StringComparison.Ordinal);

    /// <summary>Refuses keys that could escape a folder or confuse a cloud store, and <c>sha256/</c> keys that are not
    /// exactly 64 lowercase hex digits. Errors: <see cref="ArgumentException"/> with parameter <c>key</c> and the reason.</summary>
    public static void Check(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 512)
            throw new ArgumentException("a blob key is 1 to 512 characters", nameof(key));
        if (IsContentKey(key))
        {
            if (key.Length != ContentKeyLength || key.AsSpan(ContentPrefix.Length).ContainsAnyExcept(LowerHex))
                throw new ArgumentException($"'{key}' is not a content key: {ContentPrefix} and 64 lowercase hex digits", nameof(key));
            return;
        }
        foreach (var part in key.Split('/'))
        {
            if (part.Length == 0 || part is "." or "..")
                throw new ArgumentException($"'{key}' has an empty, '.' or '..' segment", nameof(key));
            if (!part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                throw new ArgumentException($"'{key}' may hold only A-Z a-z 0-9 - _ . and /", nameof(key));
        }
    }

    /// <summary>Throws <see cref="BlobCorruptedException"/> when a content key's bytes do not hash to it; bytes of a
    /// caller-chosen key have nothing to be checked against.</summary>
    public static void Verify(string key, ReadOnlySpan<byte> content)
    {
        if (!IsContentKey(key))
            return;
        var actual = Of(content);
        if (actual != key)
            throw new BlobCorruptedException(key, actual);
    }

    /// <summary>Refuses a content type that is not <c>type/subtype</c> with optional parameters (RFC 9110 §8.3.1).
    /// Errors: <see cref="ArgumentException"/> with parameter <c>contentType</c>.</summary>
    public static void CheckContentType(string contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)
            || !System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            || parsed.MediaType is null || parsed.MediaType.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            throw new ArgumentException($"'{contentType}' is not a media type such as image/jpeg", nameof(contentType));
    }
}

/// <summary>A blob store engine failed on <see cref="Key"/>: unreachable, refused the credentials, or answered with an
/// error; <see cref="Reason"/> says which, in the engine's words.</summary>
public class BlobStoreException(string key, string reason, Exception? inner = null) : Exception($"blob {key}: {reason}", inner)
{
    public string Key { get; } = key;

    public string Reason { get; } = reason;
}

/// <summary>The bytes stored under a content key hash to <see cref="ActualKey"/> instead: damaged on disk or replaced
/// behind the store's back. A put of the original bytes repairs the blob.</summary>
public sealed class BlobCorruptedException(string key, string actualKey)
    : BlobStoreException(key, $"the stored bytes hash to {actualKey}, not to their key; put the original bytes again to repair it")
{
    public string ActualKey { get; } = actualKey;
}

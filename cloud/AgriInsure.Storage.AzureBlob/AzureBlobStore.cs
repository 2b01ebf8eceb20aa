using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Storage.AzureBlob;

/// <summary>Blobs in one Azure Blob Storage container (Azurite in the tests), one block blob per content key, named
/// by the key itself (<c>sha256/9f86…</c>; the slash is a virtual folder) with the put's content type. A put is a
/// conditional create (<c>If-None-Match: *</c>): of two puts of the same bytes one creates the blob and the other gets
/// 409 or 412, reads what is there and keeps it when it hashes to the key. Every read is checked against its key.</summary>
public sealed class AzureBlobStore : IBlobStore
{
    /// <summary>Tries at one put: a damaged blob is replaced only if nobody changed it since it was read (<c>If-Match</c>),
    /// and another put that keeps replacing it in between is not a state worth waiting out.</summary>
    private const int PutAttempts = 3;

    private readonly BlobContainerClient _container;
    private readonly ILogger _log;

    public AzureBlobStore(BlobContainerClient container, ILogger<AzureBlobStore>? log = null)
    {
        _container = container;
        _log = log ?? NullLogger<AzureBlobStore>.Instance;
    }

    /// <summary>The client settings this engine is tested with: REST API version 2026-06-06, the newest Azurite 3.37.0
    /// accepts (Azure.Storage.Blobs 12.30.1 would send 2026-10-06 and get 400 InvalidHeaderValue); Azure itself
    /// serves that version too.</summary>
    public static BlobClientOptions ClientOptions() => new(BlobClientOptions.ServiceVersion.V2026_06_06);

    /// <summary>Opens the container <paramref name="container"/> of the account a connection string names, creating it
    /// when missing. Errors: <see cref="ArgumentException"/> (parameter <c>connectionString</c> or <c>container</c>)
    /// for a malformed connection string or a container name Azure refuses (3 to 63 lowercase letters, digits and
    /// single hyphens, starting and ending with a letter or digit); <see cref="BlobStoreException"/> (key
    /// <c>container/</c>) when the account cannot be reached or refuses.</summary>
    public static async Task<AzureBlobStore> OpenAsync(string connectionString, string container, ILogger<AzureBlobStore>? log = null,
        BlobClientOptions? options = null, CancellationToken ct = default)
    {
        CheckContainerName(container);
        BlobContainerClient client;
        try
        {
            client = new BlobContainerClient(connectionString, container, options ?? ClientOptions());
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // The message names the missing part; the connection string itself holds the account key, so it is not repeated.
            throw new ArgumentException($"not an Azure Storage connection string: {e.Message}", nameof(connectionString), e);
        }
        try
        {
            await client.CreateIfNotExistsAsync(cancellationToken: ct);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw Failed($"{container}/", "cannot open the container", e);
        }
        return new AzureBlobStore(client, log);
    }

    public async Task<string> PutAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken ct = default)
    {
        BlobKeys.CheckContentType(contentType);
        ct.ThrowIfCancellationRequested();
        var key = BlobKeys.Of(content.Span);
        var blob = _container.GetBlobClient(key);
        var conditions = new BlobRequestConditions { IfNoneMatch = ETag.All };
        for (var attempt = 0; attempt < PutAttempts; attempt++)
        {
            if (await TryUploadAsync(blob, key, content, contentType, conditions, ct))
            {
                _log.LogDebug("Stored blob {Key} ({Bytes} bytes, {ContentType})", key, content.Length, contentType);
                return key;
            }
            var stored = await DownloadAsync(blob, key, ct);
            if (stored is null)
            {
                conditions = new BlobRequestConditions { IfNoneMatch = ETag.All };
                continue;
            }
            if (BlobKeys.Of(stored.Content.ToMemory().Span) == key)
                return key;
            _log.LogWarning("Blob {Key} holds bytes that do not hash to it; replacing them with the put's", key);
            conditions = new BlobRequestConditions { IfMatch = stored.Details.ETag };
        }
        throw new BlobStoreException(key, $"it was changed by someone else during {PutAttempts} tries to store it");
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken ct = default)
    {
        BlobKeys.Check(key);
        ct.ThrowIfCancellationRequested();
        var stored = await DownloadAsync(_container.GetBlobClient(key), key, ct);
        if (stored is null)
            return null;
        var bytes = stored.Content.ToArray();
        try
        {
            BlobKeys.Verify(key, bytes);
        }
        catch (BlobCorruptedException e)
        {
            _log.LogWarning("Blob {Key} is damaged: its bytes hash to {Actual}", key, e.ActualKey);
            throw;
        }
        return bytes;
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken ct = default)
    {
        BlobKeys.Check(key);
        ct.ThrowIfCancellationRequested();
        try
        {
            return await _container.GetBlobClient(key).ExistsAsync(ct);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw Failed(key, "cannot tell whether it exists", e);
        }
    }

    /// <summary>True when stored; false when the conditions failed (409 BlobAlreadyExists or 412 ConditionNotMet:
    /// something is there already, or it changed since read).</summary>
    private static async Task<bool> TryUploadAsync(BlobClient blob, string key, ReadOnlyMemory<byte> content, string contentType,
        BlobRequestConditions conditions, CancellationToken ct)
    {
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            Conditions = conditions,
            // Content-MD5 on each request (RFC 1864): the service refuses bytes damaged on the way.
            TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
        };
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(content), options, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw Failed(key, "cannot store it", e);
        }
    }

    /// <summary>The blob's bytes and properties, or null when there is no blob under the key.</summary>
    private static async Task<BlobDownloadResult?> DownloadAsync(BlobClient blob, string key, CancellationToken ct)
    {
        try
        {
            return (await blob.DownloadContentAsync(ct)).Value;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return null;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw Failed(key, "cannot read it", e);
        }
    }

    /// <summary>A failure in the service's words: its status and error code, or why it could not be reached after the
    /// client's retries.</summary>
    private static BlobStoreException Failed(string key, string what, Exception e) => e switch
    {
        RequestFailedException { Status: > 0 } r => new BlobStoreException(key, $"{what}: Azure Blob Storage answered {r.Status} {r.ErrorCode}", e),
        _ => new BlobStoreException(key, $"{what}: Azure Blob Storage is unreachable ({(e.InnerException ?? e).Message})", e),
    };

    private static void CheckContainerName(string container)
    {
        if (container is null || container.Length is < 3 or > 63
            || !container.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            || container[0] == '-' || container[^1] == '-' || container.Contains("--", StringComparison.Ordinal))
            throw new ArgumentException($"'{container}' is not a container name: 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit", nameof(container));
    }
}

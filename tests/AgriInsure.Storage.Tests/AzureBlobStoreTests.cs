using System.Net;
using System.Net.Sockets;
using AgriInsure.Storage.AzureBlob;
using Azure.Storage.Blobs;

namespace AgriInsure.Storage.Tests;

/// <summary>The contract against Azurite, each test in a container of its own.</summary>
public sealed class AzureBlobStoreTests(Azurite azurite) : BlobStoreContract, IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly string _container = "t" + Guid.NewGuid().ToString("N");
    private AzureBlobStore _store = null!;

    protected override IBlobStore Store => _store;

    protected override IBlobStore OtherClient() => new AzureBlobStore(Container());

    protected override async Task WriteBehindTheStoreAsync(string key, byte[] bytes) =>
        await Container().GetBlobClient(key).UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);

    public async Task InitializeAsync() => _store = await AzureBlobStore.OpenAsync(azurite.ConnectionString, _container);

    public Task DisposeAsync() => Container().DeleteIfExistsAsync();

    private BlobContainerClient Container() => new(azurite.ConnectionString, _container, AzureBlobStore.ClientOptions());

    [Fact]
    public async Task Opening_creates_the_container_once_and_the_blob_keeps_the_first_puts_content_type()
    {
        Assert.True(await Container().ExistsAsync());
        var reopened = await AzureBlobStore.OpenAsync(azurite.ConnectionString, _container);
        var key = await reopened.PutAsync(new byte[] { 1 }, "image/jpeg");
        await _store.PutAsync(new byte[] { 1 }, "application/pdf");
        var properties = await Container().GetBlobClient(key).GetPropertiesAsync();
        Assert.Equal("image/jpeg", properties.Value.ContentType);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper")]
    [InlineData("-leading")]
    [InlineData("double--hyphen")]
    [InlineData("under_score")]
    public async Task Bad_container_names_are_refused_naming_the_container(string container)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => AzureBlobStore.OpenAsync(azurite.ConnectionString, container));
        Assert.Equal("container", error.ParamName);
    }

    [Fact]
    public async Task A_malformed_connection_string_is_refused_without_repeating_it()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => AzureBlobStore.OpenAsync("DefaultEndpointsProtocol=http;AccountKey=c2VjcmV0", _container));
        Assert.Equal("connectionString", error.ParamName);
        Assert.DoesNotContain("c2VjcmV0", error.Message);
    }

    [Fact]
    public async Task A_wrong_account_key_is_a_blob_store_error_with_the_services_answer()
    {
        var wrong = azurite.ConnectionString.Replace("AccountKey=Eby8", "AccountKey=Xby8", StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<BlobStoreException>(() => AzureBlobStore.OpenAsync(wrong, _container));
        Assert.Equal($"{_container}/", error.Key);
        Assert.Contains("403", error.Reason);
    }

    [Fact]
    public async Task An_unreachable_service_is_a_blob_store_error_naming_the_key()
    {
        var options = AzureBlobStore.ClientOptions();
        options.Retry.MaxRetries = 0;
        var closed = ClosedPort();
        var store = new AzureBlobStore(new BlobContainerClient(azurite.ConnectionString.Replace(Port(), $":{closed}/", StringComparison.Ordinal), _container, options));
        var key = BlobKeys.Of([1]);
        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.GetAsync(key));
        Assert.Equal(key, error.Key);
        Assert.Contains("unreachable", error.Reason);
        Assert.Equal(key, (await Assert.ThrowsAsync<BlobStoreException>(() => store.PutAsync(new byte[] { 1 }, "image/jpeg"))).Key);
    }

    private string Port() => System.Text.RegularExpressions.Regex.Match(azurite.ConnectionString, @":\d+/").Value;

    /// <summary>A loopback port nothing listens on: one the system gave out and took back.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

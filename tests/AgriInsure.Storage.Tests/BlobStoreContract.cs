using System.Security.Cryptography;
using CsCheck;

namespace AgriInsure.Storage.Tests;

/// <summary>What every blob store engine must do (<see cref="IBlobStore"/>), run against each engine by a subclass.</summary>
public abstract class BlobStoreContract
{
    private const string Jpeg = "image/jpeg";

    /// <summary>A store over a place of its own, empty.</summary>
    protected abstract IBlobStore Store { get; }

    /// <summary>A second client over the same place, as another process would open it.</summary>
    protected abstract IBlobStore OtherClient();

    /// <summary>Writes bytes under a key behind the store's back: a blob damaged in place, or one stored before blobs
    /// were content-addressed.</summary>
    protected abstract Task WriteBehindTheStoreAsync(string key, byte[] bytes);

    [Fact]
    public async Task A_put_returns_the_content_key_and_a_get_the_bytes()
    {
        var key = await Store.PutAsync(new byte[] { 1, 2, 3 }, Jpeg);
        Assert.Equal("sha256/039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81", key);
        Assert.True(await Store.ExistsAsync(key));
        Assert.Equal([1, 2, 3], await Store.GetAsync(key));
    }

    [Fact]
    public async Task An_empty_blob_is_a_blob()
    {
        var key = await Store.PutAsync(ReadOnlyMemory<byte>.Empty, "application/octet-stream");
        Assert.Equal(BlobKeys.Of([]), key);
        Assert.Empty((await Store.GetAsync(key))!);
    }

    [Fact]
    public async Task Any_bytes_round_trip_under_their_own_key() =>
        await Gen.Byte.Array[0, 4096].SampleAsync(async bytes =>
        {
            var key = await Store.PutAsync(bytes, "application/octet-stream");
            Assert.Equal(BlobKeys.Of(bytes), key);
            BlobKeys.Check(key);
            Assert.Equal(bytes, await Store.GetAsync(key));
        }, iter: 40, threads: 1);

    [Fact]
    public async Task Putting_the_same_bytes_again_is_a_no_op_returning_the_same_key()
    {
        var bytes = RandomNumberGenerator.GetBytes(1000);
        var first = await Store.PutAsync(bytes, Jpeg);
        Assert.Equal(first, await Store.PutAsync(bytes, Jpeg));
        Assert.Equal(first, await Store.PutAsync(bytes, "application/octet-stream"));
        Assert.Equal(bytes, await Store.GetAsync(first));
        Assert.NotEqual(first, await Store.PutAsync(bytes.AsMemory(1), Jpeg));
    }

    [Fact]
    public async Task Concurrent_puts_of_the_same_bytes_from_two_clients_all_succeed_with_one_key()
    {
        var bytes = RandomNumberGenerator.GetBytes(256 * 1024);
        var other = OtherClient();
        var keys = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => (i % 2 == 0 ? Store : other).PutAsync(bytes, Jpeg))));
        Assert.Single(keys.Distinct());
        Assert.Equal(bytes, await Store.GetAsync(keys[0]));
        Assert.Equal(bytes, await other.GetAsync(keys[0]));
    }

    [Fact]
    public async Task A_missing_key_reads_as_null()
    {
        var key = BlobKeys.Of([9, 9, 9]);
        Assert.Null(await Store.GetAsync(key));
        Assert.False(await Store.ExistsAsync(key));
        Assert.Null(await Store.GetAsync("crops/t1/never/0.jpg"));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../b")]
    [InlineData("/absolute")]
    [InlineData("a//b")]
    [InlineData("spaces are bad")]
    [InlineData("")]
    [InlineData("sha256/039058C6F2C0CB492C533B0A4D14EF77CC0F78ABCCCED5287D84A1A2011CFB81")]
    [InlineData("sha256/039058c6")]
    [InlineData("sha256/039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81/x")]
    [InlineData("sha256/../../etc/passwd")]
    public async Task Bad_keys_are_refused_naming_the_key(string key)
    {
        Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentException>(() => Store.GetAsync(key))).ParamName);
        Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentException>(() => Store.ExistsAsync(key))).ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("jpeg")]
    [InlineData("image/")]
    [InlineData("image/jpeg\r\nx-ms-meta-a: b")]
    public async Task Bad_content_types_are_refused_and_nothing_is_stored(string contentType)
    {
        var bytes = new byte[] { 4, 5, 6 };
        Assert.Equal("contentType", (await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(bytes, contentType))).ParamName);
        Assert.False(await Store.ExistsAsync(BlobKeys.Of(bytes)));
    }

    [Fact]
    public async Task Bytes_that_no_longer_hash_to_their_key_are_an_error_and_a_put_repairs_them()
    {
        var bytes = RandomNumberGenerator.GetBytes(2000);
        var key = await Store.PutAsync(bytes, Jpeg);
        var damaged = (byte[])bytes.Clone();
        damaged[1234] ^= 0x01;
        await WriteBehindTheStoreAsync(key, damaged);

        var error = await Assert.ThrowsAsync<BlobCorruptedException>(() => Store.GetAsync(key));
        Assert.Equal(key, error.Key);
        Assert.Equal(BlobKeys.Of(damaged), error.ActualKey);

        Assert.Equal(key, await Store.PutAsync(bytes, Jpeg));
        Assert.Equal(bytes, await Store.GetAsync(key));
    }

    [Fact]
    public async Task Keys_stored_before_content_addressing_are_still_read()
    {
        await WriteBehindTheStoreAsync("crops/t1/01JABCDEF/0.jpg", [0xFF, 0xD8, 0xFF, 0xD9]);
        Assert.True(await Store.ExistsAsync("crops/t1/01JABCDEF/0.jpg"));
        Assert.Equal([0xFF, 0xD8, 0xFF, 0xD9], await Store.GetAsync("crops/t1/01JABCDEF/0.jpg"));
    }

    [Fact]
    public async Task A_blob_of_several_megabytes_round_trips()
    {
        var bytes = RandomNumberGenerator.GetBytes(6 * 1024 * 1024 + 17);
        var key = await Store.PutAsync(bytes, "image/tiff");
        Assert.Equal(BlobKeys.Of(bytes), key);
        Assert.Equal(bytes, await Store.GetAsync(key));
    }

    [Fact]
    public async Task A_cancelled_call_throws_and_a_cancelled_put_stores_nothing()
    {
        var bytes = RandomNumberGenerator.GetBytes(100);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutAsync(bytes, Jpeg, cancelled.Token));
        Assert.False(await Store.ExistsAsync(BlobKeys.Of(bytes)));

        var key = await Store.PutAsync(bytes, Jpeg);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.GetAsync(key, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.ExistsAsync(key, cancelled.Token));
    }
}

using AgriInsure.Storage;
using AgriInsure.Storage.LocalFolder;
using AgriInsure.Tests;

namespace AgriInsure.Storage.Tests;

public class LocalFolderBlobStoreTests
{
    [Fact]
    public async Task Put_get_exists_delete()
    {
        using var dir = new TempFolder();
        var store = new LocalFolderBlobStore(dir.Path);
        Assert.Null(await store.GetAsync("crops/t1/a.jpg"));
        Assert.False(await store.ExistsAsync("crops/t1/a.jpg"));
        await store.PutAsync("crops/t1/a.jpg", new byte[] { 1, 2, 3 }, "image/jpeg");
        Assert.Equal([1, 2, 3], await store.GetAsync("crops/t1/a.jpg"));
        await store.PutAsync("crops/t1/a.jpg", new byte[] { 1, 2, 3 }, "image/jpeg");
        Assert.True(await store.ExistsAsync("crops/t1/a.jpg"));
        await store.DeleteAsync("crops/t1/a.jpg");
        Assert.Null(await store.GetAsync("crops/t1/a.jpg"));
    }

    [Fact]
    public async Task Leaves_no_temporary_files_behind()
    {
        using var dir = new TempFolder();
        var store = new LocalFolderBlobStore(dir.Path);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => store.PutAsync("k/same.bin", new byte[] { (byte)i }, "application/octet-stream")));
        Assert.Equal(["same.bin"], Directory.GetFiles(Path.Combine(dir.Path, "k")).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../b")]
    [InlineData("/absolute")]
    [InlineData("a//b")]
    [InlineData("spaces are bad")]
    [InlineData("")]
    public async Task Refuses_keys_that_could_escape_the_folder(string key)
    {
        using var dir = new TempFolder();
        var store = new LocalFolderBlobStore(dir.Path);
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(key, new byte[] { 1 }, "x"));
    }
}

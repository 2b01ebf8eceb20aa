using System.Security.Cryptography;
using AgriInsure.Storage.LocalFolder;
using AgriInsure.Tests;
using CsCheck;

namespace AgriInsure.Storage.Tests;

public sealed class LocalFolderBlobStoreTests : BlobStoreContract, IDisposable
{
    private readonly TempFolder _dir = new();
    private readonly LocalFolderBlobStore _store;

    public LocalFolderBlobStoreTests() => _store = new LocalFolderBlobStore(_dir.Path);

    protected override IBlobStore Store => _store;

    protected override IBlobStore OtherClient() => new LocalFolderBlobStore(_dir.Path);

    protected override async Task WriteBehindTheStoreAsync(string key, byte[] bytes)
    {
        var path = _store.FileOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, bytes);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_content_key_is_filed_under_its_first_two_hex_digits_with_no_temporary_files_left()
    {
        var bytes = RandomNumberGenerator.GetBytes(64 * 1024);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => OtherClient().PutAsync(bytes, "image/jpeg"))));
        var hex = BlobKeys.Of(bytes)["sha256/".Length..];
        Assert.Equal([Path.Combine(_dir.Path, "sha256", hex[..2], hex)], Directory.GetFiles(_dir.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Every_key_check_accepts_names_a_file_inside_the_folder() =>
        Gen.Char["ab./-_sha256 \\:0f"].Array[0, 80].Select(c => new string(c)).Sample(key =>
        {
            string path;
            try
            {
                path = _store.FileOf(key);
            }
            catch (ArgumentException e) when (e.ParamName == "key")
            {
                return;
            }
            Assert.StartsWith(_dir.Path + Path.DirectorySeparatorChar, Path.GetFullPath(path));
        }, iter: 5000);

    [Fact]
    public async Task A_write_the_disk_refuses_is_a_blob_store_error_naming_the_key()
    {
        var bytes = new byte[] { 7, 7, 7 };
        var key = BlobKeys.Of(bytes);
        // A file where the blob's folder must go: the write fails as on a broken disk, whoever runs the test.
        await File.WriteAllBytesAsync(Path.Combine(_dir.Path, "sha256"), []);
        var error = await Assert.ThrowsAsync<BlobStoreException>(() => _store.PutAsync(bytes, "image/jpeg"));
        Assert.Equal(key, error.Key);
    }
}

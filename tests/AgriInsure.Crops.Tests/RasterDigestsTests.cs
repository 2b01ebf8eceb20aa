using System.Security.Cryptography;
using AgriInsure.Tests;

namespace AgriInsure.Crops.Tests;

/// <summary>The evidence hash of a raster is its content's SHA-256, remembered per file version only: a file rewritten
/// in place is hashed again.</summary>
public sealed class RasterDigestsTests
{
    [Fact]
    public async Task A_rewritten_raster_is_hashed_again()
    {
        using var dir = new TempFolder();
        var path = dir.File("r.tif");
        await File.WriteAllBytesAsync(path, [1, 2, 3]);
        var first = await RasterDigests.OfAsync(path, CancellationToken.None);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 3 })), first);
        Assert.Equal(first, await RasterDigests.OfAsync(path, CancellationToken.None));

        await File.WriteAllBytesAsync(path, [1, 2, 4]);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 4 })), await RasterDigests.OfAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task A_missing_raster_fails_each_time_rather_than_being_remembered()
    {
        using var dir = new TempFolder();
        var path = dir.File("gone.tif");
        await Assert.ThrowsAsync<FileNotFoundException>(() => RasterDigests.OfAsync(path, CancellationToken.None));
        await File.WriteAllBytesAsync(path, [9]);
        Assert.Equal(64, (await RasterDigests.OfAsync(path, CancellationToken.None)).Length);
    }
}

using AgriInsure.Tests;

namespace AgriInsure.Cli.Tests;

public class StagingFolderTests
{
    [Fact]
    public void A_stopped_runs_staging_folder_is_removed_and_a_running_ones_is_kept()
    {
        using var home = new TempFolder();
        var maps = Directory.CreateDirectory(home.File("maps")).FullName;
        var stale = Directory.CreateDirectory(Path.Combine(maps, ".agri-partial-0123")).FullName;
        File.WriteAllText(Path.Combine(stale, "plot-1.png"), "half a map");
        using var running = new StagingFolder(maps);
        File.WriteAllText(Path.Combine(running.Path, "plot-2.png"), "a map being drawn");

        StagingFolder.RemoveStale(maps, "--png");

        Assert.False(Directory.Exists(stale));
        Assert.True(File.Exists(Path.Combine(running.Path, "plot-2.png")));
        running.Dispose();
        Assert.Empty(Directory.EnumerateFileSystemEntries(maps));
    }
}

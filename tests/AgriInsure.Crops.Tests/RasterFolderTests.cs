using AgriInsure.Tests;

namespace AgriInsure.Crops.Tests;

public sealed class RasterFolderTests
{
    [Fact]
    public void A_raster_is_found_by_its_path_inside_the_folder_and_no_name_leads_out_of_it()
    {
        using var dir = new TempFolder();
        var root = Directory.CreateDirectory(dir.File("rasters")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "2027"));
        File.WriteAllText(Path.Combine(root, "2027", "may.tif"), "");
        File.WriteAllText(dir.File("secret.tif"), "");
        File.CreateSymbolicLink(Path.Combine(root, "link.tif"), dir.File("secret.tif"));
        Directory.CreateSymbolicLink(Path.Combine(root, "out"), dir.Path);
        var folder = new RasterFolder(root);

        Assert.Equal(Path.Combine(root, "2027", "may.tif"), folder.Resolve("2027/may.tif", "raster").Value);
        foreach (var name in new[] { "../secret.tif", "2027/../../secret.tif", "/etc/passwd", "link.tif", "out/secret.tif", "2027//may.tif",
                     "2027/./may.tif", "/vsicurl/http://x/y.tif", "2027\\may.tif", "", " ", "2027/none.tif", "2027" })
        {
            var refused = folder.Resolve(name, "raster");
            Assert.False(refused.IsOk, name);
            Assert.Equal("raster", refused.Error.Field);
        }
        // The operator's link out of the folder is named as one, not as a raster missing.
        Assert.Contains("a link leading out of the raster folder", folder.Resolve("link.tif", "raster").Error!.Reason);
        Assert.Contains("holds no raster", folder.Resolve("2027/none.tif", "raster").Error!.Reason);
    }

    [Fact]
    public void The_folder_lists_its_raster_files_by_name_and_no_file_outside_it()
    {
        using var dir = new TempFolder();
        var root = Directory.CreateDirectory(dir.File("rasters")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "2027"));
        foreach (var name in new[] { "2027/may.tif", "2027/may.tif.aux.xml", "b.VRT", "a.jp2", "seasons.json", "bad name.tif" })
            File.WriteAllText(Path.Combine(root, name), "");
        File.WriteAllText(dir.File("secret.tif"), "");
        File.CreateSymbolicLink(Path.Combine(root, "link.tif"), dir.File("secret.tif"));
        Directory.CreateSymbolicLink(Path.Combine(root, "out"), dir.Path);

        Assert.Equal(["2027/may.tif", "a.jp2", "b.VRT"], new RasterFolder(root).Names());
    }
}

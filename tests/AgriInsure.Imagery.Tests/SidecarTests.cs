using AgriInsure.Tests;

namespace AgriInsure.Imagery.Tests;

public class SidecarTests
{
    [Fact]
    public void A_mask_kept_beside_the_raster_is_listed_as_a_file_it_reads()
    {
        using var dir = new TempFolder();
        var plain = dir.File("plain.tif");
        Fixtures.RunGdal("gdal_create", "-of", "GTiff", "-outsize", "16", "16", "-bands", "1", "-burn", "1", "-a_srs", "EPSG:32633", "-a_ullr", "500000", "5000160", "500160", "5000000", plain);
        using (var raster = Fixtures.Open(plain))
            Assert.Empty(raster.Sidecars());

        // A per-dataset mask written beside the file (.msk), as gdal_translate -mask does with external masks.
        var masked = dir.File("masked.tif");
        Fixtures.RunGdal("gdal_translate", "-q", "-mask", "1", "--config", "GDAL_TIFF_INTERNAL_MASK", "NO", plain, masked);
        using var withMask = Fixtures.Open(masked);
        Assert.Equal([Path.GetFullPath(masked + ".msk")], withMask.Sidecars());
    }
}

public class PlotFileTests
{
    [Fact]
    public void A_folder_given_as_the_plots_file_is_named_as_a_folder_not_a_permission_problem()
    {
        using var dir = new TempFolder();
        Assert.False(AgriInsure.Imagery.Plots.PlotReader.TryRead(dir.Path, out _, out var error));
        Assert.Contains("is a folder", error.Reason);
    }
}

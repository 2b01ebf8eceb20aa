using System.Diagnostics;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;

namespace AgriInsure.Imagery.Tests;

/// <summary>Rasters and plot files the imagery tests open, and Debian's GDAL programs (gdal-bin, installed
/// by tools/setup --tests), which make fixtures in the formats partners send.</summary>
internal static class Fixtures
{
    public static GdalRaster Open(string path)
    {
        Assert.True(GdalRaster.TryOpen(path, out var raster, out var error), error?.ToString());
        return raster;
    }

    public static IReadOnlyList<PlotFeature> ReadPlots(string path)
    {
        Assert.True(PlotReader.TryRead(path, out var plots, out var error), error?.ToString());
        return plots;
    }

    public static void RunGdal(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {error.Result}");
    }
}

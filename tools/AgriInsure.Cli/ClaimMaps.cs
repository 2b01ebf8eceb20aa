using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rendering;
using AgriInsure.Imagery.Zonal;

namespace AgriInsure.Cli;

/// <summary>One claims map per plot: a plot's map window from the claim operation, drawn as evidence in the words of <c>text</c>.</summary>
internal static class ClaimMaps
{
    public static void Write(ClaimMapWindow window, PlotFeature plot, RasterBand before, RasterBand after, Provenance provenance, ClaimMapText text, string path)
    {
        using var file = File.Create(path);
        ClaimMap.Write(ClaimMapEvidence.Request(window, plot, before, after, provenance.Lines(), text), file);
    }
}

using AgriInsure.Domain;

namespace AgriInsure.Imagery.Plots;

/// <summary>The one quality rule for every zonal operation (<see cref="PlotQuality"/> is the domain's).</summary>
public static class PlotQualities
{
    /// <summary>Share of the plot inside the raster under which it counts as partly outside: digitising
    /// slivers along a raster's edge stay above it.</summary>
    public const double InsideShare = 0.999;

    /// <summary>The one rule for every zonal operation. All shares are of the whole plot's ground area.</summary>
    /// <param name="inside">Share of the plot inside the raster.</param>
    /// <param name="unseen">Share hidden by nodata, masks or cloud, or holding invalid values.</param>
    /// <param name="maxUnseen">The most of a plot that may be unseen for its figures to stand.</param>
    public static PlotQuality Judge(double inside, double unseen, double maxUnseen) =>
        inside <= 0 ? PlotQuality.OutsideRaster
        : unseen >= inside * (1 - 1e-9) ? PlotQuality.AllHidden
        : inside < InsideShare ? PlotQuality.PartlyOutsideRaster
        : unseen > maxUnseen ? PlotQuality.NeedsClearImage
        : PlotQuality.Ok;

    /// <summary>A sentence for people saying why the quality is what it is.</summary>
    public static string Explain(PlotQuality quality, double inside, double unseen, double maxUnseen) => quality switch
    {
        PlotQuality.Ok => "",
        PlotQuality.NeedsClearImage => $"{unseen:P1} of the plot is hidden or invalid, over the {maxUnseen:P0} allowed",
        PlotQuality.AllHidden => "no cell under the plot can be seen",
        PlotQuality.PartlyOutsideRaster => $"only {inside:P1} of the plot lies inside the raster",
        _ => "the plot lies outside the raster",
    };
}

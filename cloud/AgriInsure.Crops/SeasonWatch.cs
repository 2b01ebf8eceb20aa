using AgriInsure.Domain;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Registry;

namespace AgriInsure.Crops;

/// <summary>One plot through a season: its dates and alerts as <see cref="SeasonMonitor"/> found them when it was watched
/// with the tenant's plots around it (<paramref name="ComparedPlots"/>, itself included), over
/// <paramref name="Acquisitions"/> dates of season <paramref name="Season"/>.</summary>
public sealed record PlotSeasonReport(string Season, PlotSeason Plot, int Acquisitions, int ComparedPlots, MonitorOptions Options);

/// <summary>Season monitoring of one stored plot on a season of the catalogue (<see cref="SeasonCatalogue"/>): the plot is
/// watched with the tenant's plots within the season's neighbour radius, so its alerts are those <c>tools/agri plots
/// monitor</c> gives the same plots (no grouping: stored plots carry no land-use class).</summary>
public sealed class SeasonWatch(ICropRegistry crops, RasterFolder rasters)
{
    /// <summary>The most plots watched together (the plot and its nearest neighbours by centre), bounding the work of one
    /// request however densely the tenant's plots lie; the monitor compares a plot with its nearest
    /// <see cref="MonitorOptions.MaxNeighbours"/> anyway.</summary>
    public const int MaxComparedPlots = 200;

    /// <summary>Metres per degree of latitude, near enough to draw a search box (the monitor measures geodesics).</summary>
    private const double MetresPerDegree = 111_320;

    /// <summary>The season of plot <paramref name="plotId"/>; <paramref name="season"/> null: the catalogue's last season.
    /// Fails naming <c>plotId</c> (the tenant has no such plot), <c>season</c> (no such season, or no catalogue), or the
    /// catalogue's field (<c>seasons[0]…</c>) when the catalogue or its rasters are wrong.</summary>
    public async Task<Result<PlotSeasonReport>> WatchAsync(string tenant, string plotId, string? season, CancellationToken ct = default)
    {
        if (await crops.FindPlotAsync(tenant, plotId, ct) is not { } registered)
            return new ValidationError("plotId", $"no plot '{plotId}'");
        if (!SeasonCatalogue.Read(rasters).TryGet(out var seasons, out var badCatalogue))
            return badCatalogue;
        if (seasons.Count == 0)
            return new ValidationError("season", $"the cloud watches no season: its raster folder has no {SeasonCatalogue.FileName}");
        var definition = season is null ? seasons[^1] : seasons.FirstOrDefault(s => s.Name == season);
        if (definition is null)
            return new ValidationError("season", $"no season '{(season!.Length > 64 ? season[..64] + "…" : season)}'; the cloud watches {string.Join(", ", seasons.Select(s => $"'{s.Name}'"))}");
        var plots = await ComparedAsync(tenant, registered, definition.Options.NeighbourRadiusM, ct);
        if (!SeasonCatalogue.Open(rasters, definition).TryGet(out var opened, out var badSeason))
            return badSeason;
        using (opened)
        {
            try
            {
                var watched = await Task.Run(() => SeasonMonitor.Watch(opened.Acquisitions, plots,
                    definition.Options with { Zonal = definition.Options.Zonal with { Cancellation = ct } }), ct);
                return Result<PlotSeasonReport>.Ok(new PlotSeasonReport(definition.Name, watched.Single(p => p.Id == plotId), opened.Acquisitions.Count, plots.Count, definition.Options));
            }
            catch (RasterException e)
            {
                return new ValidationError($"seasons[{definition.Index}].acquisitions", e.Error.Reason);
            }
        }
    }

    /// <summary>The plot first, then the tenant's plots whose boxes lie within <paramref name="radius"/> m of its box, nearest
    /// centres first, at most <see cref="MaxComparedPlots"/> in all.</summary>
    private async Task<IReadOnlyList<PlotFeature>> ComparedAsync(string tenant, RegisteredPlot plot, double radius, CancellationToken ct)
    {
        var b = plot.Bounds;
        var dLat = radius / MetresPerDegree;
        var dLon = radius / (MetresPerDegree * Math.Max(0.01, Math.Cos((b.South + b.North) / 2 * Math.PI / 180)));
        var around = await crops.PlotsMeetingAsync(tenant, new PlotBounds(b.West - dLon, b.South - dLat, b.East + dLon, b.North + dLat), Page.All, ct);
        var centre = CropUnderwriting.Polygon(plot.Plot).Centroid;
        var cosine = Math.Cos(centre.Y * Math.PI / 180);
        return [new PlotFeature(plot.Plot.Id, CropUnderwriting.Polygon(plot.Plot)),
            .. around.Items.Where(p => p.Plot.Plot.Id != plot.Plot.Id)
                .Select(p => (Plot: p.Plot.Plot, Polygon: CropUnderwriting.Polygon(p.Plot.Plot)))
                .OrderBy(p => Math.Pow((p.Polygon.Centroid.X - centre.X) * cosine, 2) + Math.Pow(p.Polygon.Centroid.Y - centre.Y, 2))
                .ThenBy(p => p.Plot.Id, StringComparer.Ordinal)
                .Take(MaxComparedPlots - 1)
                .Select(p => new PlotFeature(p.Plot.Id, p.Polygon))];
    }
}

using AgriInsure.Crops;
using AgriInsure.Domain;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Registry;

namespace AgriInsure.Cloud.Host.Api;

// What the map routes answer with (MapEndpoints.cs): rasters with their WGS84 footprints, plots as GeoJSON (RFC 7946),
// and a plot's season. Degrees are WGS84 longitude and latitude; NDVI is unitless in [-1, 1].

/// <summary>A box in WGS84 degrees: Leaflet's <c>imageOverlay</c> bounds are <c>[[south, west], [north, east]]</c>.</summary>
public sealed record BoundsView(double West, double South, double East, double North)
{
    public static BoundsView Of(LonLatBox b) => new(b.West, b.South, b.East, b.North);
}

/// <summary>When one band of a raster was acquired (UTC when the file gives no offset).</summary>
public sealed record BandTimeView(int Band, DateTimeOffset Time);

/// <summary>A raster the cloud holds: its name in the raster folder (<see cref="Path"/>), its CRS (<see cref="Epsg"/> such as
/// <c>EPSG:32633</c>, null for a CRS GDAL cannot name), size in cells, bands, cell size in the CRS's units, the WGS84 box of
/// its whole extent (what its overlay covers), the acquisition time of each band the file dates, the API path of its
/// overlay, and whether the season catalogue (<c>seasons.json</c>) names it as an acquisition's cloud mask
/// (<see cref="CloudMask"/>: its cells say cloud or not, it is no picture of the ground). A file GDAL cannot read has only
/// its <see cref="Path"/>, <see cref="CloudMask"/> and the <see cref="Problem"/>.</summary>
public sealed record RasterView(
    string Path, string? Epsg, int Columns, int Rows, int Bands, double CellWidth, double CellHeight, BoundsView? BoundsWgs84,
    IReadOnlyList<BandTimeView> Acquisitions, string? Overlay, bool CloudMask, string? Problem = null)
{
    public static RasterView Of(string name, GdalRaster r, LonLatBox footprint, bool cloudMask) =>
        new(name, r.Epsg, r.Grid.Columns, r.Grid.Rows, r.Bands, r.Grid.CellWidth, r.Grid.CellHeight, BoundsView.Of(footprint),
            [.. Enumerable.Range(1, r.Bands).Select(b => (Band: b, Time: r.AcquiredAt(b))).Where(t => t.Time is not null).Select(t => new BandTimeView(t.Band, t.Time!.Value))],
            $"/api/v1/rasters/{name}/overlay.png", cloudMask);

    public static RasterView Unreadable(string name, bool cloudMask, string problem) => new(name, null, 0, 0, 0, 0, 0, null, [], null, cloudMask, problem);
}

/// <summary>A GeoJSON FeatureCollection (RFC 7946 §3.3) of plots, one page of them: <see cref="Total"/>,
/// <see cref="Offset"/> and <see cref="Limit"/> are foreign members (§6.1) saying which part of the list it is.</summary>
public sealed record PlotCollectionView(string Type, IReadOnlyList<PlotFeatureView> Features, int Total, int Offset, int Limit);

/// <summary>A plot as a GeoJSON Feature: id, outline (Polygon, WGS84 longitude and latitude) and what the map colours it by.</summary>
public sealed record PlotFeatureView(string Type, string Id, PolygonView Geometry, PlotMapProperties Properties)
{
    public static PlotFeatureView Of(MappedPlot p)
    {
        var (plot, latest) = (p.Plot.Plot, p.Latest);
        return new("Feature", plot.Id, PolygonView.Of(plot), new PlotMapProperties(
            plot.FarmerId, plot.DeclaredArea.Mu, latest?.Measured.Mu, latest is null ? null : latest.Measured.Mu / plot.DeclaredArea.Mu,
            latest?.Quality, latest?.Acquired, latest?.Id));
    }
}

/// <summary>A plot's figures on the map: the area declared in mu, the measured crop area of its latest measurement in mu,
/// their ratio measured ÷ declared (below 1: less crop than declared), that measurement's quality flag, acquisition day and
/// id; the measurement's fields are null for a plot never measured.</summary>
public sealed record PlotMapProperties(
    string FarmerId, double DeclaredMu, double? MeasuredMu, double? MeasuredToDeclared, PlotQuality? Quality, DateOnly? Acquired, string? MeasurementId);

/// <summary>A season of the catalogue: its days, its acquisitions' count and first and last times, and the monitoring
/// settings (NDVI margin, neighbour radius in metres).</summary>
public sealed record SeasonView(
    string Name, DateOnly? From, DateOnly? To, int Acquisitions, DateTimeOffset First, DateTimeOffset Last, double MaxHiddenShare, double Margin,
    int Consecutive, double NeighbourRadiusM, int MinNeighbours);

/// <summary>A plot through a season: the quality over the season (<c>ok</c> when any date is clear), its ground area in m²,
/// the number of acquisitions and of plots watched together (itself included), the settings, each date and each alert.</summary>
public sealed record PlotSeasonView(
    string PlotId, string Season, PlotQuality Quality, double AreaM2, int Acquisitions, int ComparedPlots, double MaxHiddenShare, double Margin,
    int Consecutive, double NeighbourRadiusM, int MinNeighbours, IReadOnlyList<SeasonDateView> Dates, IReadOnlyList<SeasonAlertView> Alerts)
{
    public static PlotSeasonView Of(PlotSeasonReport r)
    {
        var o = r.Options;
        return new(r.Plot.Id, r.Season, r.Plot.Quality, r.Plot.AreaM2, r.Acquisitions, r.ComparedPlots, o.MaxHiddenShare, o.Margin, o.Consecutive,
            o.NeighbourRadiusM, o.MinNeighbours,
            [.. r.Plot.Dates.Select(d => new SeasonDateView(d.Time, d.Mean, d.Median, d.ValidShare, d.Clear, d.Neighbours, d.Alert))],
            [.. r.Plot.Alerts.Select(a => new SeasonAlertView(a.First, a.Last, a.Dates, a.WorstGap, a.Reason))]);
    }
}

/// <summary>A plot on one date: coverage- and area-weighted mean and median NDVI of its clear cells (null when none was
/// seen), the share of the plot seen (0 to 1), whether the date is clear for it, the median of its clear neighbours' means
/// (null with too few), and whether the date is in an alert.</summary>
public sealed record SeasonDateView(DateTimeOffset Time, double? MeanNdvi, double? MedianNdvi, double ValidShare, bool Clear, double? NeighboursNdvi, bool Alert);

/// <summary>Clear dates in a row on which the plot stayed more than the margin below its neighbours; the worst gap is the
/// most negative plot mean − neighbours' median (NDVI).</summary>
public sealed record SeasonAlertView(DateTimeOffset First, DateTimeOffset Last, int Dates, double WorstGapNdvi, string Reason);

using System.Globalization;
using AgriInsure.Crops;
using AgriInsure.Domain;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Rendering;
using AgriInsure.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static AgriInsure.Cloud.Host.Api.Endpoints;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>What the underwriters' map pages read under <c>/api/v1</c>, any role of the tenant: the rasters the cloud holds
/// and their pictures for a web map, rendered by the host (no outside tiles), the tenant's plots of an area as GeoJSON,
/// a plot's picture over its raster, and a plot's season from the season catalogue (<see cref="SeasonCatalogue"/>).
/// Pictures are PNGs on a Web Mercator (EPSG:3857) grid, at most <see cref="MaxWidth"/> px a side, with an ETag and
/// <c>Cache-Control: private, max-age=3600</c>, so a slow link fetches each once.</summary>
public static class MapEndpoints
{
    /// <summary>The widest (and tallest) picture the host renders, px; a wider <c>width</c> is served at this width.</summary>
    public const int MaxWidth = 1024;

    private const int DefaultWidth = 512;

    /// <summary>Changes whenever the pictures would change for the same inputs, so clients drop what they cached.</summary>
    private const string RenderingVersion = "map-1";

    public static RouteGroupBuilder MapMapsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/rasters", (HttpContext http, int? offset, int? limit, CancellationToken ct) =>
                Paged(offset, limit, page => Task.FromResult(RasterPage(Folder(http), page)), v => v))
            .WithSummary("The rasters the cloud holds (files under Cloud:Rasters), by name: CRS, size, bands, the WGS84 box of each (degrees; its overlay's bounds) and each band's acquisition time when the file states it.")
            .Produces<PageView<RasterView>>().ProducesValidationProblem();
        api.MapGet("/rasters/{**path}", RasterAsync)
            .WithSummary("One raster (…/rasters/NAME), or its picture for a web map (…/rasters/NAME/overlay.png?band=|date=&width=&ramp=auto|ndvi|value): a PNG on a Web Mercator (EPSG:3857) grid covering the raster's WGS84 box, each pixel inverse-mapped to the raster's CRS, nodata transparent; headers X-Overlay-Bounds (west,south,east,north degrees), X-Overlay-Ramp and X-Overlay-Range (the values at the ramp's ends).")
            .Produces<RasterView>().Produces<byte[]>(StatusCodes.Status200OK, "image/png").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/plots/map", PlotMapAsync)
            .WithSummary("The tenant's plots whose outline's box meets ?bbox=west,south,east,north (WGS84 degrees; omitted: all), by id and paged, as a GeoJSON FeatureCollection: outline, declared mu, the latest measurement's measured mu, measured ÷ declared, quality and day.")
            .Produces<PlotCollectionView>(StatusCodes.Status200OK, "application/geo+json").ProducesValidationProblem();
        api.MapGet("/plots/{id}/image.png", PlotImageAsync)
            .WithSummary("A plot's outline over the raster of its latest measurement (the band or NDVI it measured), on a Web Mercator grid around the plot, ?width= px (capped); 404 when the plot was never measured.")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/png").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/seasons", SeasonsAsync)
            .WithSummary("The seasons of the cloud's season catalogue (seasons.json in Cloud:Rasters), with their acquisitions' count and first and last times.")
            .Produces<IReadOnlyList<SeasonView>>().ProducesProblem(StatusCodes.Status500InternalServerError);
        api.MapGet("/plots/{id}/season", PlotSeasonAsync)
            .WithSummary("A plot through a season (?season=NAME; default the catalogue's last): per acquisition the cloud-free mean and median NDVI, the share seen, clear or not, the neighbours' median NDVI, and alerts where the plot stays below its neighbours.")
            .Produces<PlotSeasonView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status500InternalServerError);
        return api;
    }

    private static RasterFolder Folder(HttpContext http) => Engines(http).Crops.Rasters;

    private static Paged<RasterView> RasterPage(RasterFolder folder, Page page)
    {
        var names = folder.Names();
        var masks = CloudMasks(folder);
        return new Paged<RasterView>([.. names.Skip(page.Offset).Take(page.Limit).Select(n => Describe(folder, n, masks))], names.Count, page.Offset);
    }

    /// <summary>The rasters the season catalogue names as cloud masks; none when there is no catalogue or it cannot be
    /// read (<c>/seasons</c> reports that).</summary>
    private static HashSet<string> CloudMasks(RasterFolder folder) =>
        SeasonCatalogue.Read(folder).TryGet(out var seasons, out _)
            ? [.. seasons.SelectMany(s => s.Entries).Select(e => e.Clouds).OfType<string>()]
            : [];

    private static RasterView Describe(RasterFolder folder, string name, IReadOnlySet<string> masks)
    {
        var mask = masks.Contains(name);
        if (!folder.Resolve(name, "path").TryGet(out var path, out var missing))
            return RasterView.Unreadable(name, mask, missing.Reason);
        if (!GdalRaster.TryOpen(path, out var raster, out var error))
            return RasterView.Unreadable(name, mask, $"{error.Code}: {error.Reason.Replace(path, name, StringComparison.Ordinal)}");
        using (raster)
        {
            try
            {
                return RasterView.Of(name, raster, MercatorResampler.Footprint(raster), mask);
            }
            catch (RasterException e)
            {
                return RasterView.Unreadable(name, mask, $"{e.Error.Code}: {e.Error.Reason.Replace(path, name, StringComparison.Ordinal)}");
            }
        }
    }

    private static IResult RasterAsync(HttpContext http, string path, int? band, string? date, int? width, string? ramp)
    {
        const string Suffix = "/overlay.png";
        var folder = Folder(http);
        if (!path.EndsWith(Suffix, StringComparison.Ordinal))
            return folder.Resolve(path, "path").IsOk ? Results.Ok(Describe(folder, path, CloudMasks(folder))) : NotFound("raster", path);
        var name = path[..^Suffix.Length];
        if (!folder.Resolve(name, "path").TryGet(out var file, out _))
            return NotFound("raster", name);
        if (!Width(width).TryGet(out var px, out var badWidth) || !Ramp(ramp).TryGet(out var chosenRamp, out badWidth))
            return Invalid(badWidth);
        if (!GdalRaster.TryOpen(file, out var raster, out var unreadable))
            return Invalid(new ValidationError("path", $"'{name}' cannot be read as a georeferenced raster ({unreadable.Code})"));
        using (raster)
        {
            if (!Layer(raster, band, date).TryGet(out var layer, out var badLayer))
                return Invalid(badLayer);
            var tag = HttpCaching.Tag(RenderingVersion, Stamp(raster), layer.Describe(), px.ToString(CultureInfo.InvariantCulture), chosenRamp.ToString());
            if (NotModified(http, tag))
                return Results.StatusCode(StatusCodes.Status304NotModified);
            return Render(http, raster, name, layer, null, px, chosenRamp, null, tag);
        }
    }

    private static async Task<IResult> PlotImageAsync(HttpContext http, string id, int? width, string? ramp, CancellationToken ct)
    {
        var (tenant, registry) = (Caller(http).Tenant, (ICropRegistry)Engines(http).Registry);
        if (await registry.FindPlotAsync(tenant, id, ct) is not { } plot)
            return NotFound("plot", id);
        if (!Width(width).TryGet(out var px, out var bad) || !Ramp(ramp).TryGet(out var chosenRamp, out bad))
            return Invalid(bad);
        if ((await registry.MeasurementsAsync(tenant, id, Page.Create(0, 1).Value, ct)).Items.SingleOrDefault() is not { } latest)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"plot '{id}' has no measurement, so no raster to show it on");
        var folder = Folder(http);
        if (!folder.Resolve(latest.Raster, "raster").TryGet(out var file, out _) || !GdalRaster.TryOpen(file, out var raster, out _))
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"the raster '{latest.Raster}' of measurement {latest.Id} is no longer in the cloud's raster folder");
        using (raster)
        {
            if (MeasuredLayer(latest.Rule) is not { } layer || layer is MapLayer.Band { Number: var n } && n > raster.Bands
                || layer is MapLayer.Ndvi { Red: var r, Nir: var i } && Math.Max(r, i) > raster.Bands)
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"the band measurement {latest.Id} read ('{latest.Rule}') is not in '{latest.Raster}' any more");
            var tag = HttpCaching.Tag(RenderingVersion, Stamp(raster), layer.Describe(), px.ToString(CultureInfo.InvariantCulture), chosenRamp.ToString(), id, latest.Id);
            if (NotModified(http, tag))
                return Results.StatusCode(StatusCodes.Status304NotModified);
            var b = plot.Bounds;
            // The plot with a quarter of its size around it: its neighbourhood shows what the outline is drawn against.
            var window = new LonLatBox(b.West, b.South, b.East, b.North).Grown(0.25);
            return Render(http, raster, latest.Raster, layer, window, px, chosenRamp, [plot.Plot.Outline.Select(p => (p.Longitude, p.Latitude)).ToList()], tag,
                ("plot", id), ("measurement", latest.Id));
        }
    }

    private static IResult Render(HttpContext http, GdalRaster raster, string name, MapLayer layer, LonLatBox? window, int width, OverlayRamp ramp,
        IReadOnlyList<IReadOnlyList<(double Longitude, double Latitude)>>? outlines, string tag, params (string Key, string Value)[] more)
    {
        LonLatBox bounds;
        ResampledRaster picture;
        try
        {
            bounds = window ?? MercatorResampler.Footprint(raster);
            var grid = MercatorGrid.Of(bounds, width);
            if (grid.Height > MaxWidth)
                grid = MercatorGrid.Of(bounds, Math.Max(1, (int)Math.Round((double)width * MaxWidth / grid.Height)));
            picture = MercatorResampler.Resample(raster, layer, grid);
        }
        catch (RasterException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: $"'{name}' cannot be drawn on a web map: {e.Error.Reason.Replace(raster.Path, name, StringComparison.Ordinal)}");
        }
        var g = picture.Grid;
        var rings = outlines?.Select(r => (IReadOnlyList<(double X, double Y)>)[.. r.Select(p => g.Pixel(p.Longitude, p.Latitude))]).ToList();
        using var png = new MemoryStream();
        var legend = MapOverlay.Write(new OverlayRequest(g.Width, g.Height, picture.Values, ramp, rings,
            [("raster", name), ("layer", layer.Describe()), ("crs", raster.Epsg ?? "custom"), ("grid", WebMercator.Crs), ("bounds_wgs84", Joined(bounds.West, bounds.South, bounds.East, bounds.North)),
                .. more]), png);
        var headers = http.Response.Headers;
        NotModified(http, tag);
        headers["X-Overlay-Bounds"] = Joined(bounds.West, bounds.South, bounds.East, bounds.North);
        headers["X-Overlay-Ramp"] = legend.Ramp.ToString().ToLowerInvariant();
        headers["X-Overlay-Range"] = Joined(legend.Low, legend.High);
        return Results.File(png.ToArray(), "image/png");
    }

    private static async Task<IResult> PlotMapAsync(HttpContext http, string? bbox, int? offset, int? limit, CancellationToken ct)
    {
        if (!Box(bbox).TryGet(out var box, out var bad) || !Page.Create(offset ?? 0, limit ?? 50).TryGet(out var page, out bad))
            return Invalid(bad);
        var plots = await ((ICropRegistry)Engines(http).Registry).PlotsMeetingAsync(Caller(http).Tenant, box, page, ct);
        return Results.Json(new PlotCollectionView("FeatureCollection", [.. plots.Items.Select(PlotFeatureView.Of)], plots.Total, plots.Offset, page.Limit),
            contentType: "application/geo+json");
    }

    private static IResult SeasonsAsync(HttpContext http)
    {
        var folder = Folder(http);
        if (!SeasonCatalogue.Read(folder).TryGet(out var seasons, out var bad))
            return CatalogueProblem(bad);
        var views = new List<SeasonView>();
        foreach (var season in seasons)
        {
            if (!SeasonCatalogue.Open(folder, season).TryGet(out var opened, out bad))
                return CatalogueProblem(bad);
            using (opened)
            {
                var (a, o) = (opened.Acquisitions, season.Options);
                views.Add(new SeasonView(season.Name, season.From, season.To, a.Count, a[0].Time, a[^1].Time, o.MaxHiddenShare, o.Margin, o.Consecutive,
                    o.NeighbourRadiusM, o.MinNeighbours));
            }
        }
        return Results.Ok(views);
    }

    private static async Task<IResult> PlotSeasonAsync(HttpContext http, string id, string? season, CancellationToken ct)
    {
        var watch = new SeasonWatch((ICropRegistry)Engines(http).Registry, Folder(http));
        var watched = await watch.WatchAsync(Caller(http).Tenant, id, season, ct);
        if (watched.TryGet(out var report, out var error))
            return Results.Ok(PlotSeasonView.Of(report));
        return error.Field switch
        {
            "plotId" => NotFound("plot", id),
            "season" => Invalid(error),
            _ => CatalogueProblem(error),
        };
    }

    /// <summary>The operator's catalogue or its rasters are wrong: not the caller's fault, so 500, naming the file's field.</summary>
    private static IResult CatalogueProblem(ValidationError error) =>
        Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: $"{SeasonCatalogue.FileName}: {error.Field}: {error.Reason}");

    private static Result<int> Width(int? width) => width switch
    {
        null => Result<int>.Ok(DefaultWidth),
        < 1 => Result<int>.Fail("width", $"is {width}; a picture is at least 1 px wide (at most {MaxWidth} are served)"),
        _ => Result<int>.Ok(Math.Min(width.Value, MaxWidth)),
    };

    private static Result<OverlayRamp> Ramp(string? ramp) => ramp switch
    {
        null or "auto" => Result<OverlayRamp>.Ok(OverlayRamp.Auto),
        "ndvi" => Result<OverlayRamp>.Ok(OverlayRamp.Ndvi),
        "value" => Result<OverlayRamp>.Ok(OverlayRamp.Value),
        _ => Result<OverlayRamp>.Fail("ramp", "is not auto, ndvi or value"),
    };

    /// <summary>The band asked for: <c>band</c> (1-based, default 1) or the acquisition <c>date</c> of a dated stack
    /// (<c>2017-07-15</c>, or <c>2015-12-08#2</c> for the second of a day).</summary>
    private static Result<MapLayer> Layer(GdalRaster raster, int? band, string? date)
    {
        if (band is not null && date is not null)
            return Result<MapLayer>.Fail("date", "and band both name a band; give one");
        if (date is not null)
        {
            try
            {
                return Result<MapLayer>.Ok(new MapLayer.Band(raster.BandForDate(date)));
            }
            catch (RasterException e)
            {
                return Result<MapLayer>.Fail("date", e.Error.Reason.Replace(raster.Path, "the raster", StringComparison.Ordinal));
            }
        }
        var n = band ?? 1;
        return n >= 1 && n <= raster.Bands ? Result<MapLayer>.Ok(new MapLayer.Band(n)) : Result<MapLayer>.Fail("band", $"is {n}; the raster has bands 1 to {raster.Bands}");
    }

    /// <summary>What a measurement read, from its rule's parts.</summary>
    private static MapLayer? MeasuredLayer(string rule) => CellRuleView.Parse(rule) switch
    {
        { Kind: "ndvi-at-least", Red: { } red, Nir: { } nir } => new MapLayer.Ndvi(red, nir),
        { Band: { } band } => new MapLayer.Band(band),
        _ => null,
    };

    /// <summary><c>west,south,east,north</c> in WGS84 degrees; null: the whole world.</summary>
    private static Result<PlotBounds> Box(string? bbox)
    {
        if (bbox is null)
            return Result<PlotBounds>.Ok(new PlotBounds(-180, -90, 180, 90));
        var parts = bbox.Split(',');
        var numbers = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : (double?)null).ToArray();
        if (numbers.Length != 4 || numbers.Any(n => n is null))
            return Result<PlotBounds>.Fail("bbox", "is not west,south,east,north: four numbers in degrees");
        var (w, s, e, n) = (numbers[0]!.Value, numbers[1]!.Value, numbers[2]!.Value, numbers[3]!.Value);
        if (w < -180 || e > 180 || s < -90 || n > 90 || w > e || s > n)
            return Result<PlotBounds>.Fail("bbox", "is not a box: -180 ≤ west ≤ east ≤ 180 and -90 ≤ south ≤ north ≤ 90");
        return Result<PlotBounds>.Ok(new PlotBounds(w, s, e, n));
    }

    /// <summary>What makes a raster's picture: the file and every file GDAL reads with it, by size and time written.</summary>
    private static string Stamp(GdalRaster raster) =>
        string.Join(";", new[] { raster.Path }.Concat(raster.Sidecars()).Select(f => new FileInfo(f)).Select(f => $"{f.FullName}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));

    private static bool NotModified(HttpContext http, string tag) => HttpCaching.NotModified(http, tag, "private, max-age=3600");

    private static string Joined(params double[] values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}

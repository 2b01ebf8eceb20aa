using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Cloud.Host.Jobs;
using AgriInsure.Tests;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Rendering;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace AgriInsure.Cloud.Host.Tests;

/// <summary><see cref="CropCloud"/> with <see cref="SeasonRasters"/> beside its raster, and <c>broken.tif</c>, which is no
/// raster.</summary>
public sealed class MapCloud : CropCloud
{
    protected override void AddRasters(string folder)
    {
        SeasonRasters.Write(folder);
        File.WriteAllText(Path.Combine(folder, "broken.tif"), "not a raster");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not listed");
    }
}

/// <summary>The map routes through the HTTP API: rasters and their Web Mercator pictures (placed by GDAL, cached by ETag),
/// plots as GeoJSON with measured ÷ declared, a plot's picture, and a plot's season with its alert; another tenant sees
/// none of a tenant's plots.</summary>
public sealed class MapApiTests(MapCloud cloud) : IClassFixture<MapCloud>
{
    private static readonly OverlayLegend NdviRamp = new(OverlayRamp.Ndvi, -0.2, 0.9);

    private async Task<JsonNode> Json(string path, string tenant, Role role = Role.Auditor, HttpStatusCode expect = HttpStatusCode.OK, HttpMethod? method = null, object? body = null)
    {
        var response = await cloud.Send(method ?? HttpMethod.Get, path, tenant, role, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expect == response.StatusCode, $"{path} as {role} of {tenant}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static object Box(double west, double south, double east, double north) =>
        new { type = "Polygon", coordinates = new[] { new[] { new[] { west, south }, new[] { east, south }, new[] { east, north }, new[] { west, north }, new[] { west, south } } } };

    private async Task<string> Plot(string tenant, double west, double south, double declaredMu = 10) =>
        (string)(await Json("/api/v1/plots", tenant, Role.FieldAgent, HttpStatusCode.Created, HttpMethod.Post,
            new { farmerId = "F1", outline = Box(west, south, west + 0.002, south + 0.002), declaredMu }))["id"]!;

    private static void AssertField(JsonNode problem, string field) =>
        Assert.True(problem["errors"]?[field] is not null, $"the problem names {field}: {problem.ToJsonString()}");

    /// <summary>The pixel of a picture over <paramref name="bounds"/> (west,south,east,north) where a WGS84 point lies.</summary>
    private static (int X, int Y) Pixel(string bounds, SKBitmap image, double longitude, double latitude)
    {
        var b = bounds.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var grid = new MercatorGrid(new LonLatBox(b[0], b[1], b[2], b[3]), image.Width, image.Height);
        var (x, y) = grid.Pixel(longitude, latitude);
        return ((int)x, (int)y);
    }

    [Fact]
    public async Task Rasters_are_listed_with_crs_size_dates_and_their_wgs84_box_and_broken_files_say_why()
    {
        var page = await Json("/api/v1/rasters", "A");
        var items = page["items"]!.AsArray();
        Assert.Equal(["2027/ndvi_may.tif", "broken.tif", "season/clouds_stack.tif", "season/ndvi_stack.tif"], items.Select(i => (string)i!["path"]!));
        var may = items[0]!;
        Assert.Equal(("EPSG:4326", 200, 100, 1), ((string)may["epsg"]!, (int)may["columns"]!, (int)may["rows"]!, (int)may["bands"]!));
        var box = may["boundsWgs84"]!;
        Assert.Equal([103.0, 30.0, 103.02, 30.01], new[] { "west", "south", "east", "north" }.Select(k => Math.Round((double)box[k]!, 9)));
        Assert.Equal(DateTimeOffset.Parse("2027-05-10T03:12:00Z", CultureInfo.InvariantCulture), (DateTimeOffset)may["acquisitions"]![0]!["time"]!);
        Assert.Equal("/api/v1/rasters/2027/ndvi_may.tif/overlay.png", (string)may["overlay"]!);
        Assert.NotNull((string?)items[1]!["problem"]);
        Assert.DoesNotContain(Path.GetTempPath(), (string)items[1]!["problem"]!);
        var stack = items[3]!;
        Assert.Equal(("EPSG:32648", 4), ((string)stack["epsg"]!, stack["acquisitions"]!.AsArray().Count));
        // The UTM stack's box holds the WGS84 box it was cut from.
        Assert.InRange((double)stack["boundsWgs84"]!["west"]!, 102.99, 102.995);
        Assert.InRange((double)stack["boundsWgs84"]!["north"]!, 30.015, 30.02);
        // seasons.json names the cloud stack as its acquisitions' mask: a page offers it as a mask, not as imagery.
        Assert.Equal([false, false, true, false], items.Select(i => (bool)i!["cloudMask"]!));
        Assert.True((bool)(await Json("/api/v1/rasters/season/clouds_stack.tif", "A"))["cloudMask"]!);

        Assert.Equal("season/ndvi_stack.tif", (string)(await Json("/api/v1/rasters/season/ndvi_stack.tif", "B"))["path"]!);
        Assert.Equal(2, (int)(await Json("/api/v1/rasters?offset=2&limit=1", "A"))["offset"]!);
        await Json("/api/v1/rasters/nothing.tif", "A", expect: HttpStatusCode.NotFound);
        await Json("/api/v1/rasters/no%20such%20name.tif/overlay.png", "A", expect: HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Unauthorized, (await cloud.Send(HttpMethod.Get, "/api/v1/rasters", null, Role.Auditor)).StatusCode);
    }

    [Fact]
    public async Task An_overlay_is_a_web_mercator_png_of_the_rasters_box_cached_by_etag_with_nodata_transparent()
    {
        var response = await cloud.Send(HttpMethod.Get, "/api/v1/rasters/2027/ndvi_may.tif/overlay.png?width=200", "A", Role.Auditor);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("private", response.Headers.CacheControl!.ToString());
        var tag = response.Headers.ETag!;
        var bounds = response.Headers.GetValues("X-Overlay-Bounds").Single();
        Assert.Equal("ndvi", response.Headers.GetValues("X-Overlay-Ramp").Single());
        using var image = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
        // 0.02° by 0.01° at 30° N on Web Mercator: 200 px wide, 200 × 0.01 / 0.02 / cos 30° ≈ 115 px tall.
        Assert.Equal(200, image.Width);
        Assert.InRange(image.Height, 114, 117);
        Assert.Equal(MapOverlay.Colour(NdviRamp, 0.8f), image.GetPixel(Pixel(bounds, image, 103.005, 30.005).X, Pixel(bounds, image, 103.005, 30.005).Y));
        var bare = Pixel(bounds, image, 103.012, 30.002);
        Assert.Equal(MapOverlay.Colour(NdviRamp, 0.1f), image.GetPixel(bare.X, bare.Y));
        var nodata = Pixel(bounds, image, 103.018, 30.0095);
        Assert.Equal(0, image.GetPixel(nodata.X, nodata.Y).Alpha);

        var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/rasters/2027/ndvi_may.tif/overlay.png?width=200");
        again.Headers.IfNoneMatch.Add(tag);
        var token = (await cloud.Send(HttpMethod.Get, "/api/v1/me", "A", Role.Auditor)).RequestMessage!.Headers.Authorization!;
        again.Headers.Authorization = token;
        var cached = await cloud.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
        Assert.Empty(await cached.Content.ReadAsByteArrayAsync());

        var wide = await cloud.Send(HttpMethod.Get, "/api/v1/rasters/2027/ndvi_may.tif/overlay.png?width=5000", "A", Role.Auditor);
        using (var capped = SKBitmap.Decode(await wide.Content.ReadAsByteArrayAsync()))
            Assert.Equal(MapEndpoints.MaxWidth, capped.Width);
        Assert.NotEqual(tag, wide.Headers.ETag);

        foreach (var (query, field) in new[] { ("band=2", "band"), ("date=2030-01-01", "date"), ("width=0", "width"), ("ramp=rainbow", "ramp"), ("band=1&date=2027-05-10", "date") })
            AssertField(await Json($"/api/v1/rasters/2027/ndvi_may.tif/overlay.png?{query}", "A", expect: HttpStatusCode.BadRequest), field);
        await Json("/api/v1/rasters/nothing.tif/overlay.png", "A", expect: HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_utm_stacks_overlay_puts_each_acquisitions_values_where_their_ground_is()
    {
        var response = await cloud.Send(HttpMethod.Get, "/api/v1/rasters/season/ndvi_stack.tif/overlay.png?date=2027-05-01&width=400", "A", Role.Underwriter);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bounds = response.Headers.GetValues("X-Overlay-Bounds").Single();
        using var image = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
        // Either side of the failing line, 0.001° (about 100 m, some 20 pixels) away from it.
        foreach (var (lon, ndvi) in new[] { (SeasonRasters.FailingWestOf - 0.001, 0.2f), (SeasonRasters.FailingWestOf + 0.001, 0.7f) })
        {
            foreach (var lat in new[] { 29.999, 30.005, 30.011 })
            {
                var (x, y) = Pixel(bounds, image, lon, lat);
                Assert.Equal(MapOverlay.Colour(NdviRamp, ndvi), image.GetPixel(x, y));
            }
        }
        // April: no failing crop yet.
        var april = await cloud.Send(HttpMethod.Get, "/api/v1/rasters/season/ndvi_stack.tif/overlay.png?band=1&width=400", "A", Role.Underwriter);
        using var aprilImage = SKBitmap.Decode(await april.Content.ReadAsByteArrayAsync());
        var west = Pixel(bounds, aprilImage, SeasonRasters.FailingWestOf - 0.001, 30.005);
        Assert.Equal(MapOverlay.Colour(NdviRamp, 0.7f), aprilImage.GetPixel(west.X, west.Y));
    }

    [Fact]
    public async Task The_plot_map_is_geojson_of_the_tenants_own_plots_in_the_box_with_measured_over_declared()
    {
        var measured = await Plot("A", 103.002, 30.002, declaredMu: 100);
        var unmeasured = await Plot("A", 103.012, 30.002);
        var far = await Plot("A", 104.5, 31.5);
        var other = await Plot("B", 103.003, 30.003);
        await Json($"/api/v1/plots/{measured}/measurements", "A", Role.Underwriter, HttpStatusCode.Created, HttpMethod.Post, new { raster = "2027/ndvi_may.tif", min = 0.5 });

        // A box meeting the measured and the unmeasured plot (and B's), not the plots other tests add further north.
        const string Around = "bbox=103.001,30.001,103.0145,30.0035";
        var response = await cloud.Send(HttpMethod.Get, $"/api/v1/plots/map?{Around}", "A", Role.Auditor);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        var map = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("FeatureCollection", (string)map["type"]!);
        var features = map["features"]!.AsArray();
        Assert.Equal(new[] { measured, unmeasured }.Order(StringComparer.Ordinal), features.Select(f => (string)f!["id"]!));
        var m = features.Single(f => (string)f!["id"]! == measured)!;
        Assert.Equal(("Feature", "Polygon"), ((string)m["type"]!, (string)m["geometry"]!["type"]!));
        var p = m["properties"]!;
        // The whole box is crop (0.8): its measured mu is its ground area, about 0.002° × 0.002° at 30° N, 42,800 m² ≈ 64.2 mu.
        Assert.InRange((double)p["measuredMu"]!, 63, 65.5);
        Assert.Equal((double)p["measuredMu"]! / 100, (double)p["measuredToDeclared"]!, 9);
        Assert.Equal("ok", (string)p["quality"]!);
        Assert.Equal(100, (double)p["declaredMu"]!, 9);
        Assert.Equal("2027-05-10", (string)p["acquired"]!);
        var u = features.Single(f => (string)f!["id"]! == unmeasured)!["properties"]!;
        Assert.Null(u["measuredMu"]);
        Assert.Null(u["measuredToDeclared"]);

        var everything = await Json("/api/v1/plots/map?limit=200", "A");
        Assert.Equal((int)everything["total"]!, everything["features"]!.AsArray().Count);
        Assert.Contains(far, everything["features"]!.AsArray().Select(f => (string)f!["id"]!));
        var first = await Json("/api/v1/plots/map?limit=1", "A");
        Assert.Equal(((int)everything["total"]!, 1), ((int)first["total"]!, first["features"]!.AsArray().Count));
        var theirs = await Json($"/api/v1/plots/map?{Around}", "B");
        Assert.Equal([other], theirs["features"]!.AsArray().Select(f => (string)f!["id"]!));
        foreach (var bbox in new[] { "103,30,103.02", "a,b,c,d", "103.02,30,103,30.01", "103,30,103.02,95" })
            AssertField(await Json($"/api/v1/plots/map?bbox={bbox}", "A", expect: HttpStatusCode.BadRequest), "bbox");
        AssertField(await Json("/api/v1/plots/map?limit=0", "A", expect: HttpStatusCode.BadRequest), "limit");
    }

    [Fact]
    public async Task A_plots_picture_is_its_outline_over_the_raster_it_was_last_measured_on()
    {
        var plot = await Plot("A", 103.004, 30.004);
        await Json($"/api/v1/plots/{plot}/image.png", "A", expect: HttpStatusCode.NotFound);
        await Json($"/api/v1/plots/{plot}/measurements", "A", Role.Underwriter, HttpStatusCode.Created, HttpMethod.Post, new { raster = "2027/ndvi_may.tif", min = 0.5 });
        var response = await cloud.Send(HttpMethod.Get, $"/api/v1/plots/{plot}/image.png?width=300", "A", Role.ClaimsOfficer);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        var bounds = response.Headers.GetValues("X-Overlay-Bounds").Single().Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // The plot and a quarter of its size on each side.
        Assert.Equal(103.0035, bounds[0], 9);
        Assert.Equal(103.0065, bounds[2], 9);
        using var image = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(300, image.Width);
        Assert.Equal(MapOverlay.Colour(NdviRamp, 0.8f), image.GetPixel(150, image.Height / 2));
        // The outline's west edge runs down the picture a sixth of the way in (0.0005° of 0.003°).
        var edge = image.GetPixel(50, image.Height / 2);
        Assert.True(edge.Red > 200 && edge.Green > 200 && edge.Blue > 200, $"the outline at x = 50: {edge}");
        await Json($"/api/v1/plots/{plot}/image.png", "B", expect: HttpStatusCode.NotFound);
        AssertField(await Json($"/api/v1/plots/{plot}/image.png?width=-1", "A", expect: HttpStatusCode.BadRequest), "width");
    }

    [Fact]
    public async Task A_plots_season_gives_ndvi_per_date_and_an_alert_where_it_stays_below_its_neighbours_past_a_cloudy_date()
    {
        Assert.Equal(HttpStatusCode.Created, (await cloud.Send(HttpMethod.Post, "/api/v1/farmers", "S", Role.FieldAgent, new { id = "F1", name = "李秀英", region = "四川 雅安" })).StatusCode);
        var failing = await Plot("S", 103.002, 30.003);
        var neighbours = new[] { await Plot("S", 103.012, 30.003), await Plot("S", 103.016, 30.003), await Plot("S", 103.012, 30.007) };

        var seasons = (await Json("/api/v1/seasons", "S")).AsArray();
        Assert.Equal(("2027", 4), ((string)seasons.Single()!["name"]!, (int)seasons.Single()!["acquisitions"]!));

        var season = await Json($"/api/v1/plots/{failing}/season", "S");
        Assert.Equal(("2027", 4, 4, "ok"), ((string)season["season"]!, (int)season["acquisitions"]!, (int)season["comparedPlots"]!, (string)season["quality"]!));
        var dates = season["dates"]!.AsArray();
        Assert.Equal(SeasonRasters.Dates.Select(d => DateTimeOffset.Parse(d + "Z", CultureInfo.InvariantCulture)), dates.Select(d => (DateTimeOffset)d!["time"]!));
        Assert.Equal([0.7, 0.2, 0.2], new[] { 0, 1, 3 }.Select(i => Math.Round((double)dates[i]!["meanNdvi"]!, 4)));
        Assert.Equal([true, true, false, true], dates.Select(d => (bool)d!["clear"]!));
        Assert.Equal(0, (double)dates[2]!["validShare"]!);
        Assert.Equal(0.7, (double)dates[1]!["neighboursNdvi"]!, 4);
        Assert.Equal([false, true, false, true], dates.Select(d => (bool)d!["alert"]!));
        var alert = season["alerts"]!.AsArray().Single()!;
        Assert.Equal((2, -0.5), ((int)alert["dates"]!, Math.Round((double)alert["worstGapNdvi"]!, 4)));

        var healthy = await Json($"/api/v1/plots/{neighbours[0]}/season?season=2027", "S", Role.Underwriter);
        Assert.Empty(healthy["alerts"]!.AsArray());
        AssertField(await Json($"/api/v1/plots/{failing}/season?season=2016", "S", expect: HttpStatusCode.BadRequest), "season");
        await Json($"/api/v1/plots/{failing}/season", "A", expect: HttpStatusCode.NotFound);
    }

    private async Task<JsonNode> FinishedJob(JsonNode started, string tenant)
    {
        await cloud.App.Services.GetRequiredService<JobBoard>().WhenEnded((string)started["id"]!);
        return await Json($"/api/v1/jobs/{started["id"]}", tenant);
    }

    [Fact]
    public async Task Many_plots_are_measured_as_a_job_with_progress_and_a_result_per_plot()
    {
        Assert.Equal(HttpStatusCode.Created, (await cloud.Send(HttpMethod.Post, "/api/v1/farmers", "J", Role.FieldAgent, new { id = "F1", name = "张伟", region = "四川 雅安" })).StatusCode);
        var crop = await Plot("J", 103.002, 30.002);
        var bare = await Plot("J", 103.012, 30.002);
        var off = await Plot("J", 104.5, 31.5);
        var theirs = await Plot("B", 103.005, 30.005);

        var started = await Json("/api/v1/plots/measurements", "J", Role.Underwriter, HttpStatusCode.Accepted, HttpMethod.Post,
            new { plotIds = new[] { crop, bare, off, theirs }, raster = "2027/ndvi_may.tif", min = 0.5 });
        var job = await FinishedJob(started, "J");
        Assert.Equal(("done", 4, 4), ((string)job["state"]!, (int)job["done"]!, (int)job["total"]!));
        var result = job["result"]!;
        Assert.Equal((4, 2), ((int)result["plots"]!, (int)result["measured"]!));
        var items = result["items"]!.AsArray();
        Assert.Equal([crop, bare, off, theirs], items.Select(i => (string)i!["plotId"]!));
        Assert.InRange((double)items[0]!["measuredMu"]!, 63, 65.5);
        Assert.Equal(0, (double)items[1]!["measuredMu"]!);
        Assert.Equal(2, (int)result["byQuality"]!["ok"]!);
        Assert.StartsWith("raster:", (string)items[2]!["error"]!);
        // Another insurer's plot is no plot to this one.
        Assert.StartsWith("plotId:", (string)items[3]!["error"]!);
        Assert.Equal([null, null, "raster", "plotId"], items.Select(i => (string?)i!["errorField"]));
        Assert.Equal(0, (int)(await Json($"/api/v1/plots/{theirs}/measurements", "B"))["total"]!);
        Assert.Equal(1, (int)(await Json($"/api/v1/plots/{crop}/measurements", "J"))["total"]!);

        // The farmer's plots never measured: only the one off the raster is left, and is refused again.
        var unmeasured = await FinishedJob(await Json("/api/v1/plots/measurements", "J", Role.Underwriter, HttpStatusCode.Accepted, HttpMethod.Post,
            new { farmerId = "F1", unmeasured = true, raster = "2027/ndvi_may.tif" }), "J");
        Assert.Equal([off], unmeasured["result"]!["items"]!.AsArray().Select(i => (string)i!["plotId"]!));
        // Every plot of the farmer.
        var all = await FinishedJob(await Json("/api/v1/plots/measurements", "J", Role.Underwriter, HttpStatusCode.Accepted, HttpMethod.Post,
            new { farmerId = "F1", raster = "2027/ndvi_may.tif" }), "J");
        Assert.Equal(3, (int)all["total"]!);
        // The job is the tenant's: another insurer cannot read it.
        await Json($"/api/v1/jobs/{all["id"]}", "B", expect: HttpStatusCode.NotFound);

        // A bad band would fail every plot: the job ends at the first, naming it.
        var badBand = await FinishedJob(await Json("/api/v1/plots/measurements", "J", Role.Underwriter, HttpStatusCode.Accepted, HttpMethod.Post,
            new { plotIds = new[] { crop, bare }, raster = "2027/ndvi_may.tif", band = 3 }), "J");
        Assert.Equal("failed", (string)badBand["state"]!);
        Assert.StartsWith("band:", (string)badBand["error"]!);

        foreach (var (body, field) in new (object, string)[]
        {
            (new { raster = "2027/ndvi_may.tif" }, "plotIds"),
            (new { plotIds = Array.Empty<string>(), raster = "2027/ndvi_may.tif" }, "plotIds"),
            (new { plotIds = new[] { crop }, farmerId = "F1", raster = "2027/ndvi_may.tif" }, "plotIds"),
            (new { farmerId = "F9", raster = "2027/ndvi_may.tif" }, "farmerId"),
            (new { plotIds = new[] { crop }, raster = "nothing.tif" }, "raster"),
            (new { plotIds = new[] { crop }, raster = "2027/ndvi_may.tif", maxHiddenShare = 1.5 }, "maxHiddenShare"),
        })
            AssertField(await Json("/api/v1/plots/measurements", "J", Role.Underwriter, HttpStatusCode.BadRequest, HttpMethod.Post, body), field);
        foreach (var role in new[] { Role.Auditor, Role.ClaimsOfficer, Role.FieldAgent })
            Assert.Equal(HttpStatusCode.Forbidden, (await cloud.Send(HttpMethod.Post, "/api/v1/plots/measurements", "J", role, new { plotIds = new[] { crop }, raster = "2027/ndvi_may.tif" })).StatusCode);
    }
}

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Ledger.Proofs;
using AgriInsure.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgriInsure.Cloud.Host.Tests;

/// <summary>One cloud on a real host (Kestrel on a free loopback port) for the crop API tests, with two insurers A and B
/// (each a farmer F1) and one raster in its raster folder, written through GDAL: a GeoTIFF in WGS84 degrees over
/// 103.00–103.02° E, 30.00–30.01° N (cells of 0.0001°), value 0.8 (crop) west of 103.01° E and 0.1 (bare) east of it,
/// nodata over 103.015–103.02° E north of 30.009° N; acquired 2027-05-10. Generated, so the tests need nothing beside the
/// repository.</summary>
public class CropCloud : IAsyncLifetime
{
    private readonly TempFolder _home = new();
    private byte[] _secret = null!;
    private AuthOptions _auth = null!;

    public WebApplication App { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public string Folder => _home.File("cloud");

    public async Task InitializeAsync()
    {
        var rasters = Directory.CreateDirectory(_home.File("rasters")).FullName;
        Directory.CreateDirectory(Path.Combine(rasters, "2027"));
        WriteRaster(Path.Combine(rasters, "2027", "ndvi_may.tif"));
        AddRasters(rasters);
        App = CloudHost.Build(["--urls", "http://127.0.0.1:0"], new Dictionary<string, string?>
        {
            ["Cloud:Folder"] = Folder,
            ["Cloud:Manifest"] = Repo.Manifest,
            ["Cloud:BrokerPort"] = "0",
            ["Cloud:Rasters"] = rasters,
        });
        await App.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()) };
        _auth = App.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        _secret = Access.Secret(_auth, Folder);
        foreach (var tenant in new[] { "A", "B" })
        {
            var created = await Send(HttpMethod.Post, "/api/v1/farmers", tenant, Role.FieldAgent, new { id = "F1", name = "王建国", region = "四川 雅安" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
    }

    /// <summary>Where a fixture for other routes puts more into the raster folder before the cloud starts.</summary>
    protected virtual void AddRasters(string folder)
    {
    }

    private static void WriteRaster(string path)
    {
        var grid = new Grid(103.0, 30.01, 0.0001, 0.0001, 200, 100);
        using var writer = GeoTiffWriter.Create(path, grid, "EPSG:4326", 1, nodata: -9999);
        var values = new float[grid.Columns * grid.Rows];
        for (var row = 0; row < grid.Rows; row++)
        {
            for (var column = 0; column < grid.Columns; column++)
                values[row * grid.Columns + column] = row < 10 && column >= 150 ? -9999f : column < 100 ? 0.8f : 0.1f;
        }
        writer.Write(1, 0, values);
        writer.Describe(1, "2027-05-10T03:12:00");
    }

    public Task<HttpResponseMessage> Send(HttpMethod method, string path, string? tenant, Role role, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (tenant is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Access.Issue(_auth, _secret, $"{role.Name()}-of-{tenant}", tenant, role, TimeSpan.FromHours(1), DateTimeOffset.UtcNow));
        if (body is not null)
            request.Content = body as HttpContent ?? JsonContent.Create(body);
        return Http.SendAsync(request);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _home.Dispose();
    }
}

/// <summary>Plots, measurements and crop policies through the HTTP API, for each role and two tenants, on a raster the
/// cloud holds; bad input is refused with a problem naming the field, and nothing is stored.</summary>
public sealed class CropApiTests(CropCloud cloud) : IClassFixture<CropCloud>
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);
    private static readonly string Raster = "2027/ndvi_may.tif";

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task<JsonNode> Json(HttpMethod method, string path, string tenant, Role role = Role.Auditor, object? body = null, HttpStatusCode expect = HttpStatusCode.OK)
    {
        var response = await cloud.Send(method, path, tenant, role, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expect == response.StatusCode, $"{method} {path} as {role} of {tenant}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>A GeoJSON Polygon: the box from (west, south) to (east, north) in degrees.</summary>
    private static object Box(double west, double south, double east, double north) =>
        new { type = "Polygon", coordinates = new[] { new[] { new[] { west, south }, new[] { east, south }, new[] { east, north }, new[] { west, north }, new[] { west, south } } } };

    private async Task<string> Plot(string tenant, object outline, double declaredMu = 10) =>
        (string)(await Json(HttpMethod.Post, "/api/v1/plots", tenant, Role.FieldAgent, new { farmerId = "F1", outline, declaredMu }, HttpStatusCode.Created))["id"]!;

    private Task<JsonNode> Measure(string tenant, string plot, object request, HttpStatusCode expect = HttpStatusCode.Created) =>
        Json(HttpMethod.Post, $"/api/v1/plots/{plot}/measurements", tenant, Role.Underwriter, request, expect);

    private static object Order(string plot, DateOnly start, DateOnly end, string? measurementId = null) =>
        new { plotId = plot, measurementId, crop = "maize", sumInsuredPerMu = 1000m, ratePerMu = 30m, currency = "CNY", deductible = 0.1m, start = Day(start), end = Day(end) };

    private static void AssertField(JsonNode problem, string field) =>
        Assert.True(problem["errors"]?[field] is not null, $"the problem names {field}: {problem.ToJsonString()}");

    [Fact]
    public async Task A_field_agent_registers_a_plot_every_role_of_its_tenant_reads_it_and_another_tenant_cannot_see_it()
    {
        var created = await Json(HttpMethod.Post, "/api/v1/plots", "A", Role.FieldAgent,
            new { farmerId = "F1", outline = Box(103.002, 30.002, 103.004, 30.004), declaredMu = 9.5 }, HttpStatusCode.Created);
        var id = (string)created["id"]!;
        Assert.Equal(9.5, (double)created["declaredArea"]!["mu"]!, 9);
        Assert.Equal(9.5 / 15, (double)created["declaredArea"]!["ha"]!, 9);
        // The drawn box: 0.002° × 0.002° at 30° N is about 192.9 m × 221.8 m on the ellipsoid.
        Assert.InRange((double)created["outlineArea"]!["m2"]!, 42_000, 43_500);
        foreach (var role in Enum.GetValues<Role>())
            Assert.Equal(id, (string)(await Json(HttpMethod.Get, $"/api/v1/plots/{id}", "A", role))["id"]!);
        Assert.Contains(id, (await Json(HttpMethod.Get, "/api/v1/plots?farmer=F1&limit=200", "A"))["items"]!.AsArray().Select(p => (string)p!["id"]!));
        await Json(HttpMethod.Get, $"/api/v1/plots/{id}", "B", expect: HttpStatusCode.NotFound);
        await Json(HttpMethod.Get, $"/api/v1/plots/{id}/measurements", "B", expect: HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, (await Json(HttpMethod.Get, "/api/v1/plots?limit=200", "B"))["items"]!.AsArray().Select(p => (string)p!["id"]!));
        foreach (var role in new[] { Role.Underwriter, Role.ClaimsOfficer, Role.Auditor })
        {
            var refused = await cloud.Send(HttpMethod.Post, "/api/v1/plots", "A", role, new { farmerId = "F1", outline = Box(103.002, 30.002, 103.004, 30.004), declaredMu = 9.5 });
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
    }

    public static TheoryData<string, object, string> BadPlots => new()
    {
        { "a point", new { farmerId = "F1", outline = new { type = "Point", coordinates = new[] { 103.0, 30.0 } }, declaredMu = 3 }, "outline" },
        { "a bow tie", new { farmerId = "F1", outline = new { type = "Polygon", coordinates = new[] { new[] { new[] { 103.0, 30.0 }, new[] { 103.001, 30.001 }, new[] { 103.001, 30.0 }, new[] { 103.0, 30.001 }, new[] { 103.0, 30.0 } } } }, declaredMu = 3 }, "outline" },
        { "metres of UTM 48N", new { farmerId = "F1", outline = Box(300_000, 3_320_000, 300_200, 3_320_200), declaredMu = 3 }, "outline" },
        { "a crs member", new { farmerId = "F1", outline = new { type = "Polygon", crs = new { type = "name", properties = new { name = "EPSG:32648" } }, coordinates = new[] { new[] { new[] { 103.0, 30.0 }, new[] { 103.001, 30.0 }, new[] { 103.001, 30.001 }, new[] { 103.0, 30.0 } } } }, declaredMu = 3 }, "outline.crs" },
        { "a ring left open", new { farmerId = "F1", outline = new { type = "Polygon", coordinates = new[] { new[] { new[] { 103.0, 30.0 }, new[] { 103.001, 30.0 }, new[] { 103.001, 30.001 }, new[] { 103.0, 30.001 } } } }, declaredMu = 3 }, "outline" },
        { "a hole", new { farmerId = "F1", outline = new { type = "Polygon", coordinates = new[] {
            new[] { new[] { 103.0, 30.0 }, new[] { 103.01, 30.0 }, new[] { 103.01, 30.01 }, new[] { 103.0, 30.01 }, new[] { 103.0, 30.0 } },
            new[] { new[] { 103.004, 30.004 }, new[] { 103.006, 30.004 }, new[] { 103.006, 30.006 }, new[] { 103.004, 30.004 } } } }, declaredMu = 3 }, "outline" },
        { "no outline", new { farmerId = "F1", declaredMu = 3 }, "outline" },
        { "no declared area", new { farmerId = "F1", outline = Box(103.0, 30.0, 103.001, 30.001) }, "declaredMu" },
        { "a negative declared area", new { farmerId = "F1", outline = Box(103.0, 30.0, 103.001, 30.001), declaredMu = -2 }, "declaredMu" },
        { "a farmer the tenant does not have", new { farmerId = "F9", outline = Box(103.0, 30.0, 103.001, 30.001), declaredMu = 3 }, "farmerId" },
        { "a declared area that is text", new { farmerId = "F1", outline = Box(103.0, 30.0, 103.001, 30.001), declaredMu = "ten" }, "declaredMu" },
    };

    [Theory]
    [MemberData(nameof(BadPlots))]
    public async Task A_plot_that_is_not_one_valid_WGS84_polygon_of_a_known_farmer_is_refused_naming_the_field_and_nothing_is_stored(string what, object body, string field)
    {
        var before = (int)(await Json(HttpMethod.Get, "/api/v1/plots?limit=1", "A"))["total"]!;
        var problem = await Json(HttpMethod.Post, "/api/v1/plots", "A", Role.FieldAgent, body, HttpStatusCode.BadRequest);
        AssertField(problem, field);
        Assert.False(string.IsNullOrEmpty(what));
        Assert.Equal(before, (int)(await Json(HttpMethod.Get, "/api/v1/plots?limit=1", "A"))["total"]!);
    }

    /// <summary>Every rule as measurements store it (CellRule.Describe) reads back in parts; other words give none.</summary>
    [Fact]
    public void A_stored_rule_reads_back_in_parts()
    {
        Assert.Equal(new CellRuleView("band-at-least", 2, null, null, 0.35, null), CellRuleView.Parse(new CellRule.BandAtLeast(2, 0.35).Describe()));
        Assert.Equal(new CellRuleView("every-valid-cell", 1, null, null, null, null), CellRuleView.Parse(new CellRule.BandAtLeast(1, double.NegativeInfinity).Describe()));
        var classes = CellRuleView.Parse(new CellRule.BandInClasses(3, new HashSet<int> { 12, 4 }).Describe());
        Assert.Equal(("band-in-classes", 3), (classes!.Kind, classes.Band));
        Assert.Equal([4, 12], classes.Classes!);
        Assert.Equal(new CellRuleView("ndvi-at-least", null, 4, 8, 0.5, null), CellRuleView.Parse(new CellRule.NdviAtLeast(4, 8, 0.5).Describe()));
        Assert.Null(CellRuleView.Parse("band one or so"));
    }

    [Fact]
    public async Task An_underwriter_measures_a_plot_on_the_clouds_raster_in_m2_mu_and_ha_and_every_measurement_is_kept()
    {
        // Half on crop (west of 103.01° E), half on bare ground.
        var plot = await Plot("A", Box(103.009, 30.002, 103.011, 30.004));
        var crop = await Measure("A", plot, new { raster = Raster, min = 0.5 });
        var whole = (double)crop["plotArea"]!["m2"]!;
        Assert.Equal("ok", (string)crop["quality"]!);
        Assert.Equal("2027-05-10", (string)crop["acquired"]!);
        Assert.InRange((double)crop["measured"]!["m2"]! / whole, 0.49, 0.51);
        Assert.Equal((double)crop["measured"]!["m2"]! / (10_000.0 / 15), (double)crop["measured"]!["mu"]!, 6);
        Assert.Equal((double)crop["measured"]!["m2"]! / 10_000, (double)crop["measured"]!["ha"]!, 9);
        Assert.Equal(64, ((string)crop["evidence"]!).Length);
        var everything = await Measure("A", plot, new { raster = Raster });
        Assert.InRange((double)everything["measured"]!["m2"]! / whole, 0.999, 1.001);
        // The rule in parts, so a page words it in its own language.
        Assert.Equal(("band-at-least", 1, 0.5), ((string)crop["cropCells"]!["kind"]!, (int)crop["cropCells"]!["band"]!, (double)crop["cropCells"]!["min"]!));
        Assert.Equal(("every-valid-cell", 1), ((string)everything["cropCells"]!["kind"]!, (int)everything["cropCells"]!["band"]!));

        var kept = await Json(HttpMethod.Get, $"/api/v1/plots/{plot}/measurements", "A", Role.ClaimsOfficer);
        Assert.Equal(2, (int)kept["total"]!);
        // Same acquisition: the later measurement first.
        Assert.Equal((string)everything["id"]!, (string)kept["items"]![0]!["id"]!);
        var read = await Json(HttpMethod.Get, $"/api/v1/plots/{plot}", "A");
        Assert.Equal((string)everything["id"]!, (string)read["latestMeasurement"]!["id"]!);
        foreach (var role in new[] { Role.FieldAgent, Role.ClaimsOfficer, Role.Auditor })
            Assert.Equal(HttpStatusCode.Forbidden, (await cloud.Send(HttpMethod.Post, $"/api/v1/plots/{plot}/measurements", "A", role, new { raster = Raster })).StatusCode);
        await Measure("B", plot, new { raster = Raster }, HttpStatusCode.NotFound);
        Assert.Equal(2, (int)(await Json(HttpMethod.Get, $"/api/v1/plots/{plot}/measurements", "A"))["total"]!);
    }

    [Fact]
    public async Task A_plot_partly_off_the_raster_or_hidden_is_measured_and_flagged_and_one_wholly_outside_is_refused()
    {
        var partly = await Plot("A", Box(103.019, 30.002, 103.021, 30.004));
        Assert.Equal("partly-outside-raster", (string)(await Measure("A", partly, new { raster = Raster }))["quality"]!);
        var hidden = await Plot("A", Box(103.016, 30.0092, 103.018, 30.0098));
        Assert.Equal("all-hidden", (string)(await Measure("A", hidden, new { raster = Raster }))["quality"]!);
        // A plot on the other side of the world from the raster: not a measurement of it at all.
        var away = await Plot("A", Box(-70.0, -30.0, -69.998, -29.998));
        AssertField(await Measure("A", away, new { raster = Raster }, HttpStatusCode.BadRequest), "raster");
        Assert.Equal(0, (int)(await Json(HttpMethod.Get, $"/api/v1/plots/{away}/measurements", "A"))["total"]!);
    }

    public static TheoryData<object, string> BadMeasurements => new()
    {
        { new { raster = "../registry.db" }, "raster" },
        { new { raster = "../cloud/registry.db" }, "raster" },
        { new { raster = "/etc/passwd" }, "raster" },
        { new { raster = "/vsicurl/http://127.0.0.1/x.tif" }, "raster" },
        { new { raster = "2027/../2027/ndvi_may.tif" }, "raster" },
        { new { raster = "2027/none.tif" }, "raster" },
        { new { band = 1 }, "raster" },
        { new { raster = Raster, band = 2 }, "band" },
        { new { raster = Raster, ndvi = new { red = 1, nir = 2 } }, "ndvi" },
        { new { raster = Raster, classes = Array.Empty<int>() }, "classes" },
        { new { raster = Raster, maxHiddenShare = 1.5 }, "maxHiddenShare" },
        { new { raster = Raster, clouds = "../cloud/auth.key" }, "clouds" },
    };

    [Theory]
    [MemberData(nameof(BadMeasurements))]
    public async Task A_measurement_naming_no_raster_the_cloud_holds_or_a_bad_band_or_rule_is_refused_naming_the_field(object request, string field)
    {
        var plot = await Plot("A", Box(103.002, 30.006, 103.003, 30.007));
        AssertField(await Measure("A", plot, request, HttpStatusCode.BadRequest), field);
        Assert.Equal(0, (int)(await Json(HttpMethod.Get, $"/api/v1/plots/{plot}/measurements", "A"))["total"]!);
        await Measure("A", "PL-nobody", new { raster = Raster }, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_crop_policy_is_quoted_then_issued_on_the_latest_ok_measurement_and_its_anchor_is_proven()
    {
        var plot = await Plot("A", Box(103.002, 30.002, 103.004, 30.004));
        var ok = await Measure("A", plot, new { raster = Raster, min = 0.5 });
        // A later measurement that is not ok does not displace the ok one.
        await Measure("A", plot, new { raster = Raster, min = 0.5, maxHiddenShare = 0.0, clouds = Raster }, HttpStatusCode.Created);
        var (start, end) = (Today.AddDays(1), Today.AddDays(150));
        var quote = await Json(HttpMethod.Post, "/api/v1/crop-policies/quote", "A", Role.Underwriter, Order(plot, start, end));
        var mu = (double)ok["measured"]!["mu"]!;
        Assert.Equal((string)ok["id"]!, (string)quote["measurementId"]!);
        Assert.Equal(Math.Round((decimal)mu * 30m, 2, MidpointRounding.ToEven), (decimal)quote["premium"]!["amount"]!);
        Assert.Equal(Math.Round((decimal)mu * 1000m, 2, MidpointRounding.ToEven), (decimal)quote["sumInsured"]!["amount"]!);
        Assert.Equal(0, (int)(await Json(HttpMethod.Get, $"/api/v1/crop-policies?plot={plot}", "A"))["total"]!);
        foreach (var role in new[] { Role.FieldAgent, Role.ClaimsOfficer, Role.Auditor })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await cloud.Send(HttpMethod.Post, "/api/v1/crop-policies/quote", "A", role, Order(plot, start, end))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await cloud.Send(HttpMethod.Post, "/api/v1/crop-policies", "A", role, Order(plot, start, end))).StatusCode);
        }

        var issued = await Json(HttpMethod.Post, "/api/v1/crop-policies", "A", Role.Underwriter, Order(plot, start, end), HttpStatusCode.Created);
        var id = (string)issued["id"]!;
        Assert.Equal((decimal)quote["premium"]!["amount"]!, (decimal)issued["premium"]!["amount"]!);
        Assert.Equal(("underwriter-of-A", (string)ok["id"]!), ((string)issued["issuedBy"]!, (string)issued["measurementId"]!));
        Assert.Equal(id, (string)(await Json(HttpMethod.Get, $"/api/v1/crop-policies/{id}", "A", Role.ClaimsOfficer))["id"]!);
        Assert.Equal(id, (string)(await Json(HttpMethod.Get, $"/api/v1/plots/{plot}", "A"))["policies"]![0]!["id"]!);
        var proof = await Json(HttpMethod.Get, $"/api/v1/crop-policies/{id}/proof", "A");
        Assert.Equal((long)issued["ledgerEntry"]!, (long)proof["index"]!);
        Assert.True(ProofVerifier.VerifyInclusion(Convert.FromHexString((string)proof["leafHash"]!), (long)proof["index"]!, (long)proof["treeSize"]!,
            [.. proof["path"]!.AsArray().Select(p => Convert.FromHexString((string)p!))], Convert.FromHexString((string)proof["root"]!)));
        foreach (var path in new[] { $"/api/v1/crop-policies/{id}", $"/api/v1/crop-policies/{id}/proof" })
            await Json(HttpMethod.Get, path, "B", expect: HttpStatusCode.NotFound);
        Assert.Equal(0, (int)(await Json(HttpMethod.Get, $"/api/v1/crop-policies?plot={plot}", "B"))["total"]!);

        // Insured once on any day: the same plot again, and land its outline shares with a new plot.
        var again = await Json(HttpMethod.Post, "/api/v1/crop-policies", "A", Role.Underwriter, Order(plot, end, end.AddDays(30)), HttpStatusCode.Conflict);
        Assert.Equal("already-insured", (string)again["outcome"]!);
        AssertField(again, "start");
        // The agent registering the neighbour learns in the answer that part of it is insured land.
        var registered = await Json(HttpMethod.Post, "/api/v1/plots", "A", Role.FieldAgent, new { farmerId = "F1", outline = Box(103.003, 30.003, 103.005, 30.005), declaredMu = 10 }, HttpStatusCode.Created);
        Assert.Equal((plot, id), ((string)registered["overlaps"]!.AsArray().Single()!["plotId"]!, (string)registered["overlaps"]!.AsArray().Single()!["policy"]!["id"]!));
        var neighbour = (string)registered["id"]!;
        var seen = await Json(HttpMethod.Get, $"/api/v1/plots/{neighbour}", "A", Role.Underwriter);
        var overlap = seen["overlaps"]!.AsArray().Single()!;
        Assert.Equal((plot, id), ((string)overlap["plotId"]!, (string)overlap["policy"]!["id"]!));
        Assert.InRange((double)overlap["shareOfPlot"]!, 0.24, 0.26);
        await Measure("A", neighbour, new { raster = Raster });
        var overlapping = await Json(HttpMethod.Post, "/api/v1/crop-policies", "A", Role.Underwriter, Order(neighbour, start, end), HttpStatusCode.Conflict);
        Assert.Equal("overlaps-insured-plot", (string)overlapping["outcome"]!);
        AssertField(overlapping, "plotId");
        // After the insured cover ends, the neighbour's land is free.
        Assert.Equal(HttpStatusCode.OK, (await cloud.Send(HttpMethod.Post, "/api/v1/crop-policies/quote", "A", Role.Underwriter, Order(neighbour, end.AddDays(1), end.AddDays(60)))).StatusCode);
        // Another insurer's plot on the same land sees none of A's policies.
        var theirs = await Plot("B", Box(103.003, 30.003, 103.005, 30.005));
        Assert.Empty((await Json(HttpMethod.Get, $"/api/v1/plots/{theirs}", "B"))["overlaps"]!.AsArray());
    }

    [Fact]
    public async Task Issuing_is_refused_without_an_ok_measurement_for_a_backdated_cover_and_for_bad_terms_naming_the_field()
    {
        var hidden = await Plot("A", Box(103.016, 30.0092, 103.018, 30.0098));
        var (start, end) = (Today.AddDays(1), Today.AddDays(90));
        var none = await Json(HttpMethod.Post, "/api/v1/crop-policies", "A", Role.Underwriter, Order(hidden, start, end), HttpStatusCode.BadRequest);
        Assert.Equal("quality-not-ok", (string)none["outcome"]!);
        AssertField(none, "measurementId");
        var flagged = (string)(await Measure("A", hidden, new { raster = Raster }))["id"]!;
        var named = await Json(HttpMethod.Post, "/api/v1/crop-policies", "A", Role.Underwriter, Order(hidden, start, end, flagged), HttpStatusCode.BadRequest);
        Assert.Equal("quality-not-ok", (string)named["outcome"]!);

        var plot = await Plot("A", Box(103.005, 30.005, 103.006, 30.006));
        await Measure("A", plot, new { raster = Raster, min = 0.5 });
        var backdated = await Json(HttpMethod.Post, "/api/v1/crop-policies", "A", Role.Underwriter, Order(plot, Today.AddDays(-1), end), HttpStatusCode.BadRequest);
        Assert.Equal("backdated", (string)backdated["outcome"]!);
        AssertField(backdated, "start");
        AssertField(await Json(HttpMethod.Post, "/api/v1/crop-policies", "A", Role.Underwriter, Order(plot, end, start), HttpStatusCode.BadRequest), "end");
        AssertField(await Json(HttpMethod.Post, "/api/v1/crop-policies", "A", Role.Underwriter,
            new { plotId = plot, crop = "maize", sumInsuredPerMu = 1000m, ratePerMu = 30m, currency = "CNY", deductible = 1.5m, start = Day(start), end = Day(end) }, HttpStatusCode.BadRequest), "deductible");
        AssertField(await Json(HttpMethod.Post, "/api/v1/crop-policies", "A", Role.Underwriter,
            new { plotId = plot, crop = "maize", sumInsuredPerMu = 1000m, ratePerMu = 30m, currency = "cny", start = Day(start), end = Day(end) }, HttpStatusCode.BadRequest), "currency");
        AssertField(await Json(HttpMethod.Post, "/api/v1/crop-policies", "A", Role.Underwriter, Order(plot, start, end, "PM-nobody"), HttpStatusCode.BadRequest), "measurementId");
        await Json(HttpMethod.Post, "/api/v1/crop-policies", "A", Role.Underwriter, Order("PL-nobody", start, end), HttpStatusCode.NotFound);
        await Json(HttpMethod.Post, "/api/v1/crop-policies", "B", Role.Underwriter, Order(plot, start, end), HttpStatusCode.NotFound);
        Assert.Equal(0, (int)(await Json(HttpMethod.Get, $"/api/v1/crop-policies?plot={plot}", "A"))["total"]!);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_crop_routes_with_their_answers()
    {
        var document = JsonNode.Parse(await cloud.Http.GetStringAsync("/openapi/v1.json"))!;
        foreach (var path in new[] { "/api/v1/plots", "/api/v1/plots/{id}", "/api/v1/plots/{id}/measurements", "/api/v1/crop-policies", "/api/v1/crop-policies/quote", "/api/v1/crop-policies/{id}/proof" })
            Assert.NotNull(document["paths"]![path]);
        var issue = document["paths"]!["/api/v1/crop-policies"]!["post"]!["responses"]!.AsObject();
        Assert.Superset(new HashSet<string> { "201", "400", "401", "403", "404", "409" }, issue.Select(r => r.Key).ToHashSet());
        Assert.NotNull(document["paths"]!["/api/v1/plots/{id}/measurements"]!["post"]!["responses"]!["201"]!["content"]!["application/json"]!["schema"]);
    }
}

using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Tests;
using Microsoft.Playwright;

namespace AgriInsure.Web.Tests;

/// <summary>The host with <see cref="SeasonRasters"/> in its raster folder and insurer picc's farmer F1 with five plots
/// of 0.002° × 0.002° (about 64 mu) measured in July 2027: <see cref="Failing"/> (west of the failing line: no crop,
/// declared 64 mu), <see cref="Healthy"/> (declared 64 mu, insured), <see cref="Bigger"/> (declared 40 mu, so more is
/// measured than declared), <see cref="Unmeasured"/> and <see cref="Overlapper"/> (drawn over part of the insured one,
/// not measured); insurer other's plot on the same ground as <see cref="Failing"/>. Beside the season, <see cref="Twice"/>:
/// two acquisitions of one day (March 2027, so the season map still opens on the July stack).</summary>
public sealed class UnderwriterHost : WebHost
{
    /// <summary>A raster in WGS84 over the plots, bands 1 and 2 acquired on 15 March 2027 at 03:00 and 09:30 UTC.</summary>
    public const string Twice = "twice/ndvi_twice.tif";

    public string Failing { get; private set; } = "";
    public string Healthy { get; private set; } = "";
    public string Bigger { get; private set; } = "";
    public string Unmeasured { get; private set; } = "";
    public string Overlapper { get; private set; } = "";
    public string Theirs { get; private set; } = "";

    public static string Day(DateTime d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    protected override IReadOnlyDictionary<string, string?> Settings
    {
        get
        {
            // Inside the cloud folder, so the fixture's end deletes it.
            var rasters = Path.Combine(CloudFolder, "rasters");
            if (!Directory.Exists(rasters))
            {
                SeasonRasters.Write(Directory.CreateDirectory(rasters).FullName);
                var grid = new Grid(103.0, 30.01, 0.0001, 0.0001, 250, 100);
                using var twice = GeoTiffWriter.Create(Path.Combine(Directory.CreateDirectory(Path.Combine(rasters, "twice")).FullName, "ndvi_twice.tif"), grid, "EPSG:4326", 2);
                foreach (var (band, time) in new[] { (1, "2027-03-15T03:00:00"), (2, "2027-03-15T09:30:00") })
                {
                    twice.Write(band, 0, [.. Enumerable.Repeat(0.6f, grid.Columns * grid.Rows)]);
                    twice.Describe(band, time);
                }
            }
            return new Dictionary<string, string?> { ["Cloud:Rasters"] = rasters };
        }
    }

    private async Task<JsonNode> Call(HttpMethod method, string path, string tenant, Role role, object body, HttpStatusCode expect)
    {
        var response = await Api(method, path, tenant, role, body);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expect)
            throw new InvalidOperationException($"seeding {method} {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<string> Plot(string tenant, double west, double south, double declaredMu)
    {
        var outline = new { type = "Polygon", coordinates = new[] { new[] { new[] { west, south }, new[] { west + 0.002, south }, new[] { west + 0.002, south + 0.002 }, new[] { west, south + 0.002 }, new[] { west, south } } } };
        return (string)(await Call(HttpMethod.Post, "/api/v1/plots", tenant, Role.FieldAgent, new { farmerId = "F1", outline, declaredMu }, HttpStatusCode.Created))["id"]!;
    }

    protected override async Task SeedAsync()
    {
        foreach (var (tenant, name) in new[] { ("picc", "王建国"), ("other", "李秀英") })
            await Call(HttpMethod.Post, "/api/v1/farmers", tenant, Role.FieldAgent, new { id = "F1", name, region = "四川 雅安" }, HttpStatusCode.Created);
        Failing = await Plot("picc", 103.002, 30.003, 64);
        Healthy = await Plot("picc", 103.012, 30.003, 64);
        Bigger = await Plot("picc", 103.016, 30.003, 40);
        Unmeasured = await Plot("picc", 103.012, 30.007, 60);
        foreach (var plot in new[] { Failing, Healthy, Bigger })
        {
            await Call(HttpMethod.Post, $"/api/v1/plots/{plot}/measurements", "picc", Role.Underwriter,
                new { raster = SeasonRasters.Stack, date = "2027-07-01", min = 0.5, clouds = "season/clouds_stack.tif" }, HttpStatusCode.Created);
        }
        var tomorrow = DateTime.UtcNow.Date.AddDays(1);
        await Call(HttpMethod.Post, "/api/v1/crop-policies", "picc", Role.Underwriter,
            new { plotId = Healthy, crop = "maize", sumInsuredPerMu = 1000m, ratePerMu = 30m, currency = "CNY", deductible = 0.1m, start = Day(tomorrow), end = Day(tomorrow.AddDays(180)) },
            HttpStatusCode.Created);
        Overlapper = await Plot("picc", 103.013, 30.0035, 30);
        Theirs = await Plot("other", 103.002, 30.003, 50);
    }
}

/// <summary>The underwriter's pages in Chromium: the season map over the host's imagery and a click through to a plot,
/// the plot's page (picture, measured area, quality, overlaps, NDVI curve with its alert), issuing a crop policy (the
/// premium shown before the confirm button), measuring plots as a background job; another insurer sees none of these
/// plots, and an auditor gets no decision button and is refused by the API. Screenshots: under-*.png.</summary>
public sealed class UnderwriterPagesTests(UnderwriterHost host) : IClassFixture<UnderwriterHost>
{
    /// <summary>Waits until every image of the page has loaded (the host's renderings) and is not broken.</summary>
    private static async Task ImagesLoadedAsync(WebPage tab)
    {
        await tab.Page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete)");
        Assert.True(await tab.Page.EvaluateAsync<bool>("() => [...document.images].every(i => i.naturalWidth > 0)"), "an image did not load");
    }

    [Fact]
    public async Task The_season_map_colours_plots_by_measured_over_declared_and_a_click_opens_the_plots_page()
    {
        await using var tab = await host.OpenAsync("picc", Role.Underwriter, "/map");
        var plots = tab.Page.Locator("path.leaflet-interactive");
        await tab.Page.WaitForFunctionAsync("() => document.querySelectorAll('path.leaflet-interactive').length === 5");
        await tab.Page.Locator("table caption", new() { HasText = "Plots in the map’s view" }).WaitForAsync();
        await ImagesLoadedAsync(tab);
        var main = await tab.MainTextAsync();
        Assert.Contains("Plots in view: 5.", main);
        Assert.Contains("Measured under 90 % of declared", main);
        Assert.Contains("Not measured yet", main);
        var ids = new[] { host.Failing, host.Healthy, host.Bigger, host.Unmeasured, host.Overlapper }.Order(StringComparer.Ordinal).ToList();
        var fills = await plots.EvaluateAllAsync<string[]>("ps => ps.map(p => p.getAttribute('fill'))");
        Assert.Equal("#c62828", fills[ids.IndexOf(host.Failing)]);
        Assert.Equal("#2e7d32", fills[ids.IndexOf(host.Healthy)]);
        Assert.Equal("#1565c0", fills[ids.IndexOf(host.Bigger)]);
        Assert.Equal("#757575", fills[ids.IndexOf(host.Unmeasured)]);
        Assert.DoesNotContain(host.Theirs, main);
        var bytes = await tab.TransferredBytesAsync();
        Assert.True(bytes <= 500_000, $"the season map with its imagery: {bytes:N0} bytes");
        await tab.ShotAsync("under-season-map");
        await tab.AssertAccessibleAsync();

        await plots.Nth(ids.IndexOf(host.Failing)).ClickAsync();
        await tab.Page.WaitForFunctionAsync($"() => location.hash === '#/plots/{host.Failing}'");
        await tab.SettleAsync();
        await tab.Page.Locator("svg.chart").WaitForAsync();
        await ImagesLoadedAsync(tab);
        main = await tab.MainTextAsync();
        Assert.Contains($"Plot {host.Failing}", main);
        Assert.Contains("0.00 mu (0.00 ha)", main);
        Assert.Contains("OK", main);
        Assert.Contains("Alert:", main);
        Assert.Contains("The outline overlaps no insured plot.", main);
        await tab.ShotAsync("under-plot");
        await tab.AssertAccessibleAsync();
    }

    [Fact]
    public async Task An_underwriter_sees_the_premium_before_the_confirm_button_then_issues_the_policy()
    {
        await using var tab = await host.OpenAsync("picc", Role.Underwriter, $"/plots/{host.Bigger}");
        await tab.Page.GetByRole(AriaRole.Link, new() { Name = "Issue a crop policy" }).ClickAsync();
        await tab.SettleAsync();
        Assert.Equal(0, await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Confirm and issue" }).CountAsync());
        await tab.Page.GetByLabel("Premium per mu (CNY)").FillAsync("25");
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Show the premium" }).ClickAsync();
        await tab.Page.Locator("#premium").WaitForAsync();
        var quote = await (await host.Api(HttpMethod.Post, "/api/v1/crop-policies/quote", "picc", Role.Underwriter, new
        {
            plotId = host.Bigger, crop = "maize", sumInsuredPerMu = 1000m, ratePerMu = 25m, currency = "CNY", deductible = 0.1m,
            start = UnderwriterHost.Day(DateTime.UtcNow.Date.AddDays(1)), end = UnderwriterHost.Day(DateTime.UtcNow.Date.AddDays(1).AddMonths(6)),
        })).Content.ReadFromJsonAsync<JsonNode>();
        var premium = (decimal)quote!["premium"]!["amount"]!;
        Assert.Contains(premium.ToString("N2", CultureInfo.InvariantCulture), await tab.Page.Locator("#premium").InnerTextAsync());
        Assert.Equal(0, (await (await host.Api(HttpMethod.Get, $"/api/v1/crop-policies?plot={host.Bigger}", "picc", Role.Auditor)).Content.ReadFromJsonAsync<JsonNode>())!["total"]!.GetValue<int>());
        await tab.ShotAsync("under-issue-quote");
        await tab.AssertAccessibleAsync();

        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Confirm and issue" }).ClickAsync();
        // The heading of the issued policy ("Nothing is issued yet" stands above the button before).
        await tab.Page.GetByRole(AriaRole.Heading, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Policy .+ issued$") }).WaitForAsync();
        var policies = (await (await host.Api(HttpMethod.Get, $"/api/v1/crop-policies?plot={host.Bigger}", "picc", Role.Auditor)).Content.ReadFromJsonAsync<JsonNode>())!;
        var policy = policies["items"]!.AsArray().Single()!;
        Assert.Contains($"Policy {policy["id"]} issued", await tab.MainTextAsync());
        Assert.Equal(premium, (decimal)policy["premium"]!["amount"]!);
        await tab.ShotAsync("under-issue-done");
        await tab.AssertAccessibleAsync();
    }

    [Fact]
    public async Task Another_insurer_sees_none_of_these_plots_and_an_auditor_gets_no_decision_button_and_is_refused()
    {
        await using (var other = await host.OpenAsync("other", Role.Underwriter, $"/plots/{host.Failing}"))
        {
            var main = await other.MainTextAsync();
            Assert.Contains("Not found", main);
            Assert.DoesNotContain(host.Failing, main);
            Assert.DoesNotContain("王建国", main);
            Assert.Equal(0, await other.Page.Locator("img").CountAsync());
            await other.GoAsync("/map");
            await other.Page.Locator("table caption", new() { HasText = "Plots in the map’s view" }).WaitForAsync();
            main = await other.MainTextAsync();
            Assert.Contains(host.Theirs, main);
            foreach (var id in new[] { host.Failing, host.Healthy, host.Bigger, host.Unmeasured, host.Overlapper })
                Assert.DoesNotContain(id, main);
            Assert.Equal(1, await other.Page.Locator("path.leaflet-interactive").CountAsync());
            other.AssertNoErrors();
        }

        await using var auditor = await host.OpenAsync("picc", Role.Auditor, $"/plots/{host.Overlapper}", "zh-CN");
        await auditor.Page.Locator("svg.chart").WaitForAsync();
        var text = await auditor.MainTextAsync();
        Assert.Contains(host.Healthy, text);
        Assert.Contains("与本地块有重叠的已保地块及其保单", text);
        Assert.Equal(0, await auditor.Page.GetByRole(AriaRole.Link, new() { Name = "出具种植险保单" }).CountAsync());
        await auditor.ShotAsync("under-plot-auditor-zh");
        await auditor.AssertAccessibleAsync();
        await auditor.GoAsync($"/plots/{host.Overlapper}/issue");
        Assert.Equal("您的角色不能访问", await auditor.Page.Locator("main h1").InnerTextAsync());
        Assert.Equal(0, await auditor.Page.GetByRole(AriaRole.Button).Filter(new() { HasText = "确认出具" }).CountAsync());
        Assert.Equal(0, await auditor.Page.GetByRole(AriaRole.Link, new() { Name = "批量测量" }).CountAsync());
        var refused = await host.Api(HttpMethod.Post, "/api/v1/crop-policies", "picc", Role.Auditor, new
        {
            plotId = host.Overlapper, crop = "maize", sumInsuredPerMu = 1000m, ratePerMu = 30m, currency = "CNY", deductible = 0.1m,
            start = UnderwriterHost.Day(DateTime.UtcNow.Date.AddDays(1)), end = UnderwriterHost.Day(DateTime.UtcNow.Date.AddDays(60)),
        });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Api(HttpMethod.Post, "/api/v1/plots/measurements", "picc", Role.Auditor, new { unmeasured = true, raster = SeasonRasters.Stack })).StatusCode);
    }

    [Fact]
    public async Task Every_underwriter_page_reads_in_Chinese()
    {
        await host.AssertReadsInChineseAsync("under", "picc", Role.Underwriter,
            "/", "/map", $"/plots/{host.Failing}", $"/plots/{host.Healthy}", $"/plots/{host.Overlapper}", $"/plots/{host.Bigger}/issue", "/measure");
    }

    [Fact]
    public async Task Plots_are_measured_in_the_background_with_progress_and_a_result_per_plot()
    {
        await using var tab = await host.OpenAsync("picc", Role.Underwriter, "/measure");
        await tab.Page.GetByLabel("Raster").SelectOptionAsync(SeasonRasters.Stack);
        await tab.Page.GetByLabel("Acquisition").SelectOptionAsync("2027-07-01");
        await tab.Page.GetByLabel("Plots", new() { Exact = true }).SelectOptionAsync("ids");
        await tab.Page.GetByLabel("Plot ids").FillAsync($"{host.Overlapper}\nPL-NOT-THERE");
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Start measuring" }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Heading, new() { Name = "Results" }).WaitForAsync();
        var main = await tab.MainTextAsync();
        Assert.Contains("1 of 2 plots measured", main);
        // The page's words, and the host's own sentence folded beside them as what it recorded.
        Assert.Contains("No such plot", main);
        Assert.Contains("plotId: no plot", await tab.Page.Locator("td details.recorded").TextContentAsync());
        Assert.Equal(2, await tab.Page.Locator("table tbody tr").CountAsync());
        Assert.Equal(1, await tab.Page.Locator("progress").CountAsync());
        Assert.Equal(2, await tab.Page.Locator("progress").EvaluateAsync<int>("p => p.value"));
        await tab.ShotAsync("under-measure");
        await tab.AssertAccessibleAsync();
        var measured = await (await host.Api(HttpMethod.Get, $"/api/v1/plots/{host.Overlapper}/measurements", "picc", Role.Auditor)).Content.ReadFromJsonAsync<JsonNode>();
        Assert.Equal(1, (int)measured!["total"]!);
    }

    /// <summary>No English word on a Chinese page (and no script error): the cheap half of <see cref="WebPage.AssertAccessibleAsync"/>,
    /// for states whose markup axe-core has checked elsewhere.</summary>
    private static async Task AssertReadsInChineseAsync(WebPage tab)
    {
        var untranslated = await tab.UntranslatedAsync();
        Assert.True(untranslated.Length == 0, "not translated: " + string.Join(", ", untranslated));
        tab.AssertNoErrors();
    }

    /// <summary>Options of a select, as (value, text) pairs.</summary>
    private static Task<string[][]> OptionsAsync(WebPage tab, string select) =>
        tab.Page.Locator($"select#{select} option").EvaluateAllAsync<string[][]>("os => os.map(o => [o.value, o.textContent])");

    [Fact]
    public async Task The_imagery_choice_leaves_out_cloud_masks_and_tells_two_acquisitions_of_one_day_apart()
    {
        foreach (var language in new[] { "en", "zh-CN" })
        {
            await using var tab = await host.OpenAsync("picc", Role.Underwriter, "/map", language);
            await tab.Page.Locator("select#raster").WaitForAsync();
            var rasters = (await OptionsAsync(tab, "raster")).Select(o => o[0]).ToArray();
            Assert.Equal([SeasonRasters.Stack, UnderwriterHost.Twice], rasters);

            await tab.GoAsync($"/map?raster={Uri.EscapeDataString(UnderwriterHost.Twice)}");
            await tab.Page.Locator("select#acquisition").WaitForAsync();
            var dates = (await OptionsAsync(tab, "acquisition")).Select(o => o[1]).ToArray();
            Assert.Equal(2, dates.Length);
            Assert.NotEqual(dates[0], dates[1]);
            Assert.Contains(language == "en" ? "#2 of the day" : "当日第 2 景", dates[1]);
            await ImagesLoadedAsync(tab);
            if (language == "en")
                await AssertReadsInChineseAsync(tab);
            else
                await tab.AssertAccessibleAsync();

            // Measuring takes the day with its rank: the host cannot tell them apart by the day alone.
            await tab.GoAsync("/measure");
            await tab.Page.Locator("select#raster").SelectOptionAsync(UnderwriterHost.Twice);
            Assert.Equal([["2027-03-15#1", dates[0]], ["2027-03-15#2", dates[1]]], await OptionsAsync(tab, "date"));
            Assert.DoesNotContain("season/clouds_stack.tif", (await OptionsAsync(tab, "raster")).Select(o => o[0]));
            Assert.Equal("season/clouds_stack.tif", (await OptionsAsync(tab, "clouds"))[1][0]);
            await AssertReadsInChineseAsync(tab);
        }
    }

    [Fact]
    public async Task With_no_raster_and_no_season_catalogue_the_pages_say_why_in_both_languages()
    {
        var rasters = Path.Combine(host.CloudFolder, "rasters");
        var away = rasters + "-away";
        Directory.Move(rasters, away);
        Directory.CreateDirectory(rasters);
        try
        {
            foreach (var (language, noImagery, noSeason, noRaster) in new[]
            {
                ("en", "No imagery to show: the host holds no raster yet.", "the host has no season catalogue", "The host holds no raster to measure on yet"),
                ("zh-CN", "没有可显示的影像：主机上还没有栅格影像。", "主机没有季节目录", "主机上还没有可用于测量的影像"),
            })
            {
                await using var tab = await host.OpenAsync("picc", Role.Underwriter, "/map", language);
                await tab.Page.Locator("#no-imagery").WaitForAsync();
                await tab.Page.Locator("table caption").WaitForAsync();
                Assert.Contains(noImagery, await tab.MainTextAsync());
                // The plots are still drawn, on no imagery.
                Assert.Equal(5, await tab.Page.Locator("path.leaflet-interactive").CountAsync());
                await Check(tab);

                await tab.GoAsync($"/plots/{host.Healthy}");
                await tab.Page.Locator("#no-season").WaitForAsync();
                Assert.Contains(noSeason, await tab.Page.Locator("#no-season").InnerTextAsync());
                await tab.ShotAsync($"under-no-season-{language}");
                await Check(tab);

                await tab.GoAsync("/measure");
                Assert.Contains(noRaster, await tab.MainTextAsync());
                await Check(tab);

                // axe-core once, on the Chinese pages (the English ones hold the same markup).
                Task Check(WebPage page) => language == "en" ? AssertReadsInChineseAsync(page) : page.AssertAccessibleAsync();
            }
        }
        finally
        {
            Directory.Delete(rasters, recursive: true);
            Directory.Move(away, rasters);
        }

        // A catalogue the host cannot read is the operator's to correct, said in the page's words.
        var catalogue = Path.Combine(rasters, "seasons.json");
        var kept = await File.ReadAllTextAsync(catalogue);
        await File.WriteAllTextAsync(catalogue, "{\"seasons\": [{\"name\": \"2027\"}]}");
        try
        {
            await using var tab = await host.OpenAsync("picc", Role.Underwriter, $"/plots/{host.Healthy}", "zh-CN");
            await tab.Page.Locator("#no-season").WaitForAsync();
            Assert.Contains("季节目录（seasons.json）无法读取", await tab.Page.Locator("#no-season").InnerTextAsync());
            await AssertReadsInChineseAsync(tab);
        }
        finally
        {
            await File.WriteAllTextAsync(catalogue, kept);
        }
    }

    [Fact]
    public async Task An_insured_plot_leads_to_its_policy_and_refusals_quotes_and_issued_policies_read_in_Chinese()
    {
        var existing = (string)(await (await host.Api(HttpMethod.Get, $"/api/v1/crop-policies?plot={host.Healthy}", "picc", Role.Auditor)).Content.ReadFromJsonAsync<JsonNode>())!["items"]![0]!["id"]!;
        await using var tab = await host.OpenAsync("picc", Role.Underwriter, $"/plots/{host.Healthy}", "zh-CN");
        await tab.Page.Locator("#insured").WaitForAsync();
        Assert.Equal(0, await tab.Page.GetByRole(AriaRole.Link, new() { Name = "出具种植险保单" }).CountAsync());
        Assert.Contains("玉米", await tab.MainTextAsync());
        await tab.Page.Locator("#insured").GetByRole(AriaRole.Link, new() { Name = existing }).ClickAsync();
        await tab.SettleAsync();
        Assert.Contains($"种植险保单 {existing}", await tab.Page.Locator("main h2").First.InnerTextAsync());
        Assert.Contains("玉米", await tab.MainTextAsync());
        await tab.ShotAsync("under-policy-zh");
        await tab.AssertAccessibleAsync();

        // A cover in the months of the policy in force is refused, and the refusal leads to that policy.
        await tab.GoAsync($"/plots/{host.Healthy}/issue");
        Assert.Contains(existing, await tab.Page.Locator("#insured").InnerTextAsync());
        var start = await tab.Page.Locator("#start").InputValueAsync();
        await tab.Page.Locator("#start").FillAsync(UnderwriterHost.Day(DateTime.UtcNow.Date.AddDays(1)));
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "计算保费" }).ClickAsync();
        await tab.Page.Locator("#refused").WaitForAsync();
        Assert.Contains("本地块在该保险期间的某个月份已有保单承保", await tab.Page.Locator("#refused").InnerTextAsync());
        Assert.Equal(1, await tab.Page.Locator("#refused").GetByRole(AriaRole.Link, new() { Name = existing }).CountAsync());
        await tab.ShotAsync("under-issue-refused-zh");
        await tab.AssertAccessibleAsync();

        // The default cover starts in the month after that policy ends: quoted, confirmed, issued, all in Chinese.
        await tab.Page.Locator("#start").FillAsync(start);
        await tab.Page.Locator("#crop").SelectOptionAsync("rice");
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "计算保费" }).ClickAsync();
        await tab.Page.Locator("#premium").WaitForAsync();
        Assert.Contains("水稻", await tab.MainTextAsync());
        await AssertReadsInChineseAsync(tab);
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "确认出具" }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Heading, new() { NameRegex = new System.Text.RegularExpressions.Regex("^保单 .+ 已出具$") }).WaitForAsync();
        var policies = (await (await host.Api(HttpMethod.Get, $"/api/v1/crop-policies?plot={host.Healthy}", "picc", Role.Auditor)).Content.ReadFromJsonAsync<JsonNode>())!["items"]!.AsArray();
        Assert.Equal(["maize", "rice"], policies.Select(p => (string)p!["crop"]!).Order());
        var issued = (string)policies.Single(p => (string)p!["crop"]! == "rice")!["id"]!;
        Assert.Contains($"tools/agri contracts sign {issued} --as farmer", await tab.MainTextAsync());
        await tab.ShotAsync("under-issue-done-zh");
        await tab.AssertAccessibleAsync();
        // Its page says it is not in force: nobody has signed its contract.
        await tab.GoAsync($"/crop-policies/{issued}");
        Assert.Contains("尚未生效", await tab.MainTextAsync());

        // A measurement with no crop area prices nothing: refused, said in Chinese.
        await tab.GoAsync($"/plots/{host.Failing}/issue");
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "计算保费" }).ClickAsync();
        await tab.Page.Locator("#refused").WaitForAsync();
        Assert.Contains("该测量不能用于定价", await tab.Page.Locator("#refused").InnerTextAsync());
        await AssertReadsInChineseAsync(tab);
    }

    [Fact]
    public async Task A_plot_the_host_does_not_know_and_a_failed_job_read_in_Chinese()
    {
        await using var tab = await host.OpenAsync("picc", Role.Underwriter, "/measure", "zh-CN");
        await tab.Page.Locator("select#raster").SelectOptionAsync(SeasonRasters.Stack);
        await tab.Page.Locator("select#which").SelectOptionAsync("ids");
        await tab.Page.Locator("#ids").FillAsync("PL-NOT-THERE");
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "开始测量" }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Heading, new() { Name = "测量结果" }).WaitForAsync();
        Assert.Contains("没有此地块", await tab.Page.Locator("table tbody").InnerTextAsync());
        await AssertReadsInChineseAsync(tab);

        // A cloud mask on another grid refuses every plot: the job stops, and the page says which field to change.
        await tab.Page.Locator("select#clouds").SelectOptionAsync(UnderwriterHost.Twice);
        await tab.Page.Locator("#ids").FillAsync(host.Failing);
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "开始测量" }).ClickAsync();
        await tab.Page.Locator("#job-failed").WaitForAsync();
        Assert.Contains("云掩膜（同一格网）", await tab.Page.Locator("#job-failed").InnerTextAsync());
        Assert.True(await tab.Page.GetByRole(AriaRole.Button, new() { Name = "开始测量" }).IsEnabledAsync());
        await tab.ShotAsync("under-measure-failed-zh");
        await tab.AssertAccessibleAsync();
    }
}

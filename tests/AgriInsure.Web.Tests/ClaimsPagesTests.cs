using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Tests;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace AgriInsure.Web.Tests;

/// <summary>The cloud of <see cref="WebHost"/> with a raster folder of generated NDVI rasters and two insurers, A and B, each
/// seeded with <see cref="ClaimsSeed"/>: a livestock death claim, a crop claim by map and a flagged duplicate enrolment.</summary>
public sealed class ClaimsWebHost : WebHost
{
    public ClaimsSeeded A { get; private set; } = null!;
    public ClaimsSeeded B { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?> Settings
    {
        get
        {
            // Beside the cloud folder in the fixture's temporary home, deleted with it.
            var rasters = Path.Combine(Path.GetDirectoryName(CloudFolder)!, "rasters");
            if (!Directory.Exists(rasters))
                ClaimsSeed.WriteRasters(rasters);
            return new Dictionary<string, string?> { ["Cloud:Rasters"] = rasters };
        }
    }

    protected override async Task SeedAsync()
    {
        A = await ClaimsSeed.SeedAsync(Engines, "A");
        B = await ClaimsSeed.SeedAsync(Engines, "B", hue: 200);
    }
}

/// <summary>The claims pages in Chromium: the queue with its filters and server paging, a livestock claim's photos side by
/// side with its scores, a crop claim's before/after map and indemnity arithmetic, a duplicate case, and each decision
/// recorded with who, when and its ledger entry; an auditor sees no decision buttons, and another insurer's officer sees
/// "not found" for these records. Screenshots: claims-*.png.</summary>
public sealed class ClaimsPagesTests(ClaimsWebHost host, ITestOutputHelper output) : IClassFixture<ClaimsWebHost>
{
    private static async Task ImagesLoadedAsync(WebPage tab) =>
        await tab.Page.WaitForFunctionAsync("() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)");

    private async Task<JsonNode> ApiAsync(string path, string tenant = "A") =>
        (await (await host.Api(HttpMethod.Get, path, tenant, Role.Auditor)).Content.ReadFromJsonAsync<JsonNode>())!;

    private static async Task DecideAsync(WebPage tab, string verdict, string reason)
    {
        await tab.Page.GetByRole(AriaRole.Radio, new() { Name = verdict }).CheckAsync();
        await tab.Page.GetByLabel("Reason").FillAsync(reason);
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Record the decision" }).ClickAsync();
        await tab.Page.Locator("table.decisions td", new() { HasTextString = reason }).WaitForAsync();
        await tab.SettleAsync();
    }

    [Fact]
    public async Task A_claims_officer_filters_the_queue_on_the_server_and_opens_each_kind_of_case_from_it()
    {
        // Every state: the other tests decide some of these.
        await using var tab = await host.OpenAsync("A", Role.ClaimsOfficer, "/claims?status=all");
        var queue = await tab.MainTextAsync();
        foreach (var id in new[] { host.A.LivestockClaim, host.A.CropClaim, host.A.Case })
            Assert.Contains(id, queue);
        Assert.DoesNotContain(host.B.CropClaim, queue);
        var firstLoad = await tab.TransferredBytesAsync();
        output.WriteLine($"the queue's first load: {firstLoad:N0} bytes");
        Assert.True(firstLoad <= 500_000, $"the queue's first load: {firstLoad:N0} bytes");
        await tab.ShotAsync("claims-queue");
        await tab.AssertAccessibleAsync();

        await tab.Page.GetByLabel("Kind").SelectOptionAsync("crop");
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await tab.Page.WaitForURLAsync("**kind=crop**");
        await tab.SettleAsync();
        var crops = await tab.Page.Locator("main tbody tr").AllInnerTextsAsync();
        Assert.All(crops, row => Assert.Contains("Crop loss", row));
        Assert.Contains(crops, row => row.Contains(host.A.CropClaim, StringComparison.Ordinal));

        await tab.Page.GetByLabel("Kind").SelectOptionAsync("");
        await tab.Page.GetByLabel("Search").FillAsync(host.A.LivestockClaim[^8..].ToLowerInvariant());
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await tab.Page.WaitForURLAsync("**q=**");
        await tab.SettleAsync();
        Assert.Equal(1, await tab.Page.Locator("main tbody tr").CountAsync());
        await tab.Page.GetByRole(AriaRole.Link, new() { Name = host.A.LivestockClaim }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Heading, new() { Name = "Livestock claim" }).WaitForAsync();
        await tab.SettleAsync();
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task A_livestock_claim_shows_both_photos_the_scores_and_the_animals_life_and_the_officers_decisions_are_recorded_with_their_ledger_entries()
    {
        var id = host.A.LivestockClaim;
        await using var tab = await host.OpenAsync("A", Role.ClaimsOfficer, $"/claims/livestock/{id}");
        await ImagesLoadedAsync(tab);
        var evidence = await ApiAsync($"/api/v1/claims/{id}/evidence");
        var text = await tab.MainTextAsync();
        Assert.Contains("Claim photos", text);
        Assert.Contains($"Enrolment photos of {host.A.Cow}", text);
        Assert.Contains(((double)evidence["margin"]!).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), text);
        Assert.Contains(((double)evidence["scope"]!["threshold"]!).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), text);
        Assert.Contains("the photos match the insured animal", text);
        Assert.Contains("Life of the animal", text);
        Assert.Contains("Ledger proof", text);
        Assert.Equal(2, await tab.Page.Locator(".photos img").CountAsync());
        await tab.ShotAsync("claims-livestock");
        await tab.AssertAccessibleAsync();

        await DecideAsync(tab, "Send for field survey", "see the carcass first");
        await DecideAsync(tab, "Approve", "surveyed: dead, ear tag read");
        var decisions = (await ApiAsync($"/api/v1/claims/{id}"))["decisions"]!.AsArray();
        var rows = await tab.Page.Locator("table.decisions tbody tr").AllInnerTextsAsync();
        Assert.Equal(2, rows.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Contains("claims-officer-of-A", rows[i]);
            Assert.Contains(((long)decisions[i]!["ledgerEntry"]!).ToString(System.Globalization.CultureInfo.InvariantCulture), rows[i]);
        }
        Assert.Contains("This case is decided", await tab.MainTextAsync());
        Assert.Equal(0, await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Record the decision" }).CountAsync());
        await tab.ShotAsync("claims-livestock-decided");
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task A_paid_death_claim_marks_the_animal_dead_on_its_herd_and_its_page_and_its_life_tells_the_claim_in_words()
    {
        var a = host.A;
        await using var tab = await host.OpenAsync("A", Role.ClaimsOfficer, $"/herds/{a.LivestockPolicy}");
        var rows = await tab.Page.Locator("table tbody tr").AllInnerTextsAsync();
        Assert.Contains($"Dead: death claim {a.LivestockClaim} paid", Assert.Single(rows, r => r.Contains(a.Cow, StringComparison.Ordinal)));
        Assert.Contains("No death claim paid", Assert.Single(rows, r => r.Contains(a.OtherCow, StringComparison.Ordinal)));

        await tab.GoAsync($"/animals/{a.Cow}");
        var text = await tab.MainTextAsync();
        Assert.Contains($"Dead: death claim {a.LivestockClaim} paid", text);
        Assert.Matches($@"Death claim {a.LivestockClaim} under {a.LivestockPolicy} accepted: pays (CN)?¥8,000\.00", text);
        Assert.Matches($@"Insured under {a.LivestockPolicy} for (CN)?¥8,000\.00", text);
        // Ids are links to their pages and kept out of translation.
        Assert.Equal("no", await tab.Page.Locator($"ol.timeline a[href='#/claims/livestock/{a.LivestockClaim}']").First.GetAttributeAsync("translate"));

        await using var zh = await host.OpenAsync("A", Role.ClaimsOfficer, $"/animals/{a.Cow}", "zh-CN");
        var zhText = await zh.MainTextAsync();
        Assert.Contains($"已死亡：死亡理赔 {a.LivestockClaim} 已赔付", zhText);
        Assert.Contains($"{a.LivestockPolicy} 项下的死亡理赔 {a.LivestockClaim} 已受理：赔付 ¥8,000.00", zhText);
        await zh.AssertAccessibleAsync();
    }

    [Fact]
    public async Task Every_claims_page_reads_in_Chinese()
    {
        var a = host.A;
        await host.AssertReadsInChineseAsync("claims", "A", Role.ClaimsOfficer,
            "/claims?status=all", $"/claims/livestock/{a.LivestockClaim}", $"/claims/crop/{a.CropClaim}", $"/claims/duplicate/{a.Case}");
    }

    [Fact]
    public async Task A_crop_claim_shows_the_map_and_the_indemnity_line_by_line_in_both_languages_and_is_decided()
    {
        var id = host.A.CropClaim;
        var claim = await ApiAsync($"/api/v1/crop-claims/{id}");
        await using var tab = await host.OpenAsync("A", Role.ClaimsOfficer, $"/claims/crop/{id}");
        await ImagesLoadedAsync(tab);
        var arithmetic = await tab.Page.Locator("table.arith").InnerTextAsync();
        var indemnity = (decimal)claim["figures"]!["indemnity"]!["amount"]!;
        Assert.Contains(indemnity.ToString("N2", System.Globalization.CultureInfo.InvariantCulture), arithmetic);
        Assert.Contains("Payable share", arithmetic);
        Assert.Contains("Hidden share", arithmetic);
        // Half the plot lies east of 103.01° E, where NDVI fell from 0.8 to 0.1; nothing is hidden.
        Assert.Matches(@"Damaged share of the plot\s+50\.00 ?%", arithmetic);
        Assert.Matches(@"Hidden share \(cloud, no data\)\s+0\.0 ?%", arithmetic);
        Assert.True(await tab.Page.EvaluateAsync<int>("document.querySelector('figure.claim-map img').naturalWidth") == 1024, "the map is scaled to the page");
        // The whole page on a slow link, the evidence map included (the host scales it to the page's width).
        var firstLoad = await tab.TransferredBytesAsync();
        output.WriteLine($"the crop claim's first load: {firstLoad:N0} bytes");
        Assert.True(firstLoad <= 500_000, $"the crop claim's first load: {firstLoad:N0} bytes");
        await tab.ShotAsync("claims-crop");
        await tab.AssertAccessibleAsync();
        await DecideAsync(tab, "Approve", "hail confirmed by the map");
        Assert.Contains("Approve", await tab.Page.Locator("table.decisions").InnerTextAsync());

        await using var zh = await host.OpenAsync("A", Role.ClaimsOfficer, $"/claims/crop/{id}", "zh-CN");
        await ImagesLoadedAsync(zh);
        Assert.Equal("农作物理赔", await zh.Page.Locator("main h1").InnerTextAsync());
        Assert.Contains("赔款逐项计算", await zh.MainTextAsync());
        Assert.Contains(indemnity.ToString("N2", System.Globalization.CultureInfo.InvariantCulture), await zh.Page.Locator("table.arith").InnerTextAsync());
        await zh.ShotAsync("claims-crop-zh");
        await zh.AssertAccessibleAsync();

        await using var queue = await host.OpenAsync("A", Role.ClaimsOfficer, "/claims?status=all", "zh-CN");
        Assert.Contains("理赔队列", await queue.Page.Locator("main h1").InnerTextAsync());
        await queue.ShotAsync("claims-queue-zh");
        await queue.AssertAccessibleAsync();
    }

    [Fact]
    public async Task A_duplicate_case_shows_both_animals_and_the_reviewers_verdict_is_recorded()
    {
        await using var tab = await host.OpenAsync("A", Role.ClaimsOfficer, $"/claims/duplicate/{host.A.Case}");
        await ImagesLoadedAsync(tab);
        Assert.Contains($"Enrolled animal {host.A.Cow}", await tab.MainTextAsync());
        Assert.Equal(2, await tab.Page.Locator(".photos img").CountAsync());
        await tab.ShotAsync("claims-duplicate");
        await tab.AssertAccessibleAsync();
        await DecideAsync(tab, "Duplicate", "same ear notch, same farm");
        var decided = await ApiAsync($"/api/v1/review/cases/{host.A.Case}");
        Assert.Equal("duplicate", (string)decided["decision"]!["verdict"]!);
        Assert.Contains(((long)decided["decision"]!["ledgerEntry"]!).ToString(System.Globalization.CultureInfo.InvariantCulture),
            await tab.Page.Locator("table.decisions").InnerTextAsync());
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task An_auditor_reads_every_claim_page_without_decision_buttons_and_the_api_refuses_its_decisions()
    {
        foreach (var route in new[] { $"/claims/livestock/{host.B.LivestockClaim}", $"/claims/crop/{host.B.CropClaim}", $"/claims/duplicate/{host.B.Case}" })
        {
            await using var tab = await host.OpenAsync("B", Role.Auditor, route);
            Assert.Contains("Your role reads decisions", await tab.MainTextAsync());
            Assert.Equal(0, await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Record the decision" }).CountAsync());
            Assert.Equal(0, await tab.Page.GetByRole(AriaRole.Radio).CountAsync());
            await tab.AssertAccessibleAsync();
        }
        await using (var queue = await host.OpenAsync("B", Role.Auditor, "/claims"))
        {
            await queue.ShotAsync("claims-queue-auditor");
            queue.AssertNoErrors();
        }
        foreach (var path in new[] { $"/api/v1/claims/{host.B.LivestockClaim}/decision", $"/api/v1/crop-claims/{host.B.CropClaim}/decision" })
            Assert.Equal(HttpStatusCode.Forbidden, (await host.Api(HttpMethod.Post, path, "B", Role.Auditor, new { verdict = "refuse", reason = "x" })).StatusCode);
    }

    [Fact]
    public async Task Another_insurers_claims_officer_sees_not_found_and_never_the_claims_data()
    {
        var pages = new[] { $"/claims/livestock/{host.A.LivestockClaim}", $"/claims/crop/{host.A.CropClaim}", $"/claims/duplicate/{host.A.Case}" };
        foreach (var route in pages)
        {
            await using var tab = await host.OpenAsync("B", Role.ClaimsOfficer, route);
            var text = await tab.MainTextAsync();
            Assert.Contains("Not found", text);
            Assert.DoesNotContain(host.A.Cow, text.Replace(route, "", StringComparison.Ordinal));
            Assert.Equal(0, await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Record the decision" }).CountAsync());
            if (route.Contains("crop", StringComparison.Ordinal))
            {
                await tab.ShotAsync("claims-other-insurer");
                await tab.AssertAccessibleAsync();
            }
        }
        await using (var queue = await host.OpenAsync("B", Role.ClaimsOfficer, "/claims?status=all"))
        {
            var text = await queue.MainTextAsync();
            Assert.Contains(host.B.CropClaim, text);
            foreach (var id in new[] { host.A.LivestockClaim, host.A.CropClaim, host.A.Case })
                Assert.DoesNotContain(id, text);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await host.Api(HttpMethod.Post, $"/api/v1/crop-claims/{host.A.CropClaim}/decision", "B", Role.ClaimsOfficer,
            new { verdict = "refuse", reason = "not ours" })).StatusCode);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Cloud.Host.Jobs;
using AgriInsure.Domain;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using CapturePurpose = AgriInsure.Protocol.CapturePurpose;

namespace AgriInsure.Web.Tests;

/// <summary>Insurer "picc": farmer F1 王建国 with five cows enrolled from a handheld with real face crops (cows 1–3 on
/// policy P1, visited by a census that saw cow 1; cow 4 on P2, never visited; cow 5 on no policy), 24 more farmers, and
/// farmer F3 with a herd of 240 insured animals of which a census saw 180. Insurer "cpic": a farmer F1 of its own.</summary>
public sealed class HerdSite : WebHost
{
    public const string A = "picc", B = "cpic";
    public const int BigHerd = 240, BigSeen = 180;

    public static readonly DateOnly Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1);

    public List<string> Cows { get; } = [];

    public string P1 { get; private set; } = "";

    public string P2 { get; private set; } = "";

    public string P3 { get; private set; } = "";

    /// <summary>A census of P1 that picc ran: cpic must not see it.</summary>
    public string CensusJob { get; private set; } = "";

    public static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    protected override async Task SeedAsync()
    {
        await Post(A, Role.FieldAgent, "/api/v1/farmers", new { id = "F1", name = "王建国", region = "四川 雅安" });
        await Post(B, Role.FieldAgent, "/api/v1/farmers", new { id = "F1", name = "Zhao at cpic", region = "甘肃" });
        await Post(A, Role.FieldAgent, "/api/v1/farmers", new { id = "F3", name = "李秀英", region = "内蒙古 锡林郭勒" });
        for (var i = 10; i < 34; i++)
            await Post(A, Role.FieldAgent, "/api/v1/farmers", new { id = $"F{i}", name = $"Farmer {i}", region = "Gansu" });

        using var key = DeviceKey.Create();
        await Engines.Registry.RegisterDeviceAsync(new DeviceRecord(A, "hh-1", "agent-1", key.PublicKey));
        for (var cow = 1; cow <= 5; cow++)
        {
            var capture = key.Sign(new Capture
            {
                CaptureId = NUlid.Ulid.NewUlid().ToString(), Tenant = A, DeviceId = "hh-1", AgentId = "agent-1", Purpose = CapturePurpose.Enrol,
                Species = "cattle", FarmerId = "F1", Gps = new GpsFix(30.0, 103.0, 5), TakenAt = DateTimeOffset.UtcNow.AddMinutes(-5), Model = new ModelRef("test-model", "1"),
                Photos = [new CapturePhoto { Embedding = Face(cow), CropJpeg = Jpeg(cow) }, new CapturePhoto { Embedding = Face(cow), CropJpeg = Jpeg(cow + 10) }],
            });
            var ack = (await Engines.Ingest.HandleAsync(Topics.Captures(A, "hh-1"), Codec.Encode(capture))).Ack!;
            Assert.True(ack.Outcome == "enrolled", ack.Reason);
            Cows.Add(ack.AnimalId!);
        }
        P1 = await Issue("F1", Cows[..3]);
        P2 = await Issue("F1", [Cows[3]]);
        Assert.True((await Engines.Desk.CensusAsync(A, P1, Start, [new("cow-1.jpg", [Embedding.Create(Face(1), "test-model").Value])])).IsOk);

        // A big herd straight into the registry: its enrolments' rules are not what these pages show.
        var ids = new List<string>();
        for (var cow = 100; cow < 100 + BigHerd; cow++)
        {
            var id = $"A-F3-{cow}";
            var capture = new CaptureRecord($"C-F3-{cow}", A, "hh-1", "agent-1", Domain.CapturePurpose.Enrol, Species.Yak, null, "F3", new GeoPoint(116, 44), 5,
                DateTimeOffset.UtcNow, "1", [new PhotoRecord(Embedding.Create(Face(cow), "test-model").Value, $"crops/{A}/C-F3-{cow}/0.jpg")], DateTimeOffset.UtcNow);
            await Engines.Registry.RecordEnrolmentAsync(capture, new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "", id, null),
                Animal.Create(id, "F3", Species.Yak, null, capture.Embeddings).Value);
            ids.Add(id);
        }
        P3 = await Issue("F3", ids);
        Assert.True((await Engines.Desk.CensusAsync(A, P3, Start,
            [.. Enumerable.Range(100, BigSeen).Select(cow => new CensusPhoto($"yak-{cow}.jpg", [Embedding.Create(Face(cow), "test-model").Value]))])).IsOk);

        var job = await Post(A, Role.FieldAgent, "/api/v1/censuses", new { policyId = P1, asOf = Day(Start) });
        CensusJob = (string)job["id"]!;
        await Services.GetRequiredService<JobBoard>().WhenEnded(CensusJob);
    }

    private async Task<string> Issue(string farmer, IReadOnlyList<string> animals) => (string)(await Post(A, Role.Underwriter, "/api/v1/policies",
        new { farmerId = farmer, animalIds = animals, sumInsuredPerHead = 8000m, premium = 320m, currency = "CNY", start = Day(Start), end = Day(Start.AddDays(364)) }))["id"]!;

    private async Task<JsonNode> Post(string tenant, Role role, string path, object body)
    {
        var response = await Api(HttpMethod.Post, path, tenant, role, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>A cow's face embedding: random, so two cows are far apart and the same cow scores 1.</summary>
    public static float[] Face(int cow)
    {
        var r = new Random(cow);
        return [.. Enumerable.Range(0, 32).Select(_ => (float)(r.NextDouble() - 0.5))];
    }

    /// <summary>A 256×256 face crop: a coloured disc on a field, one colour per photo.</summary>
    public static byte[] Jpeg(int n)
    {
        using var image = new Image<Rgb24>(256, 256, new Rgb24(90, 140, 70));
        var colour = new Rgb24((byte)(60 + 17 * n % 180), (byte)(40 + 5 * n), 30);
        for (var y = 0; y < 256; y++)
            for (var x = 0; x < 256; x++)
                if ((x - 128) * (x - 128) + (y - 128) * (y - 128) < 90 * 90)
                    image[x, y] = colour;
        using var bytes = new MemoryStream();
        image.SaveAsJpeg(bytes);
        return bytes.ToArray();
    }
}

/// <summary>The herd pages in Chromium: farmers (search, paging), a farmer's herds, a herd with its animals' face crops,
/// an animal's face crops and life on the ledger, and a census run from its page with progress to the result, filtered
/// by outcome; screenshots and axe on each; another insurer and every role through the pages.</summary>
public sealed class HerdPagesTests(HerdSite site) : IClassFixture<HerdSite>
{
    [Fact]
    public async Task A_supervisor_walks_from_the_farmers_to_a_herd_and_an_animals_faces_and_life()
    {
        await using var tab = await site.OpenAsync(HerdSite.A, Role.FieldAgent, "/farmers");
        Assert.Contains("Rows 1–20 of 26", await tab.MainTextAsync());
        await tab.ShotAsync("herd-farmers");
        await tab.AssertAccessibleAsync();

        await tab.Page.GetByLabel("Search by ID, name or region").FillAsync("雅安");
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Caption).Filter(new() { HasText = "Farmers matching “雅安”" }).WaitForAsync();
        await tab.SettleAsync();
        await tab.Page.GetByRole(AriaRole.Link, new() { Name = "F1", Exact = true }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Heading, new() { Name = "Herds", Exact = true }).WaitForAsync();
        await tab.SettleAsync();
        var farmer = await tab.MainTextAsync();
        Assert.Contains("王建国", farmer);
        Assert.Contains("Animals on no policy\n1", farmer);
        Assert.Contains("¥8,000.00", farmer.Replace("CN¥", "¥", StringComparison.Ordinal));
        await tab.ShotAsync("herd-farmer");
        await tab.AssertAccessibleAsync();

        await tab.Page.GetByRole(AriaRole.Table, new() { Name = "Herds of 王建国: one per livestock policy" }).GetByRole(AriaRole.Link, new() { Name = site.P1 }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Caption).Filter(new() { HasText = $"Animals insured by {site.P1}" }).WaitForAsync();
        await tab.SettleAsync();
        var thumbs = tab.Page.Locator("main table img");
        Assert.Equal(3, await thumbs.CountAsync());
        // The host scaled each crop to the thumbnail's width; the browser shows it loaded.
        await tab.Page.WaitForFunctionAsync("() => [...document.querySelectorAll('main table img')].every(i => i.complete && i.naturalWidth > 0)");
        Assert.Equal(96, await thumbs.First.EvaluateAsync<int>("img => img.naturalWidth"));
        await tab.ShotAsync("herd-herd");
        await tab.AssertAccessibleAsync();

        await tab.Page.GetByRole(AriaRole.Link, new() { Name = site.Cows[0] }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Heading, new() { Name = "Life on record" }).WaitForAsync();
        await tab.SettleAsync();
        Assert.Equal(2, await tab.Page.Locator("main figure img").CountAsync());
        await tab.Page.WaitForFunctionAsync("() => [...document.querySelectorAll('main figure img')].every(i => i.complete && i.naturalWidth === 192)");
        var life = await tab.MainTextAsync();
        Assert.Contains("Every event is anchored on the ledger as recorded", life);
        Assert.Equal(4, await tab.Page.Locator("ol.timeline > li").CountAsync());
        Assert.Equal(4, await tab.Page.Locator("ol.timeline .badge", new() { HasText = "✓ verified" }).CountAsync());
        await tab.ShotAsync("herd-animal");
        await tab.AssertAccessibleAsync();

        await using var zh = await site.OpenAsync(HerdSite.A, Role.FieldAgent, $"/animals/{site.Cows[0]}", "zh-CN");
        await zh.Page.GetByRole(AriaRole.Heading, new() { Name = "档案记录" }).WaitForAsync();
        Assert.Contains("已核验", await zh.MainTextAsync());
        await zh.ShotAsync("herd-animal-zh");
        await zh.AssertAccessibleAsync();
    }

    [Fact]
    public async Task A_page_number_past_the_end_says_so_and_leads_to_the_last_page()
    {
        await using var tab = await site.OpenAsync(HerdSite.A, Role.FieldAgent, "/farmers?page=999999");
        var text = await tab.MainTextAsync();
        Assert.True(text.Contains("Page 999999 is past the last page (", StringComparison.Ordinal), text);
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Go to the last page" }).ClickAsync();
        await tab.SettleAsync();
        Assert.Contains("Rows ", await tab.MainTextAsync());
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task A_census_started_on_its_page_shows_progress_then_the_animals_seen_not_seen_and_unknown()
    {
        await using var tab = await site.OpenAsync(HerdSite.A, Role.FieldAgent, "/census");
        await tab.Page.GetByLabel("Census of").SelectOptionAsync("farmer");
        await tab.Page.GetByLabel("Policy or farmer ID").FillAsync("F3");
        await tab.Page.GetByLabel("As of").FillAsync(HerdSite.Day(HerdSite.Start));
        await tab.ShotAsync("herd-census-start");
        await tab.AssertAccessibleAsync();
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Start census" }).ClickAsync();

        await tab.Page.GetByRole(AriaRole.Status).Filter(new() { HasText = $"Done: {HerdSite.BigHerd}" }).WaitForAsync();
        await tab.Page.GetByRole(AriaRole.Caption).Filter(new() { HasText = "Every insured animal and what the census found" }).WaitForAsync();
        await tab.SettleAsync();
        Assert.Matches(@"#/census/[0-9a-f]{32}$", tab.Page.Url);
        Assert.Equal((double)HerdSite.BigHerd, await tab.Page.Locator("main progress").EvaluateAsync<double>("p => p.value"));
        var report = await tab.MainTextAsync();
        Assert.Contains($"Insured animals\n{HerdSite.BigHerd}", report);
        Assert.Contains($"Rows 1–20 of {HerdSite.BigHerd}", report);
        Assert.Contains("Every visit verified on the ledger", report);
        await tab.ShotAsync("herd-census-result");
        await tab.AssertAccessibleAsync();

        await tab.Page.GetByRole(AriaRole.Link, new() { Name = $"Not seen ({HerdSite.BigHerd - HerdSite.BigSeen})" }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Caption).Filter(new() { HasText = "Insured animals: Not seen" }).WaitForAsync();
        await tab.SettleAsync();
        var rows = tab.Page.Locator("main table tbody tr");
        Assert.Equal(20, await rows.CountAsync());
        Assert.Contains($"Rows 1–20 of {HerdSite.BigHerd - HerdSite.BigSeen}", await tab.MainTextAsync());
        Assert.Equal(20, await tab.Page.Locator("main table tbody .badge", new() { HasText = "Not seen" }).CountAsync());
        await tab.ShotAsync("herd-census-not-seen");

        // A herd never visited: every animal unknown; a day outside the cover is refused on the form, naming the field.
        await tab.GoAsync($"/census?policy={site.P2}");
        await tab.Page.GetByLabel("As of").FillAsync(HerdSite.Day(HerdSite.Start.AddDays(-1)));
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Start census" }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Alert).WaitForAsync();
        Assert.Contains("asOf:", await tab.Page.GetByRole(AriaRole.Alert).InnerTextAsync());
        await tab.Page.GetByLabel("As of").FillAsync(HerdSite.Day(HerdSite.Start));
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Start census" }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Caption).Filter(new() { HasText = "Every insured animal" }).WaitForAsync();
        await tab.SettleAsync();
        Assert.Contains("Unknown (no visit yet)", await tab.Page.Locator("main table tbody").InnerTextAsync());
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task Another_insurer_opening_these_pages_sees_not_found_and_none_of_the_data()
    {
        await using var tab = await site.OpenAsync(HerdSite.B, Role.Auditor, "/farmers");
        Assert.Contains("Zhao at cpic", await tab.MainTextAsync());
        Assert.DoesNotContain("王建国", await tab.MainTextAsync());
        foreach (var route in new[] { $"/animals/{site.Cows[0]}", $"/herds/{site.P1}", "/farmers/F3", $"/census/{site.CensusJob}" })
        {
            await tab.GoAsync(route);
            await tab.Page.GetByRole(AriaRole.Alert).First.WaitForAsync();
            var text = await tab.MainTextAsync();
            Assert.Contains("Not found: ", text);
            Assert.Contains("belongs to another insurer", text);
            foreach (var secret in new[] { "王建国", "李秀英", site.Cows[0], "cow-1.jpg", "Seen" })
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
        await tab.GoAsync("/farmers/F1");
        Assert.Contains("Zhao at cpic", await tab.MainTextAsync());
        Assert.Contains("No livestock policy yet.", await tab.MainTextAsync());
        await tab.ShotAsync("herd-other-insurer");
        // The API behind the pages says the same: another insurer's census, crop and history are absent.
        foreach (var path in new[] { $"/api/v1/censuses/{site.CensusJob}/animals", $"/api/v1/animals/{site.Cows[0]}/crops/0?width=96", $"/api/v1/animals/{site.Cows[0]}/history" })
            Assert.Equal(HttpStatusCode.NotFound, (await site.Api(HttpMethod.Get, path, HerdSite.B, Role.Auditor)).StatusCode);
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task Every_herd_page_reads_in_Chinese()
    {
        await site.AssertReadsInChineseAsync("herd", HerdSite.A, Role.FieldAgent,
            "/farmers", "/farmers/F1", $"/herds/{site.P1}", $"/animals/{site.Cows[0]}", $"/animals/{site.Cows[4]}", "/census");
    }

    [Fact]
    public async Task Every_role_reads_the_herd_pages_and_none_sees_a_button_that_changes_a_record()
    {
        foreach (var role in Enum.GetValues<Role>())
        {
            await using var tab = await site.OpenAsync(HerdSite.A, role, $"/herds/{site.P1}");
            Assert.Contains("Animals insured by", await tab.MainTextAsync());
            // The herd pages decide nothing: their only buttons are the pager's.
            var buttons = await tab.Page.Locator("main button").AllInnerTextsAsync();
            Assert.All(buttons, b => Assert.Contains(b, new[] { "Previous page", "Next page" }));
            Assert.Equal(1, await tab.Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Herd census" }).CountAsync());
        }
        // What these pages read, no role may write: registering a farmer stays with field agents.
        var refused = await site.Api(HttpMethod.Post, "/api/v1/farmers", HerdSite.A, Role.Auditor, new { id = "F-x", name = "x", region = "y" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}

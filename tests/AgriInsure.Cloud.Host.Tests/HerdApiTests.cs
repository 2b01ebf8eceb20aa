using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgriInsure.Audit;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Domain;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using CapturePurpose = AgriInsure.Protocol.CapturePurpose;

namespace AgriInsure.Cloud.Host.Tests;

/// <summary>The herd reads on a real host with two insurers: A's farmer F1 (王建国) has five cows with real JPEG face crops:
/// cows 1–3 on policy P1, visited by one census (cow 1 seen, 2 and 3 not), cow 4 on policy P2 (never visited), cow 5 on no
/// policy; B has a farmer F1 of its own and nothing else.</summary>
public sealed class HerdApiTests : IAsyncLifetime
{
    private static readonly DateOnly Now = DateOnly.FromDateTime(DateTime.UtcNow);
    private static readonly DateOnly Start = Now.AddDays(1), End = Now.AddDays(365);

    private readonly TempFolder _home = new();
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private byte[] _secret = null!;
    private AuthOptions _auth = null!;
    private CloudEngines _engines = null!;
    private readonly List<string> _cows = [];
    private string _p1 = "", _p2 = "";

    public async Task InitializeAsync()
    {
        _app = CloudHost.Build(["--urls", "http://127.0.0.1:0"], new Dictionary<string, string?>
        {
            ["Cloud:Folder"] = _home.File("cloud"),
            ["Cloud:Manifest"] = Repo.Manifest,
            ["Cloud:BrokerPort"] = "0",
        });
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()) };
        _auth = _app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        _secret = Access.Secret(_auth, _home.File("cloud"));
        _engines = _app.Services.GetRequiredService<CloudRuntime>().Engines!;

        await Json(HttpMethod.Post, "/api/v1/farmers", "A", Role.FieldAgent, new { id = "F1", name = "王建国", region = "四川 雅安" }, HttpStatusCode.Created);
        await Json(HttpMethod.Post, "/api/v1/farmers", "A", Role.FieldAgent, new { id = "F2", name = "Li Ming", region = "Gansu" }, HttpStatusCode.Created);
        await Json(HttpMethod.Post, "/api/v1/farmers", "B", Role.FieldAgent, new { id = "F1", name = "Wang at B", region = "Gansu" }, HttpStatusCode.Created);
        using var key = DeviceKey.Create();
        await _engines.Registry.RegisterDeviceAsync(new DeviceRecord("A", "hh-1", "agent-1", key.PublicKey));
        for (var cow = 1; cow <= 5; cow++)
        {
            var capture = key.Sign(new Capture
            {
                CaptureId = NUlid.Ulid.NewUlid().ToString(), Tenant = "A", DeviceId = "hh-1", AgentId = "agent-1", Purpose = CapturePurpose.Enrol,
                Species = "cattle", FarmerId = "F1", Gps = new GpsFix(30.0, 103.0, 5), TakenAt = DateTimeOffset.UtcNow.AddMinutes(-5), Model = new ModelRef("test-model", "1"),
                Photos = [new CapturePhoto { Embedding = Face(cow), CropJpeg = Jpeg(cow) }],
            });
            var ack = (await _engines.Ingest.HandleAsync(Topics.Captures("A", "hh-1"), Codec.Encode(capture))).Ack!;
            Assert.Equal("enrolled", ack.Outcome);
            _cows.Add(ack.AnimalId!);
        }
        _p1 = await Issue(_cows[..3]);
        _p2 = await Issue([_cows[3]]);
        CensusPhoto[] photos = [new("cow-1.jpg", [Embedding.Create(Face(1), "test-model").Value]), new("stranger.jpg", [Embedding.Create(Face(99), "test-model").Value])];
        Assert.True((await _engines.Desk.CensusAsync("A", _p1, Start, photos)).IsOk);
    }

    private async Task<string> Issue(IReadOnlyList<string> cows) => (string)(await Json(HttpMethod.Post, "/api/v1/policies", "A", Role.Underwriter,
        new { farmerId = "F1", animalIds = cows, sumInsuredPerHead = 8000m, premium = 320m, currency = "CNY", start = Day(Start), end = Day(End) },
        HttpStatusCode.Created))["id"]!;

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A cow's face embedding: random, so different cows are far apart and the same cow scores 1.</summary>
    private static float[] Face(int cow)
    {
        var r = new Random(cow);
        return [.. Enumerable.Range(0, 32).Select(_ => (float)(r.NextDouble() - 0.5))];
    }

    /// <summary>A 320×240 JPEG of one colour per cow.</summary>
    private static byte[] Jpeg(int cow)
    {
        using var image = new Image<Rgb24>(320, 240, new Rgb24((byte)(40 * cow), 120, 80));
        using var bytes = new MemoryStream();
        image.SaveAsJpeg(bytes);
        return bytes.ToArray();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _home.Dispose();
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string tenant, Role role, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Access.Issue(_auth, _secret, $"user-of-{tenant}", tenant, role, TimeSpan.FromHours(1), DateTimeOffset.UtcNow));
        if (body is not null)
            request.Content = JsonContent.Create(body);
        return request;
    }

    private async Task<JsonNode> Json(HttpMethod method, string path, string tenant, Role role = Role.Auditor, object? body = null, HttpStatusCode expect = HttpStatusCode.OK)
    {
        var response = await _http.SendAsync(Request(method, path, tenant, role, body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expect == response.StatusCode, $"{method} {path} as {role} of {tenant}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task A_farmers_herds_are_its_policies_with_head_counts_census_visits_and_what_is_uninsured()
    {
        var herds = await Json(HttpMethod.Get, "/api/v1/farmers/F1/herds", "A");
        Assert.Equal(("王建国", 5, 1, 0), ((string)herds["farmer"]!["name"]!, (int)herds["animals"]!, (int)herds["uninsuredAnimals"]!, (int)herds["plots"]!));
        var byPolicy = herds["herds"]!.AsArray().ToDictionary(h => (string)h!["policyId"]!);
        Assert.Equal((3, 1, Day(Start)), ((int)byPolicy[_p1]!["animals"]!, (int)byPolicy[_p1]!["censusVisits"]!, (string)byPolicy[_p1]!["lastCensus"]!));
        Assert.Equal((1, 0, null), ((int)byPolicy[_p2]!["animals"]!, (int)byPolicy[_p2]!["censusVisits"]!, (string?)byPolicy[_p2]!["lastCensus"]));
        Assert.False((bool)byPolicy[_p1]!["inForce"]!);
        Assert.False((bool)byPolicy[_p1]!["current"]!);

        // B's farmer of the same id has nothing of A's; an id B does not have reads as absent.
        var atB = await Json(HttpMethod.Get, "/api/v1/farmers/F1/herds", "B");
        Assert.Equal(("Wang at B", 0), ((string)atB["farmer"]!["name"]!, (int)atB["animals"]!));
        Assert.Empty(atB["herds"]!.AsArray());
        await Json(HttpMethod.Get, "/api/v1/farmers/F2/herds", "B", expect: HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_herds_animals_come_in_pages_in_policy_order_and_another_insurer_finds_no_such_policy()
    {
        var first = await Json(HttpMethod.Get, $"/api/v1/policies/{_p1}/animals?limit=2", "A");
        Assert.Equal((3, 0, 2), ((int)first["total"]!, (int)first["offset"]!, (int)first["limit"]!));
        var rest = await Json(HttpMethod.Get, $"/api/v1/policies/{_p1}/animals?offset=2&limit=2", "A");
        Assert.Equal(_cows[..3], [.. first["items"]!.AsArray().Concat(rest["items"]!.AsArray()).Select(a => (string)a!["id"]!)]);
        Assert.Equal($"/api/v1/animals/{_cows[0]}/crops/0", (string)first["items"]![0]!["crops"]![0]!);
        await Json(HttpMethod.Get, $"/api/v1/policies/{_p1}/animals", "B", expect: HttpStatusCode.NotFound);
        var bad = await Json(HttpMethod.Get, $"/api/v1/policies/{_p1}/animals?limit=0", "A", expect: HttpStatusCode.BadRequest);
        Assert.NotNull(bad["errors"]!["limit"]);
    }

    [Fact]
    public async Task An_animals_history_lists_its_life_events_each_with_a_verified_ledger_anchor()
    {
        var history = await Json(HttpMethod.Get, $"/api/v1/animals/{_cows[0]}/history", "A");
        Assert.True((bool)history["allVerified"]!);
        var events = history["events"]!.AsArray();
        Assert.Equal(["enrolment", "cover", "policy", "census"], events.Select(e => (string)e!["event"]!));
        Assert.All(events, e => Assert.Equal("verified", (string)e!["anchor"]!));
        Assert.All(events, e => Assert.True((long)e!["ledgerEntry"]! < (long)history["ledgerSize"]!));
        Assert.Contains("seen (photo cow-1.jpg", (string)events[3]!["detail"]!, StringComparison.Ordinal);
        Assert.Equal(64, ((string)history["ledgerRoot"]!).Length);

        await Json(HttpMethod.Get, $"/api/v1/animals/{_cows[0]}/history", "B", expect: HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_face_crop_is_scaled_by_the_host_and_fetched_once_with_its_entity_tag()
    {
        var path = $"/api/v1/animals/{_cows[0]}/crops/0";
        var whole = await _http.SendAsync(Request(HttpMethod.Get, path, "A", Role.Auditor));
        Assert.Equal(Jpeg(1), await whole.Content.ReadAsByteArrayAsync());

        var scaled = await _http.SendAsync(Request(HttpMethod.Get, path + "?width=80", "A", Role.Auditor));
        Assert.Equal(HttpStatusCode.OK, scaled.StatusCode);
        Assert.Equal("image/jpeg", scaled.Content.Headers.ContentType!.MediaType);
        var bytes = await scaled.Content.ReadAsByteArrayAsync();
        var info = Image.Identify(bytes);
        Assert.Equal((80, 60), (info.Width, info.Height));
        Assert.True(bytes.Length < Jpeg(1).Length, $"{bytes.Length} bytes scaled, {Jpeg(1).Length} whole");
        var tag = scaled.Headers.ETag!;
        Assert.NotEqual(whole.Headers.ETag, tag);
        Assert.Contains("max-age", scaled.Headers.CacheControl!.ToString(), StringComparison.Ordinal);

        var again = Request(HttpMethod.Get, path + "?width=80", "A", Role.Auditor);
        again.Headers.IfNoneMatch.Add(tag);
        var notModified = await _http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        // Never enlarged; a width out of range is refused naming the field; another insurer's animal is absent.
        Assert.Equal(Jpeg(1), await (await _http.SendAsync(Request(HttpMethod.Get, path + "?width=1024", "A", Role.Auditor))).Content.ReadAsByteArrayAsync());
        var tooWide = await Json(HttpMethod.Get, path + "?width=5000", "A", expect: HttpStatusCode.BadRequest);
        Assert.Contains("1024", (string)tooWide["errors"]!["width"]![0]!, StringComparison.Ordinal);
        await Json(HttpMethod.Get, path + "?width=80", "B", expect: HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Farmers_are_searched_by_id_name_or_region_within_the_tenant()
    {
        Assert.Equal(["F1"], (await Json(HttpMethod.Get, "/api/v1/farmers?q=" + Uri.EscapeDataString("雅安"), "A"))["items"]!.AsArray().Select(f => (string)f!["id"]!));
        Assert.Equal(["F2"], (await Json(HttpMethod.Get, "/api/v1/farmers?q=li", "A"))["items"]!.AsArray().Select(f => (string)f!["id"]!));
        Assert.Equal(2, (int)(await Json(HttpMethod.Get, "/api/v1/farmers?q=%20", "A"))["total"]!);
        var atB = await Json(HttpMethod.Get, "/api/v1/farmers?q=" + Uri.EscapeDataString("王"), "B");
        Assert.Equal(0, (int)atB["total"]!);
    }

    [Fact]
    public async Task A_census_report_says_which_insured_animals_were_seen_not_seen_or_never_looked_at()
    {
        var reports = new CensusReports(_engines.Registry, _engines.Ledger, _engines.Witness);
        var steps = new List<(int Done, int Total)>();
        var report = (await reports.BuildAsync("A", null, "F1", Start, (d, t) => steps.Add((d, t)))).Value;
        Assert.Equal([_p1, _p2], report.Policies.Order(StringComparer.Ordinal));
        var outcome = report.Animals.ToDictionary(a => a.AnimalId);
        Assert.Equal((CensusOutcome.Seen, "cow-1.jpg", Start), (outcome[_cows[0]].Outcome, outcome[_cows[0]].Photo, outcome[_cows[0]].VisitDay));
        Assert.True(outcome[_cows[0]].Score > 0.99f);
        Assert.Equal(CensusOutcome.NotSeen, outcome[_cows[1]].Outcome);
        Assert.Equal((CensusOutcome.Unknown, null), (outcome[_cows[3]].Outcome, outcome[_cows[3]].LedgerEntry));
        Assert.False(outcome.ContainsKey(_cows[4]));
        Assert.True(report.AllVerified);
        Assert.Equal((0, 4), steps[0]);
        Assert.Equal((4, 4), steps[^1]);

        // A policy's report holds its animals only; a day outside its cover, another insurer's policy, both or neither named are refused.
        Assert.Equal(_cows[..3], (await reports.BuildAsync("A", _p1, null, End)).Value.Animals.Select(a => a.AnimalId));
        Assert.Equal("asOf", (await reports.BuildAsync("A", _p1, null, Now)).Error!.Field);
        Assert.Equal("policyId", (await reports.BuildAsync("B", _p1, null, Start)).Error!.Field);
        Assert.Equal("farmerId", (await reports.BuildAsync("A", _p1, "F1", Start)).Error!.Field);
        Assert.Equal("policyId", (await reports.BuildAsync("A", null, null, Start)).Error!.Field);
        Assert.Equal("farmerId", (await reports.BuildAsync("A", null, "F9", Start)).Error!.Field);
        Assert.Empty((await reports.BuildAsync("B", null, "F1", Start)).Value.Animals);
    }

    [Fact]
    public async Task A_census_runs_as_a_job_with_progress_and_its_animals_are_paged_and_filtered_by_outcome()
    {
        var started = await Json(HttpMethod.Post, "/api/v1/censuses", "A", Role.FieldAgent, new { farmerId = "F1", asOf = Day(Start) }, HttpStatusCode.Accepted);
        var id = (string)started["id"]!;
        await _app.Services.GetRequiredService<Jobs.JobBoard>().WhenEnded(id);
        var job = await Json(HttpMethod.Get, $"/api/v1/jobs/{id}", "A");
        Assert.Equal(("done", 4L, 4L), ((string)job["state"]!, (long)job["done"]!, (long)job["total"]!));
        var counts = job["result"]!["summary"]!["counts"]!;
        Assert.Equal((1, 2, 1, 0), ((int)counts["seen"]!, (int)counts["not-seen"]!, (int)counts["unknown"]!, (int)counts["claimed-dead"]!));
        Assert.Null(job["result"]!["report"]);

        var summary = await Json(HttpMethod.Get, $"/api/v1/censuses/{id}", "A");
        Assert.True((bool)summary["allVerified"]!);
        Assert.Equal("verified", (string)summary["visits"]![0]!["anchor"]!);
        var notSeen = await Json(HttpMethod.Get, $"/api/v1/censuses/{id}/animals?outcome=not-seen&limit=1", "A");
        Assert.Equal((2, _cows[1]), ((int)notSeen["total"]!, (string)notSeen["items"]![0]!["animalId"]!));
        var seen = (await Json(HttpMethod.Get, $"/api/v1/censuses/{id}/animals?outcome=seen", "A"))["items"]![0]!;
        Assert.Equal(("cow-1.jpg", _p1, Day(Start)), ((string)seen["evidencePhoto"]!, (string)seen["policyId"]!, (string)seen["visitDay"]!));
        Assert.Equal(4, (int)(await Json(HttpMethod.Get, $"/api/v1/censuses/{id}/animals", "A"))["total"]!);
        var badOutcome = await Json(HttpMethod.Get, $"/api/v1/censuses/{id}/animals?outcome=lost", "A", expect: HttpStatusCode.BadRequest);
        Assert.Contains("not-seen", (string)badOutcome["errors"]!["outcome"]![0]!, StringComparison.Ordinal);

        // Another insurer sees neither the job nor the census; every role may run one (it writes nothing).
        await Json(HttpMethod.Get, $"/api/v1/censuses/{id}", "B", expect: HttpStatusCode.NotFound);
        await Json(HttpMethod.Get, $"/api/v1/censuses/{id}/animals", "B", expect: HttpStatusCode.NotFound);
        await Json(HttpMethod.Get, $"/api/v1/jobs/{id}", "B", expect: HttpStatusCode.NotFound);
        await Json(HttpMethod.Post, "/api/v1/censuses", "A", Role.Auditor, new { policyId = _p2, asOf = Day(Start) }, HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_census_request_is_refused_at_once_naming_the_field()
    {
        foreach (var (body, field) in new (object, string)[]
        {
            (new { asOf = Day(Start) }, "policyId"),
            (new { policyId = _p1, farmerId = "F1" }, "farmerId"),
            (new { policyId = "LP-NOPE", asOf = Day(Start) }, "policyId"),
            (new { policyId = _p1, asOf = Day(Now) }, "asOf"),
            (new { farmerId = "F9" }, "farmerId"),
            (new { farmerId = "F1", asOf = "soon" }, "asOf"),
        })
        {
            var refused = await Json(HttpMethod.Post, "/api/v1/censuses", "A", Role.FieldAgent, body, HttpStatusCode.BadRequest);
            Assert.True(refused["errors"]![field] is not null, refused.ToJsonString());
        }
        // Another insurer's policy is no policy at all.
        var atB = await Json(HttpMethod.Post, "/api/v1/censuses", "B", Role.FieldAgent, new { policyId = _p1, asOf = Day(Start) }, HttpStatusCode.BadRequest);
        Assert.Contains("no livestock policy", (string)atB["errors"]!["policyId"]![0]!, StringComparison.Ordinal);
    }
}

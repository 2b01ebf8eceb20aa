using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgriInsure.Cloud.Host.Tests;

/// <summary>One cloud on a real host (Kestrel on a free loopback port) with insurers A and B, each seeded with
/// <see cref="ClaimsSeed"/> on the generated rasters of its raster folder.</summary>
public sealed class ClaimsCloud : IAsyncLifetime
{
    private readonly TempFolder _home = new();
    private byte[] _secret = null!;
    private AuthOptions _auth = null!;

    public WebApplication App { get; private set; } = null!;
    public string Folder => _home.File("cloud");
    public HttpClient Http { get; private set; } = null!;
    public ClaimsSeeded A { get; private set; } = null!;
    public ClaimsSeeded B { get; private set; } = null!;

    public CloudEngines Engines => App.Services.GetRequiredService<CloudRuntime>().Engines!;

    public async Task InitializeAsync()
    {
        var rasters = Directory.CreateDirectory(_home.File("rasters")).FullName;
        ClaimsSeed.WriteRasters(rasters);
        App = CloudHost.Build(["--urls", "http://127.0.0.1:0"], new Dictionary<string, string?>
        {
            ["Cloud:Folder"] = _home.File("cloud"),
            ["Cloud:Manifest"] = Repo.Manifest,
            ["Cloud:BrokerPort"] = "0",
            ["Cloud:Rasters"] = rasters,
        });
        await App.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()) };
        _auth = App.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        _secret = Access.Secret(_auth, _home.File("cloud"));
        A = await ClaimsSeed.SeedAsync(Engines, "A");
        B = await ClaimsSeed.SeedAsync(Engines, "B", hue: 200);
    }

    public Task<HttpResponseMessage> Send(HttpMethod method, string path, string tenant, Role role, object? body = null, Action<HttpRequestHeaders>? headers = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Access.Issue(_auth, _secret, $"{role.Name()}-of-{tenant}", tenant, role, TimeSpan.FromHours(1), DateTimeOffset.UtcNow));
        headers?.Invoke(request.Headers);
        if (body is not null)
            request.Content = JsonContent.Create(body);
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

/// <summary>The claims routes for each role and two tenants: crop claims assessed by map and decided through the API, the
/// claims queue, the evidence of livestock claims and duplicate cases, images scaled by the host with ETags; bad input is
/// refused naming the field.</summary>
public sealed class ClaimsApiTests(ClaimsCloud cloud) : IClassFixture<ClaimsCloud>
{
    private async Task<JsonNode> Json(HttpMethod method, string path, string tenant, Role role = Role.Auditor, object? body = null, HttpStatusCode expect = HttpStatusCode.OK)
    {
        var response = await cloud.Send(method, path, tenant, role, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expect == response.StatusCode, $"{method} {path} as {role} of {tenant}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static void AssertField(JsonNode problem, string field) =>
        Assert.True(problem["errors"]?[field] is not null, $"the problem names {field}: {problem.ToJsonString()}");

    private static object Claim(string policyId, string peril = "hail", double? ndviDrop = null, string before = ClaimsSeed.Before, string after = ClaimsSeed.After,
        DateOnly? start = null, DateOnly? end = null) =>
        new
        {
            policyId, peril, eventStart = start ?? ClaimsSeed.Today, eventEnd = end ?? ClaimsSeed.Today, before = new { raster = before }, after = new { raster = after }, ndviDrop,
        };

    [Fact]
    public async Task A_decision_reason_longer_than_a_paragraph_is_refused_naming_the_reason_and_nothing_is_recorded()
    {
        var tooLong = new string('理', Livestock.LivestockDesk.MaxReasonLength + 1);
        async Task<int> Decisions() => (await Json(HttpMethod.Get, $"/api/v1/claims/{cloud.B.LivestockClaim}", "B"))["decisions"]!.AsArray().Count;
        var before = await Decisions();
        foreach (var path in new[] { $"/api/v1/claims/{cloud.B.LivestockClaim}/decision", $"/api/v1/crop-claims/{cloud.B.CropClaim}/decision" })
        {
            var refused = await Json(HttpMethod.Post, path, "B", Role.ClaimsOfficer, new { verdict = "survey", reason = tooLong }, HttpStatusCode.BadRequest);
            Assert.Contains("at most 2000", (string)refused["errors"]!["reason"]![0]!, StringComparison.Ordinal);
        }
        var review = await Json(HttpMethod.Post, $"/api/v1/review/cases/{cloud.B.Case}/decision", "B", Role.ClaimsOfficer, new { verdict = "duplicate", reason = tooLong }, HttpStatusCode.BadRequest);
        Assert.NotNull(review["errors"]!["reason"]);
        Assert.Equal(before, await Decisions());
    }

    [Fact]
    public async Task A_crop_policy_read_alone_says_whether_it_is_in_force()
    {
        // Seeded with its contract signed by both parties and anchored; a list does not look each one up.
        Assert.True((bool)(await Json(HttpMethod.Get, $"/api/v1/crop-policies/{cloud.A.CropPolicy}", "A"))["inForce"]!);
        var listed = (await Json(HttpMethod.Get, $"/api/v1/crop-policies?plot={cloud.A.Plot}", "A"))["items"]![0]!;
        Assert.Null((bool?)listed["inForce"]);
    }

    [Fact]
    public async Task A_death_claim_an_officer_refused_is_not_a_paid_death_on_the_animal_its_herd_or_a_census()
    {
        var f = await ClaimsSeed.SeedAsync(cloud.Engines, "F");
        Assert.Equal(f.LivestockClaim, (string)(await Json(HttpMethod.Get, $"/api/v1/animals/{f.Cow}", "F"))["paidDeathClaim"]!);
        await Json(HttpMethod.Post, $"/api/v1/claims/{f.LivestockClaim}/decision", "F", Role.ClaimsOfficer, new { verdict = "refuse", reason = "the cow was sold, not dead" });
        Assert.Null((string?)(await Json(HttpMethod.Get, $"/api/v1/animals/{f.Cow}", "F"))["paidDeathClaim"]);
        var herd = (await Json(HttpMethod.Get, $"/api/v1/policies/{f.LivestockPolicy}/animals", "F"))["items"]!.AsArray();
        Assert.All(herd, a => Assert.Null((string?)a!["paidDeathClaim"]));
        var started = await Json(HttpMethod.Post, "/api/v1/censuses", "F", Role.FieldAgent,
            new { policyId = f.LivestockPolicy, asOf = ClaimsSeed.Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }, HttpStatusCode.Accepted);
        await cloud.App.Services.GetRequiredService<Jobs.JobBoard>().WhenEnded((string)started["id"]!);
        var outcomes = (await Json(HttpMethod.Get, $"/api/v1/censuses/{(string)started["id"]!}/animals", "F"))["items"]!.AsArray().Select(a => (string)a!["outcome"]!);
        Assert.All(outcomes, o => Assert.Equal("unknown", o));
    }

    [Fact]
    public async Task A_census_knows_a_paid_death_without_a_visit_on_the_day_and_after()
    {
        // No census visit was ever made on this herd: the cow whose death was paid today is claimed dead, the other unknown.
        async Task<Dictionary<string, string>> Outcomes(DateOnly asOf)
        {
            var started = await Json(HttpMethod.Post, "/api/v1/censuses", "A", Role.FieldAgent,
                new { policyId = cloud.A.LivestockPolicy, asOf = asOf.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }, HttpStatusCode.Accepted);
            var id = (string)started["id"]!;
            await cloud.App.Services.GetRequiredService<Jobs.JobBoard>().WhenEnded(id);
            return (await Json(HttpMethod.Get, $"/api/v1/censuses/{id}/animals", "A"))["items"]!.AsArray()
                .ToDictionary(a => (string)a!["animalId"]!, a => (string)a!["outcome"]!);
        }
        var today = ClaimsSeed.Today;
        Assert.Equal(new Dictionary<string, string> { [cloud.A.Cow] = "claimed-dead", [cloud.A.OtherCow] = "unknown" }, await Outcomes(today));
        var later = await Outcomes(today.AddDays(30));
        Assert.Equal("claimed-dead", later[cloud.A.Cow]);
    }

    [Fact]
    public async Task A_crop_claim_assessed_by_map_shows_the_damage_and_the_indemnity_arithmetic_to_every_role_of_its_tenant_only()
    {
        var id = cloud.A.CropClaim;
        foreach (var role in Enum.GetValues<Role>())
            Assert.Equal(id, (string)(await Json(HttpMethod.Get, $"/api/v1/crop-claims/{id}", "A", role))["id"]!);
        var claim = await Json(HttpMethod.Get, $"/api/v1/crop-claims/{id}", "A");
        Assert.Equal(("accepted", "accepted", "hail", cloud.A.Plot), ((string)claim["status"]!, (string)claim["outcome"]!, (string)claim["peril"]!, (string)claim["plotId"]!));
        var f = claim["figures"]!;
        // The plot straddles 103.01° E: its east half's NDVI fell from 0.8 to 0.1.
        Assert.InRange((double)f["damageShare"]!, 0.49, 0.51);
        Assert.Equal(0, (double)f["hiddenShare"]!);
        Assert.Equal(1, (double)f["coveredShare"]!, 6);
        Assert.Equal((double)f["damageShare"]! * (double)f["plotArea"]!["m2"]!, (double)f["damaged"]!["m2"]!, 3);
        var sum = (decimal)f["sumInsured"]!["amount"]!;
        var payable = (decimal)f["payableShare"]!;
        Assert.Equal(Math.Round((decimal)(double)f["damageShare"]! - 0.1m, 28), payable, 10);
        Assert.Equal(Math.Round(sum * payable, 2, MidpointRounding.ToEven), (decimal)f["indemnity"]!["amount"]!);
        Assert.Equal((decimal)f["indemnity"]!["amount"]!, (decimal)claim["payout"]!["amount"]!);
        Assert.Equal(("ok", "CNY"), ((string)f["quality"]!, (string)f["indemnity"]!["currency"]!));
        Assert.Equal((ClaimsSeed.Before, ClaimsSeed.After, 0.2), ((string)claim["images"]!["beforeRaster"]!, (string)claim["images"]!["afterRaster"]!, (double)claim["images"]!["ndviDrop"]!));
        var proof = await Json(HttpMethod.Get, $"/api/v1/crop-claims/{id}/proof", "A");
        Assert.Equal(((long)claim["ledgerEntry"]!, "claim"), ((long)proof["index"]!, (string)proof["kind"]!));
        Assert.Contains(id, (await Json(HttpMethod.Get, "/api/v1/crop-claims?limit=200", "A"))["items"]!.AsArray().Select(c => (string)c!["id"]!));

        foreach (var path in new[] { $"/api/v1/crop-claims/{id}", $"/api/v1/crop-claims/{id}/proof", $"/api/v1/crop-claims/{id}/map.png" })
            await Json(HttpMethod.Get, path, "B", expect: HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, (await Json(HttpMethod.Get, "/api/v1/crop-claims?limit=200", "B"))["items"]!.AsArray().Select(c => (string)c!["id"]!));
    }

    [Fact]
    public async Task The_evidence_map_is_a_png_scaled_by_the_host_and_fetched_once_with_its_etag()
    {
        var path = $"/api/v1/crop-claims/{cloud.A.CropClaim}/map.png";
        var full = await cloud.Send(HttpMethod.Get, path, "A", Role.Auditor);
        Assert.Equal(("image/png", HttpStatusCode.OK), (full.Content.Headers.ContentType!.MediaType, full.StatusCode));
        var fullWidth = PngWidth(await full.Content.ReadAsByteArrayAsync());
        var small = await cloud.Send(HttpMethod.Get, path + "?width=320", "A", Role.Auditor);
        var bytes = await small.Content.ReadAsByteArrayAsync();
        Assert.True(fullWidth > 320, $"the map is {fullWidth} px wide");
        Assert.Equal(320, PngWidth(bytes));
        Assert.True(small.Headers.CacheControl!.Private);
        var again = await cloud.Send(HttpMethod.Get, path + "?width=320", "A", Role.Auditor, headers: h => h.IfNoneMatch.Add(small.Headers.ETag!));
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        // The browser's copy is confirmed from the claim's evidence, before anything is drawn: with the rasters gone the
        // map cannot be drawn, yet the browser that has it hears 304.
        var rasters = Path.Combine(cloud.Folder, "..", "rasters");
        Directory.Move(rasters, rasters + ".away");
        try
        {
            Assert.Equal(HttpStatusCode.NotModified, (await cloud.Send(HttpMethod.Get, path + "?width=320", "A", Role.Auditor, headers: h => h.IfNoneMatch.Add(small.Headers.ETag!))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await cloud.Send(HttpMethod.Get, path + "?width=320", "A", Role.Auditor)).StatusCode);
        }
        finally
        {
            Directory.Move(rasters + ".away", rasters);
        }
        AssertField(await Json(HttpMethod.Get, path + "?width=5", "A", expect: HttpStatusCode.BadRequest), "width");
        AssertField(await Json(HttpMethod.Get, path + "?width=99999", "A", expect: HttpStatusCode.BadRequest), "width");
    }

    [Fact]
    public async Task The_evidence_map_is_drawn_in_chinese_on_request_with_its_own_etag_and_the_same_provenance()
    {
        var path = $"/api/v1/crop-claims/{cloud.A.CropClaim}/map.png";
        var english = await cloud.Send(HttpMethod.Get, path, "A", Role.Auditor);
        var chinese = await cloud.Send(HttpMethod.Get, path + "?lang=zh-CN", "A", Role.Auditor);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (english.StatusCode, chinese.StatusCode));
        var (englishPng, chinesePng) = (await english.Content.ReadAsByteArrayAsync(), await chinese.Content.ReadAsByteArrayAsync());
        Assert.NotEqual(englishPng, chinesePng);
        Assert.NotEqual(english.Headers.ETag, chinese.Headers.ETag);
        // The evidence embedded in the image is machine-readable: the same pairs in both languages.
        Assert.Equal(TextChunks(englishPng), TextChunks(chinesePng));
        Assert.NotEmpty(TextChunks(chinesePng));
        // English is the default; a browser holding the English map is not answered 304 for the Chinese one.
        var explicitEnglish = await cloud.Send(HttpMethod.Get, path + "?lang=en", "A", Role.Auditor, headers: h => h.IfNoneMatch.Add(english.Headers.ETag!));
        Assert.Equal(HttpStatusCode.NotModified, explicitEnglish.StatusCode);
        var other = await cloud.Send(HttpMethod.Get, path + "?lang=zh-CN&width=320", "A", Role.Auditor, headers: h => h.IfNoneMatch.Add(english.Headers.ETag!));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(320, PngWidth(await other.Content.ReadAsByteArrayAsync()));
        var again = await cloud.Send(HttpMethod.Get, path + "?lang=zh-CN&width=320", "A", Role.Auditor, headers: h => h.IfNoneMatch.Add(other.Headers.ETag!));
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        foreach (var bad in new[] { "fr", "zh", "" })
            AssertField(await Json(HttpMethod.Get, $"{path}?lang={bad}", "A", expect: HttpStatusCode.BadRequest), "lang");
    }

    /// <summary>The raw tEXt and iTXt chunks of <paramref name="png"/>, in file order.</summary>
    private static List<string> TextChunks(byte[] png)
    {
        var chunks = new List<string>();
        for (var at = 8; at + 8 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            if (type is "tEXt" or "iTXt")
                chunks.Add(type + Convert.ToHexString(png, at + 8, length));
            at += 12 + length;
        }
        return chunks;
    }

    private static int PngWidth(byte[] png)
    {
        Assert.True(png.Length > 24 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG");
        return BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
    }

    [Fact]
    public async Task The_same_claim_filed_again_answers_with_the_first_and_other_evidence_for_the_same_event_is_kept_refused_as_a_duplicate()
    {
        var policy = cloud.B.CropPolicy;
        var again = await Json(HttpMethod.Post, "/api/v1/crop-claims", "B", Role.ClaimsOfficer, Claim(policy));
        Assert.Equal(cloud.B.CropClaim, (string)again["id"]!);
        var other = await Json(HttpMethod.Post, "/api/v1/crop-claims", "B", Role.ClaimsOfficer, Claim(policy, ndviDrop: 0.5), HttpStatusCode.Created);
        Assert.Equal(("refused", "duplicate"), ((string)other["status"]!, (string)other["outcome"]!));
        Assert.Null(other["payout"]);
        var refused = (string)other["id"]!;
        await Json(HttpMethod.Get, $"/api/v1/crop-claims/{refused}/proof", "B", expect: HttpStatusCode.NotFound);
        // The rules refused it: an officer may refuse it or survey it, never approve it.
        AssertField(await Json(HttpMethod.Post, $"/api/v1/crop-claims/{refused}/decision", "B", Role.ClaimsOfficer, new { verdict = "approve", reason = "looks bad" },
            HttpStatusCode.BadRequest), "verdict");
        var decided = await Json(HttpMethod.Post, $"/api/v1/crop-claims/{refused}/decision", "B", Role.ClaimsOfficer, new { verdict = "refuse", reason = "filed twice" });
        Assert.Equal("refuse", (string)decided["verdict"]!);
        var queued = (await Json(HttpMethod.Get, "/api/v1/claims-queue?kind=crop&status=decided", "B"))["items"]!.AsArray();
        Assert.Equal([(refused, "refuse", "duplicate")], queued.Select(q => ((string)q!["id"]!, (string)q["state"]!, (string)q["ruleOutcome"]!)));
    }

    [Fact]
    public async Task Another_peril_on_the_days_of_a_paid_claim_is_refused_the_loss_is_paid_once()
    {
        var d = await ClaimsSeed.SeedAsync(cloud.Engines, "D");
        var paid = await Json(HttpMethod.Get, $"/api/v1/crop-claims/{d.CropClaim}", "D");
        // The same plot, policy and day as the paid hail claim, called a flood: its own ledger key, the same damage.
        var flood = await Json(HttpMethod.Post, "/api/v1/crop-claims", "D", Role.ClaimsOfficer, Claim(d.CropPolicy, peril: "flood"), HttpStatusCode.Created);
        Assert.Equal(("refused", "overlaps-paid-claim"), ((string)flood["status"]!, (string)flood["outcome"]!));
        Assert.Null(flood["payout"]);
        Assert.Equal((long)paid["ledgerEntry"]!, (long)flood["ledgerEntry"]!);
        Assert.Contains(d.CropClaim, (string)flood["reason"]!, StringComparison.Ordinal);
        await Json(HttpMethod.Get, $"/api/v1/crop-claims/{(string)flood["id"]!}/proof", "D", expect: HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_claim_anchored_by_a_filing_that_stopped_before_recording_it_is_recorded_as_accepted_when_filed_again()
    {
        var c = await ClaimsSeed.SeedAsync(cloud.Engines, "C");
        var first = await Json(HttpMethod.Get, $"/api/v1/crop-claims/{c.CropClaim}", "C");
        // What a host dying between the ledger's append and the registry's write leaves: the claim key anchored, no record.
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={CloudEngines.RegistryPath(cloud.Folder)};Pooling=False"))
        {
            await db.OpenAsync();
            await using var delete = db.CreateCommand();
            delete.CommandText = "DELETE FROM crop_assessments WHERE claim_id = $c; DELETE FROM claims WHERE id = $c";
            delete.Parameters.AddWithValue("$c", c.CropClaim);
            Assert.Equal(2, await delete.ExecuteNonQueryAsync());
        }
        await Json(HttpMethod.Get, $"/api/v1/crop-claims/{c.CropClaim}", "C", expect: HttpStatusCode.NotFound);
        var recovered = await Json(HttpMethod.Post, "/api/v1/crop-claims", "C", Role.ClaimsOfficer, Claim(c.CropPolicy), HttpStatusCode.Created);
        Assert.Equal(("accepted", "accepted"), ((string)recovered["status"]!, (string)recovered["outcome"]!));
        Assert.Equal((long)first["ledgerEntry"]!, (long)recovered["ledgerEntry"]!);
        Assert.Equal((decimal)first["payout"]!["amount"]!, (decimal)recovered["payout"]!["amount"]!);
        await Json(HttpMethod.Get, $"/api/v1/crop-claims/{(string)recovered["id"]!}/proof", "C");
        Assert.Equal((string)recovered["id"]!, (string)(await Json(HttpMethod.Post, "/api/v1/crop-claims", "C", Role.ClaimsOfficer, Claim(c.CropPolicy)))["id"]!);
    }

    [Fact]
    public async Task A_claims_officer_decides_a_crop_claim_each_decision_anchored_with_who_and_when_and_no_one_else_can()
    {
        var id = cloud.A.CropClaim;
        await Json(HttpMethod.Post, $"/api/v1/crop-claims/{id}/decision", "A", Role.Auditor, new { verdict = "approve", reason = "x" }, HttpStatusCode.Forbidden);
        await Json(HttpMethod.Post, $"/api/v1/crop-claims/{id}/decision", "A", Role.Underwriter, new { verdict = "approve", reason = "x" }, HttpStatusCode.Forbidden);
        await Json(HttpMethod.Post, $"/api/v1/crop-claims/{id}/decision", "B", Role.ClaimsOfficer, new { verdict = "approve", reason = "x" }, HttpStatusCode.NotFound);
        AssertField(await Json(HttpMethod.Post, $"/api/v1/crop-claims/{id}/decision", "A", Role.ClaimsOfficer, new { verdict = "approve" }, HttpStatusCode.BadRequest), "reason");
        AssertField(await Json(HttpMethod.Post, $"/api/v1/crop-claims/{id}/decision", "A", Role.ClaimsOfficer, new { verdict = "pay", reason = "x" }, HttpStatusCode.BadRequest), "verdict");
        await Json(HttpMethod.Post, $"/api/v1/crop-claims/{cloud.A.LivestockClaim}/decision", "A", Role.ClaimsOfficer, new { verdict = "survey", reason = "x" }, HttpStatusCode.NotFound);
        var survey = await Json(HttpMethod.Post, $"/api/v1/crop-claims/{id}/decision", "A", Role.ClaimsOfficer, new { verdict = "survey", reason = "see the hail damage" });
        var approve = await Json(HttpMethod.Post, $"/api/v1/crop-claims/{id}/decision", "A", Role.ClaimsOfficer, new { verdict = "approve", reason = "surveyed: matches the map" });
        await Json(HttpMethod.Post, $"/api/v1/crop-claims/{id}/decision", "A", Role.ClaimsOfficer, new { verdict = "refuse", reason = "late" }, HttpStatusCode.Conflict);
        var decisions = (await Json(HttpMethod.Get, $"/api/v1/crop-claims/{id}", "A"))["decisions"]!.AsArray();
        Assert.Equal(["survey", "approve"], decisions.Select(d => (string)d!["verdict"]!));
        Assert.All(decisions, d => Assert.Equal("claims-officer-of-A", (string)d!["officer"]!));
        Assert.True((long)approve["ledgerEntry"]! > (long)survey["ledgerEntry"]!);
        var head = await Json(HttpMethod.Get, "/api/v1/ledger/head", "A");
        Assert.True((long)head["size"]! > (long)approve["ledgerEntry"]!);
        var row = (await Json(HttpMethod.Get, $"/api/v1/claims-queue?kind=crop&q={id}", "A"))["items"]!.AsArray().Single()!;
        Assert.Equal(("approve", false), ((string)row["state"]!, (bool)row["open"]!));
    }

    [Fact]
    public async Task The_queue_lists_livestock_and_crop_claims_and_duplicate_cases_of_the_tenant_filtered_and_paged()
    {
        var open = (await Json(HttpMethod.Get, "/api/v1/claims-queue?status=open&limit=200", "B"))["items"]!.AsArray();
        var rows = open.ToDictionary(q => (string)q!["id"]!, q => q!);
        Assert.Equal(("livestock", cloud.B.Cow, "F1", "/api/v1/claims/" + cloud.B.LivestockClaim), ((string)rows[cloud.B.LivestockClaim]["kind"]!,
            (string)rows[cloud.B.LivestockClaim]["subject"]!, (string)rows[cloud.B.LivestockClaim]["farmerId"]!, (string)rows[cloud.B.LivestockClaim]["path"]!));
        Assert.Equal(("duplicate", cloud.B.Cow, "duplicate-enrolment"), ((string)rows[cloud.B.Case]["kind"]!, (string)rows[cloud.B.Case]["subject"]!, (string)rows[cloud.B.Case]["ruleOutcome"]!));
        Assert.Equal(8000m, (decimal)rows[cloud.B.LivestockClaim]["amount"]!["amount"]!);
        Assert.DoesNotContain(cloud.A.CropClaim, rows.Keys);
        var times = open.Select(q => DateTimeOffset.Parse((string)q!["openedAt"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.OrderDescending(), times);

        Assert.Equal([cloud.B.Case], (await Json(HttpMethod.Get, "/api/v1/claims-queue?kind=duplicate", "B"))["items"]!.AsArray().Select(q => (string)q!["id"]!));
        Assert.Equal([cloud.B.LivestockClaim], (await Json(HttpMethod.Get, $"/api/v1/claims-queue?q={cloud.B.LivestockClaim[^6..].ToLowerInvariant()}", "B"))["items"]!.AsArray().Select(q => (string)q!["id"]!));
        var page = await Json(HttpMethod.Get, "/api/v1/claims-queue?limit=1&offset=1", "B");
        Assert.Equal((1, 1), (page["items"]!.AsArray().Count, (int)page["offset"]!));
        Assert.True((int)page["total"]! >= 3);
        AssertField(await Json(HttpMethod.Get, "/api/v1/claims-queue?kind=horse", "B", expect: HttpStatusCode.BadRequest), "kind");
        AssertField(await Json(HttpMethod.Get, "/api/v1/claims-queue?status=pending", "B", expect: HttpStatusCode.BadRequest), "status");
        AssertField(await Json(HttpMethod.Get, $"/api/v1/claims-queue?q={new string('x', 65)}", "B", expect: HttpStatusCode.BadRequest), "q");
        AssertField(await Json(HttpMethod.Get, "/api/v1/claims-queue?limit=0", "B", expect: HttpStatusCode.BadRequest), "limit");
    }

    [Fact]
    public async Task A_livestock_claims_evidence_shows_both_photos_the_scores_threshold_scope_margin_and_the_animals_life()
    {
        var evidence = await Json(HttpMethod.Get, $"/api/v1/claims/{cloud.A.LivestockClaim}/evidence", "A");
        Assert.Equal((cloud.A.Cow, "F1", "claim-accepted"), ((string)evidence["animalId"]!, (string)evidence["farmerId"]!, (string)evidence["outcome"]!));
        var score = (float)evidence["score"]!;
        var scope = evidence["scope"]!;
        Assert.Equal(cloud.A.Cow, (string)scope["bestAnimalId"]!);
        Assert.Equal(score - (float)scope["threshold"]!, (float)evidence["margin"]!, 5);
        Assert.True((float)evidence["margin"]! >= 0, "the claim photo matches the insured cow");
        Assert.Equal([score], evidence["photoScores"]!.AsArray().Select(s => (float)s!));
        var claimPhotos = evidence["claimPhotos"]!.AsArray().Select(p => (string)p!).ToList();
        var enrolment = evidence["enrolmentPhotos"]!.AsArray().Select(p => (string)p!).ToList();
        Assert.Equal([$"/api/v1/claims/{cloud.A.LivestockClaim}/photos/0"], claimPhotos);
        Assert.Equal([$"/api/v1/animals/{cloud.A.Cow}/crops/0"], enrolment);
        Assert.Contains(evidence["lifeEvents"]!.AsArray(), e => (string)e!["event"]! == "enrolment" && (string)e["anchor"]! == "verified");
        Assert.Contains(evidence["lifeEvents"]!.AsArray(), e => (string)e!["event"]! == "claim" && e["ledgerEntry"] is not null);

        var photo = await cloud.Send(HttpMethod.Get, claimPhotos[0] + "?width=100", "A", Role.Auditor);
        Assert.Equal(("image/jpeg", HttpStatusCode.OK), (photo.Content.Headers.ContentType!.MediaType, photo.StatusCode));
        using (var scaled = SkiaSharp.SKBitmap.Decode(await photo.Content.ReadAsByteArrayAsync()))
            Assert.Equal((100, 100), (scaled.Width, scaled.Height));
        await Json(HttpMethod.Get, $"/api/v1/claims/{cloud.A.LivestockClaim}/photos/1", "A", expect: HttpStatusCode.NotFound);
        await Json(HttpMethod.Get, $"/api/v1/claims/{cloud.A.LivestockClaim}/evidence", "B", expect: HttpStatusCode.NotFound);
        await Json(HttpMethod.Get, claimPhotos[0], "B", expect: HttpStatusCode.NotFound);
        await Json(HttpMethod.Get, $"/api/v1/claims/{cloud.A.CropClaim}/evidence", "A", expect: HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_duplicate_cases_evidence_gives_both_animals_photos_and_only_to_its_tenant()
    {
        var evidence = await Json(HttpMethod.Get, $"/api/v1/review/cases/{cloud.A.Case}/evidence", "A");
        Assert.Equal(cloud.A.Cow, (string)evidence["case"]!["matchedAnimalId"]!);
        Assert.Equal([$"/api/v1/review/cases/{cloud.A.Case}/photos/0"], evidence["photos"]!.AsArray().Select(p => (string)p!));
        Assert.Equal([$"/api/v1/animals/{cloud.A.Cow}/crops/0"], evidence["matchedPhotos"]!.AsArray().Select(p => (string)p!));
        Assert.NotEmpty(evidence["scopes"]!.AsArray());
        var photo = await cloud.Send(HttpMethod.Get, $"/api/v1/review/cases/{cloud.A.Case}/photos/0?width=64", "A", Role.ClaimsOfficer);
        using (var scaled = SkiaSharp.SKBitmap.Decode(await photo.Content.ReadAsByteArrayAsync()))
            Assert.Equal(64, scaled.Width);
        await Json(HttpMethod.Get, $"/api/v1/review/cases/{cloud.A.Case}/evidence", "B", expect: HttpStatusCode.NotFound);
        await Json(HttpMethod.Get, $"/api/v1/review/cases/{cloud.A.Case}/photos/0", "B", expect: HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("policyId")]
    [InlineData("peril")]
    [InlineData("eventEnd")]
    [InlineData("eventEnd+future")]
    [InlineData("before.raster")]
    [InlineData("before.date")]
    [InlineData("after.date")]
    [InlineData("ndviDrop")]
    public async Task A_crop_claim_the_cloud_cannot_assess_is_refused_naming_the_field_and_nothing_is_stored(string @case)
    {
        var field = @case.Split('+')[0];
        var policy = cloud.A.CropPolicy;
        var today = ClaimsSeed.Today;
        var body = @case switch
        {
            "policyId" => new { peril = "hail" } as object,
            "peril" => Claim(policy, peril: "meteor"),
            "eventEnd" => Claim(policy, start: today, end: today.AddDays(-2)),
            // An event still to come is no loss yet, whatever images come with it.
            "eventEnd+future" => Claim(policy, start: today, end: today.AddDays(1)),
            "before.raster" => Claim(policy, before: "../../etc/passwd"),
            // The before image must come from before the event, the after image from after it.
            "before.date" => Claim(policy, before: ClaimsSeed.After, start: today.AddDays(-1), end: today),
            "after.date" => Claim(policy, after: ClaimsSeed.Before),
            _ => Claim(policy, ndviDrop: 3),
        };
        var total = (int)(await Json(HttpMethod.Get, "/api/v1/crop-claims", "A"))["total"]!;
        AssertField(await Json(HttpMethod.Post, "/api/v1/crop-claims", "A", Role.ClaimsOfficer, body, HttpStatusCode.BadRequest), field);
        Assert.Equal(total, (int)(await Json(HttpMethod.Get, "/api/v1/crop-claims", "A"))["total"]!);
    }

    [Fact]
    public async Task Only_claims_officers_file_crop_claims_and_another_tenants_policy_is_not_found()
    {
        foreach (var role in new[] { Role.Auditor, Role.Underwriter, Role.FieldAgent })
            await Json(HttpMethod.Post, "/api/v1/crop-claims", "A", role, Claim(cloud.A.CropPolicy), HttpStatusCode.Forbidden);
        await Json(HttpMethod.Post, "/api/v1/crop-claims", "B", Role.ClaimsOfficer, Claim(cloud.A.CropPolicy), HttpStatusCode.NotFound);
    }
}

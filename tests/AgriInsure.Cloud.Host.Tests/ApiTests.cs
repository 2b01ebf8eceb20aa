using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Ledger.Proofs;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgriInsure.Cloud.Host.Tests;

/// <summary>The HTTP API on a real host (Kestrel on a free loopback port) with two insurers, A and B, in one cloud:
/// A has a farmer with two enrolled cows (one enrolled twice: an open duplicate case), B has a farmer of the same id.</summary>
public sealed class ApiTests : IAsyncLifetime
{
    // Covers start from the cloud's today on: the API refuses a backdated one.
    private static readonly DateOnly Now = DateOnly.FromDateTime(DateTime.UtcNow);
    private static readonly string Today = Day(Now), Start = Day(Now.AddDays(1)), Mid = Day(Now.AddDays(60)), End = Day(Now.AddDays(365)), Later = Day(Now.AddDays(700));

    private readonly TempFolder _home = new();

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private byte[] _secret = null!;
    private AuthOptions _auth = null!;
    private string _cow = "";
    private string _case = "";

    public async Task InitializeAsync()
    {
        _app = CloudHost.Build(["--urls", "http://127.0.0.1:0"], new Dictionary<string, string?>
        {
            ["Cloud:Folder"] = _home.File("cloud"),
            ["Cloud:Manifest"] = Repo.Manifest,
            ["Cloud:BrokerPort"] = "0",
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _http = new HttpClient { BaseAddress = new Uri(address) };
        _auth = _app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        _secret = Access.Secret(_auth, _home.File("cloud"));

        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/api/v1/farmers", "A", Role.FieldAgent, new { id = "F1", name = "王建国", region = "四川 雅安" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/api/v1/farmers", "B", Role.FieldAgent, new { id = "F1", name = "Li at B", region = "Gansu" })).StatusCode);
        var engines = _app.Services.GetRequiredService<CloudRuntime>().Engines!;
        using var key = DeviceKey.Create();
        await engines.Registry.RegisterDeviceAsync(new DeviceRecord("A", "hh-1", "agent-1", key.PublicKey));
        async Task<Ack> Capture(int cow)
        {
            var r = new Random(cow);
            var capture = key.Sign(new Capture
            {
                CaptureId = NUlid.Ulid.NewUlid().ToString(), Tenant = "A", DeviceId = "hh-1", AgentId = "agent-1", Purpose = CapturePurpose.Enrol,
                Species = "cattle", FarmerId = "F1", Gps = new GpsFix(30.0, 103.0, 5), TakenAt = DateTimeOffset.UtcNow.AddMinutes(-5), Model = new ModelRef("test-model", "1"),
                Photos = [new CapturePhoto { Embedding = [.. Enumerable.Range(0, 32).Select(_ => (float)(r.NextDouble() - 0.5))], CropJpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)cow, .. System.Security.Cryptography.RandomNumberGenerator.GetBytes(8), 0xFF, 0xD9] }],
            });
            var result = await engines.Ingest.HandleAsync(Topics.Captures("A", "hh-1"), Codec.Encode(capture));
            return result.Ack!;
        }
        _cow = (await Capture(1)).AnimalId!;
        await Capture(2);
        var second = await Capture(1);
        Assert.Equal("duplicate-enrolment", second.Outcome);
        _case = second.CaptureId;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _home.Dispose();
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string? tenant, Role role, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (tenant is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Access.Issue(_auth, _secret, $"user-of-{tenant}", tenant, role, TimeSpan.FromHours(1), DateTimeOffset.UtcNow));
        if (body is not null)
            request.Content = JsonContent.Create(body);
        return _http.SendAsync(request);
    }

    private async Task<JsonNode> Json(HttpMethod method, string path, string tenant, Role role = Role.Auditor, object? body = null, HttpStatusCode expect = HttpStatusCode.OK)
    {
        var response = await Send(method, path, tenant, role, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expect == response.StatusCode, $"{method} {path} as {role} of {tenant}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task Every_api_endpoint_refuses_a_request_without_a_valid_token()
    {
        var routes = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        Assert.True(routes.Count >= 15, $"{routes.Count} API routes");
        foreach (var route in routes)
        {
            var path = route.RoutePattern.RawText!.Replace("{id}", "x", StringComparison.Ordinal).Replace("{n:int}", "0", StringComparison.Ordinal);
            var method = new HttpMethod(route.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Single());
            Assert.Equal(HttpStatusCode.Unauthorized, (await Send(method, path, null, Role.Auditor, method == HttpMethod.Post ? new { } : null)).StatusCode);
            var forged = new HttpRequestMessage(method, path);
            forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Access.Issue(_auth, new byte[32], "mallory", "A", Role.Underwriter, TimeSpan.FromHours(1), DateTimeOffset.UtcNow));
            Assert.Equal(HttpStatusCode.Unauthorized, (await _http.SendAsync(forged)).StatusCode);
        }
    }

    [Fact]
    public async Task The_openapi_document_lists_the_routes_and_says_they_take_a_bearer_token()
    {
        var document = JsonNode.Parse(await _http.GetStringAsync("/openapi/v1.json"))!;
        Assert.Equal("bearer", (string)document["components"]!["securitySchemes"]!["bearer"]!["scheme"]!);
        Assert.NotNull(document["security"]![0]!["bearer"]);
        foreach (var path in new[] { "/api/v1/farmers", "/api/v1/policies", "/api/v1/claims/{id}/decision", "/api/v1/review/cases/{id}/decision" })
            Assert.NotNull(document["paths"]![path]);
        // The answers a client must handle, with their shapes.
        var register = document["paths"]!["/api/v1/farmers"]!["post"]!["responses"]!.AsObject();
        Assert.Superset(new HashSet<string> { "201", "400", "401", "403", "409" }, register.Select(r => r.Key).ToHashSet());
        Assert.NotNull(register["201"]!["content"]!["application/json"]!["schema"]);
        Assert.NotNull(document["paths"]!["/api/v1/animals/{id}/crops/{n}"]!["get"]!["responses"]!["200"]!["content"]!["image/jpeg"]);
    }

    [Theory]
    [InlineData(Role.FieldAgent, true, false, false)]
    [InlineData(Role.Underwriter, false, true, false)]
    [InlineData(Role.ClaimsOfficer, false, false, true)]
    [InlineData(Role.Auditor, false, false, false)]
    public async Task Each_role_may_do_what_it_is_granted_and_nothing_else_and_every_role_reads(Role role, bool registers, bool underwrites, bool decides)
    {
        var farmer = await Send(HttpMethod.Post, "/api/v1/farmers", "A", role, new { id = $"F-{role}", name = "Zhang", region = "Yunnan" });
        Assert.Equal(registers ? HttpStatusCode.Created : HttpStatusCode.Forbidden, farmer.StatusCode);
        var policy = await Send(HttpMethod.Post, "/api/v1/policies", "A", role,
            new { farmerId = "F1", animalIds = new[] { _cow }, sumInsuredPerHead = 8000m, premium = 320m, currency = "CNY", start = Start, end = End });
        Assert.Equal(underwrites ? HttpStatusCode.Created : HttpStatusCode.Forbidden, policy.StatusCode);
        var decision = await Send(HttpMethod.Post, $"/api/v1/review/cases/{_case}/decision", "A", role, new { verdict = "duplicate", reason = "same cow, same farm" });
        Assert.Equal(decides ? HttpStatusCode.OK : HttpStatusCode.Forbidden, decision.StatusCode);
        foreach (var read in new[] { "/api/v1/farmers", "/api/v1/animals", "/api/v1/policies", "/api/v1/claims", "/api/v1/review/cases?open=false", "/api/v1/ledger/head", $"/api/v1/animals/{_cow}" })
            await Json(HttpMethod.Get, read, "A", role);
        var me = await Json(HttpMethod.Get, "/api/v1/me", "A", role);
        Assert.Equal(("A", role.Name()), ((string)me["tenant"]!, (string)me["role"]!));
    }

    [Fact]
    public async Task No_read_or_write_crosses_tenants()
    {
        // B sees its own farmer F1, not A's of the same id, and none of A's animals, cases or anchors.
        var farmers = await Json(HttpMethod.Get, "/api/v1/farmers", "B");
        Assert.Equal((1, "Li at B"), ((int)farmers["total"]!, (string)farmers["items"]![0]!["name"]!));
        Assert.Equal(0, (int)(await Json(HttpMethod.Get, "/api/v1/animals", "B"))["total"]!);
        Assert.Equal(0, (int)(await Json(HttpMethod.Get, "/api/v1/review/cases", "B"))["total"]!);
        foreach (var path in new[] { $"/api/v1/animals/{_cow}", $"/api/v1/animals/{_cow}/crops/0", $"/api/v1/animals/{_cow}/proof", $"/api/v1/review/cases/{_case}" })
            await Json(HttpMethod.Get, path, "B", expect: HttpStatusCode.NotFound);
        // B's claims officer cannot decide A's case; B's underwriter cannot insure A's cow.
        await Json(HttpMethod.Post, $"/api/v1/review/cases/{_case}/decision", "B", Role.ClaimsOfficer, new { verdict = "new-animal", reason = "x" }, HttpStatusCode.NotFound);
        var poached = await Json(HttpMethod.Post, "/api/v1/policies", "B", Role.Underwriter,
            new { farmerId = "F1", animalIds = new[] { _cow }, sumInsuredPerHead = 8000m, premium = 320m, currency = "CNY", start = Start, end = End },
            HttpStatusCode.BadRequest);
        Assert.NotNull(poached["errors"]!["animalIds"]);
        Assert.True((bool)(await Json(HttpMethod.Get, $"/api/v1/review/cases/{_case}", "A"))["open"]!);

        // A reads its own: the farmer's Chinese name as registered, the cow with its crop, the open case.
        Assert.Equal("王建国", (string)(await Json(HttpMethod.Get, "/api/v1/farmers/F1", "A"))["name"]!);
        var cow = await Json(HttpMethod.Get, $"/api/v1/animals/{_cow}", "A");
        var crop = await Send(HttpMethod.Get, (string)cow["crops"]![0]!, "A", Role.Auditor);
        Assert.Equal(("image/jpeg", (byte)1), (crop.Content.Headers.ContentType!.MediaType!, (await crop.Content.ReadAsByteArrayAsync())[6]));
    }

    [Fact]
    public async Task A_policy_issued_through_the_api_is_anchored_with_a_proof_anyone_can_check()
    {
        var issued = await Json(HttpMethod.Post, "/api/v1/policies", "A", Role.Underwriter,
            new { farmerId = "F1", animalIds = new[] { _cow }, sumInsuredPerHead = 8000m, premium = 320m, currency = "CNY", start = Start, end = End },
            HttpStatusCode.Created);
        var id = (string)issued["id"]!;
        Assert.Equal((8000m, "CNY"), ((decimal)issued["sumInsuredPerHead"]!["amount"]!, (string)issued["sumInsuredPerHead"]!["currency"]!));
        Assert.Equal(id, (string)(await Json(HttpMethod.Get, "/api/v1/policies?farmer=F1", "A"))["items"]![0]!["id"]!);
        var proof = await Json(HttpMethod.Get, $"/api/v1/policies/{id}/proof", "A");
        Assert.True(ProofVerifier.VerifyInclusion(Convert.FromHexString((string)proof["leafHash"]!), (long)proof["index"]!, (long)proof["treeSize"]!,
            [.. proof["path"]!.AsArray().Select(p => Convert.FromHexString((string)p!))], Convert.FromHexString((string)proof["root"]!)));
        // The same cow cannot be insured twice over the same days.
        var again = await Json(HttpMethod.Post, "/api/v1/policies", "A", Role.Underwriter,
            new { farmerId = "F1", animalIds = new[] { _cow }, sumInsuredPerHead = 8000m, premium = 320m, currency = "CNY", start = Mid, end = End },
            HttpStatusCode.BadRequest);
        Assert.Contains("already insured", (string)again["errors"]!["animalIds"]![0]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ledger_changed_on_disk_gets_no_proof_and_no_head_only_the_first_bad_entry()
    {
        var before = await Json(HttpMethod.Get, "/api/v1/ledger/head", "A");
        var proof = await Json(HttpMethod.Get, $"/api/v1/animals/{_cow}/proof", "A");
        Assert.Equal((string)before["root"]!, (string)proof["root"]!);
        // A forger with the file changes the cow's enrolment payload (the triggers that keep it append-only dropped first).
        await using (var file = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_home.File("cloud")}/ledger.db;Pooling=False"))
        {
            await file.OpenAsync();
            await using var cmd = file.CreateCommand();
            cmd.CommandText = $"DROP TRIGGER entries_no_update; UPDATE entries SET payload_hash = '{new string('0', 64)}' WHERE idx = {(long)proof["index"]!}";
            await cmd.ExecuteNonQueryAsync();
        }
        foreach (var path in new[] { $"/api/v1/animals/{_cow}/proof", "/api/v1/ledger/head" })
        {
            var refused = await Json(HttpMethod.Get, path, "A", expect: HttpStatusCode.InternalServerError);
            Assert.Contains($"TAMPERED: first bad entry {(long)proof["index"]!}", (string)refused["title"]!, StringComparison.Ordinal);
        }
        // And the host is no longer ready, saying why.
        using var ready = await _http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("TAMPERED", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ledger_cut_short_on_disk_while_the_host_runs_gets_no_head()
    {
        var before = await Json(HttpMethod.Get, "/api/v1/ledger/head", "A");
        var last = (long)before["size"]! - 1;
        await using (var file = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_home.File("cloud")}/ledger.db;Pooling=False"))
        {
            await file.OpenAsync();
            await using var cmd = file.CreateCommand();
            cmd.CommandText = $"DROP TRIGGER entries_no_delete; DELETE FROM entries WHERE idx = {last}";
            await cmd.ExecuteNonQueryAsync();
        }
        var refused = await Json(HttpMethod.Get, "/api/v1/ledger/head", "A", expect: HttpStatusCode.InternalServerError);
        Assert.Contains($"TAMPERED: first bad entry {last}: entry {last}: it is gone", (string)refused["title"]!, StringComparison.Ordinal);
        // A tampered ledger does not heal: the proofs of entries still there are refused too.
        var proof = await Json(HttpMethod.Get, $"/api/v1/animals/{_cow}/proof", "A", expect: HttpStatusCode.InternalServerError);
        Assert.Contains("TAMPERED", (string)proof["title"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_case_is_decided_once_by_the_tokens_user_and_anchored()
    {
        var decided = await Json(HttpMethod.Post, $"/api/v1/review/cases/{_case}/decision", "A", Role.ClaimsOfficer, new { verdict = "new-animal", reason = "twins: tags 0417 and 0418" });
        Assert.Equal(("new-animal", "user-of-A"), ((string)decided["verdict"]!, (string)decided["reviewer"]!));
        Assert.Equal(3, (int)(await Json(HttpMethod.Get, "/api/v1/animals", "A"))["total"]!);
        await Json(HttpMethod.Post, $"/api/v1/review/cases/{_case}/decision", "A", Role.ClaimsOfficer, new { verdict = "duplicate", reason = "changed my mind" }, HttpStatusCode.Conflict);
        var open = await Json(HttpMethod.Get, "/api/v1/review/cases", "A");
        Assert.Equal(0, (int)open["total"]!);
    }

    [Fact]
    public async Task A_claims_officer_decides_a_death_claim_and_the_decision_is_shown_with_who_and_when()
    {
        var issued = await Json(HttpMethod.Post, "/api/v1/policies", "A", Role.Underwriter,
            new { farmerId = "F1", animalIds = new[] { _cow }, sumInsuredPerHead = 8000m, premium = 320m, currency = "CNY", start = Today, end = Later },
            HttpStatusCode.Created);
        var engines = _app.Services.GetRequiredService<CloudRuntime>().Engines!;
        await TestContracts.InForceAsync(engines.Registry, engines.Ledger, "A", (string)issued["id"]!);
        var photo = await engines.Registry.FindEnrolledAnimalAsync("A", _cow);
        var capture = new Domain.CaptureRecord(NUlid.Ulid.NewUlid().ToString(), "A", "hh-1", "agent-1", Domain.CapturePurpose.Claim, Domain.Species.Cattle, null, null,
            new Domain.GeoPoint(103, 30), 5, DateTimeOffset.UtcNow.AddMinutes(-5), "1", [new Domain.PhotoRecord(photo!.Animal.Templates[0], photo.CropKeys[0])], DateTimeOffset.UtcNow);
        var claimId = (await engines.Desk.ClaimDeathAsync(capture)).ClaimId!;

        await Json(HttpMethod.Post, $"/api/v1/claims/{claimId}/decision", "A", Role.Underwriter, new { verdict = "approve", reason = "x" }, HttpStatusCode.Forbidden);
        await Json(HttpMethod.Post, $"/api/v1/claims/{claimId}/decision", "B", Role.ClaimsOfficer, new { verdict = "approve", reason = "x" }, HttpStatusCode.NotFound);
        await Json(HttpMethod.Post, $"/api/v1/claims/{claimId}/decision", "A", Role.ClaimsOfficer, new { verdict = "survey", reason = "see the carcass first" });
        await Json(HttpMethod.Post, $"/api/v1/claims/{claimId}/decision", "A", Role.ClaimsOfficer, new { verdict = "approve", reason = "surveyed: dead, tag 0417" });
        await Json(HttpMethod.Post, $"/api/v1/claims/{claimId}/decision", "A", Role.ClaimsOfficer, new { verdict = "refuse", reason = "late" }, HttpStatusCode.Conflict);
        var claim = await Json(HttpMethod.Get, $"/api/v1/claims/{claimId}", "A");
        Assert.Equal(("accepted", "livestock-death"), ((string)claim["status"]!, (string)claim["kind"]!));
        Assert.Equal(["survey", "approve"], claim["decisions"]!.AsArray().Select(d => (string)d!["verdict"]!));
        Assert.All(claim["decisions"]!.AsArray(), d => Assert.Equal("user-of-A", (string)d!["officer"]!));
        var proof = await Json(HttpMethod.Get, $"/api/v1/claims/{claimId}/proof", "A");
        Assert.Equal("claim", (string)proof["kind"]!);

        // The same death claimed again from another capture: the ledger refuses it on the paid claim's entry, which is
        // that claim's proof, never this one's; the animal's history does not show it as anchored.
        var again = await engines.Desk.ClaimDeathAsync(capture with { CaptureId = NUlid.Ulid.NewUlid().ToString() });
        Assert.Equal(Domain.CaptureOutcome.ClaimRefusedDuplicate, again.Outcome);
        var refusedId = again.ClaimId!;
        var response = await Send(HttpMethod.Get, $"/api/v1/claims/{refusedId}/proof", "A", Role.Auditor);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal($"claim {refusedId} was refused and has no ledger entry of its own; entry {(long)proof["index"]!} under its key belongs to claim {claimId}",
            (string)problem["title"]!);
        var life = (await Json(HttpMethod.Get, $"/api/v1/animals/{_cow}/history", "A"))["events"]!.AsArray();
        var refusedEvent = life.Single(e => ((string)e!["record"]!).EndsWith(refusedId, StringComparison.Ordinal))!;
        Assert.Equal("refused", (string)refusedEvent["anchor"]!);
        Assert.Null((long?)refusedEvent["ledgerEntry"]);
        Assert.Equal($"not anchored: refused, the ledger holds claim {claimId} for this key (entry {(long)proof["index"]!})", (string)refusedEvent["anchorDetail"]!);
        var paidEvent = life.Single(e => (string)e!["record"]! == $"claim {claimId}")!;
        Assert.Equal(("verified", (long)proof["index"]!), ((string)paidEvent["anchor"]!, (long)paidEvent["ledgerEntry"]!));
        // The same as facts, for pages that tell it in another language: who holds the key, and where.
        var refusedFacts = refusedEvent["facts"]!;
        Assert.Equal((refusedId, "refused", claimId, (long)proof["index"]!),
            ((string)refusedFacts["claim"]!, (string)refusedFacts["status"]!, (string)refusedFacts["heldBy"]!, (long)refusedFacts["heldAt"]!));
        var paidFacts = paidEvent["facts"]!;
        Assert.Equal(("accepted", capture.CaptureId), ((string)paidFacts["status"]!, (string)paidFacts["evidence"]!));
        Assert.True(paidFacts["payout"]!["amount"]!.GetValue<decimal>() > 0);
        Assert.Equal(claimId, (string)(await Json(HttpMethod.Get, $"/api/v1/animals/{_cow}", "A"))["paidDeathClaim"]!);
    }

    [Theory]
    [InlineData("/api/v1/farmers?limit=0", "limit")]
    [InlineData("/api/v1/animals?offset=-3", "offset")]
    [InlineData("/api/v1/claims?limit=201", "limit")]
    public async Task A_bad_page_is_a_problem_naming_its_field(string path, string field)
    {
        var response = await Send(HttpMethod.Get, path, "A", Role.Auditor);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]![field]);
    }

    [Theory]
    [InlineData("/api/v1/policies", "{not json", "body")]
    [InlineData("/api/v1/policies", "[]", "body")]
    [InlineData("/api/v1/policies", "{\"farmerId\":\"F1\",\"start\":\"2027-02-30\"}", "start")]
    [InlineData("/api/v1/policies", "{\"premium\":\"lots\"}", "premium")]
    [InlineData("/api/v1/farmers?limit=abc", null, "limit")]
    public async Task A_request_the_api_cannot_read_is_a_problem_naming_the_field(string path, string? body, string field)
    {
        var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Access.Issue(_auth, _secret, "u", "A", Role.Underwriter, TimeSpan.FromHours(1), DateTimeOffset.UtcNow));
        if (body is not null)
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(JsonNode.Parse(text)!["errors"]![field]);
    }

    [Theory]
    [InlineData("limit=abc", "limit", "'abc' is not a whole number")]
    [InlineData("offset=99999999999", "offset", "'99999999999' is not a whole number")]
    public async Task A_query_value_of_the_wrong_type_is_named_in_a_users_words(string query, string field, string reason)
    {
        var problem = await Json(HttpMethod.Get, $"/api/v1/farmers?{query}", "A", Role.Auditor, expect: HttpStatusCode.BadRequest);
        Assert.StartsWith(reason, (string)problem["errors"]![field]![0]!);
        Assert.DoesNotContain("Nullable", problem.ToJsonString());
    }

    [Fact]
    public async Task Bad_bodies_are_problems_naming_the_field_and_write_nothing()
    {
        var missing = await Json(HttpMethod.Post, "/api/v1/policies", "A", Role.Underwriter, new { farmerId = "F1", animalIds = new[] { _cow }, currency = "CNY", start = Start, end = End }, HttpStatusCode.BadRequest);
        Assert.NotNull(missing["errors"]!["sumInsuredPerHead"]);
        var backwards = await Json(HttpMethod.Post, "/api/v1/policies", "A", Role.Underwriter,
            new { farmerId = "F1", animalIds = new[] { _cow }, sumInsuredPerHead = 8000m, premium = 320m, currency = "CNY", start = End, end = Start }, HttpStatusCode.BadRequest);
        Assert.Single(backwards["errors"]!.AsObject());
        var farmer = await Json(HttpMethod.Post, "/api/v1/farmers", "A", Role.FieldAgent, new { id = "F 2", name = "x", region = "y" }, HttpStatusCode.BadRequest);
        Assert.NotNull(farmer["errors"]!["farmer.id"]);
        await Json(HttpMethod.Post, "/api/v1/farmers", "A", Role.FieldAgent, new { id = "F1", name = "overwrite", region = "y" }, HttpStatusCode.Conflict);
        Assert.Equal("王建国", (string)(await Json(HttpMethod.Get, "/api/v1/farmers/F1", "A"))["name"]!);
        var verdict = await Json(HttpMethod.Post, $"/api/v1/review/cases/{_case}/decision", "A", Role.ClaimsOfficer, new { verdict = "maybe", reason = "x" }, HttpStatusCode.BadRequest);
        Assert.NotNull(verdict["errors"]!["verdict"]);
        Assert.Equal(0, (int)(await Json(HttpMethod.Get, "/api/v1/policies", "A"))["total"]!);
        var malformed = new HttpRequestMessage(HttpMethod.Post, "/api/v1/farmers") { Content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json") };
        malformed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Access.Issue(_auth, _secret, "u", "A", Role.FieldAgent, TimeSpan.FromHours(1), DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.SendAsync(malformed)).StatusCode);
    }
}

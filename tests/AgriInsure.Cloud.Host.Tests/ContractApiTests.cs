using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using AgriInsure.Signing.Pki;
using AgriInsure.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Ocsp;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace AgriInsure.Cloud.Host.Tests;

/// <summary>A livestock policy closed with e-signed contracts through the API of a real host (Kestrel on a free loopback
/// port): insurer A has farmer F1 with two enrolled cows (face crops as real JPEGs) and a policy over both; insurer B
/// has nothing of A's.</summary>
public sealed class ContractApiTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Number = "11010519491231002X";
    private static readonly DateOnly Now = DateOnly.FromDateTime(DateTime.UtcNow);

    private readonly TempFolder _home = new();
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private byte[] _secret = null!;
    private AuthOptions _auth = null!;
    private string _policy = "";

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

        await Json(HttpMethod.Post, "/api/v1/farmers", "A", Role.FieldAgent, new { id = "F1", name = "王建国", region = "四川 雅安" }, HttpStatusCode.Created);
        var engines = _app.Services.GetRequiredService<CloudRuntime>().Engines!;
        using var key = DeviceKey.Create();
        await engines.Registry.RegisterDeviceAsync(new DeviceRecord("A", "hh-1", "agent-1", key.PublicKey));
        var cows = new List<string>();
        foreach (var cow in new[] { 1, 2 })
        {
            var r = new Random(cow);
            var capture = key.Sign(new Capture
            {
                CaptureId = NUlid.Ulid.NewUlid().ToString(), Tenant = "A", DeviceId = "hh-1", AgentId = "agent-1", Purpose = CapturePurpose.Enrol,
                Species = "cattle", FarmerId = "F1", EarTag = $"CN-51-00000{cow}", Gps = new GpsFix(30.0, 103.0, 5), TakenAt = DateTimeOffset.UtcNow.AddMinutes(-5),
                Model = new ModelRef("test-model", "1"),
                Photos = [new CapturePhoto { Embedding = [.. Enumerable.Range(0, 32).Select(_ => (float)(r.NextDouble() - 0.5))], CropJpeg = Face(cow) }],
            });
            cows.Add((await engines.Ingest.HandleAsync(Topics.Captures("A", "hh-1"), Codec.Encode(capture))).Ack!.AnimalId!);
        }
        var issued = await Json(HttpMethod.Post, "/api/v1/policies", "A", Role.Underwriter,
            new { farmerId = "F1", animalIds = cows, sumInsuredPerHead = 8000m, premium = 640m, currency = "CNY", start = Day(Now.AddDays(1)), end = Day(Now.AddDays(365)) },
            HttpStatusCode.Created);
        _policy = (string)issued["id"]!;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _home.Dispose();
    }

    [Fact]
    public async Task A_policy_is_closed_through_the_api_identity_check_farmer_signature_countersignature_then_in_force_and_anchored()
    {
        var contract = $"/api/v1/policies/{_policy}/contract";
        Assert.False((bool)(await Json(HttpMethod.Get, $"/api/v1/policies/{_policy}", "A"))["inForce"]!);
        await Json(HttpMethod.Get, contract, "A", expect: HttpStatusCode.NotFound);
        // No signature before a passed identity check.
        var unchecked_ = await Json(HttpMethod.Post, contract + "/farmer-signature", "A", Role.FieldAgent, expect: HttpStatusCode.Conflict);
        Assert.Equal("identity-not-checked", (string)unchecked_["outcome"]!);

        var check = await Json(HttpMethod.Post, "/api/v1/farmers/F1/identity-checks", "A", Role.FieldAgent,
            new { number = Number, method = "id-card-chip-read" }, HttpStatusCode.Created);
        Assert.Equal(("F1", "user-of-A", "id-card-chip-read", "passed"), ((string)check["farmerId"]!, (string)check["agentId"]!, (string)check["method"]!, (string)check["outcome"]!));
        var checks = await Send(HttpMethod.Get, "/api/v1/farmers/F1/identity-checks", "A", Role.Auditor);
        var listed = await checks.Content.ReadAsStringAsync();
        Assert.Equal(1, (int)JsonNode.Parse(listed)!["total"]!);
        Assert.DoesNotContain(Number[..17], listed, StringComparison.Ordinal);
        Assert.DoesNotContain(Number[..17], check.ToJsonString(), StringComparison.Ordinal);

        var signing = await Send(HttpMethod.Post, contract + "/farmer-signature", "A", Role.FieldAgent);
        Assert.Equal(HttpStatusCode.OK, signing.StatusCode);
        Assert.Equal("application/pdf", signing.Content.Headers.ContentType!.MediaType);
        var farmerSigned = await signing.Content.ReadAsByteArrayAsync();
        var engines = _app.Services.GetRequiredService<CloudRuntime>().Engines!;
        Assert.Equal(farmerSigned, await engines.Blobs.GetAsync(signing.Headers.GetValues(ContractEndpoints.BlobKeyHeader).Single()));
        // Signed by the farmer alone: valid, but nothing anchored for the policy yet.
        var half = await Verify(farmerSigned, "A", _policy);
        Assert.Equal(("valid", 1, false), ((string)half["verdict"]!, half["signatures"]!.AsArray().Count, (bool)half["anchor"]!["anchored"]!));

        var closed = await Pdf(HttpMethod.Post, contract + "/countersignature", "A", Role.Underwriter, farmerSigned);
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        var record = JsonNode.Parse(await closed.Content.ReadAsStringAsync())!;
        Assert.Equal("active", (string)record["outcome"]!);
        Assert.Equal(["valid", "valid"], record["verification"]!["signatures"]!.AsArray().Select(s => (string)s!["verdict"]!));

        var signed = await Send(HttpMethod.Get, contract, "A", Role.ClaimsOfficer);
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        var pdf = await signed.Content.ReadAsByteArrayAsync();
        var sha = Convert.ToHexStringLower(SHA256.HashData(pdf));
        // The request limit leaves a herd of a thousand head room: two head are far below a hundredth of it.
        output.WriteLine($"farmer-signed {farmerSigned.Length} bytes, countersigned {pdf.Length} bytes (2 head)");
        Assert.InRange(pdf.Length, farmerSigned.Length + 1, ContractEndpoints.MaxPdfBytes / 100);
        Assert.Equal(sha, (string)record["contract"]!["documentSha256"]!);
        var policy = await Json(HttpMethod.Get, $"/api/v1/policies/{_policy}", "A");
        Assert.True((bool)policy["inForce"]!);
        Assert.Equal((sha, (long)record["contract"]!["ledgerEntry"]!), ((string)policy["contract"]!["documentSha256"]!, (long)policy["contract"]!["ledgerEntry"]!));
        Assert.True((bool)(await Json(HttpMethod.Get, "/api/v1/policies", "A"))["items"]![0]!["inForce"]!);

        var report = await Verify(pdf, "A", _policy);
        Assert.Equal(("valid", sha), ((string)report["verdict"]!, (string)report["sha256"]!));
        Assert.Equal((true, (long)record["contract"]!["ledgerEntry"]!), ((bool)report["anchor"]!["anchored"]!, (long)report["anchor"]!["ledgerEntry"]!));
        var signatures = report["signatures"]!.AsArray();
        Assert.Contains("UID=A/F1", (string)signatures[0]!["signer"]!, StringComparison.Ordinal);
        Assert.Contains("UID=A", (string)signatures[1]!["signer"]!, StringComparison.Ordinal);
        Assert.All(signatures, s =>
        {
            Assert.Equal("good", (string)s!["revocation"]!);
            Assert.NotNull((string?)s["timestampTime"]);
            Assert.False((bool)s["modifiedAfter"]!);
        });

        // A retry signs nothing again: the record on file.
        var again = JsonNode.Parse(await (await Pdf(HttpMethod.Post, contract + "/countersignature", "A", Role.Underwriter, farmerSigned)).Content.ReadAsStringAsync())!;
        Assert.Equal(("already-active", sha), ((string)again["outcome"]!, (string)again["contract"]!["documentSha256"]!));
        Assert.Equal("already-active", (string)(await Json(HttpMethod.Post, contract + "/farmer-signature", "A", Role.FieldAgent, expect: HttpStatusCode.Conflict))["outcome"]!);
    }

    [Fact]
    public async Task Each_role_is_refused_what_it_may_not_do_and_another_insurers_policy_and_farmer_are_not_found()
    {
        var contract = $"/api/v1/policies/{_policy}/contract";
        foreach (var role in new[] { Role.Underwriter, Role.ClaimsOfficer, Role.Auditor })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Post, "/api/v1/farmers/F1/identity-checks", "A", role, new { number = Number, method = "id-card-chip-read" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Post, contract + "/farmer-signature", "A", role)).StatusCode);
        }
        foreach (var role in new[] { Role.FieldAgent, Role.ClaimsOfficer, Role.Auditor })
            Assert.Equal(HttpStatusCode.Forbidden, (await Pdf(HttpMethod.Post, contract + "/countersignature", "A", role, "%PDF-1.7\n"u8.ToArray())).StatusCode);
        Assert.Empty(await _app.Services.GetRequiredService<CloudRuntime>().Engines!.Registry.IdentityChecksAsync("A", "F1"));

        await Json(HttpMethod.Post, "/api/v1/farmers/F1/identity-checks", "A", Role.FieldAgent, new { number = Number, method = "id-card-chip-read" }, HttpStatusCode.Created);
        var farmerSigned = await (await Send(HttpMethod.Post, contract + "/farmer-signature", "A", Role.FieldAgent)).Content.ReadAsByteArrayAsync();
        // B knows A's ids and holds A's signed PDF: every route answers as for an id nobody has.
        await Json(HttpMethod.Post, "/api/v1/farmers/F1/identity-checks", "B", Role.FieldAgent, new { number = Number, method = "id-card-chip-read" }, HttpStatusCode.NotFound);
        await Json(HttpMethod.Get, "/api/v1/farmers/F1/identity-checks", "B", expect: HttpStatusCode.NotFound);
        await Json(HttpMethod.Post, contract + "/farmer-signature", "B", Role.FieldAgent, expect: HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await Pdf(HttpMethod.Post, contract + "/countersignature", "B", Role.Underwriter, farmerSigned)).StatusCode);
        await Json(HttpMethod.Get, contract, "B", expect: HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await Pdf(HttpMethod.Post, $"/api/v1/contracts/verify?policy={_policy}", "B", Role.Auditor, farmerSigned)).StatusCode);
        Assert.False((bool)(await Json(HttpMethod.Get, $"/api/v1/policies/{_policy}", "A"))["inForce"]!);
    }

    [Fact]
    public async Task A_bad_identity_number_is_refused_naming_number_and_is_never_echoed()
    {
        const string mistyped = "110105194912310021";
        var refused = await Json(HttpMethod.Post, "/api/v1/farmers/F1/identity-checks", "A", Role.FieldAgent,
            new { number = mistyped, method = "id-card-chip-read" }, HttpStatusCode.BadRequest);
        Assert.Contains("check character", (string)refused["errors"]!["number"]![0]!, StringComparison.Ordinal);
        Assert.DoesNotContain(mistyped[..17], refused.ToJsonString(), StringComparison.Ordinal);
        Assert.NotNull((await Json(HttpMethod.Post, "/api/v1/farmers/F1/identity-checks", "A", Role.FieldAgent, new { method = "id-card-chip-read" }, HttpStatusCode.BadRequest))["errors"]!["number"]);
        Assert.NotNull((await Json(HttpMethod.Post, "/api/v1/farmers/F1/identity-checks", "A", Role.FieldAgent, new { number = Number, method = "glance" }, HttpStatusCode.BadRequest))["errors"]!["method"]);
        Assert.NotNull((await Json(HttpMethod.Post, "/api/v1/farmers/F1/identity-checks", "A", Role.FieldAgent,
            new { number = Number, method = "id-card-chip-read", outcome = "maybe" }, HttpStatusCode.BadRequest))["errors"]!["outcome"]);
        await Json(HttpMethod.Post, "/api/v1/farmers/F9/identity-checks", "A", Role.FieldAgent, new { number = Number, method = "id-card-chip-read" }, HttpStatusCode.NotFound);
        Assert.Empty(await _app.Services.GetRequiredService<CloudRuntime>().Engines!.Registry.IdentityChecksAsync("A", "F1"));
    }

    [Fact]
    public async Task A_changed_or_non_pdf_body_is_refused_with_its_outcome_and_nothing_comes_into_force()
    {
        var contract = $"/api/v1/policies/{_policy}/contract";
        await Json(HttpMethod.Post, "/api/v1/farmers/F1/identity-checks", "A", Role.FieldAgent, new { number = Number, method = "id-card-chip-read" }, HttpStatusCode.Created);
        var farmerSigned = await (await Send(HttpMethod.Post, contract + "/farmer-signature", "A", Role.FieldAgent)).Content.ReadAsByteArrayAsync();
        var changed = (byte[])farmerSigned.Clone();
        changed[changed.Length / 3] ^= 0x01;

        var refused = await Pdf(HttpMethod.Post, contract + "/countersignature", "A", Role.Underwriter, changed);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal("not-the-farmers-signature", (string)problem["outcome"]!);
        Assert.Equal("signed-bytes-changed", (string)problem["verification"]!["signatures"]![0]!["verdict"]!);

        var notPdf = await Pdf(HttpMethod.Post, contract + "/countersignature", "A", Role.Underwriter, "<html>a contract</html>"u8.ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, notPdf.StatusCode);
        Assert.NotNull(JsonNode.Parse(await notPdf.Content.ReadAsStringAsync())!["errors"]!["body"]);
        var json = await Send(HttpMethod.Post, contract + "/countersignature", "A", Role.Underwriter, new { pdf = "x" });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        var huge = new byte[ContractEndpoints.MaxPdfBytes + 1];
        "%PDF-1.7\n"u8.CopyTo(huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await Pdf(HttpMethod.Post, "/api/v1/contracts/verify", "A", Role.Auditor, huge)).StatusCode);
        var verified = await Verify(changed, "A", null);
        Assert.Equal("invalid", (string)verified["verdict"]!);
        Assert.Null(verified["anchor"]);

        Assert.False((bool)(await Json(HttpMethod.Get, $"/api/v1/policies/{_policy}", "A"))["inForce"]!);
        await Json(HttpMethod.Get, contract, "A", expect: HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_cas_ocsp_responder_and_crl_are_answered_without_a_token_at_the_urls_its_certificates_name()
    {
        var ca = _app.Services.GetRequiredService<CloudRuntime>().Engines!.Contracts.Authority;
        Assert.Equal(("http://127.0.0.1:8080/pki/ocsp", "http://127.0.0.1:8080/pki/crl"), (ca.Settings.OcspUrl.AbsoluteUri, ca.Settings.CrlUrl.AbsoluteUri));
        var farmer = ca.IssuePerson(new PersonSubject("王建国", "四川", "A/F1"));

        async Task<object?> StatusAsync()
        {
            var request = new ByteArrayContent(OcspResponder.Request(farmer.Certificate, ca.Root));
            request.Headers.ContentType = new MediaTypeHeaderValue(OcspResponder.RequestMediaType);
            var answer = await _http.PostAsync("/pki/ocsp", request);
            Assert.Equal((HttpStatusCode.OK, OcspResponder.ResponseMediaType), (answer.StatusCode, answer.Content.Headers.ContentType!.MediaType));
            var response = new OcspResp(await answer.Content.ReadAsByteArrayAsync());
            Assert.Equal(OcspRespStatus.Successful, response.Status);
            var single = Assert.Single(((BasicOcspResp)response.GetResponseObject()).Responses);
            Assert.Equal(farmer.Certificate.SerialNumber, single.GetCertID().SerialNumber);
            return single.GetCertStatus();
        }

        Assert.Null(await StatusAsync()); // good
        ca.Revoke(farmer.Certificate.SerialNumber, RevocationReason.KeyCompromise);
        Assert.IsType<RevokedStatus>(await StatusAsync());
        var crl = new Org.BouncyCastle.X509.X509CrlParser().ReadCrl(await _http.GetByteArrayAsync("/pki/crl"));
        crl.Verify(ca.Root.GetPublicKey());
        Assert.NotNull(crl.GetRevokedCertificate(farmer.Certificate.SerialNumber));
    }

    [Fact]
    public async Task A_bad_identity_key_or_public_url_stops_the_host_naming_the_setting()
    {
        using var home = new TempFolder();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => AgriCloud.StartAsync(new Dictionary<string, string?>
        {
            ["Cloud:Folder"] = home.File("cloud"), ["Cloud:Manifest"] = Repo.Manifest, ["Cloud:BrokerPort"] = "0",
            ["Cloud:IdentityKey"] = Convert.ToBase64String(new byte[16]), ["Cloud:PublicUrl"] = "ftp://agri.example.com/",
        }, NullLoggerFactory.Instance));
        Assert.Contains(e.Failures, f => f.StartsWith("Cloud:IdentityKey: is 16 bytes", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Cloud:PublicUrl: 'ftp://agri.example.com/'", StringComparison.Ordinal));
        Assert.False(Directory.Exists(home.File("cloud")));
    }

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A small JPEG, different for each cow: the contract draws each animal's face crop.</summary>
    private static byte[] Face(int cow)
    {
        using var image = new Image<Rgb24>(96, 96, new Rgb24((byte)(60 * cow), 120, 80));
        using var jpeg = new MemoryStream();
        image.SaveAsJpeg(jpeg);
        return jpeg.ToArray();
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string tenant, Role role)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Access.Issue(_auth, _secret, $"user-of-{tenant}", tenant, role, TimeSpan.FromHours(1), DateTimeOffset.UtcNow));
        return request;
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string tenant, Role role, object? body = null)
    {
        var request = Request(method, path, tenant, role);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        return _http.SendAsync(request);
    }

    private Task<HttpResponseMessage> Pdf(HttpMethod method, string path, string tenant, Role role, byte[] pdf)
    {
        var request = Request(method, path, tenant, role);
        request.Content = new ByteArrayContent(pdf);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        return _http.SendAsync(request);
    }

    private async Task<JsonNode> Verify(byte[] pdf, string tenant, string? policy)
    {
        var response = await Pdf(HttpMethod.Post, "/api/v1/contracts/verify" + (policy is null ? "" : $"?policy={policy}"), tenant, Role.Auditor, pdf);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"verify: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<JsonNode> Json(HttpMethod method, string path, string tenant, Role role = Role.Auditor, object? body = null, HttpStatusCode expect = HttpStatusCode.OK)
    {
        var response = await Send(method, path, tenant, role, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expect == response.StatusCode, $"{method} {path} as {role} of {tenant}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Protocol;
using AgriInsure.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace AgriInsure.Cloud.Host.Tests;

/// <summary>The device routes on a real host (Kestrel on a free loopback port, the embedded broker): provisioning answers
/// with a broker login that works and the ack key the worker signs with; a revoked device is refused by the broker and
/// answered with a signed rejection by the ingest.</summary>
public sealed class DevicesApiTests : IAsyncLifetime
{
    private readonly TempFolder _home = new();
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private byte[] _secret = null!;
    private AuthOptions _auth = null!;

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
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _home.Dispose();
    }

    private CloudEngines Engines => _app.Services.GetRequiredService<CloudRuntime>().Engines!;

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string tenant, Role role, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Access.Issue(_auth, _secret, $"agent-of-{tenant}", tenant, role, TimeSpan.FromHours(1), DateTimeOffset.UtcNow));
        if (body is not null)
            request.Content = JsonContent.Create(body);
        return _http.SendAsync(request);
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> Provision(string tenant, string device, DeviceKey key, Role role = Role.FieldAgent)
    {
        var response = await Send(HttpMethod.Post, "/api/v1/devices", tenant, role, new { deviceId = device, publicKey = Convert.ToBase64String(key.PublicKey) });
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static async Task<MqttClientConnectResultCode> LogIn(JsonNode provisioned)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var broker = provisioned["broker"]!;
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer((string)broker["host"]!, (int)broker["port"]!)
            .WithClientId((string)broker["userName"]!).WithCredentials((string)broker["userName"]!, (string)broker["password"]!).Build());
        if (client.IsConnected)
            await client.DisconnectAsync();
        return result.ResultCode;
    }

    [Fact]
    public async Task A_field_agent_provisions_a_device_whose_login_works_and_a_retry_with_the_same_key_is_answered_alike()
    {
        using var key = DeviceKey.Create();
        var (status, body) = await Provision("A", "HH-1", key);
        Assert.True(status == HttpStatusCode.Created, body.ToJsonString());
        Assert.Equal(("A", "HH-1", "agent-of-A"), ((string)body["tenant"]!, (string)body["deviceId"]!, (string)body["agentId"]!));
        Assert.Equal(Convert.ToBase64String(Engines.Worker.AckPublicKey), (string)body["ackKey"]!);
        Assert.Equal(MqttClientConnectResultCode.Success, await LogIn(body));

        var (again, retried) = await Provision("A", "HH-1", key);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal((string)body["broker"]!["password"]!, (string)retried["broker"]!["password"]!);
        var device = JsonNode.Parse(await (await Send(HttpMethod.Get, "/api/v1/devices/HH-1", "A", Role.Auditor)).Content.ReadAsStringAsync())!;
        Assert.Equal(Convert.ToBase64String(key.PublicKey), (string)device["publicKey"]!);
        Assert.Null(device["revokedAt"]);
    }

    [Fact]
    public async Task Another_key_for_a_known_id_or_an_id_of_another_tenant_is_refused_with_409_and_changes_nothing()
    {
        using var key = DeviceKey.Create();
        using var thief = DeviceKey.Create();
        Assert.Equal(HttpStatusCode.Created, (await Provision("A", "HH-1", key)).Status);
        var (rekey, problem) = await Provision("A", "HH-1", thief);
        Assert.Equal(HttpStatusCode.Conflict, rekey);
        Assert.Contains("never re-keyed", (string)problem["title"]!);
        var (taken, takenProblem) = await Provision("B", "HH-1", thief);
        Assert.Equal(HttpStatusCode.Conflict, taken);
        Assert.Equal("device id 'HH-1' is taken; choose another", (string)takenProblem["title"]!);
        Assert.Equal(key.PublicKey, (await Engines.Registry.FindDeviceAsync("A", "HH-1"))!.PublicKey);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, "/api/v1/devices/HH-1", "B", Role.Auditor)).StatusCode);
    }

    [Theory]
    [InlineData("HH 1", "AAAA", "deviceId")]
    [InlineData("HH-1", "not base64!", "publicKey")]
    [InlineData("HH-1", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", "publicKey")]
    public async Task A_bad_device_id_or_key_is_a_400_naming_the_field(string device, string publicKey, string field)
    {
        var response = await Send(HttpMethod.Post, "/api/v1/devices", "A", Role.FieldAgent, new { deviceId = device, publicKey });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]![field]);
    }

    [Theory]
    [InlineData(Role.Underwriter)]
    [InlineData(Role.ClaimsOfficer)]
    [InlineData(Role.Auditor)]
    public async Task Only_field_agents_provision_or_revoke(Role role)
    {
        using var key = DeviceKey.Create();
        Assert.Equal(HttpStatusCode.Forbidden, (await Provision("A", "HH-1", key, role)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Post, "/api/v1/devices/HH-1/revoke", "A", role)).StatusCode);
    }

    [Fact]
    public async Task A_revoked_device_is_refused_by_the_broker_answered_with_a_signed_rejection_and_not_provisioned_again()
    {
        using var key = DeviceKey.Create();
        var (_, provisioned) = await Provision("A", "HH-1", key);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Post, "/api/v1/devices/HH-1/revoke", "B", Role.FieldAgent)).StatusCode);
        var revoke = await Send(HttpMethod.Post, "/api/v1/devices/HH-1/revoke", "A", Role.FieldAgent);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.NotNull(JsonNode.Parse(await revoke.Content.ReadAsStringAsync())!["revokedAt"]);

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await LogIn(provisioned));
        var capture = key.Sign(new Capture
        {
            CaptureId = NUlid.Ulid.NewUlid().ToString(), Tenant = "A", DeviceId = "HH-1", AgentId = "agent-of-A", Purpose = CapturePurpose.Claim,
            Species = "cattle", Gps = new GpsFix(30.0, 103.0, 5), TakenAt = DateTimeOffset.UtcNow, Model = new ModelRef("m", "1"),
            Photos = [new CapturePhoto { Embedding = [1, 0, 0], CropJpeg = [0xFF, 0xD8, 1, 0xFF, 0xD9] }],
        });
        var answer = await Engines.Ingest.HandleAsync(Topics.Captures("A", "HH-1"), Codec.Encode(capture));
        Assert.Equal((AckStatus.Rejected, ProtocolError.DeviceRevoked), (answer.Ack!.Status, answer.Ack.Outcome));
        Assert.Equal(Topics.Acks("A", "HH-1"), answer.AckTopic);
        Assert.Null(await Engines.Registry.FindCaptureAsync(capture.CaptureId));

        Assert.Equal(HttpStatusCode.Conflict, (await Provision("A", "HH-1", key)).Status);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_device_routes_with_their_answers()
    {
        var document = JsonNode.Parse(await _http.GetStringAsync("/openapi/v1.json"))!;
        var provision = document["paths"]!["/api/v1/devices"]!["post"]!["responses"]!.AsObject();
        Assert.Superset(new HashSet<string> { "200", "201", "400", "401", "403", "409" }, provision.Select(r => r.Key).ToHashSet());
        Assert.NotNull(document["paths"]!["/api/v1/devices/{id}/revoke"]!["post"]!["responses"]!["404"]);
    }
}

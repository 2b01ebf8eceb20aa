using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using AgriInsure.Tests;

namespace AgriInsure.Cli.Tests;

/// <summary><c>tools/agri serve</c> in its own process on free loopback ports for the tests of a class, stopped (killed if
/// need be) when they are done.</summary>
public sealed class ServedCloud : IAsyncLifetime
{
    private readonly TempFolder _home = new();
    private Process? _serve;

    public string Home => _home.Path;

    public string Folder => _home.File("cloud");

    public Uri Url { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _serve = Agri.Start(Home, "serve", "--cloud", Folder, "--model", Repo.Manifest, "--urls", $"http://127.0.0.1:{port}", "--Cloud:BrokerPort=0");
        var started = await _serve.StandardError.ReadLineAsync();
        Assert.True(started?.Contains("serving on", StringComparison.Ordinal), started);
        // Drain its output so a chatty host never blocks on a full pipe.
        _ = _serve.StandardError.ReadToEndAsync();
        _ = _serve.StandardOutput.ReadToEndAsync();
        Url = new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>A bearer token of the served cloud, made as a user makes one (tools/agri token).</summary>
    public string Token(string user, string tenant, string role)
    {
        var r = Agri.Run(Home, "token", "--cloud", Folder, "--user", user, "--tenant", tenant, "--role", role);
        Assert.True(r.Code == 0, r.Err);
        return r.Out.Trim();
    }

    public async Task<HttpResponseMessage> PostAsync(string path, string token, object? body = null)
    {
        using var http = new HttpClient { BaseAddress = Url };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    public Task DisposeAsync()
    {
        if (_serve is { HasExited: false })
        {
            _serve.Kill(entireProcessTree: true);
            _serve.WaitForExit(TimeSpan.FromSeconds(30));
        }
        _serve?.Dispose();
        _home.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary><c>tools/agri edge</c> as a field agent runs it, each verb its own process, against a served cloud.</summary>
public sealed class EdgeCommandsTests(ServedCloud cloud) : IClassFixture<ServedCloud>
{
    private const string Passphrase = "correct horse battery";

    private static (string, string)[] WithPassphrase(string passphrase = Passphrase) => [("AGRI_DEVICE_PASSPHRASE", passphrase)];

    private Agri.Result Edge(string folder, (string, string)[] environment, params string[] args)
    {
        // The test's AGRI_HOME has no models/: the repository's are named.
        string[] models = args[0] == "capture" ? ["--model", Repo.Manifest, "--face-check", Repo.FaceCheck] : [];
        var r = Agri.RunIn(cloud.Home, null, environment, ["edge", .. args, .. models, "--folder", folder]);
        Agri.Clean(r);
        return r;
    }

    /// <summary>Photos of two cows of ../shared/data: each a different animal's first photo (file order).</summary>
    private static (string First, string Second) TwoCows()
    {
        var cows = Directory.GetDirectories(Path.Combine(Repo.SharedData, "cattle", "holstein2025", "datasets_v2")).Order(StringComparer.Ordinal).Take(2)
            .Select(d => Directory.GetFiles(d, "*.jpg").Order(StringComparer.Ordinal).First()).ToList();
        return (cows[0], cows[1]);
    }

    private async Task<string> ProvisionedFolder(string device, string tenant)
    {
        var folder = Path.Combine(cloud.Home, device);
        var token = cloud.Token("li.wei", tenant, "field-agent");
        Assert.Equal(HttpStatusCode.Created, (await cloud.PostAsync("/api/v1/farmers", token, new { id = "F-1", name = "Wang", region = "Sichuan" })).StatusCode);
        var r = Edge(folder, WithPassphrase(), "provision", "--cloud", cloud.Url.ToString(), "--token", token, "--device", device);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains($"provisioned {device} for agent li.wei of {tenant}", r.Out);
        return folder;
    }

    [Fact]
    public async Task Provision_capture_sync_and_see_the_decision_then_a_revoked_handheld_is_told_and_sync_exits_1()
    {
        var folder = await ProvisionedFolder("HH-17", "picc");
        var (cow, other) = TwoCows();
        var captured = Edge(folder, WithPassphrase(), "capture", "--purpose", "enrol", "--farmer", "F-1", "--species", "cattle", "--photo", cow, "--gps", "103.00,30.01,5");
        Assert.True(captured.Code == 0, captured.Err);
        var captureId = captured.Out.Trim();
        Assert.Equal(26, captureId.Length);

        var pending = Edge(folder, [], "status", "--json");
        Assert.Equal(0, pending.Code);
        var state = JsonNode.Parse(pending.Out)!;
        Assert.Equal((1, "pending"), ((int)state["pending"]!, (string)state["captures"]![0]!["state"]!));

        var synced = Edge(folder, [], "sync", "--timeout", "30s");
        Assert.True(synced.Code == 0, synced.Err);
        Assert.Contains($"{captureId}: accepted enrolled animal A-{captureId}", synced.Out);
        var settled = Edge(folder, [], "status");
        Assert.Contains("0 pending, 1 settled, 0 ack(s) refused", settled.Out);
        Assert.Contains("enrolled", settled.Out);

        var revoked = await cloud.PostAsync("/api/v1/devices/HH-17/revoke", cloud.Token("li.wei", "picc", "field-agent"));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var queued = Edge(folder, WithPassphrase(), "capture", "--purpose", "enrol", "--farmer", "F-1", "--photo", other, "--gps", "103.00,30.01");
        Assert.True(queued.Code == 0, queued.Err);
        var refused = Edge(folder, [], "sync", "--timeout", "30s");
        Assert.Equal(1, refused.Code);
        Assert.Contains("refused device HH-17's login (NotAuthorized)", refused.Err);
        Assert.Contains("1 capture(s) stay queued and will not be taken from this handheld", refused.Err);
        Assert.Contains("take the animals' photos again on a provisioned handheld", refused.Err);
        Assert.Equal(1, (int)JsonNode.Parse(Edge(folder, [], "status", "--json").Out)!["pending"]!);
    }

    [Fact]
    public async Task Bad_input_is_named_with_its_option_and_leaves_nothing_half_written()
    {
        var folder = await ProvisionedFolder("HH-18", "picc2");
        var (cow, _) = TwoCows();
        var readme = Path.Combine(Repo.Root, "README.md");
        string[] enrol = ["capture", "--purpose", "enrol", "--farmer", "F-1"];

        var wrong = Edge(folder, WithPassphrase("not the passphrase"), [.. enrol, "--photo", cow, "--gps", "103,30"]);
        Assert.Equal((2, true), (wrong.Code, wrong.Err.Contains("the passphrase does not open", StringComparison.Ordinal)));
        var notJpeg = Edge(folder, WithPassphrase(), [.. enrol, "--photo", readme, "--gps", "103,30"]);
        Assert.Equal((2, true), (notJpeg.Code, notJpeg.Err.Contains("--photo " + readme + ": unknown-format", StringComparison.Ordinal)));
        var gps = Edge(folder, WithPassphrase(), [.. enrol, "--photo", cow, "--gps", "30,103"]);
        Assert.Equal((2, true), (gps.Code, gps.Err.Contains("--gps: latitude 103 is outside -90..90", StringComparison.Ordinal)));
        var noFarmer = Edge(folder, WithPassphrase(), ["capture", "--purpose", "enrol", "--photo", cow, "--gps", "103,30"]);
        Assert.Equal((2, true), (noFarmer.Code, noFarmer.Err.Contains("--farmer: an enrolment names the farmer", StringComparison.Ordinal)));
        Assert.Equal(0, (int)JsonNode.Parse(Edge(folder, [], "status", "--json").Out)!["captures"]!.AsArray().Count);

        var missing = Edge(Path.Combine(cloud.Home, "nowhere"), [], "status");
        Assert.Equal((2, true), (missing.Code, missing.Err.Contains("does not exist; provision a handheld there first", StringComparison.Ordinal)));
        Assert.False(Directory.Exists(Path.Combine(cloud.Home, "nowhere")));

        var token = cloud.Token("li.wei", "picc2", "field-agent");
        // Root writes anywhere: a folder under a file is one nobody can make.
        var unwritable = Path.Combine(Repo.Root, "README.md", "hh");
        var cannot = Edge(unwritable, WithPassphrase(), "provision", "--cloud", cloud.Url.ToString(), "--token", token, "--device", "HH-19");
        Assert.Equal((3, true), (cannot.Code, cannot.Err.Contains("--folder: cannot create", StringComparison.Ordinal)));

        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var offlineFolder = Path.Combine(cloud.Home, "offline");
        var offline = Edge(offlineFolder, WithPassphrase(), "provision", "--cloud", $"http://127.0.0.1:{port}", "--token", token, "--device", "HH-19");
        Assert.Equal((3, true), (offline.Code, offline.Err.Contains($"--cloud: cannot reach http://127.0.0.1:{port}/", StringComparison.Ordinal)));
        Assert.False(Directory.Exists(offlineFolder), "nothing is left of a provisioning that never reached the cloud");

        var other = Edge(folder, WithPassphrase(), "provision", "--cloud", cloud.Url.ToString(), "--token", token, "--device", "HH-21");
        Assert.Equal((2, true), (other.Code, other.Err.Contains("holds device HH-18 of picc2", StringComparison.Ordinal)));
        var weak = Edge(offlineFolder, WithPassphrase("short"), "provision", "--cloud", cloud.Url.ToString(), "--token", token, "--device", "HH-20");
        Assert.Equal((2, true), (weak.Code, weak.Err.Contains("at least 8 characters", StringComparison.Ordinal)));
        var auditor = Edge(offlineFolder, WithPassphrase(), "provision", "--cloud", cloud.Url.ToString(), "--token", cloud.Token("audit", "picc2", "auditor"), "--device", "HH-20");
        Assert.Equal((2, true), (auditor.Code, auditor.Err.Contains("may not provision devices", StringComparison.Ordinal)));
        Assert.False(Directory.Exists(offlineFolder));
    }

    [Theory]
    [InlineData("edge provision")]
    [InlineData("edge capture")]
    [InlineData("edge status")]
    [InlineData("edge sync")]
    public void Every_edge_verb_has_help_with_an_example_its_defaults_and_exit_codes(string verb)
    {
        var r = Agri.Run(cloud.Home, [.. verb.Split(' '), "--help"]);
        Assert.Equal(0, r.Code);
        Assert.Contains("Examples:", r.Out);
        Assert.Contains($"tools/agri {verb}", r.Out);
        Assert.Contains("[default: ", r.Out);
        Assert.Contains("Exit codes:", r.Out);
        if (verb is "edge provision" or "edge capture")
            Assert.Contains("AGRI_DEVICE_PASSPHRASE", r.Out);
    }
}

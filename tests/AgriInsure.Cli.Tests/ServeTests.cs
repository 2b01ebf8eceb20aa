using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using AgriInsure.Broker;
using AgriInsure.Tests;

namespace AgriInsure.Cli.Tests;

/// <summary><c>tools/agri serve</c> as an operator runs it: its own process on free loopback ports, probed over
/// HTTP, stopped with SIGTERM.</summary>
public class ServeTests
{
    /// <summary>The shipped model unless <paramref name="more"/> names another.</summary>
    private static string[] Serve(string cloud, int http, params string[] more) =>
        ["serve", "--cloud", cloud, .. more.Any(m => m.StartsWith("--Cloud:Manifest", StringComparison.Ordinal)) ? [] : new[] { "--model", Repo.Manifest },
            "--urls", $"http://127.0.0.1:{http}", "--Cloud:BrokerPort=0", .. more];

    [Fact]
    public async Task Serves_health_and_openapi_on_embedded_engines_and_stops_cleanly_on_sigterm()
    {
        using var home = new TempFolder();
        var port = EmbeddedBroker.FreePort();
        using var process = Agri.Start(home.Path, Serve(home.File("cloud"), port));
        var output = process.StandardOutput.ReadToEndAsync();
        var started = await process.StandardError.ReadLineAsync();
        Assert.True(started?.Contains("serving on", StringComparison.Ordinal), started);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal("Healthy", await http.GetStringAsync("/health/live"));
        var ready = await http.GetFromJsonAsync<JsonElement>("/health/ready");
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        foreach (var engine in new[] { "registry", "ledger", "blobs", "broker" })
            Assert.False(ready.GetProperty("engines").GetProperty(engine).GetString()!.StartsWith("down", StringComparison.Ordinal), engine);
        var openApi = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.Equal("AgriInsure cloud", openApi.GetProperty("info").GetProperty("title").GetString());

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            kill.WaitForExit();
        var rest = await process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "agri serve did not stop on SIGTERM");
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {rest} {await output}");
        Assert.Contains("stopped", rest);
        Assert.True(File.Exists(Path.Combine(home.File("cloud"), "registry.db")));
        Assert.True(File.Exists(Path.Combine(home.File("cloud"), "ledger.db")));
        Assert.True(File.Exists(Path.Combine(home.File("cloud"), "auth.key")), "the API's key is made on first start");
        Assert.False(File.Exists(Path.Combine(home.File("cloud"), "cloud.lock")), "the folder's lock goes with the process");
    }

    [Fact]
    public async Task The_api_answers_only_a_token_signed_with_the_clouds_key()
    {
        using var home = new TempFolder();
        var cloud = home.File("cloud");
        var port = EmbeddedBroker.FreePort();
        using var process = Agri.Start(home.Path, Serve(cloud, port));
        var output = process.StandardOutput.ReadToEndAsync();
        var started = await process.StandardError.ReadLineAsync();
        Assert.True(started?.Contains("serving on", StringComparison.Ordinal), started);
        try
        {
            var minted = Agri.Run(home.Path, "token", "--user", "li.wei", "--tenant", "picc-sichuan", "--role", "claims-officer", "--cloud", cloud);
            Assert.Equal(0, minted.Code);
            var token = minted.Out.Trim();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/me")).StatusCode);

            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
            var me = await http.GetFromJsonAsync<JsonElement>("/api/v1/me");
            Assert.Equal("picc-sichuan", me.GetProperty("tenant").GetString());
            Assert.Equal("claims-officer", me.GetProperty("role").GetString());
            Assert.Equal(["read", "decide-claims"], me.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));

            // The web pages come from the same process and origin; a sign-in link carries the token in its fragment.
            var index = await new HttpClient().GetStringAsync($"http://127.0.0.1:{port}/");
            Assert.Contains("<div id=\"app\">", index);
            var link = Agri.Run(home.Path, "token", "--user", "li.wei", "--tenant", "picc-sichuan", "--role", "auditor", "--cloud", cloud, "--link", $"http://127.0.0.1:{port}/");
            Assert.Equal(0, link.Code);
            Assert.StartsWith($"http://127.0.0.1:{port}/#/sign-in?token=ey", link.Out.Trim(), StringComparison.Ordinal);

            // The same claims signed with another key.
            var otherKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            var other = Agri.Run(home.Path, "token", "--user", "li.wei", "--tenant", "picc-sichuan", "--role", "claims-officer", "--cloud", cloud, $"--Cloud:Auth:SigningKey={otherKey}");
            Assert.Equal(0, other.Code);
            http.DefaultRequestHeaders.Authorization = new("Bearer", other.Out.Trim());
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/me")).StatusCode);

            // One cloud process per folder: a second serve on it is refused, naming the folder setting.
            var second = Agri.Run(home.Path, Serve(cloud, EmbeddedBroker.FreePort()));
            Assert.Equal(3, second.Code);
            Assert.Contains("Cloud:Folder: another cloud process is running", second.Err);
            Agri.Clean(second);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
            _ = await output;
        }
    }

    [Theory]
    [InlineData("--Cloud:Auth:SigningKey=c2hvcnQ=", "Cloud:Auth:SigningKey")]
    [InlineData("--Cloud:RadiusKm=-3", "Cloud:RadiusKm")]
    [InlineData("--Cloud:LongestOffline=-1.00:00:00", "Cloud:LongestOffline")]
    [InlineData("--Cloud:ConsistencyThreshold=1.5", "Cloud:ConsistencyThreshold")]
    [InlineData("--Cloud:TargetFalseDuplicateRate=1.5", "Cloud:TargetFalseDuplicateRate")]
    [InlineData("--Cloud:BrokerPort=70000", "Cloud:BrokerPort")]
    [InlineData("--Cloud:Manifest=/nonexistent/model.json", "Cloud:Manifest")]
    [InlineData("--Cloud:AllowedClockSkew=10m", "Cloud:AllowedClockSkew")]
    [InlineData("--Cloud:BrokerPort=abc", "Cloud:BrokerPort")]
    [InlineData("--Cloud:RadiusKm=abc", "Cloud:RadiusKm")]
    public void A_bad_setting_stops_the_host_with_its_name_and_exit_2(string setting, string name)
    {
        using var home = new TempFolder();
        var r = Agri.Run(home.Path, Serve(home.File("cloud"), EmbeddedBroker.FreePort(), setting));
        Assert.Equal(2, r.Code);
        Assert.Contains(name, r.Err);
        Agri.Clean(r);
        Assert.False(Directory.Exists(home.File("cloud")), "no engine may start with a bad setting");
    }

    [Fact]
    public void Settings_come_from_appsettings_then_the_environment_then_flags()
    {
        using var home = new TempFolder();
        var cloud = home.File("cloud");
        File.WriteAllText(home.File("appsettings.json"), """{ "Cloud": { "RadiusKm": -1 } }""");
        var fromFile = Agri.RunIn(home.Path, home.Path, [], Serve(cloud, EmbeddedBroker.FreePort()));
        Assert.Equal(2, fromFile.Code);
        Assert.Contains("Cloud:RadiusKm: -1 km", fromFile.Err);

        // The environment overrides the file, a flag overrides the environment.
        var fromEnvironment = Agri.RunIn(home.Path, home.Path, [("Cloud__RadiusKm", "-2")], Serve(cloud, EmbeddedBroker.FreePort()));
        Assert.Contains("Cloud:RadiusKm: -2 km", fromEnvironment.Err);
        var fromFlag = Agri.RunIn(home.Path, home.Path, [("Cloud__RadiusKm", "-2")], [.. Serve(cloud, EmbeddedBroker.FreePort()), "--Cloud:RadiusKm=-4"]);
        Assert.Contains("Cloud:RadiusKm: -4 km", fromFlag.Err);
    }

    [Fact]
    public void A_token_is_refused_where_no_cloud_has_made_a_key_and_for_no_user_or_tenant()
    {
        using var home = new TempFolder();
        var nowhere = home.File("typo");
        var r = Agri.Run(home.Path, "token", "--user", "li", "--tenant", "picc", "--role", "auditor", "--cloud", nowhere);
        Assert.Equal(2, r.Code);
        Assert.Contains("no cloud has started there", r.Err);
        Assert.False(Directory.Exists(nowhere), "a token must not make a key no host uses");
        var key = Convert.ToBase64String(new byte[32]);
        Assert.Equal(2, Agri.Run(home.Path, "token", "--user", " ", "--tenant", "picc", "--role", "auditor", $"--Cloud:Auth:SigningKey={key}").Code);
        Assert.Equal(2, Agri.Run(home.Path, "token", "--user", "li", "--tenant", "", "--role", "auditor", $"--Cloud:Auth:SigningKey={key}").Code);
        Assert.Equal(2, Agri.Run(home.Path, "token", "--user", "li", "--tenant", "../picc", "--role", "auditor", $"--Cloud:Auth:SigningKey={key}").Code);
        var badLink = Agri.Run(home.Path, "token", "--user", "li", "--tenant", "picc", "--role", "auditor", $"--Cloud:Auth:SigningKey={key}", "--link", "127.0.0.1:8080");
        Assert.Equal(2, badLink.Code);
        Assert.Contains("--link", badLink.Err);
        Assert.Contains("--tenant", Agri.Run(home.Path, "review", "list", "--tenant", "a b").Err);
    }

    [Theory]
    [InlineData("notaurl")]
    [InlineData("http://127.0.0.1:99999")]
    [InlineData("ftp://127.0.0.1:21")]
    public void An_address_the_host_cannot_listen_on_is_refused_naming_urls_before_anything_starts(string urls)
    {
        using var home = new TempFolder();
        var cloud = home.File("cloud");
        var r = Agri.Run(home.Path, "serve", "--cloud", cloud, "--model", Repo.Manifest, "--urls", urls, "--Cloud:BrokerPort=0");
        Assert.Equal(2, r.Code);
        Assert.Contains("--urls", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.False(Directory.Exists(cloud));
    }

    [Fact]
    public void A_port_in_use_is_named_with_exit_3()
    {
        using var home = new TempFolder();
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var r = Agri.Run(home.Path, Serve(home.File("cloud"), port));
        Assert.Equal(3, r.Code);
        Assert.Contains("--urls", r.Err);
        Assert.Contains("address already in use", r.Err);
        Assert.False(Directory.Exists(home.File("cloud")), "a start that failed takes back the folder it made");
    }

    [Fact]
    public void A_stray_argument_is_refused_with_how_settings_are_given()
    {
        using var home = new TempFolder();
        var r = Agri.Run(home.Path, "serve", "now");
        Assert.Equal(2, r.Code);
        Assert.Contains("--Section:Key=value", r.Err);
    }
}

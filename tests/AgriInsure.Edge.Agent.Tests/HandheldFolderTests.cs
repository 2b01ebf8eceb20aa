using System.Formats.Asn1;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgriInsure.Edge.Agent;
using AgriInsure.Protocol;
using AgriInsure.Tests;

namespace AgriInsure.Edge.Agent.Tests;

public class HandheldFolderTests
{
    private const string Passphrase = "correct horse battery";

    /// <summary>Stands in for the cloud's POST /api/v1/devices: answers each request as told and keeps the keys it was sent.</summary>
    private sealed class FakeCloud(Func<JsonNode, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<string> Keys { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Assert.Equal("Bearer", request.Headers.Authorization?.Scheme);
            Assert.Equal("/api/v1/devices", request.RequestUri!.AbsolutePath);
            var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(ct))!;
            Keys.Add(body["publicKey"]!.GetValue<string>());
            return answer(body);
        }

        public static HttpResponseMessage Provisioned(JsonNode body, HttpStatusCode status = HttpStatusCode.Created) => new(status)
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                tenant = "t1", deviceId = body["deviceId"]!.GetValue<string>(), agentId = "agent-1",
                broker = new { host = "127.0.0.1", port = 1883, userName = body["deviceId"]!.GetValue<string>(), password = "token" },
                ackKey = Convert.ToBase64String(AckKey.Create().PublicKey),
            }), System.Text.Encoding.UTF8, "application/json"),
        };

        public static HttpResponseMessage Problem(HttpStatusCode status, string title) => new(status)
        {
            Content = new StringContent(JsonSerializer.Serialize(new { status = (int)status, title }), System.Text.Encoding.UTF8, "application/problem+json"),
        };
    }

    private static readonly Uri Cloud = new("http://cloud.test/");

    [Fact]
    public void The_device_key_is_kept_as_pkcs8_encrypted_with_aes_256_under_pbkdf2_sha256_with_600000_iterations()
    {
        using var key = DeviceKey.Create();
        var pem = HandheldFolder.EncryptKey(key, Passphrase);
        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", pem);
        // EncryptedPrivateKeyInfo (RFC 5958) → PBES2 (RFC 8018 §6.2) → PBKDF2 params and the cipher.
        var der = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        var info = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var algorithm = info.ReadSequence();
        Assert.Equal("1.2.840.113549.1.5.13", algorithm.ReadObjectIdentifier());
        var pbes2 = algorithm.ReadSequence();
        var kdf = pbes2.ReadSequence();
        Assert.Equal("1.2.840.113549.1.5.12", kdf.ReadObjectIdentifier());
        var pbkdf2 = kdf.ReadSequence();
        Assert.True(pbkdf2.ReadOctetString().Length >= 16, "salt of at least 128 bits");
        Assert.Equal(600_000, (int)pbkdf2.ReadInteger());
        Assert.Equal("1.2.840.113549.2.9", pbkdf2.ReadSequence().ReadObjectIdentifier());
        Assert.Equal("2.16.840.1.101.3.4.1.42", pbes2.ReadSequence().ReadObjectIdentifier());
    }

    [Fact]
    public async Task Provisioning_writes_the_encrypted_key_and_the_clouds_answer_readable_by_the_owner_only()
    {
        using var dir = new TempFolder();
        var folder = Path.Combine(dir.Path, "hh");
        using var cloud = new FakeCloud(body => FakeCloud.Provisioned(body));
        var settings = await HandheldFolder.ProvisionAsync(folder, Cloud, "jwt", "HH-9", null, Passphrase, cloud);
        Assert.Equal(settings, HandheldFolder.Load(folder));
        Assert.Equal(("t1", "HH-9", 1883), (settings.Tenant, settings.DeviceId, settings.BrokerPort));
        using var key = HandheldFolder.OpenKey(folder, Passphrase);
        Assert.Equal(Convert.ToBase64String(key.PublicKey), Assert.Single(cloud.Keys));
        if (!OperatingSystem.IsWindows())
        {
            foreach (var file in new[] { HandheldFolder.KeyPath(folder), HandheldFolder.SettingsPath(folder) })
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            // The outbox comes later, into a folder nobody else may enter.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        }
        Assert.DoesNotContain("identity", File.ReadAllText(HandheldFolder.SettingsPath(folder)));

        var other = await Assert.ThrowsAsync<HandheldException>(() => HandheldFolder.ProvisionAsync(folder, Cloud, "jwt", "HH-10", null, Passphrase, cloud));
        Assert.Equal(HandheldProblem.Input, other.Kind);
        Assert.Contains("holds device HH-9 of t1", other.Message);
    }

    [Fact]
    public async Task Provisioning_a_folder_again_registers_its_own_key_and_takes_the_brokers_new_port()
    {
        using var dir = new TempFolder();
        var folder = Path.Combine(dir.Path, "hh");
        using var first = new FakeCloud(body => FakeCloud.Provisioned(body));
        await HandheldFolder.ProvisionAsync(folder, Cloud, "jwt", "HH-9", null, Passphrase, first);
        var outbox = Path.Combine(folder, "outbox.db");
        File.WriteAllText(outbox, "captures waiting");

        // The cloud restarted with its broker on another port: the same key is answered with 200 and the new port.
        using var moved = new FakeCloud(body =>
        {
            var answer = FakeCloud.Provisioned(body, HttpStatusCode.OK);
            var json = JsonNode.Parse(answer.Content.ReadAsStringAsync().Result)!;
            json["broker"]!["port"] = 41883;
            answer.Content = new StringContent(json.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            return answer;
        });
        var refreshed = await HandheldFolder.ProvisionAsync(folder, new Uri("http://10.0.0.5:8080/"), "jwt", "HH-9", null, Passphrase, moved);

        Assert.Equal(first.Keys, moved.Keys);
        Assert.Equal((41883, "http://10.0.0.5:8080/"), (HandheldFolder.Load(folder).BrokerPort, HandheldFolder.Load(folder).Cloud));
        Assert.Equal(refreshed, HandheldFolder.Load(folder));
        Assert.Equal("captures waiting", File.ReadAllText(outbox));
        var wrong = await Assert.ThrowsAsync<HandheldException>(() => HandheldFolder.ProvisionAsync(folder, Cloud, "jwt", "HH-9", null, "not the passphrase", moved));
        Assert.Contains("passphrase does not open", wrong.Message);
    }

    [Fact]
    public void A_wrong_passphrase_is_named_as_such()
    {
        using var dir = new TempFolder();
        using var key = DeviceKey.Create();
        File.WriteAllText(HandheldFolder.KeyPath(dir.Path), HandheldFolder.EncryptKey(key, Passphrase));
        var wrong = Assert.Throws<HandheldException>(() => HandheldFolder.OpenKey(dir.Path, "Correct horse battery"));
        Assert.Equal(HandheldProblem.Input, wrong.Kind);
        Assert.Contains("passphrase does not open", wrong.Message);
        File.WriteAllText(HandheldFolder.KeyPath(dir.Path), "not a key");
        Assert.Contains("not an encrypted private key", Assert.Throws<HandheldException>(() => HandheldFolder.OpenKey(dir.Path, Passphrase)).Message);
    }

    [Theory]
    [InlineData(HttpStatusCode.Conflict, "device 'HH-9' is provisioned already with another key", "--device: device 'HH-9' is provisioned already with another key")]
    [InlineData(HttpStatusCode.Unauthorized, "", "--token: the cloud at http://cloud.test/ refused the token")]
    [InlineData(HttpStatusCode.Forbidden, "", "--token: the token's role may not provision devices")]
    [InlineData(HttpStatusCode.BadRequest, "deviceId: may hold only ASCII letters", "the cloud refused the provisioning (400): deviceId: may hold only ASCII letters")]
    public async Task A_refusal_leaves_nothing_behind_and_says_why(HttpStatusCode status, string title, string message)
    {
        using var dir = new TempFolder();
        var folder = Path.Combine(dir.Path, "hh");
        using var cloud = new FakeCloud(_ => FakeCloud.Problem(status, title));
        var refused = await Assert.ThrowsAsync<HandheldException>(() => HandheldFolder.ProvisionAsync(folder, Cloud, "jwt", "HH-9", null, Passphrase, cloud));
        Assert.Equal(HandheldProblem.Input, refused.Kind);
        Assert.StartsWith(message, refused.Message);
        Assert.False(Directory.Exists(folder), "the folder it made is taken back");
    }

    [Fact]
    public async Task A_cloud_that_cannot_be_reached_or_a_folder_that_cannot_be_written_is_the_environments_fault_and_leaves_nothing()
    {
        using var dir = new TempFolder();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var folder = Path.Combine(dir.Path, "hh");
        var offline = await Assert.ThrowsAsync<HandheldException>(() => HandheldFolder.ProvisionAsync(folder, new Uri($"http://127.0.0.1:{port}/"), "jwt", "HH-9", null, Passphrase));
        Assert.Equal(HandheldProblem.Environment, offline.Kind);
        Assert.StartsWith($"--cloud: cannot reach http://127.0.0.1:{port}/", offline.Message);
        Assert.False(Directory.Exists(folder));

        // Root writes anywhere; a folder under a file cannot be made by anyone.
        File.WriteAllText(dir.File("plain"), "");
        using var cloud = new FakeCloud(body => FakeCloud.Provisioned(body));
        var unwritable = await Assert.ThrowsAsync<HandheldException>(() => HandheldFolder.ProvisionAsync(Path.Combine(dir.File("plain"), "hh"), Cloud, "jwt", "HH-9", null, Passphrase, cloud));
        Assert.Equal(HandheldProblem.Environment, unwritable.Kind);
        Assert.StartsWith("--folder: cannot create", unwritable.Message);
        Assert.Empty(cloud.Keys);
    }

    [Fact]
    public async Task When_no_answer_comes_the_key_stays_and_provisioning_again_registers_the_same_key()
    {
        using var dir = new TempFolder();
        var folder = Path.Combine(dir.Path, "hh");
        var calls = 0;
        using var cloud = new FakeCloud(body => ++calls == 1 ? throw new HttpRequestException(HttpRequestError.ResponseEnded, "the connection dropped") : FakeCloud.Provisioned(body, HttpStatusCode.OK));
        var lost = await Assert.ThrowsAsync<HandheldException>(() => HandheldFolder.ProvisionAsync(folder, Cloud, "jwt", "HH-9", null, Passphrase, cloud));
        Assert.Contains("run the same provision again", lost.Message);
        Assert.True(File.Exists(HandheldFolder.KeyPath(folder)));
        Assert.False(File.Exists(HandheldFolder.SettingsPath(folder)));

        await Assert.ThrowsAsync<HandheldException>(() => HandheldFolder.ProvisionAsync(folder, Cloud, "jwt", "HH-9", null, "another passphrase", cloud));
        Assert.Equal(1, calls);
        await HandheldFolder.ProvisionAsync(folder, Cloud, "jwt", "HH-9", null, Passphrase, cloud);
        Assert.Equal(cloud.Keys[0], cloud.Keys[1]);
        Assert.Equal("HH-9", HandheldFolder.Load(folder).DeviceId);
    }

    [Fact]
    public void A_folder_for_a_broker_with_client_certificates_logs_in_with_the_devices_certificate_and_trusts_only_the_given_ca()
    {
        using var dir = new TempFolder();
        using var ca = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authority = new CertificateRequest("CN=devices CA", ca, HashAlgorithmName.SHA256);
        authority.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var caCertificate = authority.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        (string Certificate, string Key) Issue(string cn)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var issued = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256)
                .Create(caCertificate, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
            return (issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        }
        var (certificate, key) = Issue("HH-9");
        var settings = new HandheldSettings("t1", "HH-9", "agent-1", "http://cloud.test/", "127.0.0.1", 8883, "HH-9", "", Convert.ToBase64String(AckKey.Create().PublicKey),
            DateTimeOffset.UtcNow, new BrokerTls(certificate, key, caCertificate.ExportCertificatePem()));
        var folder = Path.Combine(dir.Path, "hh");
        Directory.CreateDirectory(folder);
        File.WriteAllText(HandheldFolder.SettingsPath(folder), JsonSerializer.Serialize(settings, new JsonSerializerOptions(JsonSerializerDefaults.Web)));

        var login = HandheldFolder.Load(folder).Uplink().Login;
        Assert.True(login.UsesTls);
        Assert.Equal(("HH-9", null), (login.UserName, login.Password));
        Assert.Equal("HH-9", login.ClientCertificate!.GetNameInfo(X509NameType.SimpleName, false));
        Assert.True(login.ClientCertificate.HasPrivateKey);
        Assert.Equal(caCertificate.Thumbprint, login.BrokerCa!.Thumbprint);

        // A password login (a folder provisioned with the embedded broker) has no TLS part.
        Assert.False((settings with { Tls = null, BrokerPassword = "token" }).Uplink().Login.UsesTls);
        // The broker takes the certificate's CN for the user: another device's certificate would speak as that device.
        var (other, otherKey) = Issue("HH-10");
        var stolen = Assert.Throws<HandheldException>(() => (settings with { Tls = settings.Tls! with { Certificate = other, Key = otherKey } }).Uplink());
        Assert.Equal(HandheldProblem.Input, stolen.Kind);
        Assert.Contains("tls.certificate is issued to 'HH-10', not to device 'HH-9'", stolen.Message);
        var mismatched = Assert.Throws<HandheldException>(() => (settings with { Tls = settings.Tls! with { Key = otherKey } }).Uplink());
        Assert.StartsWith("device.json: tls.certificate and tls.key are not", mismatched.Message);
        var noCa = Assert.Throws<HandheldException>(() => (settings with { Tls = settings.Tls! with { Ca = "not PEM" } }).Uplink());
        Assert.StartsWith("device.json: tls.ca is not a PEM certificate", noCa.Message);
    }
}

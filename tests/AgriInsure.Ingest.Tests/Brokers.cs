using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AgriInsure.Broker;
using AgriInsure.Protocol;
using MQTTnet;
using MQTTnet.Protocol;

namespace AgriInsure.Ingest.Tests;

/// <summary>A broker the MQTT tests run against, with the broker rules on: the embedded MQTTnet server (tokens), or a
/// real Mosquitto with TLS and client certificates started here on a free loopback port and stopped when the test ends.</summary>
internal interface ITestBroker : IAsyncDisposable
{
    string Host { get; }

    /// <summary>The devices' port.</summary>
    int Port { get; }

    /// <summary>The port <paramref name="user"/> connects to: on Mosquitto the cloud has a listener of its own.</summary>
    int PortFor(string user);

    /// <summary>A login this broker accepts for <paramref name="user"/> (a device id or <see cref="BrokerLogin.CloudUser"/>).</summary>
    BrokerLogin Login(string user);

    /// <summary>A login for <paramref name="user"/> that this broker's authority never issued: a made-up token, or a
    /// client certificate from another CA.</summary>
    BrokerLogin Forged(string user);
}

internal static class Brokers
{
    public const string Embedded = "embedded";
    public const string Mosquitto = "mosquitto";

    public static async Task<ITestBroker> StartAsync(string kind) => kind switch
    {
        Embedded => new EmbeddedTestBroker(await EmbeddedBroker.StartAsync(EmbeddedBroker.NewSecret())),
        Mosquitto => await MosquittoBroker.StartAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such broker"),
    };

    private sealed class EmbeddedTestBroker(EmbeddedBroker broker) : ITestBroker
    {
        public string Host => broker.Host;
        public int Port => broker.Port;
        public int PortFor(string user) => broker.Port;
        public BrokerLogin Login(string user) => new() { UserName = user, Password = broker.IssueToken(user) };
        public BrokerLogin Forged(string user) => new() { UserName = user, Password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        public ValueTask DisposeAsync() => broker.DisposeAsync();
    }
}

internal static class Mqtt
{
    public static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, byte[] payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    /// <summary>Waits up to 10 s for <paramref name="condition"/>, then asserts it.</summary>
    /// <summary>Waits up to 30 s for <paramref name="condition"/>: a message parked after its retries takes seconds, and
    /// more on a loaded 2-core machine (10 s was once too short in a full run).</summary>
    public static async Task Eventually(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(20);
        Assert.True(condition(), $"timed out waiting for {what}");
    }
}

/// <summary>A test certificate authority: ECDSA P-256 certificates made with <see cref="CertificateRequest"/>, valid for
/// the test's day.</summary>
internal sealed class TestCa : IDisposable
{
    private readonly ConcurrentDictionary<string, X509Certificate2> _clients = new();

    public X509Certificate2 Certificate { get; }

    public TestCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>The server certificate for 127.0.0.1 (subject alternative name IP address, RFC 5280 §4.2.1.6).</summary>
    public X509Certificate2 Server() => Issue("127.0.0.1", server: true);

    /// <summary>A client certificate whose CN is <paramref name="user"/>, one per user.</summary>
    public X509Certificate2 Client(string user) => _clients.GetOrAdd(user, u => Issue(u, server: false));

    private X509Certificate2 Issue(string commonName, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        using var issued = request.Create(Certificate, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        foreach (var c in _clients.Values)
            c.Dispose();
        Certificate.Dispose();
    }
}

/// <summary>Mosquitto 2 as a deployment would run it: two TLS listeners on 127.0.0.1 sharing one server certificate
/// for 127.0.0.1 and <see cref="BrokerRules.MosquittoAcl"/> as the ACL file, each requiring a client certificate
/// whose CN becomes the user name. The devices' listener admits certificates of the devices' CA and replaces a
/// client's id with its user name (<c>use_username_as_clientid</c>), so no device takes over another's session; the
/// cloud's admits only the cloud's CA, so several ingest workers keep their own client ids (one shared subscription).</summary>
internal sealed class MosquittoBroker : ITestBroker
{
    private Process _process;
    private readonly string _exe;
    private readonly string _config;
    private readonly string _folder;
    private readonly TestCa _devices;
    private readonly TestCa _cloud;
    private readonly TestCa _stranger = new("some other CA");

    private MosquittoBroker(string exe, string config, string folder, int port, int cloudPort, TestCa devices, TestCa cloud)
    {
        (_exe, _config) = (exe, config);
        _process = Launch(exe, config);
        _folder = folder;
        Port = port;
        CloudPort = cloudPort;
        _devices = devices;
        _cloud = cloud;
    }

    public string Host => "127.0.0.1";
    public int Port { get; }
    public int CloudPort { get; }

    public int PortFor(string user) => user == BrokerLogin.CloudUser ? CloudPort : Port;

    /// <summary>The broker's certificate is issued by the devices' CA, which every client trusts for it.</summary>
    public BrokerLogin Login(string user) =>
        new() { UserName = user, ClientCertificate = (user == BrokerLogin.CloudUser ? _cloud : _devices).Client(user), BrokerCa = _devices.Certificate };

    public BrokerLogin Forged(string user) => new() { UserName = user, ClientCertificate = _stranger.Client(user), BrokerCa = _devices.Certificate };

    /// <summary>Writes the cloud's login as the PEM files a separate <c>agri serve</c> process reads
    /// (<c>Cloud:BrokerCertificate</c>, <c>Cloud:BrokerKey</c>, <c>Cloud:BrokerCa</c>) into <paramref name="folder"/>, and
    /// returns their paths.</summary>
    public async Task<(string Certificate, string Key, string Ca)> WriteCloudLoginAsync(string folder)
    {
        Directory.CreateDirectory(folder);
        var login = Login(BrokerLogin.CloudUser);
        var (certificate, key, ca) = (Path.Combine(folder, "cloud.pem"), Path.Combine(folder, "cloud.key"), Path.Combine(folder, "broker-ca.pem"));
        await File.WriteAllTextAsync(certificate, login.ClientCertificate!.ExportCertificatePem());
        using (var privateKey = login.ClientCertificate.GetECDsaPrivateKey()!)
            await File.WriteAllTextAsync(key, privateKey.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(ca, login.BrokerCa!.ExportCertificatePem());
        return (certificate, key, ca);
    }

    /// <summary>Starts a broker on two free ports. <paramref name="persistent"/>: sessions, subscriptions and queued QoS 1
    /// messages are saved to its data folder when it stops (SIGTERM) and read back when it starts again
    /// (<see cref="StopAsync"/>, <see cref="StartAgainAsync"/>), as a deployment's broker keeps them across a restart.</summary>
    public static async Task<MosquittoBroker> StartAsync(bool persistent = false)
    {
        var exe = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("mosquitto is not installed: run tools/test, which installs it");
        var port = EmbeddedBroker.FreePort();
        var cloudPort = EmbeddedBroker.FreePort();
        var folder = Path.Combine(Path.GetTempPath(), "agri-mosquitto-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var devices = new TestCa("agri devices CA");
        var cloud = new TestCa("agri cloud CA");
        using var server = devices.Server();
        await File.WriteAllTextAsync(Path.Combine(folder, "devices-ca.pem"), devices.Certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(folder, "cloud-ca.pem"), cloud.Certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(folder, "server.pem"), server.ExportCertificatePem());
        using (var key = server.GetECDsaPrivateKey()!)
            await File.WriteAllTextAsync(Path.Combine(folder, "server.key"), key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(folder, "acl"), BrokerRules.MosquittoAcl);
        // Started as root, mosquitto drops to its own user, which must write the saved sessions.
        var data = Directory.CreateDirectory(Path.Combine(folder, "data")).FullName;
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
                | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        var config = Path.Combine(folder, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"""
            per_listener_settings false
            acl_file {folder}/acl
            persistence {(persistent ? "true" : "false")}
            persistence_location {data}/
            set_tcp_nodelay true
            # The ingest decides what arrived while it decided the batch before: 20 in flight (the default) caps a batch at 20.
            max_inflight_messages 1000
            log_dest file {data}/mosquitto.log
            log_type error
            log_type warning
            log_type notice

            listener {port} 127.0.0.1
            cafile {folder}/devices-ca.pem
            certfile {folder}/server.pem
            keyfile {folder}/server.key
            require_certificate true
            use_identity_as_username true
            use_username_as_clientid true

            listener {cloudPort} 127.0.0.1
            cafile {folder}/cloud-ca.pem
            certfile {folder}/server.pem
            keyfile {folder}/server.key
            require_certificate true
            use_identity_as_username true

            """);
        var broker = new MosquittoBroker(exe, config, folder, port, cloudPort, devices, cloud);
        await broker.WaitListeningAsync();
        return broker;
    }

    /// <summary>The broker's log so far (errors, warnings and notices: connections, sessions taken over, messages dropped
    /// for a client whose queue is full).</summary>
    public IReadOnlyList<string> Log()
    {
        var path = Path.Combine(_folder, "data", "mosquitto.log");
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    private static Process Launch(string exe, string config) =>
        Process.Start(new ProcessStartInfo(exe, ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;

    private async Task WaitListeningAsync()
    {
        foreach (var listening in new[] { Port, CloudPort })
        {
            if (!await ListensAsync(this, listening))
            {
                var error = _process.HasExited ? await _process.StandardError.ReadToEndAsync() : "";
                await DisposeAsync();
                throw new InvalidOperationException($"mosquitto did not listen on {listening} within 5 s {error}");
            }
        }
    }

    /// <summary>Stops the broker as its service manager would (SIGTERM: a persistent broker saves its sessions) and waits for
    /// the exit; every client loses its connection.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited && Kill(_process.Id, SigTerm) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        await _process.WaitForExitAsync();
    }

    /// <summary>Starts the stopped broker again with the same configuration: the same ports, certificates and data folder.</summary>
    public async Task StartAgainAsync()
    {
        if (!_process.HasExited)
            throw new InvalidOperationException("the broker is running; stop it first");
        _process.Dispose();
        _process = Launch(_exe, _config);
        await WaitListeningAsync();
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static async Task<bool> ListensAsync(MosquittoBroker broker, int port)
    {
        for (var i = 0; i < 100 && !broker._process.HasExited; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(broker.Host, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _devices.Dispose();
        _cloud.Dispose();
        _stranger.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgriInsure.Protocol;

namespace AgriInsure.Edge.Agent;

/// <summary>What a handheld keeps from its provisioning (<c>device.json</c>): who it is, where it was provisioned, how it
/// logs in to the broker, and the cloud's ack key (base64 DER SubjectPublicKeyInfo, P-256). <see cref="Tls"/> is set for a
/// broker that takes client certificates (Mosquitto, a cluster): the login is then TLS with that certificate, and
/// <see cref="BrokerPassword"/> is empty.</summary>
public sealed record HandheldSettings(
    string Tenant, string DeviceId, string AgentId, string Cloud, string BrokerHost, int BrokerPort, string BrokerUser, string BrokerPassword,
    string AckKey, DateTimeOffset ProvisionedAt, BrokerTls? Tls = null)
{
    [JsonIgnore]
    public HandheldIdentity Identity => new(Tenant, DeviceId, AgentId);

    /// <summary>The uplink's settings. Errors: <see cref="HandheldException"/> (input) when <see cref="Tls"/> holds PEM that
    /// does not parse, a key that is not the certificate's, or a certificate issued to another device.</summary>
    public UplinkOptions Uplink() => new()
    {
        Host = BrokerHost,
        Port = BrokerPort,
        Login = Tls is null ? new BrokerLogin { UserName = BrokerUser, Password = BrokerPassword } : Tls.Login(BrokerUser),
        CloudAckKey = Convert.FromBase64String(AckKey),
    };
}

/// <summary>A device's TLS login to a broker that takes client certificates, as PEM text: <see cref="Certificate"/> (the
/// device's X.509 certificate, its subject CN the device id: the broker takes the CN as the user name), <see cref="Key"/>
/// (its private key, PKCS#8) and <see cref="Ca"/> (the one CA trusted to have issued the broker's certificate).
/// <c>device.json</c> is readable by its owner only, as it is for a password login.</summary>
public sealed record BrokerTls(string Certificate, string Key, string Ca)
{
    /// <summary>The login for <paramref name="deviceId"/>. Errors: <see cref="HandheldException"/> (input) naming the field.</summary>
    public BrokerLogin Login(string deviceId)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(Certificate, Key);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new HandheldException(HandheldProblem.Input, $"device.json: tls.certificate and tls.key are not a PEM certificate and its private key ({e.Message})");
        }
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (name != deviceId)
        {
            certificate.Dispose();
            throw new HandheldException(HandheldProblem.Input, $"device.json: tls.certificate is issued to '{name}', not to device '{deviceId}'; the broker would take it for another device");
        }
        try
        {
            return new BrokerLogin { UserName = deviceId, ClientCertificate = certificate, BrokerCa = X509Certificate2.CreateFromPem(Ca) };
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            certificate.Dispose();
            throw new HandheldException(HandheldProblem.Input, $"device.json: tls.ca is not a PEM certificate ({e.Message})");
        }
    }
}

/// <summary>Why a handheld folder could not be used or provisioned: <see cref="Kind"/> says whose fault, the message
/// what is wrong and what to do.</summary>
public sealed class HandheldException(HandheldProblem kind, string message) : Exception(message)
{
    public HandheldProblem Kind { get; } = kind;
}

public enum HandheldProblem
{
    /// <summary>What the agent gave: a folder that is not a handheld's, a wrong passphrase, a refused request.</summary>
    Input,

    /// <summary>The machine or the network: a folder that cannot be written, a cloud that cannot be reached.</summary>
    Environment,
}

/// <summary>A handheld's folder: <c>device.json</c> (<see cref="HandheldSettings"/>, readable by its owner only: it holds
/// the broker login), <c>device.key</c> (the capture-signing key, encrypted: PKCS#8 EncryptedPrivateKeyInfo as PEM,
/// AES-256-CBC under a key derived from the passphrase by PBKDF2-HMAC-SHA256, RFC 8018, with <see cref="KeyIterations"/>
/// iterations and a random salt) and <c>outbox.db</c> (<see cref="Outbox"/>). <c>device.json</c> is written last: a folder
/// without it is not provisioned, whatever else it holds.</summary>
public static class HandheldFolder
{
    /// <summary>PBKDF2-HMAC-SHA256 iterations protecting the device key: OWASP's Password Storage Cheat Sheet (2023)
    /// recommends at least 600,000. About half a second to open the key on a phone-class core: paid once a capture.</summary>
    public const int KeyIterations = 600_000;

    public const string PassphraseVariable = "AGRI_DEVICE_PASSPHRASE";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string SettingsPath(string folder) => Path.Combine(folder, "device.json");

    public static string KeyPath(string folder) => Path.Combine(folder, "device.key");

    public static string OutboxPath(string folder) => Path.Combine(folder, "outbox.db");

    /// <summary>The folder's settings. Errors: <see cref="HandheldException"/> (input) when the folder does not exist or was
    /// never provisioned, or its <c>device.json</c> is unreadable.</summary>
    public static HandheldSettings Load(string folder)
    {
        if (!Directory.Exists(folder))
            throw new HandheldException(HandheldProblem.Input, $"--folder {folder} does not exist; provision a handheld there first (tools/agri edge provision)");
        var path = SettingsPath(folder);
        if (!File.Exists(path))
            throw new HandheldException(HandheldProblem.Input, $"--folder {folder} holds no provisioned handheld (no device.json); run tools/agri edge provision --folder {folder}");
        try
        {
            return JsonSerializer.Deserialize<HandheldSettings>(File.ReadAllText(path), Json)
                   ?? throw new JsonException("empty");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new HandheldException(HandheldProblem.Input, $"{path} is not a handheld's settings ({e.Message.Split('\n')[0]})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HandheldException(HandheldProblem.Environment, $"cannot read {path}: {e.Message}");
        }
    }

    /// <summary>The device key, decrypted with <paramref name="passphrase"/>. Errors: <see cref="HandheldException"/> (input)
    /// for a wrong passphrase or a key file that is not an encrypted P-256 key.</summary>
    public static DeviceKey OpenKey(string folder, string passphrase)
    {
        var path = KeyPath(folder);
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HandheldException(e is FileNotFoundException ? HandheldProblem.Input : HandheldProblem.Environment, $"cannot read the device key {path}: {e.Message}");
        }
        using var ec = ECDsa.Create();
        try
        {
            ec.ImportFromEncryptedPem(pem, passphrase);
        }
        catch (ArgumentException)
        {
            throw new HandheldException(HandheldProblem.Input, $"{path} is not an encrypted private key (PEM ENCRYPTED PRIVATE KEY)");
        }
        catch (CryptographicException)
        {
            // PKCS#8 decryption cannot tell a wrong passphrase from a damaged file; the passphrase is by far the likelier.
            throw new HandheldException(HandheldProblem.Input, $"the passphrase does not open {path} (wrong passphrase, or a damaged key file)");
        }
        var plain = ec.ExportPkcs8PrivateKey();
        try
        {
            return DeviceKey.FromPkcs8(plain);
        }
        catch (CryptographicException e)
        {
            throw new HandheldException(HandheldProblem.Input, $"{path}: {e.Message}");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>The key as PEM <c>ENCRYPTED PRIVATE KEY</c> (see the class summary for the scheme).</summary>
    public static string EncryptKey(DeviceKey key, string passphrase)
    {
        var plain = key.ExportPkcs8();
        try
        {
            using var ec = ECDsa.Create();
            ec.ImportPkcs8PrivateKey(plain, out _);
            return ec.ExportEncryptedPkcs8PrivateKeyPem(passphrase, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, KeyIterations));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Provisions a handheld in <paramref name="folder"/> with the cloud at <paramref name="cloud"/>: makes its
    /// P-256 key (or takes up the one an unfinished provisioning left there), stores it encrypted, registers its public
    /// half through <c>POST /api/v1/devices</c> with the field agent's bearer token, and writes what the cloud answers.
    /// Nothing is left behind when it fails, except a key the cloud may already hold (the request went out and no answer
    /// came): provisioning again with the same folder and passphrase finishes the job.
    /// A folder provisioned already is provisioned again as the same device with its own key, which refreshes the broker's
    /// address and port, the cloud's address and its ack key, and keeps the outbox.
    /// Errors: <see cref="HandheldException"/>: input (a folder of another device, a passphrase that does not open the
    /// key left there, the cloud's refusal: its RFC 9457 problem title), environment (an unwritable folder, a cloud that
    /// cannot be reached).</summary>
    public static async Task<HandheldSettings> ProvisionAsync(string folder, Uri cloud, string token, string deviceId, string? agentId, string passphrase,
        HttpMessageHandler? handler = null, TimeProvider? clock = null, CancellationToken ct = default)
    {
        // Provisioning a provisioned folder again registers its own key once more (the cloud answers the same key with 200)
        // and takes the cloud's answer as it is now: a broker that moved, a cloud at a new address. Its outbox stays.
        if (File.Exists(SettingsPath(folder)) && Load(folder) is { } existing && existing.DeviceId != deviceId)
            throw new HandheldException(HandheldProblem.Input, $"--folder {folder} holds device {existing.DeviceId} of {existing.Tenant}; provision it again as --device {existing.DeviceId} to refresh its broker and cloud, or give another folder");
        var made = !Directory.Exists(folder);
        var keyPath = KeyPath(folder);
        var keyMade = false;
        var keep = false;
        try
        {
            try
            {
                // The outbox holds farmers' animals and GPS fixes: the owner's alone, as the key and settings are.
                if (OperatingSystem.IsWindows())
                    Directory.CreateDirectory(folder);
                else
                    Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new HandheldException(HandheldProblem.Environment, $"--folder: cannot create {folder}: {e.Message}");
            }
            DeviceKey key;
            if (File.Exists(keyPath))
                key = OpenKey(folder, passphrase);
            else
            {
                key = DeviceKey.Create();
                WriteOwnerOnly(keyPath, EncryptKey(key, passphrase));
                keyMade = true;
            }
            using (key)
            {
                var answer = await RegisterAsync(cloud, token, deviceId, agentId, key.PublicKey, handler, ct);
                if (answer.DeviceId != deviceId || answer.Broker.UserName != deviceId)
                    throw new HandheldException(HandheldProblem.Input, $"{cloud} answered for device '{answer.DeviceId}', not '{deviceId}'; is --cloud an AgriInsure cloud?");
                var settings = new HandheldSettings(answer.Tenant, answer.DeviceId, answer.AgentId, cloud.ToString(), answer.Broker.Host, answer.Broker.Port,
                    answer.Broker.UserName, answer.Broker.Password, answer.AckKey, (clock ?? TimeProvider.System).GetUtcNow());
                WriteOwnerOnly(SettingsPath(folder), JsonSerializer.Serialize(settings, Json));
                keep = true;
                return settings;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped (Ctrl-C) perhaps after the request went out: the key stays, as for an answer that never came, since
            // the cloud never takes another key for the id.
            keep = true;
            throw;
        }
        catch (UnsentAnswer)
        {
            // The request may have reached the cloud: the key stays so that provisioning again registers the same one.
            keep = true;
            throw new HandheldException(HandheldProblem.Environment,
                $"no answer from {cloud}; the device may be registered already: run the same provision again (same --folder and passphrase) to finish");
        }
        finally
        {
            if (!keep)
            {
                if (keyMade)
                    File.Delete(keyPath);
                if (made && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
                    Directory.Delete(folder);
            }
        }
    }

    private sealed record Broker(string Host, int Port, string UserName, string Password);

    private sealed record Provisioned(string Tenant, string DeviceId, string AgentId, Broker Broker, string AckKey);

    private sealed record Problem(string? Title);

    /// <summary>The request went out and no answer came back.</summary>
    private sealed class UnsentAnswer : Exception;

    private static async Task<Provisioned> RegisterAsync(Uri cloud, string token, string deviceId, string? agentId, byte[] publicKey, HttpMessageHandler? handler, CancellationToken ct)
    {
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(30);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(cloud, "api/v1/devices"))
        {
            Content = JsonContent.Create(new { deviceId, agentId, publicKey = Convert.ToBase64String(publicKey) }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            throw new HandheldException(HandheldProblem.Environment, $"--cloud: cannot reach {cloud} ({e.Message}); is tools/agri serve running there, and is this machine online?");
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new UnsentAnswer();
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                try
                {
                    return await response.Content.ReadFromJsonAsync<Provisioned>(Json, ct) is { Broker: not null, AckKey: not null, Tenant: not null } p
                        ? p
                        : throw new JsonException("fields missing");
                }
                catch (JsonException e)
                {
                    throw new HandheldException(HandheldProblem.Input, $"--cloud: {cloud} did not answer as an AgriInsure cloud ({e.Message.Split('\n')[0]})");
                }
            }
            var title = await ProblemTitleAsync(response, ct);
            var message = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => $"--token: the cloud at {cloud} refused the token (expired, or signed for another cloud); ask for a new one (tools/agri token --role field-agent)",
                HttpStatusCode.Forbidden => "--token: the token's role may not provision devices; field agents do (tools/agri token --role field-agent)",
                HttpStatusCode.Conflict => $"--device: {title ?? "the device id is taken"}",
                HttpStatusCode.NotFound => $"--cloud: {cloud} has no device route (404); is it an AgriInsure cloud of this version?",
                _ => $"the cloud refused the provisioning ({(int)response.StatusCode}): {title ?? response.ReasonPhrase}",
            };
            throw new HandheldException(HandheldProblem.Input, message);
        }
    }

    private static async Task<string?> ProblemTitleAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return (await response.Content.ReadFromJsonAsync<Problem>(Json, ct))?.Title;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Writes a file whole (a temporary file moved into place), readable and writable by its owner only.</summary>
    private static void WriteOwnerOnly(string path, string text)
    {
        var temp = path + ".tmp";
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var file = new FileStream(temp, create))
            using (var writer = new StreamWriter(file))
            {
                writer.Write(text);
                writer.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new HandheldException(HandheldProblem.Environment, $"--folder: cannot write {path}: {e.Message}");
        }
    }
}

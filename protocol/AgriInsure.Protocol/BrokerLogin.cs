using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace AgriInsure.Protocol;

/// <summary>How a device or the cloud proves who it is to the broker, and how it knows the broker is the right one.
/// <para>The broker's rules (both brokers): a client's user name is its identity: a device's id, or
/// <see cref="CloudUser"/> for the cloud's ingest. A device may publish only on its own capture topic and subscribe only
/// to its own ack topic; the cloud reads every capture topic and writes every ack topic.</para>
/// <para>Embedded broker (loopback only): <see cref="UserName"/> and <see cref="Password"/>, a token the broker issued
/// for that user name. Mosquitto: TLS with <see cref="ClientCertificate"/>, whose subject CN is the user name
/// (<c>use_identity_as_username</c>), and the broker's certificate must chain to <see cref="BrokerCa"/> and name the
/// host connected to (RFC 6125).</para></summary>
public sealed record BrokerLogin
{
    /// <summary>The cloud ingest's user name. A colon is in no device id (<see cref="Topics"/> segments), so no device
    /// can be issued it.</summary>
    public const string CloudUser = "agri:cloud";

    public required string UserName { get; init; }

    public string? Password { get; init; }

    /// <summary>The client's certificate with its private key; with it, the connection uses TLS.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The only certificate authority trusted to have issued the broker's certificate (TLS only).</summary>
    public X509Certificate2? BrokerCa { get; init; }

    public bool UsesTls => ClientCertificate is not null;

    /// <summary>True when the broker's certificate names the host (no <see cref="SslPolicyErrors.RemoteCertificateNameMismatch"/>)
    /// and chains to <see cref="BrokerCa"/> alone, whatever the machine's own trust store holds.</summary>
    public bool TrustsBroker(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (BrokerCa is null || certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(BrokerCa);
        // A handheld in a barn cannot fetch a CRL; the provisioning CA's short-lived broker certificates stand in for one.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = new X509Certificate2(certificate);
        return chain.Build(presented);
    }
}

public static class BrokerLoginOptions
{
    /// <summary>Logs in as <paramref name="login"/> says: user name and password, and TLS with the client certificate,
    /// trusting only the broker CA, when it has one.</summary>
    public static MqttClientOptionsBuilder WithLogin(this MqttClientOptionsBuilder builder, BrokerLogin login)
    {
        builder = builder.WithCredentials(login.UserName, login.Password);
        return login.ClientCertificate is not { } certificate
            ? builder
            : builder.WithTlsOptions(tls => tls.UseTls()
                .WithClientCertificates([certificate])
                .WithCertificateValidationHandler(e => login.TrustsBroker(e.Certificate, e.SslPolicyErrors)));
    }
}

/// <summary>What the cloud's and the handheld's MQTT links do alike.</summary>
public static class MqttLinks
{
    /// <summary>Says goodbye to the broker while the connection is there. A connection that breaks meanwhile (the broker
    /// stopping, the network going) is as good as closed: the broker keeps a persistent session either way, so the
    /// error of the goodbye is not one.</summary>
    public static async Task DisconnectQuietlyAsync(this IMqttClient client)
    {
        if (!client.IsConnected)
            return;
        try
        {
            await client.DisconnectAsync();
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // Closed by the other side first.
        }
    }
}

using AgriInsure.Ledger;
using AgriInsure.Registry;
using AgriInsure.Signing;
using AgriInsure.Signing.Pades;
using AgriInsure.Signing.Pki;
using AgriInsure.Storage;
using AgriInsure.Underwriting.Closing;
using AgriInsure.Underwriting.Contracts;
using AgriInsure.Underwriting.Identity;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Cloud.Host;

/// <summary>What closes underwriting with e-signed contracts in the host: the folder's certificate authority
/// (<c>pki/</c>) with its OCSP responder (RFC 6960) and time-stamping authority (RFC 3161), answered under <c>/pki</c>;
/// the identity-number key; and the <see cref="ContractDesk"/> that draws, signs, verifies and anchors contracts, which
/// exists only when the contract font is installed (<see cref="Unavailable"/> says why not).</summary>
public sealed class ContractServices
{
    /// <summary>The name the identity-number key is stored under beside each hash: the one
    /// <c>tools/agri contracts check-identity</c> uses, so checks recorded by either compare.</summary>
    public const string IdentityKeyId = "cloud-1";

    private readonly IRegistry _registry;
    private readonly TimeProvider _clock;
    private readonly ILoggerFactory _logs;

    private ContractServices(CertificateAuthority authority, IdentityNumberHasher identityKey, ContractDesk? desk, string? unavailable, IRegistry registry,
        TimeProvider clock, ILoggerFactory logs)
    {
        Authority = authority;
        Ocsp = new OcspResponder(authority, logs.CreateLogger<OcspResponder>());
        Tsa = new TimeStampAuthority(authority, logs.CreateLogger<TimeStampAuthority>());
        IdentityKey = identityKey;
        Desk = desk;
        Unavailable = unavailable;
        _registry = registry;
        _clock = clock;
        _logs = logs;
    }

    public CertificateAuthority Authority { get; }

    public OcspResponder Ocsp { get; }

    public TimeStampAuthority Tsa { get; }

    public IdentityNumberHasher IdentityKey { get; }

    /// <summary>Null when contracts cannot be drawn here (see <see cref="Unavailable"/>).</summary>
    public ContractDesk? Desk { get; }

    /// <summary>Why <see cref="Desk"/> is null (the contract font is missing, naming its Debian package); null when it is not.</summary>
    public string? Unavailable { get; }

    /// <summary>The path of the identity-number key a folder makes for itself.</summary>
    public static string IdentityKeyPath(string folder) => Path.Combine(folder, "identity.key");

    /// <summary>The CA's folder in a cloud folder.</summary>
    public static string PkiPath(string folder) => Path.Combine(folder, "pki");

    /// <summary>Records identity checks of <paramref name="tenant"/>'s farmers under the cloud's identity-number key.</summary>
    public IdentityDesk IdentityDesk(string tenant) =>
        new(_registry, new Dictionary<string, IdentityNumberHasher> { [tenant] = IdentityKey }, _clock, _logs.CreateLogger<IdentityDesk>());

    /// <summary>Opens the folder's CA (creating it, its OCSP and CRL URLs under <see cref="CloudOptions.PublicUrl"/>, when
    /// there is none) and the identity-number key, and composes the contract desk over the given engines; the trust services
    /// sign in process. Errors: <see cref="CloudStartException"/> naming <c>Cloud:Folder</c> (a damaged CA) or
    /// <c>Cloud:IdentityKey</c>.</summary>
    public static ContractServices Open(CloudOptions options, string folder, IRegistry registry, ILedger ledger, IBlobStore blobs, ILoggerFactory logs)
    {
        // Certificates, timestamps and signatures are evidence of when things happened in the world: they are dated by the
        // real clock, never by the host's (the demo's season clock), or a timestamp could precede the signing it vouches for.
        var clock = TimeProvider.System;
        var log = logs.CreateLogger<ContractServices>();
        var identityKey = string.IsNullOrWhiteSpace(options.IdentityKey)
            ? IdentityNumberHasher.Create(IdentityKeyId, KeyFiles.ReadOrMake(IdentityKeyPath(folder)))
            : IdentityNumberHasher.FromBase64(IdentityKeyId, options.IdentityKey);
        if (!identityKey.IsOk)
        {
            var setting = string.IsNullOrWhiteSpace(options.IdentityKey) ? nameof(CloudOptions.Folder) : nameof(CloudOptions.IdentityKey);
            throw new CloudStartException(CloudOptions.Key(setting), $"the identity-number key {identityKey.Error.Reason}");
        }
        CertificateAuthority authority;
        try
        {
            var baseUrl = new Uri(options.PublicUrl);
            authority = CertificateAuthority.OpenOrCreate(PkiPath(folder),
                new CaSettings("AgriInsure Root CA", "AgriInsure", new Uri(baseUrl, "pki/ocsp"), new Uri(baseUrl, "pki/crl")), clock,
                logs.CreateLogger<CertificateAuthority>());
        }
        catch (Exception e) when (e is SigningException or IOException or UnauthorizedAccessException)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.Folder)), $"cannot open the certificate authority in {PkiPath(folder)}: {e.Message}");
        }
        var fonts = ContractFonts.Load();
        ContractDesk? desk = null;
        string? unavailable = null;
        if (fonts.IsOk)
        {
            var signer = new PadesSigner(new InProcessTrustClient(authority, new OcspResponder(authority), new TimeStampAuthority(authority)));
            desk = new ContractDesk(registry, ledger, blobs, new ContractWriter(fonts.Value, logs.CreateLogger<ContractWriter>()), authority, signer, clock,
                logs.CreateLogger<ContractDesk>());
        }
        else
        {
            // Ingest, claims and the rest need no font: the host runs, and only the contract routes say what is missing.
            unavailable = $"contracts cannot be drawn here: {fonts.Error.Reason}";
            log.LogWarning("{Reason}", unavailable);
        }
        return new ContractServices(authority, identityKey.Value, desk, unavailable, registry, clock, logs);
    }
}

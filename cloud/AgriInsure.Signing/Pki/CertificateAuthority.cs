using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace AgriInsure.Signing.Pki;

/// <summary>
/// Settings of a new CA: its name and the URLs written into every certificate it issues (RFC 5280 §4.2.1.13 CRL
/// distribution point, §4.2.2.1 authority information access with the OCSP responder). They are fixed at creation.
/// </summary>
public sealed record CaSettings(string CommonName, string Organisation, Uri OcspUrl, Uri CrlUrl, string Country = "CN")
{
    /// <summary>How long the root is valid; end-entity certificates never outlive it.</summary>
    public TimeSpan RootValidity { get; init; } = TimeSpan.FromDays(365 * 20);
}

/// <summary>A certificate with its private key and the chain above it (issuer first, root last).</summary>
public sealed record SigningCredential(X509Certificate Certificate, AsymmetricKeyParameter PrivateKey, IReadOnlyList<X509Certificate> Chain)
{
    public string Subject => Certificate.SubjectDN.ToString();
}

/// <summary>Why a certificate was revoked: the CRLReason values of RFC 5280 §5.3.1 that apply to end entities.</summary>
public enum RevocationReason
{
    Unspecified = 0,
    KeyCompromise = 1,
    AffiliationChanged = 3,
    Superseded = 4,
    CessationOfOperation = 5,
    CertificateHold = 6,
    PrivilegeWithdrawn = 9,
}

/// <summary>A certificate's status as the CA knows it now: good, revoked (when and why) or unknown (not issued here).</summary>
public sealed record CertificateState(CertificateStatusKind Kind, DateTimeOffset? RevokedAt = null, RevocationReason? Reason = null);

public enum CertificateStatusKind { Good, Revoked, Unknown }

/// <summary>
/// A small certificate authority kept in one folder: a self-signed root (ECDSA P-256, SHA-256), end-entity certificates
/// for insurers and identity-checked farmers, a time-stamping certificate and an OCSP signing certificate, revocations
/// and CRLs. Key algorithm: ECDSA P-256 — NSS (pdfsig, poppler 22.12) and OpenSSL 3 both verify it, keys are made in
/// milliseconds (RSA-2048 takes hundreds) and signatures are 72 bytes instead of 256.
/// <para>Folder layout: <c>ca.json</c> (settings), <c>root.crt</c>, <c>root.key</c>, <c>issued/SERIAL.crt</c> and
/// <c>.key</c>, <c>revoked.json</c>, <c>crl-number</c>, <c>services/tsa</c> and <c>services/ocsp</c> (names of the
/// current service certificates). Private keys are PKCS#8 PEM, mode 0600; the folder 0700. Every file is written to a
/// temporary name and renamed, so a crash leaves the previous state; mutations take an exclusive lock on <c>ca.lock</c>
/// so that several processes may share the folder.</para>
/// </summary>
public sealed class CertificateAuthority
{
    private const string SignatureAlgorithm = "SHA256WITHECDSA";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly string _folder;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly AsymmetricKeyParameter _rootKey;
    private readonly SecureRandom _random = new();
    private readonly object _gate = new();

    private CertificateAuthority(string folder, CaSettings settings, X509Certificate root, AsymmetricKeyParameter rootKey, TimeProvider clock, ILogger log)
    {
        _folder = folder;
        Settings = settings;
        Root = root;
        _rootKey = rootKey;
        _clock = clock;
        _log = log;
    }

    public CaSettings Settings { get; }

    /// <summary>The self-signed root: the trust anchor verifiers are given.</summary>
    public X509Certificate Root { get; }

    public string Folder => _folder;

    public TimeProvider Clock => _clock;

    /// <summary>Creates a new CA in <paramref name="folder"/> (made if missing). Refuses a folder that already holds a CA.</summary>
    /// <exception cref="SigningException">settings invalid, or a CA exists there already.</exception>
    public static CertificateAuthority Create(string folder, CaSettings settings, TimeProvider? clock = null, ILogger<CertificateAuthority>? log = null)
    {
        clock ??= TimeProvider.System;
        ValidateUrl(settings.OcspUrl, "settings.ocspUrl");
        ValidateUrl(settings.CrlUrl, "settings.crlUrl");
        if (settings.Country.Length != 2 || !settings.Country.All(char.IsAsciiLetterUpper))
            throw new SigningException("settings.country", "must be an ISO 3166 two-letter code in capitals");
        if (settings.RootValidity <= TimeSpan.FromDays(1))
            throw new SigningException("settings.rootValidity", "must be longer than a day");
        var name = SubjectNames.Service(settings.CommonName, settings.Organisation, settings.Country);
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var folderLock = FolderLock(folder);
        if (File.Exists(Path.Combine(folder, "ca.json")) || File.Exists(Path.Combine(folder, "root.key")))
            throw new SigningException("folder", $"{folder} holds a CA already; open it instead of creating another over it");

        var random = new SecureRandom();
        var keys = NewKeyPair(random);
        var now = clock.GetUtcNow();
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(NewSerial(random));
        generator.SetIssuerDN(name);
        generator.SetSubjectDN(name);
        generator.SetNotBefore(now.UtcDateTime.AddMinutes(-5));
        generator.SetNotAfter(now.Add(settings.RootValidity).UtcDateTime);
        generator.SetPublicKey(keys.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(keys.Public));
        var root = generator.Generate(new Asn1SignatureFactory(SignatureAlgorithm, keys.Private, random));

        Directory.CreateDirectory(Path.Combine(folder, "issued"));
        Directory.CreateDirectory(Path.Combine(folder, "services"));
        WritePrivateKey(Path.Combine(folder, "root.key"), keys.Private);
        WriteAtomically(Path.Combine(folder, "root.crt"), Encoding.ASCII.GetBytes(Pem("CERTIFICATE", root.GetEncoded())), secret: false);
        WriteAtomically(Path.Combine(folder, "revoked.json"), JsonSerializer.SerializeToUtf8Bytes(new List<RevocationRecord>(), Json), secret: false);
        // ca.json last: its presence is what marks a complete CA.
        WriteAtomically(Path.Combine(folder, "ca.json"), JsonSerializer.SerializeToUtf8Bytes(StoredSettings.From(settings), Json), secret: false);
        var logger = (ILogger?)log ?? NullLogger.Instance;
        logger.LogInformation("Created CA {Subject} in {Folder}", root.SubjectDN, folder);
        return new CertificateAuthority(folder, settings, root, keys.Private, clock, logger);
    }

    /// <summary>Opens the CA kept in <paramref name="folder"/>.</summary>
    /// <exception cref="SigningException">no CA there, or its files are damaged.</exception>
    public static CertificateAuthority Open(string folder, TimeProvider? clock = null, ILogger<CertificateAuthority>? log = null)
    {
        var settingsFile = Path.Combine(folder, "ca.json");
        if (!File.Exists(settingsFile))
            throw new SigningException("folder", $"{folder} holds no CA (no ca.json)");
        CaSettings settings;
        try
        {
            settings = JsonSerializer.Deserialize<StoredSettings>(File.ReadAllBytes(settingsFile))?.ToSettings()
                       ?? throw new SigningException("ca.json", "is empty");
        }
        catch (JsonException e)
        {
            throw new SigningException("ca.json", "is not valid JSON: " + e.Message, e);
        }
        var root = ReadCertificate(Path.Combine(folder, "root.crt"));
        var key = ReadPrivateKey(Path.Combine(folder, "root.key"));
        return new CertificateAuthority(folder, settings, root, key, clock ?? TimeProvider.System, (ILogger?)log ?? NullLogger.Instance);
    }

    /// <summary>Opens the CA in <paramref name="folder"/>, creating it with <paramref name="settings"/> when there is none.</summary>
    public static CertificateAuthority OpenOrCreate(string folder, CaSettings settings, TimeProvider? clock = null, ILogger<CertificateAuthority>? log = null) =>
        File.Exists(Path.Combine(folder, "ca.json")) ? Open(folder, clock, log) : Create(folder, settings, clock, log);

    /// <summary>
    /// Issues a signing certificate to an identity-checked person: keyUsage digitalSignature + nonRepudiation
    /// (critical), CRL distribution point and OCSP URL. <paramref name="notBefore"/> defaults to now,
    /// <paramref name="notAfter"/> to two years later; the window must lie inside the root's.
    /// </summary>
    public SigningCredential IssuePerson(PersonSubject subject, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        IssueEndEntity(SubjectNames.Person(subject, Settings.Country), notBefore, notAfter, extendedUsage: null);

    /// <summary>Issues a signing certificate to an organisation (an insurer's seal); as <see cref="IssuePerson"/>.</summary>
    public SigningCredential IssueOrganisation(OrganisationSubject subject, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        IssueEndEntity(SubjectNames.Organisation(subject, Settings.Country), notBefore, notAfter, extendedUsage: null);

    /// <summary>
    /// The certificate the time-stamping authority signs with (extendedKeyUsage timeStamping, critical, as RFC 3161
    /// §2.3 requires): issued on first use, kept, and issued anew once it has expired.
    /// </summary>
    public SigningCredential TimeStampingCredential() => ServiceCredential("tsa", "Time-Stamping Authority", KeyPurposeID.id_kp_timeStamping);

    /// <summary>
    /// The certificate the OCSP responder signs with: a delegated responder (RFC 6960 §4.2.2.2, id-kp-OCSPSigning)
    /// carrying id-pkix-ocsp-nocheck (§4.2.2.2.1), so clients do not ask about the responder itself.
    /// </summary>
    public SigningCredential OcspSigningCredential() => ServiceCredential("ocsp", "OCSP Responder", KeyPurposeID.id_kp_OCSPSigning);

    /// <summary>A certificate issued here, with its key, by serial number.</summary>
    /// <exception cref="SigningException">no certificate with that serial was issued here.</exception>
    public SigningCredential Load(BigInteger serial)
    {
        var path = IssuedPath(serial, "crt");
        if (!File.Exists(path))
            throw new SigningException("serial", $"{serial.ToString(16)} was not issued by this CA");
        return new SigningCredential(ReadCertificate(path), ReadPrivateKey(IssuedPath(serial, "key")), [Root]);
    }

    /// <summary>Whether <paramref name="serial"/> was issued here.</summary>
    public bool Issued(BigInteger serial) => File.Exists(IssuedPath(serial, "crt"));

    /// <summary>
    /// Revokes a certificate issued here. <paramref name="revokedAt"/> defaults to now and cannot lie in the future
    /// (RFC 5280 §5.3.2 invalidity dates are not supported). Revoking twice keeps the first revocation.
    /// </summary>
    /// <exception cref="SigningException">the certificate was not issued here, or the time is in the future.</exception>
    public CertificateState Revoke(BigInteger serial, RevocationReason reason, DateTimeOffset? revokedAt = null)
    {
        var now = _clock.GetUtcNow();
        var at = revokedAt ?? now;
        if (at > now.AddSeconds(1))
            throw new SigningException("revokedAt", $"{at:O} is in the future");
        if (!Enum.IsDefined(reason))
            throw new SigningException("reason", $"{(int)reason} is not an RFC 5280 CRLReason for end entities");
        lock (_gate)
        {
            using var folderLock = FolderLock(_folder);
            if (!Issued(serial))
                throw new SigningException("serial", $"{serial.ToString(16)} was not issued by this CA");
            var revoked = ReadRevocations();
            var existing = revoked.FirstOrDefault(r => r.Serial == serial.ToString(16));
            if (existing is not null)
                return new CertificateState(CertificateStatusKind.Revoked, existing.At, existing.Reason);
            revoked.Add(new RevocationRecord(serial.ToString(16), at, reason));
            WriteAtomically(Path.Combine(_folder, "revoked.json"), JsonSerializer.SerializeToUtf8Bytes(revoked, Json), secret: false);
            _log.LogInformation("Revoked certificate {Serial} ({Reason}) at {At:O}", serial.ToString(16), reason, at);
            return new CertificateState(CertificateStatusKind.Revoked, at, reason);
        }
    }

    /// <summary>What the CA knows of <paramref name="serial"/> now.</summary>
    public CertificateState StatusOf(BigInteger serial)
    {
        if (!Issued(serial) && !serial.Equals(Root.SerialNumber))
            return new CertificateState(CertificateStatusKind.Unknown);
        var record = ReadRevocations().FirstOrDefault(r => r.Serial == serial.ToString(16));
        return record is null
            ? new CertificateState(CertificateStatusKind.Good)
            : new CertificateState(CertificateStatusKind.Revoked, record.At, record.Reason);
    }

    /// <summary>
    /// A new CRL (RFC 5280 §5, DER), signed by the root: every revocation with its reason, thisUpdate now,
    /// nextUpdate <paramref name="validFor"/> later (default a day), a CRL number that only grows.
    /// </summary>
    public byte[] IssueCrl(TimeSpan? validFor = null)
    {
        lock (_gate)
        {
            using var folderLock = FolderLock(_folder);
            var numberFile = Path.Combine(_folder, "crl-number");
            var number = File.Exists(numberFile) ? long.Parse(File.ReadAllText(numberFile).Trim(), System.Globalization.CultureInfo.InvariantCulture) + 1 : 1;
            var now = _clock.GetUtcNow().UtcDateTime;
            var generator = new X509V2CrlGenerator();
            generator.SetIssuerDN(Root.SubjectDN);
            generator.SetThisUpdate(now);
            generator.SetNextUpdate(now.Add(validFor ?? TimeSpan.FromDays(1)));
            foreach (var record in ReadRevocations())
                generator.AddCrlEntry(new BigInteger(record.Serial, 16), record.At.UtcDateTime, (int)record.Reason);
            generator.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.ValueOf(number)));
            generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(Root));
            var crl = generator.Generate(new Asn1SignatureFactory(SignatureAlgorithm, _rootKey, _random));
            WriteAtomically(numberFile, Encoding.ASCII.GetBytes(number.ToString(System.Globalization.CultureInfo.InvariantCulture)), secret: false);
            return crl.GetEncoded();
        }
    }

    internal static AsymmetricCipherKeyPair NewKeyPair(SecureRandom random)
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, random));
        return generator.GenerateKeyPair();
    }

    /// <summary>A certificate as PEM text (RFC 7468), e.g. the root for <c>openssl -CAfile</c> or <c>certutil -A</c>.</summary>
    public static string ToPem(X509Certificate certificate) => Pem("CERTIFICATE", certificate.GetEncoded());

    internal static string Pem(string label, byte[] der) => new string(PemEncoding.Write(label, der)) + "\n";

    private SigningCredential ServiceCredential(string role, string commonName, KeyPurposeID purpose)
    {
        lock (_gate)
        {
            var pointer = Path.Combine(_folder, "services", role);
            var now = _clock.GetUtcNow();
            if (File.Exists(pointer))
            {
                var current = Load(new BigInteger(File.ReadAllText(pointer).Trim(), 16));
                if (current.Certificate.NotAfter > now.UtcDateTime.AddDays(1) && StatusOf(current.Certificate.SerialNumber).Kind == CertificateStatusKind.Good)
                    return current;
            }
            var notAfter = new DateTimeOffset(Root.NotAfter, TimeSpan.Zero);
            if (notAfter > now.AddYears(5))
                notAfter = now.AddYears(5);
            var credential = IssueEndEntity(SubjectNames.Service(commonName, Settings.Organisation, Settings.Country), now.AddMinutes(-5), notAfter, purpose);
            using var folderLock = FolderLock(_folder);
            WriteAtomically(pointer, Encoding.ASCII.GetBytes(credential.Certificate.SerialNumber.ToString(16)), secret: false);
            return credential;
        }
    }

    private SigningCredential IssueEndEntity(X509Name subject, DateTimeOffset? notBefore, DateTimeOffset? notAfter, KeyPurposeID? extendedUsage)
    {
        var from = notBefore ?? _clock.GetUtcNow();
        var to = notAfter ?? from.AddYears(2);
        if (to <= from)
            throw new SigningException("notAfter", $"{to:O} is not after notBefore {from:O}");
        if (from.UtcDateTime < Root.NotBefore || to.UtcDateTime > Root.NotAfter)
            throw new SigningException("notAfter", $"the window {from:O}–{to:O} is not inside the root's {Root.NotBefore:O}–{Root.NotAfter:O}");
        lock (_gate)
        {
            using var folderLock = FolderLock(_folder);
            var keys = NewKeyPair(_random);
            BigInteger serial;
            do
                serial = NewSerial(_random);
            while (Issued(serial));
            var generator = new X509V3CertificateGenerator();
            generator.SetSerialNumber(serial);
            generator.SetIssuerDN(Root.SubjectDN);
            generator.SetSubjectDN(subject);
            generator.SetNotBefore(from.UtcDateTime);
            generator.SetNotAfter(to.UtcDateTime);
            generator.SetPublicKey(keys.Public);
            generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.NonRepudiation));
            if (extendedUsage is not null)
                generator.AddExtension(X509Extensions.ExtendedKeyUsage, true, new ExtendedKeyUsage(extendedUsage));
            if (extendedUsage == KeyPurposeID.id_kp_OCSPSigning)
                generator.AddExtension(OcspObjectIdentifiers.PkixOcspNocheck, false, DerNull.Instance);
            generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(keys.Public));
            generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(Root));
            generator.AddExtension(X509Extensions.CrlDistributionPoints, false, new CrlDistPoint([
                new DistributionPoint(new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, Settings.CrlUrl.AbsoluteUri))), null, null),
            ]));
            generator.AddExtension(X509Extensions.AuthorityInfoAccess, false,
                new AuthorityInformationAccess(new AccessDescription(AccessDescription.IdADOcsp, new GeneralName(GeneralName.UniformResourceIdentifier, Settings.OcspUrl.AbsoluteUri))));
            var certificate = generator.Generate(new Asn1SignatureFactory(SignatureAlgorithm, _rootKey, _random));
            // The key first: a certificate file is what marks an issue as done.
            WritePrivateKey(IssuedPath(serial, "key"), keys.Private);
            WriteAtomically(IssuedPath(serial, "crt"), Encoding.ASCII.GetBytes(Pem("CERTIFICATE", certificate.GetEncoded())), secret: false);
            _log.LogInformation("Issued certificate {Serial} to {Subject}, valid {From:O} to {To:O}", serial.ToString(16), subject, from, to);
            return new SigningCredential(certificate, keys.Private, [Root]);
        }
    }

    private string IssuedPath(BigInteger serial, string extension) => Path.Combine(_folder, "issued", serial.ToString(16) + "." + extension);

    private List<RevocationRecord> ReadRevocations()
    {
        var path = Path.Combine(_folder, "revoked.json");
        try
        {
            return JsonSerializer.Deserialize<List<RevocationRecord>>(File.ReadAllBytes(path)) ?? [];
        }
        catch (JsonException e)
        {
            throw new SigningException("revoked.json", "is not valid JSON: " + e.Message, e);
        }
    }

    // RFC 5280 §4.1.2.2: positive, at most 20 octets; 16 random octets make collisions negligible (and checked anyway).
    private static BigInteger NewSerial(SecureRandom random) => new(1, SecureRandom.GetNextBytes(random, 16));

    private static void ValidateUrl(Uri url, string field)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            throw new SigningException(field, $"{url} is not an absolute http(s) URL");
    }

    private static IDisposable FolderLock(string folder)
    {
        var path = Path.Combine(folder, "ca.lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 200)
            {
                Thread.Sleep(25);
            }
        }
    }

    private static void WritePrivateKey(string path, AsymmetricKeyParameter key) =>
        WriteAtomically(path, Encoding.ASCII.GetBytes(Pem("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetEncoded())), secret: true);

    private static void WriteAtomically(string path, byte[] content, bool secret)
    {
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = secret ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a PEM certificate file (the CA folder's root.crt is one: a verifier's trust anchor).</summary>
    /// <exception cref="SigningException">the file is missing or holds no PEM certificate.</exception>
    public static X509Certificate ReadCertificate(string path)
    {
        if (!File.Exists(path))
            throw new SigningException(Path.GetFileName(path), "is missing");
        try
        {
            var text = File.ReadAllText(path);
            var fields = PemEncoding.Find(text);
            return new X509Certificate(Convert.FromBase64String(text[fields.Base64Data]));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or CertificateException)
        {
            throw new SigningException(Path.GetFileName(path), "is not a PEM certificate: " + e.Message, e);
        }
    }

    private static AsymmetricKeyParameter ReadPrivateKey(string path)
    {
        if (!File.Exists(path))
            throw new SigningException(Path.GetFileName(path), "is missing");
        try
        {
            var text = File.ReadAllText(path);
            var fields = PemEncoding.Find(text);
            return PrivateKeyFactory.CreateKey(Convert.FromBase64String(text[fields.Base64Data]));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException)
        {
            throw new SigningException(Path.GetFileName(path), "is not a PKCS#8 PEM private key: " + e.Message, e);
        }
    }

    private sealed record RevocationRecord(string Serial, DateTimeOffset At, RevocationReason Reason);

    private sealed record StoredSettings(string CommonName, string Organisation, string OcspUrl, string CrlUrl, string Country)
    {
        public static StoredSettings From(CaSettings s) => new(s.CommonName, s.Organisation, s.OcspUrl.AbsoluteUri, s.CrlUrl.AbsoluteUri, s.Country);

        public CaSettings ToSettings() => new(CommonName, Organisation, new Uri(OcspUrl), new Uri(CrlUrl), Country);
    }
}

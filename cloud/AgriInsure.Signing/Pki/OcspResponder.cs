using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Security;

namespace AgriInsure.Signing.Pki;

/// <summary>
/// An OCSP responder (RFC 6960) for the certificates of one <see cref="CertificateAuthority"/>: request bytes
/// (DER OCSPRequest) in, response bytes (DER OCSPResponse) out. Each requested certificate is answered good, revoked
/// (with the revocation time and reason) or unknown (another issuer, or a serial never issued here). A request's nonce
/// (RFC 6960 §4.4.1) is echoed. Responses are signed by the CA's delegated OCSP signing certificate, which travels
/// in the response; thisUpdate is now, nextUpdate a day later. A malformed request gets malformedRequest, never an
/// exception.
/// </summary>
public sealed class OcspResponder(CertificateAuthority ca, ILogger<OcspResponder>? log = null)
{
    /// <summary>The media types of RFC 6960 appendix A.</summary>
    public const string RequestMediaType = "application/ocsp-request";
    public const string ResponseMediaType = "application/ocsp-response";

    private static readonly TimeSpan Validity = TimeSpan.FromDays(1);
    private readonly ILogger _log = (ILogger?)log ?? NullLogger.Instance;
    private readonly SecureRandom _random = new();

    /// <summary>Answers one DER OCSPRequest with a DER OCSPResponse.</summary>
    public byte[] Respond(ReadOnlySpan<byte> request)
    {
        OcspReq parsed;
        Req[] items;
        try
        {
            parsed = new OcspReq(request.ToArray());
            items = parsed.GetRequestList();
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or InvalidOperationException or Org.BouncyCastle.Asn1.Asn1Exception)
        {
            _log.LogWarning("OCSP: malformed request ({Reason})", e.Message);
            return new OCSPRespGenerator().Generate(OcspRespStatus.MalformedRequest, null).GetEncoded();
        }
        if (items.Length == 0)
            return new OCSPRespGenerator().Generate(OcspRespStatus.MalformedRequest, null).GetEncoded();

        var signer = ca.OcspSigningCredential();
        var now = ca.Clock.GetUtcNow().UtcDateTime;
        // GeneralizedTime in OCSP carries whole seconds here: truncate, so that thisUpdate is never after "now".
        now = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        var generator = new BasicOcspRespGenerator(signer.Certificate.GetPublicKey());
        foreach (var item in items)
        {
            var id = item.GetCertID();
            var status = StatusOf(id);
            generator.AddResponse(id, status, now, now.Add(Validity), null);
        }
        var nonce = parsed.RequestExtensions?.GetExtension(OcspObjectIdentifiers.PkixOcspNonce);
        if (nonce is not null)
            generator.SetResponseExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension> { [OcspObjectIdentifiers.PkixOcspNonce] = nonce }));
        var basic = generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", signer.PrivateKey, _random), [signer.Certificate], now);
        return new OCSPRespGenerator().Generate(OcspRespStatus.Successful, basic).GetEncoded();
    }

    /// <summary>A DER OCSPRequest for <paramref name="certificate"/> issued by this CA (SHA-1 CertID, as RFC 5019 clients send).</summary>
    public static byte[] Request(Org.BouncyCastle.X509.X509Certificate certificate, Org.BouncyCastle.X509.X509Certificate issuer)
    {
        var generator = new OcspReqGenerator();
        generator.AddRequest(new CertificateID(new AlgorithmIdentifier(Org.BouncyCastle.Asn1.Oiw.OiwObjectIdentifiers.IdSha1, DerNull.Instance), issuer, certificate.SerialNumber));
        return generator.Generate().GetEncoded();
    }

    private CertificateStatus? StatusOf(CertificateID id)
    {
        bool ours;
        try
        {
            ours = id.MatchesIssuer(ca.Root);
        }
        catch (OcspException)
        {
            ours = false;
        }
        if (!ours)
            return new UnknownStatus();
        var state = ca.StatusOf(id.SerialNumber);
        return state.Kind switch
        {
            CertificateStatusKind.Good => CertificateStatus.Good,
            CertificateStatusKind.Revoked => new RevokedStatus(state.RevokedAt!.Value.UtcDateTime, (int)state.Reason!.Value),
            _ => new UnknownStatus(),
        };
    }
}

using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.Asn1.Cmp;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.Utilities.Collections;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace AgriInsure.Signing.Pki;

/// <summary>
/// A time-stamping authority (RFC 3161): request bytes (DER TimeStampReq) in, response bytes (DER TimeStampResp) out.
/// Accepts SHA-256 message imprints only; echoes the nonce; signs with the CA's time-stamping certificate (included
/// when the request asks, certReq); states its policy <see cref="PolicyOid"/> and an accuracy of
/// <see cref="AccuracySeconds"/> s. Serial numbers come from a counter kept in the CA folder
/// (<c>tsa-serial</c>), taken under the folder's lock and written before the token is returned, so they never repeat
/// across restarts or processes. A bad request is answered with a rejection (badDataFormat, badAlg), never an
/// exception.
/// </summary>
public sealed class TimeStampAuthority(CertificateAuthority ca, ILogger<TimeStampAuthority>? log = null)
{
    public const string RequestMediaType = "application/timestamp-query";
    public const string ResponseMediaType = "application/timestamp-reply";

    /// <summary>
    /// The TSA policy: an OID under 2.25 (ITU-T X.667, a UUID as an OID, which needs no registration), fixed for this
    /// engine: "time from the host clock, SHA-256 imprints only".
    /// </summary>
    public const string PolicyOid = "2.25.208861326014826283061786328213893462742";

    /// <summary>The accuracy the TSA claims: the host clock, NTP-disciplined, within a second.</summary>
    public const int AccuracySeconds = 1;

    private static readonly object SerialGate = new();
    private readonly ILogger _log = (ILogger?)log ?? NullLogger.Instance;

    /// <summary>Answers one DER TimeStampReq with a DER TimeStampResp.</summary>
    public byte[] Respond(ReadOnlySpan<byte> request)
    {
        TimeStampRequest parsed;
        try
        {
            parsed = new TimeStampRequest(request.ToArray());
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or InvalidOperationException or Org.BouncyCastle.Asn1.Asn1Exception)
        {
            _log.LogWarning("TSA: malformed request ({Reason})", e.Message);
            return Rejection(PkiFailureInfo.BadDataFormat, "the request is not a DER TimeStampReq");
        }
        if (parsed.MessageImprintAlgOid != NistObjectIdentifiers.IdSha256.Id)
            return Rejection(PkiFailureInfo.BadAlg, "only SHA-256 message imprints are accepted");
        if (parsed.GetMessageImprintDigest().Length != 32)
            return Rejection(PkiFailureInfo.BadDataFormat, "a SHA-256 imprint is 32 bytes");
        if (parsed.ReqPolicy is not null && parsed.ReqPolicy != PolicyOid)
            return Rejection(PkiFailureInfo.UnacceptedPolicy, $"the only policy is {PolicyOid}");

        var signer = ca.TimeStampingCredential();
        var generator = new TimeStampTokenGenerator(signer.PrivateKey, signer.Certificate, NistObjectIdentifiers.IdSha256.Id, PolicyOid);
        generator.SetCertificates(CollectionUtilities.CreateStore(new List<X509Certificate> { signer.Certificate, ca.Root }));
        generator.SetAccuracySeconds(AccuracySeconds);
        generator.Resolution = Resolution.R_MILLISECONDS;
        var responder = new TimeStampResponseGenerator(generator, new[] { NistObjectIdentifiers.IdSha256.Id });
        var serial = NextSerial();
        var response = responder.Generate(parsed, serial, ca.Clock.GetUtcNow().UtcDateTime);
        _log.LogDebug("TSA: token {Serial} issued", serial);
        return response.GetEncoded();
    }

    /// <summary>A DER TimeStampReq for a SHA-256 <paramref name="imprint"/> with a random nonce, asking for the TSA certificate.</summary>
    public static byte[] Request(byte[] imprint, out BigInteger nonce)
    {
        var generator = new TimeStampRequestGenerator();
        generator.SetCertReq(true);
        nonce = new BigInteger(1, Org.BouncyCastle.Security.SecureRandom.GetNextBytes(new Org.BouncyCastle.Security.SecureRandom(), 8));
        return generator.Generate(NistObjectIdentifiers.IdSha256, imprint, nonce).GetEncoded();
    }

    private static byte[] Rejection(int failure, string text) =>
        new TimeStampResponseGenerator(null!, null).GenerateFailResponse(PkiStatus.Rejection, failure, text).GetEncoded();

    private BigInteger NextSerial()
    {
        var path = Path.Combine(ca.Folder, "tsa-serial");
        lock (SerialGate)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    var buffer = new byte[64];
                    var read = file.Read(buffer);
                    var text = Encoding.ASCII.GetString(buffer, 0, read).Trim();
                    var next = (text.Length == 0 ? 0 : long.Parse(text, CultureInfo.InvariantCulture)) + 1;
                    file.SetLength(0);
                    file.Write(Encoding.ASCII.GetBytes(next.ToString(CultureInfo.InvariantCulture)));
                    file.Flush(flushToDisk: true);
                    return BigInteger.ValueOf(next);
                }
                catch (IOException) when (attempt < 200)
                {
                    Thread.Sleep(25);
                }
            }
        }
    }
}

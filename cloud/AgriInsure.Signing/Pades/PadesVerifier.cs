using System.Security.Cryptography;
using AgriInsure.Signing.Pdf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.X509;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace AgriInsure.Signing.Pades;

/// <summary>
/// Verifies every signature of a PDF offline, against the trust anchors given, from what the file holds: the CMS and
/// its timestamp, and the document security store's certificates, OCSP responses and CRLs (PAdES B-LT). For each
/// signature (ISO 32000-1 §12.8, ETSI EN 319 142-1): the /ByteRange covers the whole revision but the /Contents hole;
/// the CMS verifies (message digest, signature value, ESS signing-certificate-v2); the timestamp token verifies, covers
/// this signature value and chains to an anchor; the signer's chain reaches an anchor; the certificate was valid and
/// not revoked at the timestamp's time; and the updates after the signed revision add only a DSS, further signatures and
/// their widgets. Never throws on bad input: the verdict says what is wrong.
/// </summary>
public sealed class PadesVerifier
{
    private readonly List<X509Certificate> _anchors;
    private readonly ILogger _log;

    public PadesVerifier(IEnumerable<X509Certificate> trustAnchors, ILogger<PadesVerifier>? log = null)
    {
        _anchors = trustAnchors.ToList();
        if (_anchors.Count == 0)
            throw new SigningException("trustAnchors", "at least one trust anchor is needed");
        _log = (ILogger?)log ?? NullLogger.Instance;
    }

    public VerificationReport Verify(byte[] pdf)
    {
        var sha = Convert.ToHexString(SHA256.HashData(pdf)).ToLowerInvariant();
        if (!PdfFile.LooksLikePdf(pdf))
            return new VerificationReport(DocumentVerdict.NotPdf, "not a PDF: no %PDF- header", [], sha);
        var end = pdf.AsSpan().TrimEnd("\r\n\t \0"u8).Length;
        if (end < 5 || !pdf.AsSpan(0, end).EndsWith("%%EOF"u8))
            return new VerificationReport(DocumentVerdict.Truncated, "the file does not end with %%EOF: it is cut short or has bytes appended", [], sha);
        PdfFile file;
        List<(string Name, PdfDictionary Value)> signatures;
        try
        {
            file = PdfFile.Parse(pdf);
            signatures = FindSignatures(file);
        }
        catch (PdfFormatException e)
        {
            var truncated = e.Reason.Contains("truncated", StringComparison.Ordinal) || e.Offset >= pdf.Length - 1 || e.Reason.Contains("end of file", StringComparison.Ordinal);
            return new VerificationReport(truncated ? DocumentVerdict.Truncated : DocumentVerdict.Malformed, "the PDF cannot be read: " + e.Message, [], sha);
        }
        if (signatures.Count == 0)
            return new VerificationReport(DocumentVerdict.Unsigned, "the PDF has no signature", [], sha);

        List<SignatureReport> reports;
        try
        {
            var store = DocumentSecurityStore.Read(file);
            reports = signatures.Select(s => VerifyOne(pdf, file, store, s.Name, s.Value))
                .OrderBy(r => r.ByteRange.Count == 4 ? r.ByteRange[2] + r.ByteRange[3] : long.MaxValue).ToList();
        }
        // Objects are read lazily: a damaged one may only show while a signature is checked. The input is untrusted,
        // so whatever a crafted file makes the readers throw is a verdict, not a crash.
        catch (Exception e) when (e is PdfFormatException or IndexOutOfRangeException or ArgumentException or InvalidCastException or OverflowException or IOException or InvalidDataException)
        {
            return new VerificationReport(DocumentVerdict.Malformed, "the PDF cannot be read: " + e.Message, [], sha);
        }
        var bad = reports.Where(r => !r.IsValid).ToList();
        foreach (var report in reports)
            _log.LogDebug("Signature {Field}: {Verdict} ({Reason})", report.FieldName, report.Verdict, report.Reason);
        return bad.Count == 0
            ? new VerificationReport(DocumentVerdict.Valid, $"{reports.Count} signature{(reports.Count == 1 ? "" : "s")}, all valid", reports, sha)
            : new VerificationReport(DocumentVerdict.Invalid, string.Join("; ", bad.Select(b => $"{b.FieldName}: {b.Reason}")), reports, sha);
    }

    private SignatureReport VerifyOne(byte[] pdf, PdfFile file, DocumentSecurityStore store, string name, PdfDictionary value)
    {
        var builder = new ReportBuilder(name);
        var ranges = (file.Resolve(value["ByteRange"]) as PdfArray)?.Items.Select(i => (file.Resolve(i) as PdfNumber)?.AsLong ?? -1).ToList() ?? [];
        builder.ByteRange = ranges;
        if (file.Resolve(value["Contents"]) is not PdfString contents)
            return builder.Fail(SignatureVerdict.Malformed, "the signature dictionary has no /Contents string");
        var subFilter = value.NameOf("SubFilter");
        if (subFilter is not ("ETSI.CAdES.detached" or "adbe.pkcs7.detached"))
            return builder.Fail(SignatureVerdict.Malformed, $"/SubFilter /{subFilter} is not a detached CMS signature");
        if (ranges.Count != 4 || ranges[0] != 0 || ranges.Any(r => r < 0) || ranges[1] >= ranges[2] || ranges[2] + ranges[3] > pdf.Length)
            return builder.Fail(SignatureVerdict.Malformed, $"/ByteRange [{string.Join(" ", ranges)}] is not two ranges from the start of the file around a hole");
        // The hole must be exactly this signature's /Contents hex string.
        var hole = pdf.AsSpan((int)ranges[1], (int)(ranges[2] - ranges[1]));
        if (hole[0] != '<' || hole[^1] != '>' || !HexEquals(hole[1..^1], contents.Value))
            return builder.Fail(SignatureVerdict.Malformed, "the /ByteRange hole is not this signature's /Contents");
        var revisionEnd = ranges[2] + ranges[3];
        if (!pdf.AsSpan(0, (int)revisionEnd).TrimEnd("\r\n"u8).EndsWith("%%EOF"u8))
            return builder.Fail(SignatureVerdict.Malformed, "the /ByteRange does not end at the end of a revision (%%EOF)");
        builder.CoversWholeRevision = true;

        var length = PadesCms.DerLength(contents.Value);
        if (length is null)
            return builder.Fail(SignatureVerdict.Malformed, "/Contents does not hold a DER CMS object");
        var signedContent = new byte[ranges[1] + ranges[3]];
        pdf.AsSpan(0, (int)ranges[1]).CopyTo(signedContent);
        pdf.AsSpan((int)ranges[2], (int)ranges[3]).CopyTo(signedContent.AsSpan((int)ranges[1]));
        CmsSignedData cms;
        SignerInformation signer;
        try
        {
            cms = new CmsSignedData(new CmsProcessableByteArray(signedContent), contents.Value.AsSpan(0, length.Value).ToArray());
            var signers = cms.GetSignerInfos().GetSigners();
            if (signers.Count != 1)
                return builder.Fail(SignatureVerdict.Malformed, $"the CMS holds {signers.Count} signer infos, not one");
            signer = signers.First();
        }
        catch (Exception e) when (e is CmsException or ArgumentException or InvalidCastException or IOException or Asn1Exception)
        {
            return builder.Fail(SignatureVerdict.Malformed, "/Contents is not a CMS SignedData: " + e.Message);
        }

        var pool = new List<X509Certificate>();
        void Pool(IEnumerable<X509Certificate> certificates)
        {
            foreach (var c in certificates)
            {
                if (!pool.Any(p => p.Equals(c)))
                    pool.Add(c);
            }
        }
        Pool(cms.GetCertificates().EnumerateMatches(null));
        Pool(store.Certificates);
        var certificate = pool.FirstOrDefault(c => signer.SignerID.Match(c));
        if (certificate is null)
            return builder.Fail(SignatureVerdict.InvalidSignature, "the signer's certificate is not in the signature or the document security store");
        builder.Signer = certificate.SubjectDN.ToString();

        if (signer.DigestAlgorithmID.Algorithm.Id != NistObjectIdentifiers.IdSha256.Id)
            return builder.Fail(SignatureVerdict.InvalidSignature, $"digest algorithm {signer.DigestAlgorithmID.Algorithm.Id} is not SHA-256");
        try
        {
            if (!signer.Verify(certificate))
                return builder.Fail(SignatureVerdict.InvalidSignature, "the signature value does not verify with the signer's public key");
        }
        catch (CmsException e) when (e.Message.Contains("digest", StringComparison.OrdinalIgnoreCase))
        {
            return builder.Fail(SignatureVerdict.SignedBytesChanged, "the signed bytes have changed since signing (message digest mismatch)");
        }
        catch (Exception e) when (e is CmsException or CertificateException or InvalidCastException or ArgumentException)
        {
            return builder.Fail(SignatureVerdict.InvalidSignature, "the CMS signature does not verify: " + e.Message);
        }
        var essError = CheckSigningCertificate(signer, certificate);
        if (essError is not null)
            return builder.Fail(SignatureVerdict.InvalidSignature, essError);

        // B-T: the timestamp fixes the time everything else is judged at.
        TimeStampToken? token;
        try
        {
            token = PadesCms.TimestampToken(signer);
        }
        catch (Exception e) when (e is TspException or ArgumentException or InvalidCastException or IOException or CmsException)
        {
            return builder.Fail(SignatureVerdict.TimestampInvalid, "the signature timestamp cannot be read: " + e.Message);
        }
        if (token is null)
            return builder.Fail(SignatureVerdict.TimestampMissing, "the signature has no timestamp (id-aa-signatureTimeStampToken)");
        Pool(token.GetCertificates().EnumerateMatches(null));
        var time = new DateTimeOffset(token.TimeStampInfo.GenTime, TimeSpan.Zero);
        builder.Time = time;
        var timestampError = CheckTimestamp(token, signer, pool, store, time, builder);
        if (timestampError is not null)
            return builder.Fail(SignatureVerdict.TimestampInvalid, timestampError);

        var chain = BuildChain(certificate, pool);
        builder.Chain = chain?.Select(c => c.SubjectDN.ToString()).ToList() ?? [builder.Signer];
        if (chain is null)
            return builder.Fail(SignatureVerdict.UntrustedChain, $"{certificate.SubjectDN} does not chain to a trust anchor");
        foreach (var link in chain)
        {
            if (time.UtcDateTime < link.NotBefore)
                return builder.Fail(SignatureVerdict.CertificateNotYetValid, $"at the timestamp's time {time:u} the certificate of {link.SubjectDN} was not yet valid (from {link.NotBefore:u})");
            if (time.UtcDateTime > link.NotAfter)
                return builder.Fail(SignatureVerdict.CertificateExpired, $"at the timestamp's time {time:u} the certificate of {link.SubjectDN} had expired ({link.NotAfter:u})");
        }
        var revocation = Revocation(chain[0], chain.Count > 1 ? chain[1] : chain[0], time, store, pool);
        builder.Revocation = revocation.Status;
        builder.RevocationSource = revocation.Source;
        if (revocation.Status == RevocationStatus.Revoked)
            return builder.Fail(SignatureVerdict.CertificateRevoked, $"the certificate was revoked at {revocation.RevokedAt:u}, before the timestamp's time {time:u} ({revocation.Source})");
        if (revocation.Status != RevocationStatus.Good)
            return builder.Fail(SignatureVerdict.RevocationUnknown, "no embedded OCSP response or CRL says the certificate was good at the timestamp's time");

        if (revisionEnd < pdf.Length)
        {
            string? change;
            try
            {
                change = ModificationCheck.DisallowedChange(PdfFile.Parse(pdf.AsSpan(0, (int)revisionEnd).ToArray()), file);
            }
            catch (PdfFormatException e)
            {
                change = "the signed revision cannot be read on its own: " + e.Message;
            }
            if (change is not null)
            {
                builder.ModifiedAfter = true;
                return builder.Fail(SignatureVerdict.DocumentModified, "the document changed after this signature: " + change);
            }
        }
        return builder.Pass(revisionEnd < pdf.Length
            ? $"valid; signed by {certificate.SubjectDN} at {time:u}; only allowed additions since"
            : $"valid; signed by {certificate.SubjectDN} at {time:u}");
    }

    private static string? CheckSigningCertificate(SignerInformation signer, X509Certificate certificate)
    {
        var attributes = signer.SignedAttributes;
        if (attributes?[Org.BouncyCastle.Asn1.Cms.CmsAttributes.ContentType] is null)
            return "the content-type signed attribute is missing";
        var ess = attributes[PkcsObjectIdentifiers.IdAASigningCertificateV2];
        if (ess is null)
            return "the ESS signing-certificate-v2 signed attribute is missing (required by PAdES)";
        var ids = SigningCertificateV2.GetInstance(ess.AttrValues[0]).GetCerts();
        var first = ids.FirstOrDefault();
        if (first is null)
            return "the ESS signing-certificate-v2 attribute names no certificate";
        var algorithm = first.HashAlgorithm.Algorithm;
        if (!algorithm.Equals(NistObjectIdentifiers.IdSha256))
            return $"the ESS signing-certificate-v2 hash {algorithm} is not SHA-256";
        return first.GetCertHash().AsSpan().SequenceEqual(SHA256.HashData(certificate.GetEncoded()))
            ? null
            : "the ESS signing-certificate-v2 attribute names another certificate than the signer's";
    }

    private string? CheckTimestamp(TimeStampToken token, SignerInformation signer, List<X509Certificate> pool, DocumentSecurityStore store, DateTimeOffset time, ReportBuilder builder)
    {
        var info = token.TimeStampInfo;
        if (info.MessageImprintAlgOid != NistObjectIdentifiers.IdSha256.Id)
            return $"the timestamp's imprint algorithm {info.MessageImprintAlgOid} is not SHA-256";
        if (!info.GetMessageImprintDigest().AsSpan().SequenceEqual(SHA256.HashData(signer.GetSignature())))
            return "the timestamp does not cover this signature value (imprint mismatch)";
        var tsa = pool.FirstOrDefault(c => token.SignerID.Match(c));
        if (tsa is null)
            return "the timestamp authority's certificate is not in the token or the document security store";
        builder.TimestampAuthority = tsa.SubjectDN.ToString();
        try
        {
            // Checks the token's signature, its ESS certificate id and the critical timeStamping extended key usage (RFC 3161 §2.3).
            token.Validate(tsa);
        }
        catch (Exception e) when (e is TspException or TspValidationException or CertificateException or ArgumentException)
        {
            return "the timestamp token does not verify: " + e.Message;
        }
        var chain = BuildChain(tsa, pool);
        if (chain is null)
            return $"the timestamp authority {tsa.SubjectDN} does not chain to a trust anchor";
        if (time.UtcDateTime < tsa.NotBefore || time.UtcDateTime > tsa.NotAfter)
            return $"the timestamp authority's certificate was not valid at {time:u}";
        var revocation = Revocation(tsa, chain.Count > 1 ? chain[1] : tsa, time, store, pool);
        if (revocation.Status == RevocationStatus.Revoked)
            return $"the timestamp authority's certificate was revoked at {revocation.RevokedAt:u}";
        return null;
    }

    /// <summary>The chain from <paramref name="certificate"/> up to a trust anchor, each link's signature checked; null when none.</summary>
    private List<X509Certificate>? BuildChain(X509Certificate certificate, List<X509Certificate> pool)
    {
        var chain = new List<X509Certificate> { certificate };
        var current = certificate;
        for (var depth = 0; depth < 8; depth++)
        {
            var anchor = _anchors.FirstOrDefault(a => a.SubjectDN.Equivalent(current.IssuerDN) && SignedBy(current, a));
            if (anchor is not null)
            {
                if (!anchor.Equals(current))
                    chain.Add(anchor);
                return chain;
            }
            var issuer = pool.FirstOrDefault(c => !c.Equals(current) && c.SubjectDN.Equivalent(current.IssuerDN) && c.GetBasicConstraints() >= 0 && SignedBy(current, c));
            if (issuer is null)
                return null;
            chain.Add(issuer);
            current = issuer;
        }
        return null;
    }

    private static bool SignedBy(X509Certificate certificate, X509Certificate issuer)
    {
        try
        {
            certificate.Verify(issuer.GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is CertificateException or InvalidKeyException or SignatureException or ArgumentException)
        {
            return false;
        }
    }

    private sealed record RevocationFinding(RevocationStatus Status, string? Source, DateTimeOffset? RevokedAt = null);

    /// <summary>
    /// The status of <paramref name="certificate"/> at <paramref name="time"/> from embedded OCSP responses (signed by
    /// the issuer or a delegated responder it certified, RFC 6960 §4.2.2.2) and CRLs (signed by the issuer): revoked
    /// when a revocation at or before the time is recorded; good when a response or CRL produced at or after the time
    /// (to the second) does not list it.
    /// </summary>
    private RevocationFinding Revocation(X509Certificate certificate, X509Certificate issuer, DateTimeOffset time, DocumentSecurityStore store, List<X509Certificate> pool)
    {
        var second = time.UtcDateTime.AddTicks(-(time.UtcDateTime.Ticks % TimeSpan.TicksPerSecond));
        RevocationFinding? good = null;
        foreach (var response in store.OcspResponses)
        {
            foreach (var single in response.Responses)
            {
                if (!single.GetCertID().SerialNumber.Equals(certificate.SerialNumber) || !MatchesIssuer(single.GetCertID(), issuer))
                    continue;
                if (!OcspSignedBy(response, issuer, pool))
                    continue;
                var status = single.GetCertStatus();
                if (status is RevokedStatus revoked)
                {
                    if (revoked.RevocationTime <= time.UtcDateTime)
                        return new RevocationFinding(RevocationStatus.Revoked, "OCSP", new DateTimeOffset(revoked.RevocationTime, TimeSpan.Zero));
                    good ??= new RevocationFinding(RevocationStatus.Good, $"OCSP (revoked later, at {revoked.RevocationTime:u})");
                }
                else if (status == CertificateStatus.Good && single.ThisUpdate >= second)
                    good ??= new RevocationFinding(RevocationStatus.Good, $"OCSP response of {response.ProducedAt:u}");
            }
        }
        foreach (var crl in store.Crls)
        {
            if (!crl.IssuerDN.Equivalent(certificate.IssuerDN))
                continue;
            try
            {
                crl.Verify(issuer.GetPublicKey());
            }
            catch (Exception e) when (e is CrlException or InvalidKeyException or SignatureException or ArgumentException)
            {
                continue;
            }
            var entry = crl.GetRevokedCertificate(certificate.SerialNumber);
            if (entry is not null && entry.RevocationDate <= time.UtcDateTime)
                return new RevocationFinding(RevocationStatus.Revoked, "CRL", new DateTimeOffset(entry.RevocationDate, TimeSpan.Zero));
            if (entry is null && crl.ThisUpdate >= second)
                good ??= new RevocationFinding(RevocationStatus.Good, $"CRL of {crl.ThisUpdate:u}");
        }
        return good ?? new RevocationFinding(RevocationStatus.Unknown, null);
    }

    private static bool MatchesIssuer(CertificateID id, X509Certificate issuer)
    {
        try
        {
            return id.MatchesIssuer(issuer);
        }
        catch (OcspException)
        {
            return false;
        }
    }

    private bool OcspSignedBy(BasicOcspResp response, X509Certificate issuer, List<X509Certificate> pool)
    {
        try
        {
            if (response.Verify(issuer.GetPublicKey()))
                return true;
            foreach (var responder in response.GetCerts().Concat(pool))
            {
                var purposes = responder.GetExtendedKeyUsage();
                if (purposes is null || !purposes.Contains(KeyPurposeID.id_kp_OCSPSigning) || !responder.IssuerDN.Equivalent(issuer.SubjectDN) || !SignedBy(responder, issuer))
                    continue;
                if (response.Verify(responder.GetPublicKey()))
                    return true;
            }
        }
        catch (Exception e) when (e is OcspException or CertificateParsingException or ArgumentException)
        {
            return false;
        }
        return false;
    }

    private static bool HexEquals(ReadOnlySpan<byte> hex, byte[] value)
    {
        if (hex.Length != 2 * value.Length)
            return false;
        try
        {
            return Convert.FromHexString(System.Text.Encoding.ASCII.GetString(hex)).AsSpan().SequenceEqual(value);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Signature fields with a value (§12.7.4.5), walking /Fields and /Kids; FT inherited from parents.</summary>
    private static List<(string, PdfDictionary)> FindSignatures(PdfFile file)
    {
        var found = new List<(string, PdfDictionary)>();
        var form = file.ResolveDictionary(file.Catalog["AcroForm"]);
        var seen = new HashSet<int>();
        void Walk(PdfObject? node, string? inheritedType, string prefix)
        {
            if (node is PdfReference r && !seen.Add(r.Number))
                return;
            var field = file.ResolveDictionary(node);
            if (field is null)
                return;
            var type = field.NameOf("FT") ?? inheritedType;
            var partial = (file.Resolve(field["T"]) as PdfString)?.AsText();
            var name = partial is null ? prefix : prefix.Length == 0 ? partial : prefix + "." + partial;
            if (type == "Sig" && file.ResolveDictionary(field["V"]) is { } value)
                found.Add((name, value));
            if (file.Resolve(field["Kids"]) is PdfArray kids)
            {
                foreach (var kid in kids.Items)
                    Walk(kid, type, name);
            }
        }
        if (file.Resolve(form?["Fields"]) is PdfArray fields)
        {
            foreach (var field in fields.Items)
                Walk(field, null, "");
        }
        return found;
    }

    private sealed class ReportBuilder(string name)
    {
        public string? Signer { get; set; }

        public IReadOnlyList<string> Chain { get; set; } = [];

        public DateTimeOffset? Time { get; set; }

        public string? TimestampAuthority { get; set; }

        public RevocationStatus Revocation { get; set; } = RevocationStatus.NotChecked;

        public string? RevocationSource { get; set; }

        public IReadOnlyList<long> ByteRange { get; set; } = [];

        public bool CoversWholeRevision { get; set; }

        public bool ModifiedAfter { get; set; }

        public SignatureReport Fail(SignatureVerdict verdict, string reason) =>
            new(name, verdict, reason, Signer, Chain.Count > 0 ? Chain : Signer is null ? [] : [Signer], Time, TimestampAuthority, Revocation, RevocationSource, ByteRange, CoversWholeRevision, ModifiedAfter);

        public SignatureReport Pass(string reason) => Fail(SignatureVerdict.Valid, reason);
    }
}

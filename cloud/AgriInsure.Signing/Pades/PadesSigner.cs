using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgriInsure.Signing.Pdf;
using AgriInsure.Signing.Pki;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.Utilities.Collections;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace AgriInsure.Signing.Pades;

/// <summary>A rectangle on a page in PDF points (1/72 inch), from the page's lower-left corner.</summary>
public sealed record SignatureRectangle(double Left, double Bottom, double Width, double Height);

/// <summary>
/// One signature to add: who signs (<see cref="Signer"/>), where the visible block goes (1-based
/// <see cref="Page"/> and <see cref="Rectangle"/>), the name it shows, an optional seal image (PNG or JPEG bytes) and
/// the optional /Reason and /Location of the signature dictionary.
/// </summary>
public sealed record SignatureRequest(SigningCredential Signer, int Page, SignatureRectangle Rectangle, string DisplayName)
{
    public byte[]? SealImage { get; init; }

    public string? Reason { get; init; }

    public string? Location { get; init; }
}

/// <summary>A signed PDF: its bytes, the new field's name, the timestamp's time and the signature's CMS (DER).</summary>
public sealed record SignedPdf(byte[] Bytes, string FieldName, DateTimeOffset TimestampTime, byte[] Cms);

/// <summary>Where the visible block's font comes from (Debian fonts-wqy-microhei by default: it draws Chinese names).</summary>
public sealed record PadesSignerOptions
{
    public string FontPath { get; init; } = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

    public int FontFace { get; init; }

    /// <summary>Room reserved for the CMS in /Contents, in bytes (written as twice as many hex digits).</summary>
    public int ContentsBytes { get; init; } = 8 * 1024;
}

/// <summary>
/// Adds PAdES baseline signatures (ETSI EN 319 142-1) to any PDF, each level by incremental update so that the bytes
/// before stay as they were and earlier signatures stay valid:
/// <list type="number">
/// <item>B-B: a signature field with a visible widget, a signature dictionary (/Filter /Adobe.PPKLite, /SubFilter
/// /ETSI.CAdES.detached, /ByteRange over the whole file but the /Contents hole, /M the claimed time) and a CMS
/// SignedData (RFC 5652) over the byte range with SHA-256 and the signed attributes content-type, message-digest and
/// ESS signing-certificate-v2 (RFC 5035); no signing-time attribute (EN 319 142-1 §5.3: the time comes from the
/// timestamp);</item>
/// <item>B-T: an RFC 3161 signature timestamp as the unsigned attribute id-aa-signatureTimeStampToken (RFC 3161
/// appendix A), whose imprint is the SHA-256 of the signature value;</item>
/// <item>B-LT: a second update with a document security store (/DSS: /Certs, /OCSPs, /CRLs and a /VRI entry keyed by
/// the upper-case hex SHA-1 of the signature's /Contents, ETSI EN 319 142-1 §5.4) holding the chain and the
/// revocation data of the signer's and the TSA's certificates, so the file verifies without reaching any service.</item>
/// </list>
/// The signer signs as told: whether the certificate is good at that moment is for <see cref="PadesVerifier"/> to say.
/// </summary>
public sealed class PadesSigner
{
    private readonly ITrustServicesClient _trust;
    private readonly TimeProvider _clock;
    private readonly PadesSignerOptions _options;
    private readonly ILogger _log;
    private readonly Lazy<TrueTypeFont> _font;

    public PadesSigner(ITrustServicesClient trust, TimeProvider? clock = null, PadesSignerOptions? options = null, ILogger<PadesSigner>? log = null)
    {
        _trust = trust;
        _clock = clock ?? TimeProvider.System;
        _options = options ?? new PadesSignerOptions();
        _log = (ILogger?)log ?? NullLogger.Instance;
        _font = new Lazy<TrueTypeFont>(LoadFont);
    }

    /// <summary>Signs <paramref name="pdf"/> to PAdES B-LT (two incremental updates).</summary>
    /// <exception cref="SigningException">the PDF cannot be read or is encrypted, the request is bad, or a trust service refused.</exception>
    public async Task<SignedPdf> SignAsync(byte[] pdf, SignatureRequest request, CancellationToken cancel = default)
    {
        var watch = Stopwatch.StartNew();
        var signed = await SignTimestampedAsync(pdf, request, cancel);
        var complete = await AddDocumentSecurityStoreAsync(signed.Bytes, signed.Cms, signed.Chain, cancel);
        _log.LogInformation("Signed {Field} for {Signer} in {Elapsed} ms (timestamp {Time:O})", signed.FieldName, request.Signer.Subject, watch.ElapsedMilliseconds, signed.Time);
        return new SignedPdf(complete, signed.FieldName, signed.Time, signed.Cms);
    }

    private async Task<(byte[] Bytes, string FieldName, DateTimeOffset Time, byte[] Cms, List<X509Certificate> Chain)> SignTimestampedAsync(byte[] pdf, SignatureRequest request, CancellationToken cancel)
    {
        var file = Open(pdf);
        var pages = file.Pages();
        if (request.Page < 1 || request.Page > pages.Count)
            throw new SigningException("page", $"{request.Page} is not a page of this {pages.Count}-page PDF");
        var rect = request.Rectangle;
        if (!(rect.Width >= 20 && rect.Height >= 10 && rect.Width <= 2000 && rect.Height <= 2000 && double.IsFinite(rect.Left) && double.IsFinite(rect.Bottom)))
            throw new SigningException("rectangle", $"{rect.Width}×{rect.Height} pt: a signature block is 20–2000 pt wide and 10–2000 pt high");
        var displayName = SubjectNamesText(request.DisplayName);
        var (pageReference, page) = pages[request.Page - 1];

        var update = new IncrementalUpdate(file);
        var now = _clock.GetUtcNow();
        var byteRange = new PdfPlaceholder("[0 0000000000 0000000000 0000000000]");
        var contents = new PdfPlaceholder("<" + new string('0', 2 * _options.ContentsBytes) + ">");
        var value = new PdfDictionary
        {
            ["Type"] = new PdfName("Sig"),
            ["Filter"] = new PdfName("Adobe.PPKLite"),
            ["SubFilter"] = new PdfName("ETSI.CAdES.detached"),
            ["M"] = PdfString.Text(PdfDate(now)),
            ["Name"] = PdfString.Text(displayName),
        };
        if (request.Reason is not null)
            value["Reason"] = PdfString.Text(SubjectNamesText(request.Reason, "reason"));
        if (request.Location is not null)
            value["Location"] = PdfString.Text(SubjectNamesText(request.Location, "location"));
        value["ByteRange"] = byteRange;
        value["Contents"] = contents;
        var valueReference = update.Add(value);

        var lines = new[] { displayName, "签署 Signed " + now.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) };
        var appearance = SignatureAppearance.Build(update, _font.Value, rect.Width, rect.Height, lines, request.SealImage);
        var fieldName = NewFieldName(file);
        var widget = update.Add(new PdfDictionary
        {
            ["Type"] = new PdfName("Annot"),
            ["Subtype"] = new PdfName("Widget"),
            ["FT"] = new PdfName("Sig"),
            ["T"] = PdfString.Text(fieldName),
            ["V"] = valueReference,
            ["F"] = new PdfNumber(132),
            ["P"] = pageReference,
            ["Rect"] = new PdfArray(new PdfNumber(rect.Left), new PdfNumber(rect.Bottom), new PdfNumber(rect.Left + rect.Width), new PdfNumber(rect.Bottom + rect.Height)),
            ["AP"] = new PdfDictionary { ["N"] = appearance },
        });
        AppendToArray(update, pageReference, page, "Annots", widget);
        AddField(update, file, widget);

        var prepared = update.Write();
        var holeStart = contents.WrittenAt;
        var holeEnd = holeStart + contents.Text.Length;
        var ranges = new[] { 0L, holeStart, holeEnd, prepared.Length - holeEnd };
        var rangeText = string.Create(CultureInfo.InvariantCulture, $"[0 {ranges[1]} {ranges[2]} {ranges[3]}]").PadRight(byteRange.Text.Length);
        Encoding.ASCII.GetBytes(rangeText).CopyTo(prepared, byteRange.WrittenAt);

        var content = new byte[ranges[1] + ranges[3]];
        prepared.AsSpan(0, (int)ranges[1]).CopyTo(content);
        prepared.AsSpan((int)ranges[2], (int)ranges[3]).CopyTo(content.AsSpan((int)ranges[1]));
        var (cms, time, chain) = await CmsAsync(content, request.Signer, cancel);
        if (cms.Length > _options.ContentsBytes)
            throw new SigningException("contentsBytes", $"the signature needs {cms.Length} bytes, more than the {_options.ContentsBytes} reserved");
        Encoding.ASCII.GetBytes(Convert.ToHexString(cms)).CopyTo(prepared, holeStart + 1);
        return (prepared, fieldName, time, cms, chain);
    }

    private async Task<(byte[] Cms, DateTimeOffset Time, List<X509Certificate> Chain)> CmsAsync(byte[] content, SigningCredential signer, CancellationToken cancel)
    {
        var certificate = signer.Certificate;
        var essAttribute = new Attribute(PkcsObjectIdentifiers.IdAASigningCertificateV2, new DerSet(new SigningCertificateV2(
            [new EssCertIDv2(SHA256.HashData(certificate.GetEncoded()), new IssuerSerial(new GeneralNames(new GeneralName(certificate.IssuerDN)), new DerInteger(certificate.SerialNumber)))])));
        var generator = new CmsSignedDataGenerator();
        generator.AddSignerInfoGenerator(new SignerInfoGeneratorBuilder()
            .WithSignedAttributeGenerator(new PadesSignedAttributes(essAttribute))
            .Build(new Asn1SignatureFactory("SHA256WITHECDSA", signer.PrivateKey), certificate));
        var chain = new List<X509Certificate> { certificate };
        chain.AddRange(signer.Chain);
        generator.AddCertificates(CollectionUtilities.CreateStore(chain));
        var signedData = generator.Generate(new CmsProcessableByteArray(content), encapsulate: false);

        var signerInfo = signedData.GetSignerInfos().GetSigners().Single();
        var token = await TimestampAsync(signerInfo.GetSignature(), cancel);
        var unsigned = new AttributeTable(new Asn1EncodableVector(new Attribute(PkcsObjectIdentifiers.IdAASignatureTimeStampToken, new DerSet(token.ToCmsSignedData().ContentInfo))));
        var stamped = SignerInformation.ReplaceUnsignedAttributes(signerInfo, unsigned);
        signedData = CmsSignedData.ReplaceSigners(signedData, new SignerInformationStore(stamped));
        return (signedData.GetEncoded("DER"), new DateTimeOffset(token.TimeStampInfo.GenTime, TimeSpan.Zero), chain);
    }

    private async Task<TimeStampToken> TimestampAsync(byte[] signatureValue, CancellationToken cancel)
    {
        var requestBytes = TimeStampAuthority.Request(SHA256.HashData(signatureValue), out _);
        var request = new TimeStampRequest(requestBytes);
        byte[] answer;
        try
        {
            answer = await _trust.TimeStampAsync(requestBytes, cancel);
        }
        catch (HttpRequestException e)
        {
            throw new SigningException("tsa", "the time-stamping authority could not be reached: " + e.Message, e);
        }
        try
        {
            var response = new TimeStampResponse(answer);
            response.Validate(request);
            return response.TimeStampToken ?? throw new SigningException("tsa", $"refused the request: {response.GetStatusString() ?? "no reason given"}");
        }
        catch (Exception e) when (e is TspException or IOException or ArgumentException)
        {
            throw new SigningException("tsa", "answered with no valid timestamp: " + e.Message, e);
        }
    }

    /// <summary>
    /// The B-LT update: a new /DSS (the old one's entries kept) with the chain, the OCSP responses and CRLs for the
    /// signer's and the TSA's certificates, and a /VRI entry for this signature; the catalog points at it.
    /// </summary>
    private async Task<byte[]> AddDocumentSecurityStoreAsync(byte[] pdf, byte[] cms, List<X509Certificate> chain, CancellationToken cancel)
    {
        var signedData = new CmsSignedData(cms);
        var token = PadesCms.TimestampToken(signedData.GetSignerInfos().GetSigners().Single());
        var certificates = new List<X509Certificate>(chain);
        foreach (var c in token?.GetCertificates().EnumerateMatches(null) ?? [])
        {
            if (!certificates.Any(x => x.Equals(c)))
                certificates.Add(c);
        }
        var ocsps = new List<byte[]>();
        var crls = new List<byte[]>();
        foreach (var certificate in certificates.Where(c => !IsSelfSigned(c)))
        {
            var issuer = certificates.FirstOrDefault(c => c.SubjectDN.Equivalent(certificate.IssuerDN) && !c.Equals(certificate));
            if (issuer is null)
                throw new SigningException("certificate", $"the issuer of {certificate.SubjectDN} is not in the chain");
            try
            {
                var ocsp = await _trust.OcspAsync(certificate, OcspResponder.Request(certificate, issuer), cancel);
                if (new OcspResp(ocsp).Status != OcspRespStatus.Successful)
                    throw new SigningException("ocsp", $"the responder did not answer for {certificate.SubjectDN}");
                ocsps.Add(ocsp);
                var crl = await _trust.CrlAsync(certificate, cancel);
                if (!crls.Any(c => c.AsSpan().SequenceEqual(crl)))
                    crls.Add(crl);
            }
            catch (HttpRequestException e)
            {
                throw new SigningException("revocation", $"the revocation services for {certificate.SubjectDN} could not be reached: " + e.Message, e);
            }
        }
        // The OCSP responder's own certificate signs the responses: a verifier needs it, and its chain.
        foreach (var ocsp in ocsps)
        {
            foreach (var c in ((BasicOcspResp)new OcspResp(ocsp).GetResponseObject()).GetCerts())
            {
                if (!certificates.Any(x => x.Equals(c)))
                    certificates.Add(c);
            }
        }

        var file = Open(pdf);
        var update = new IncrementalUpdate(file);
        var catalog = file.Catalog.Copy();
        var old = file.ResolveDictionary(catalog["DSS"]);
        // Each array keeps the old store's entries and adds this signature's; the VRI entry names just this signature's.
        (PdfArray All, List<PdfObject> Added) Merge(string key, IEnumerable<byte[]> items)
        {
            var added = items.Select(bytes => (PdfObject)update.Add(PdfStream.Deflated(new PdfDictionary(), bytes))).ToList();
            var existing = (file.Resolve(old?[key]) as PdfArray)?.Items ?? [];
            return (new PdfArray(existing.Concat(added).ToList()), added);
        }
        var (certArray, certRefs) = Merge("Certs", certificates.Select(c => c.GetEncoded()));
        var (ocspArray, ocspRefs) = Merge("OCSPs", ocsps);
        var (crlArray, crlRefs) = Merge("CRLs", crls);
        var dss = new PdfDictionary { ["Type"] = new PdfName("DSS"), ["Certs"] = certArray, ["OCSPs"] = ocspArray, ["CRLs"] = crlArray };
        var vri = file.ResolveDictionary(old?["VRI"])?.Copy() ?? new PdfDictionary();
        // The VRI key: SHA-1 of the /Contents string's bytes as stored (the CMS and its zero padding), upper-case hex.
        var contentsValue = new byte[_options.ContentsBytes];
        cms.CopyTo(contentsValue, 0);
        vri[Convert.ToHexString(SHA1.HashData(contentsValue))] = new PdfDictionary
        {
            ["Cert"] = new PdfArray(certRefs),
            ["OCSP"] = new PdfArray(ocspRefs),
            ["CRL"] = new PdfArray(crlRefs),
            ["TU"] = PdfString.Text(PdfDate(_clock.GetUtcNow())),
        };
        dss["VRI"] = vri;
        catalog["DSS"] = update.Add(dss);
        update.Replace(file.RootReference, catalog);
        return update.Write();
    }

    private static bool IsSelfSigned(X509Certificate c) => c.SubjectDN.Equivalent(c.IssuerDN);

    private static PdfFile Open(byte[] pdf)
    {
        PdfFile file;
        try
        {
            file = PdfFile.Parse(pdf);
            _ = file.Catalog;
        }
        catch (PdfFormatException e)
        {
            throw new SigningException("pdf", "cannot be read: " + e.Message, e);
        }
        if (file.Trailer["Encrypt"] is not null)
            throw new SigningException("pdf", "is encrypted; encrypted PDFs are not signed here");
        return file;
    }

    private static string NewFieldName(PdfFile file)
    {
        var names = new HashSet<string>();
        var form = file.ResolveDictionary(file.Catalog["AcroForm"]);
        if (file.Resolve(form?["Fields"]) is PdfArray fields)
        {
            foreach (var field in fields.Items)
            {
                if (file.ResolveDictionary(field)?["T"] is PdfString t)
                    names.Add(t.AsText());
            }
        }
        for (var n = 1; ; n++)
        {
            var name = "Signature" + n.ToString(CultureInfo.InvariantCulture);
            if (!names.Contains(name))
                return name;
        }
    }

    // Appends an item to an array entry of an object, writing whichever object holds the array.
    private static void AppendToArray(IncrementalUpdate update, PdfReference ownerReference, PdfDictionary owner, string key, PdfReference item)
    {
        var file = update.File;
        if (owner[key] is PdfReference arrayReference && file.Get(arrayReference) is PdfArray shared)
        {
            update.Replace(arrayReference, new PdfArray(shared.Items.Append(item).ToList()));
            return;
        }
        var copy = owner.Copy();
        copy[key] = new PdfArray(((owner[key] as PdfArray)?.Items ?? []).Append(item).ToList());
        update.Replace(ownerReference, copy);
    }

    private static void AddField(IncrementalUpdate update, PdfFile file, PdfReference field)
    {
        var catalog = file.Catalog;
        switch (catalog["AcroForm"])
        {
            case PdfReference formReference when file.Get(formReference) is PdfDictionary form:
                var copy = form.Copy();
                copy["SigFlags"] = new PdfNumber(3);
                if (copy["Fields"] is PdfReference fieldsReference && file.Get(fieldsReference) is PdfArray fields)
                    update.Replace(fieldsReference, new PdfArray(fields.Items.Append(field).ToList()));
                else
                    copy["Fields"] = new PdfArray(((form["Fields"] as PdfArray)?.Items ?? []).Append(field).ToList());
                update.Replace(formReference, copy);
                break;
            default:
                var inline = (catalog["AcroForm"] as PdfDictionary)?.Copy() ?? new PdfDictionary();
                // SigFlags 3: SignaturesExist | AppendOnly (§12.7.2): viewers must save by incremental update.
                inline["SigFlags"] = new PdfNumber(3);
                inline["Fields"] = new PdfArray(((file.Resolve(inline["Fields"]) as PdfArray)?.Items ?? []).Append(field).ToList());
                var newCatalog = catalog.Copy();
                newCatalog["AcroForm"] = update.Add(inline);
                update.Replace(file.RootReference, newCatalog);
                break;
        }
    }

    private TrueTypeFont LoadFont()
    {
        if (!File.Exists(_options.FontPath))
            throw new SigningException("fontPath", $"{_options.FontPath} is missing (Debian package fonts-wqy-microhei)");
        try
        {
            return TrueTypeFont.Load(File.ReadAllBytes(_options.FontPath), _options.FontFace);
        }
        catch (InvalidDataException e)
        {
            throw new SigningException("fontPath", $"{_options.FontPath}: {e.Message}", e);
        }
    }

    private static string SubjectNamesText(string value, string field = "displayName")
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new SigningException(field, "is empty");
        if (value.Length > 200 || value.Any(char.IsControl))
            throw new SigningException(field, "is longer than 200 characters or holds a control character");
        return value.Trim();
    }

    // ISO 32000-1 §7.9.4 date: D:YYYYMMDDHHmmSSZ.
    internal static string PdfDate(DateTimeOffset time) => "D:" + time.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "Z";
}

/// <summary>The PAdES signed attributes: content-type, message-digest and ESS signing-certificate-v2; never signing-time.</summary>
internal sealed class PadesSignedAttributes(Attribute signingCertificate) : CmsAttributeTableGenerator
{
    public AttributeTable GetAttributes(IDictionary<CmsAttributeTableParameter, object> parameters)
    {
        var contentType = (DerObjectIdentifier)parameters[CmsAttributeTableParameter.ContentType];
        var digest = (byte[])parameters[CmsAttributeTableParameter.Digest];
        return new AttributeTable(new Asn1EncodableVector(
            new Attribute(CmsAttributes.ContentType, new DerSet(contentType)),
            new Attribute(CmsAttributes.MessageDigest, new DerSet(new DerOctetString(digest))),
            signingCertificate));
    }
}

using AgriInsure.Signing.Pdf;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace AgriInsure.Signing.Pades;

/// <summary>
/// The validation data of a PDF's /DSS (ETSI EN 319 142-1 §5.4.2): certificates, OCSP responses (each a DER
/// OCSPResponse) and CRLs. Entries that do not parse are skipped: they cannot vouch for anything.
/// </summary>
internal sealed class DocumentSecurityStore
{
    public List<X509Certificate> Certificates { get; } = [];

    public List<BasicOcspResp> OcspResponses { get; } = [];

    public List<X509Crl> Crls { get; } = [];

    public static DocumentSecurityStore Read(PdfFile file)
    {
        var store = new DocumentSecurityStore();
        var dss = file.ResolveDictionary(file.Catalog["DSS"]);
        if (dss is null)
            return store;
        foreach (var data in Streams(file, dss["Certs"]))
        {
            try
            {
                store.Certificates.Add(new X509Certificate(data));
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidCastException or Org.BouncyCastle.Security.Certificates.CertificateException)
            {
                // Not a certificate: skipped.
            }
        }
        foreach (var data in Streams(file, dss["OCSPs"]))
        {
            try
            {
                if (new OcspResp(data).GetResponseObject() is BasicOcspResp basic)
                    store.OcspResponses.Add(basic);
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidCastException or OcspException)
            {
                // Not an OCSP response: skipped.
            }
        }
        foreach (var data in Streams(file, dss["CRLs"]))
        {
            try
            {
                store.Crls.Add(new X509Crl(data));
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidCastException or Org.BouncyCastle.Security.Certificates.CrlException)
            {
                // Not a CRL: skipped.
            }
        }
        return store;
    }

    private static IEnumerable<byte[]> Streams(PdfFile file, PdfObject? array)
    {
        if (file.Resolve(array) is not PdfArray items)
            yield break;
        foreach (var item in items.Items)
        {
            byte[]? data = null;
            try
            {
                if (file.Resolve(item) is PdfStream stream)
                    data = file.Decode(stream);
            }
            catch (PdfFormatException)
            {
                // A stream that does not decode is skipped.
            }
            if (data is not null)
                yield return data;
        }
    }
}

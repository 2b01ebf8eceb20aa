using System.Net.Http.Headers;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace AgriInsure.Signing.Pki;

/// <summary>
/// What a signer asks of the trust services: a timestamp (RFC 3161 request → response), the OCSP status of a
/// certificate (RFC 6960 request → response) and the CRL that covers it (DER). Bytes in, bytes out, so that the same
/// signer works in process and over HTTP.
/// </summary>
public interface ITrustServicesClient
{
    Task<byte[]> TimeStampAsync(byte[] timeStampRequest, CancellationToken cancel);

    Task<byte[]> OcspAsync(X509Certificate certificate, byte[] ocspRequest, CancellationToken cancel);

    Task<byte[]> CrlAsync(X509Certificate certificate, CancellationToken cancel);
}

/// <summary>The trust services of a CA in this process (a host that runs the CA itself).</summary>
public sealed class InProcessTrustClient(CertificateAuthority ca, OcspResponder ocsp, TimeStampAuthority tsa) : ITrustServicesClient
{
    public Task<byte[]> TimeStampAsync(byte[] timeStampRequest, CancellationToken cancel) => Task.FromResult(tsa.Respond(timeStampRequest));

    public Task<byte[]> OcspAsync(X509Certificate certificate, byte[] ocspRequest, CancellationToken cancel) => Task.FromResult(ocsp.Respond(ocspRequest));

    public Task<byte[]> CrlAsync(X509Certificate certificate, CancellationToken cancel) => Task.FromResult(ca.IssueCrl());
}

/// <summary>
/// The trust services over HTTP: the TSA at a URL given here, OCSP at each certificate's AIA OCSP URL, the CRL at its
/// CRL distribution point (RFC 5280 §4.2.1.13, §4.2.2.1).
/// </summary>
public sealed class HttpTrustClient(HttpClient http, Uri tsaUrl) : ITrustServicesClient
{
    public Task<byte[]> TimeStampAsync(byte[] timeStampRequest, CancellationToken cancel) =>
        PostAsync(tsaUrl, timeStampRequest, TimeStampAuthority.RequestMediaType, cancel);

    public Task<byte[]> OcspAsync(X509Certificate certificate, byte[] ocspRequest, CancellationToken cancel)
    {
        var aia = AuthorityInformationAccess.GetInstance(certificate.GetExtensionParsedValue(X509Extensions.AuthorityInfoAccess));
        var url = aia?.GetAccessDescriptions().FirstOrDefault(d => d.AccessMethod.Equals(AccessDescription.IdADOcsp))?.AccessLocation;
        if (url is null || url.TagNo != GeneralName.UniformResourceIdentifier)
            throw new SigningException("certificate", $"{certificate.SubjectDN} names no OCSP responder");
        return PostAsync(new Uri(((IAsn1String)url.Name).GetString()), ocspRequest, OcspResponder.RequestMediaType, cancel);
    }

    public async Task<byte[]> CrlAsync(X509Certificate certificate, CancellationToken cancel)
    {
        var points = CrlDistPoint.GetInstance(certificate.GetExtensionParsedValue(X509Extensions.CrlDistributionPoints));
        var name = points?.GetDistributionPoints().Select(p => p.DistributionPointName?.Name).OfType<GeneralNames>()
            .SelectMany(n => n.GetNames()).FirstOrDefault(n => n.TagNo == GeneralName.UniformResourceIdentifier);
        if (name is null)
            throw new SigningException("certificate", $"{certificate.SubjectDN} names no CRL distribution point");
        using var response = await http.GetAsync(new Uri(((IAsn1String)name.Name).GetString()), cancel);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(cancel);
    }

    private async Task<byte[]> PostAsync(Uri url, byte[] body, string mediaType, CancellationToken cancel)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await http.PostAsync(url, content, cancel);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(cancel);
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Signing.Pki;

/// <summary>
/// The CA's online services over HTTP: <c>POST /ocsp</c> (application/ocsp-request, RFC 6960 appendix A.1),
/// <c>POST /tsa</c> (application/timestamp-query, RFC 3161 §3.4) and <c>GET /crl</c> (the current CRL, DER). A host maps
/// them with <see cref="MapTrustServices"/>; <see cref="StartLoopbackAsync"/> serves them alone on 127.0.0.1.
/// </summary>
public static class TrustServices
{
    /// <summary>Requests larger than this are refused (413): an OCSP or TSA request is a few hundred bytes.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    /// <summary>Maps the three endpoints under <paramref name="prefix"/> (e.g. "" or "/pki").</summary>
    public static IEndpointRouteBuilder MapTrustServices(this IEndpointRouteBuilder routes, CertificateAuthority ca, OcspResponder ocsp, TimeStampAuthority tsa, string prefix = "") =>
        routes.MapTrustServices(_ => (ca, ocsp, tsa), prefix);

    /// <summary>Maps the three endpoints under <paramref name="prefix"/>, the CA and its responders found per request by
    /// <paramref name="services"/>: for a host whose CA is opened when it starts, after its routes are mapped.</summary>
    public static IEndpointRouteBuilder MapTrustServices(this IEndpointRouteBuilder routes,
        Func<HttpContext, (CertificateAuthority Ca, OcspResponder Ocsp, TimeStampAuthority Tsa)> services, string prefix = "")
    {
        routes.MapPost(prefix + "/ocsp", (Func<HttpContext, Task<IResult>>)(context =>
            Answer(context, OcspResponder.RequestMediaType, OcspResponder.ResponseMediaType, bytes => services(context).Ocsp.Respond(bytes))));
        routes.MapPost(prefix + "/tsa", (Func<HttpContext, Task<IResult>>)(context =>
            Answer(context, TimeStampAuthority.RequestMediaType, TimeStampAuthority.ResponseMediaType, bytes => services(context).Tsa.Respond(bytes))));
        routes.MapGet(prefix + "/crl", (Func<HttpContext, IResult>)(context => Results.Bytes(services(context).Ca.IssueCrl(), "application/pkix-crl")));
        return routes;
    }

    /// <summary>
    /// Serves the endpoints on http://127.0.0.1:<paramref name="port"/> (0: a free port) until the returned app is
    /// disposed. The base address is in <see cref="LoopbackTrustServices.BaseUrl"/>.
    /// </summary>
    public static async Task<LoopbackTrustServices> StartLoopbackAsync(CertificateAuthority ca, int port = 0, ILoggerFactory? logs = null, CancellationToken cancel = default)
    {
        logs ??= NullLoggerFactory.Instance;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapTrustServices(ca, new OcspResponder(ca, logs.CreateLogger<OcspResponder>()), new TimeStampAuthority(ca, logs.CreateLogger<TimeStampAuthority>()));
        await app.StartAsync(cancel);
        var address = app.Urls.First();
        return new LoopbackTrustServices(app, new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal)));
    }

    private static async Task<IResult> Answer(HttpContext context, string requestType, string responseType, Func<byte[], byte[]> respond)
    {
        if (!string.Equals(context.Request.ContentType?.Split(';')[0].Trim(), requestType, StringComparison.OrdinalIgnoreCase))
            return Results.Text($"Content-Type must be {requestType}", statusCode: StatusCodes.Status415UnsupportedMediaType);
        if (context.Request.ContentLength > MaxRequestBytes)
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        using var body = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            body.Write(buffer, 0, read);
            if (body.Length > MaxRequestBytes)
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }
        return Results.Bytes(respond(body.ToArray()), responseType);
    }
}

/// <summary>The trust services running on loopback; disposing stops them.</summary>
public sealed class LoopbackTrustServices(WebApplication app, Uri baseUrl) : IAsyncDisposable
{
    public Uri BaseUrl { get; } = baseUrl;

    public Uri OcspUrl => new(BaseUrl, "ocsp");

    public Uri TsaUrl => new(BaseUrl, "tsa");

    public Uri CrlUrl => new(BaseUrl, "crl");

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

using System.IdentityModel.Tokens.Jwt;
using System.IO.Compression;
using AgriInsure.Cloud.Host.Api;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgriInsure.Cloud.Host.Web;

/// <summary>The web pages (<c>tools/web</c>, bundled into the host's <c>site/</c> folder) served from the same origin as
/// the API, and the browser's session: the same bearer token the API takes, kept in an HttpOnly cookie so that images
/// and links carry it without script access to it.</summary>
public static class WebPages
{
    /// <summary>The session cookie: the user's JWT itself, HttpOnly, SameSite=Strict, expiring with the token.</summary>
    public const string SessionCookie = "agri_session";

    /// <summary>The header every page request sends. A cookie-authenticated request that changes something must carry
    /// it: another site's page cannot add a custom header to a cross-origin request without the host's CORS consent,
    /// which the host never gives (the OWASP "custom request header" defence against CSRF).</summary>
    public const string CsrfHeader = "X-Agri-Csrf";

    /// <summary>Where the bundle lies beside the host's assembly (copied there by the build).</summary>
    public static string SiteFolder => Path.Combine(AppContext.BaseDirectory, "site");

    /// <summary>Gzip and Brotli for text (the bundle, JSON, SVG); PNG and JPEG are compressed already.</summary>
    public static IServiceCollection AddAgriWeb(this IServiceCollection services)
    {
        services.AddResponseCompression(o =>
        {
            // Pages and API answers are per user; compressing them over TLS is safe here because no secret the user
            // did not send is reflected beside attacker-chosen text (BREACH needs both).
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(["application/problem+json", "image/svg+xml"]);
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure(jwt => jwt.Events = new JwtBearerEvents
        {
            OnMessageReceived = c =>
            {
                if (c.Request.Headers.Authorization.Count > 0 || !c.Request.Cookies.TryGetValue(SessionCookie, out var token))
                    return Task.CompletedTask;
                if (HttpMethods.IsGet(c.Request.Method) || HttpMethods.IsHead(c.Request.Method) || c.Request.Headers.ContainsKey(CsrfHeader))
                    c.Token = token;
                return Task.CompletedTask;
            },
        });
        return services;
    }

    /// <summary>Compression, the bundle's files and <c>/</c> (index.html), before authentication: the pages themselves
    /// hold no data; what they show comes from the API under the user's session.</summary>
    public static WebApplication UseAgriWeb(this WebApplication app)
    {
        app.UseResponseCompression();
        if (!Directory.Exists(SiteFolder))
        {
            app.Logger.LogWarning("The web pages are not served: {Folder} is missing (build the host again)", SiteFolder);
            return app;
        }
        var files = new PhysicalFileProvider(SiteFolder);
        app.Use(async (http, next) =>
        {
            if (http.Request.Path == "/" || http.Request.Path == "/index.html")
                Secure(http.Response.Headers);
            await next(http);
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = c =>
            {
                // Bundle files are named by their content's hash: keep them; index.html names the current ones: ask again.
                c.Context.Response.Headers.CacheControl = c.File.Name == "index.html" ? "no-cache" : "public, max-age=31536000, immutable";
                c.Context.Response.Headers.XContentTypeOptions = "nosniff";
            },
        });
        return app;
    }

    private static void Secure(IHeaderDictionary headers)
    {
        // Scripts and styles only from the host's own bundle: a value that slipped into the page could not load code.
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
    }

    /// <summary><c>POST /session</c> <c>{"token"}</c>: checks the token as the API would and sets the session cookie
    /// (401 naming the reason when it is not valid); <c>DELETE /session</c> signs out.</summary>
    public static IEndpointRouteBuilder MapAgriSession(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/session", (HttpContext http, SessionRequest body, IOptionsMonitor<JwtBearerOptions> jwt) =>
            {
                if (string.IsNullOrWhiteSpace(body.Token))
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["token"] = ["is empty"] }, title: "token: is empty");
                var parameters = jwt.Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters;
                var handler = new JwtSecurityTokenHandler { MapInboundClaims = false };
                System.Security.Claims.ClaimsPrincipal user;
                Microsoft.IdentityModel.Tokens.SecurityToken validated;
                try
                {
                    user = handler.ValidateToken(body.Token.Trim(), parameters, out validated);
                }
                catch (Exception e) when (e is ArgumentException or Microsoft.IdentityModel.Tokens.SecurityTokenException)
                {
                    return Results.Problem(title: "token: is not valid here", detail: Reason(e), statusCode: StatusCodes.Status401Unauthorized);
                }
                if (Access.Of(user) is not { } who)
                    return Results.Problem(title: "token: names no tenant or no known role", statusCode: StatusCodes.Status401Unauthorized);
                http.Response.Cookies.Append(SessionCookie, body.Token.Trim(), new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = http.Request.IsHttps,
                    Path = "/",
                    Expires = validated.ValidTo,
                });
                return Results.Ok(new Me(user.FindFirst("sub")?.Value ?? "", who.Tenant, who.Role.Name(), [.. Access.Grants[who.Role].Select(p => p.Name())]));
            })
            .WithSummary("Signs a browser in with a bearer token (the same the API takes): sets the HttpOnly session cookie.")
            .Produces<Me>().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesValidationProblem();
        endpoints.MapDelete("/session", (HttpContext http) =>
            {
                http.Response.Cookies.Delete(SessionCookie, new CookieOptions { Path = "/" });
                return Results.NoContent();
            })
            .WithSummary("Signs the browser out (removes the session cookie).");
        return endpoints;
    }

    private static string Reason(Exception e) => e switch
    {
        Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException => "it has expired",
        Microsoft.IdentityModel.Tokens.SecurityTokenNotYetValidException => "it is not valid yet",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidSignatureException or Microsoft.IdentityModel.Tokens.SecurityTokenSignatureKeyNotFoundException => "it was not signed with this cloud's key",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidIssuerException => "its issuer is not this cloud's",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidAudienceException => "its audience is not this cloud's API",
        _ => "it is not a JWT this cloud issued",
    };
}

/// <summary>The body of <c>POST /session</c>.</summary>
public sealed record SessionRequest(string? Token);

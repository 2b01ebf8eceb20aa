using System.Text.Json;
using System.Text.Json.Serialization;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Cloud.Host.Jobs;
using AgriInsure.Cloud.Host.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace AgriInsure.Cloud.Host;

/// <summary>The cloud as a web service. It listens where ASP.NET Core's usual settings say (<c>--urls</c>,
/// <c>ASPNETCORE_URLS</c>, <c>Kestrel</c> in appsettings; by default http://localhost:5000, loopback only),
/// logs JSON lines with <c>--Logging:Console:FormatterName=json</c>, and stops cleanly on SIGTERM or Ctrl-C.</summary>
public static class CloudHost
{
    /// <summary>A line per request is noise for a service that answers health probes every few seconds; and a
    /// host that fails to start is reported once, by the caller, with the setting at fault, not as a stack trace.</summary>
    private static readonly KeyValuePair<string, string?>[] LogDefaults =
    [
        new("Logging:LogLevel:Microsoft.AspNetCore", "Warning"),
        new("Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host", "None"),
    ];

    /// <summary>The settings as the host reads them, without a host: for tools that share its configuration
    /// (minting a token with its key).</summary>
    public static IConfiguration Settings(string[] args, IReadOnlyDictionary<string, string?> defaults) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(defaults)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();

    /// <summary>The host, configured from <paramref name="defaults"/> (lowest), <c>appsettings.json</c> in the
    /// current folder, environment variables and <paramref name="args"/> (highest).</summary>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?> defaults)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults.Concat(LogDefaults) });
        builder.Services.AddAgriCloud(builder.Configuration).AddAgriCloudAccess(builder.Configuration).AddAgriWeb()
            .AddSingleton<JobBoard>()
            .AddProblemDetails(o => o.CustomizeProblemDetails = c => Problems.NameTheField(c));
        // A body or query value the endpoint cannot read is thrown, so the problem can say which field it was.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // Enums travel as the wire names the domain gives them elsewhere (new-animal, livestock-death, cattle).
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower)));
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "AgriInsure cloud";
            document.Info.Description = "Livestock identified by face, insured acreage measured from satellite rasters, claims checked against a shared ledger.";
            // Every route under /api/v1 takes a bearer token (tools/agri token mints one): say so, so clients send it.
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                ["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
                    Description = "A token naming the user (sub), the insurer (tenant) and the role (field-agent, underwriter, claims-officer, auditor).",
                },
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            return Task.CompletedTask;
        }));
        var app = builder.Build();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
            // A client's malformed request is the client's error, answered and not logged as the server's.
            SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException,
        });
        app.UseStatusCodePages();
        app.UseAgriWeb();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapAgriCloud();
        app.MapAgriApi();
        app.MapAgriJobs();
        app.MapAgriSession();
        return app;
    }
}

using AgriInsure.Cloud.Host.Api;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AgriInsure.Cloud.Host;

/// <summary>The one composition of the cloud: the service host (<c>tools/agri serve</c>) and the CLI's demo
/// both start their engines through <see cref="AddAgriCloud"/>.</summary>
public static class AgriCloud
{
    private const string Ready = "ready";

    /// <summary>Binds and validates <see cref="CloudOptions"/> and <see cref="AuthOptions"/> from <paramref name="configuration"/>'s
    /// <c>Cloud</c> section, and adds the engines as a hosted service (<see cref="CloudRuntime"/>) and their health checks.</summary>
    public static IServiceCollection AddAgriCloud(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CloudOptions>().Bind(configuration.GetSection(CloudOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CloudOptions>, CloudOptionsValidation>();
        services.AddSingleton<IValidateOptions<CloudOptions>>(new UnknownSettingsValidation(configuration));
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidation>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CloudRuntime>();
        services.AddHostedService(sp => sp.GetRequiredService<CloudRuntime>());
        services.AddHealthChecks().AddCheck<EnginesHealth>("engines", tags: [Ready]);
        return services;
    }

    /// <summary>Bearer tokens (<see cref="Access"/>), checked with the signing key of <see cref="AuthOptions"/> (section
    /// <c>Cloud:Auth</c>, bound and validated by <see cref="AddAgriCloud"/>), and one authorization policy per <see cref="Permission"/>.</summary>
    public static IServiceCollection AddAgriCloudAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>, IOptions<CloudOptions>>((jwt, auth, cloud) =>
        {
            // Keep the claims as the token names them (tenant, role, sub), not mapped to long URIs.
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = auth.Value.Issuer,
                ValidAudience = auth.Value.Audience,
                IssuerSigningKey = Access.Key(Access.Secret(auth.Value, Path.GetFullPath(cloud.Value.Folder))),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                ClockSkew = TimeSpan.FromMinutes(1),
            };
        });
        services.AddAuthorization(o =>
        {
            foreach (var permission in Enum.GetValues<Permission>())
                o.AddPolicy(permission.ToString(), p => p.RequireAssertion(c => Access.Of(c.User) is { } who && Access.Grants[who.Role].Contains(permission)));
        });
        return services;
    }

    /// <summary><c>/health/live</c> (the process answers), <c>/health/ready</c> (each engine answers) and the
    /// OpenAPI document at <c>/openapi/v1.json</c>.</summary>
    public static IEndpointRouteBuilder MapAgriCloud(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready), ResponseWriter = EnginesHealth.WriteAsync });
        endpoints.MapOpenApi();
        return endpoints;
    }

    /// <summary>The engines started in this process without a web host (the CLI's demo, tests), from
    /// <paramref name="settings"/> (keys as in configuration: <c>Cloud:Folder</c>…), on <paramref name="clock"/> (the
    /// system's when null). Dispose the result to stop them.
    /// Errors: <see cref="OptionsValidationException"/> naming each bad setting, <see cref="CloudStartException"/>.</summary>
    public static async Task<CloudProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, ILoggerFactory logs, TimeProvider? clock = null, CancellationToken ct = default)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton(logs).AddSingleton(clock ?? TimeProvider.System).AddAgriCloud(configuration).BuildServiceProvider();
        try
        {
            // What ValidateOnStart does in a host: a bad setting stops us before any engine starts.
            _ = services.GetRequiredService<IOptions<CloudOptions>>().Value;
            var runtime = services.GetRequiredService<CloudRuntime>();
            await runtime.StartAsync(ct);
            return new CloudProcess(services, runtime.Engines!);
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }
    }
}

/// <summary>Engines started by <see cref="AgriCloud.StartAsync"/>; disposing stops them.</summary>
public sealed class CloudProcess(ServiceProvider services, CloudEngines engines) : IAsyncDisposable
{
    public CloudEngines Engines { get; } = engines;

    public ValueTask DisposeAsync() => services.DisposeAsync();
}

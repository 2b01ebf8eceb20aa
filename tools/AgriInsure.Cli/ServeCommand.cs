using System.CommandLine;
using AgriInsure.Cloud.Host;
using AgriInsure.Cloud.Host.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri serve</c>: the cloud as a service on embedded engines, until Ctrl-C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Verb Build()
    {
        var cloud = CliOptions.Optional("--cloud", "DIR", "the engines' folder: registry.db, ledger.db, blobs/ (default: .agri/cloud; setting Cloud:Folder)");
        var model = CliOptions.Optional("--model", "MANIFEST", "face model manifest; its threshold is the floor of every search scope (default: the shipped model; setting Cloud:Manifest)");
        var urls = CliOptions.Optional("--urls", "URLS", "where the HTTP API listens, ';'-separated (default: http://localhost:5000, loopback only; or ASPNETCORE_URLS)");
        var verb = new Verb("serve",
            "the cloud as a service: MQTT ingest of handheld captures, the HTTP API under /api/v1 (bearer tokens from tools/agri token), health checks and the OpenAPI document, on embedded engines. " +
            "Any setting can also be given as --Section:Key=value (e.g. --Cloud:RadiusKm=10, --Cloud:BrokerPort=1884, " +
            "--Logging:Console:FormatterName=json), in appsettings.json in the current folder, or as an environment variable (Cloud__RadiusKm=10); " +
            "flags override the environment, which overrides appsettings.json",
            null,
            "tools/agri serve",
            "tools/agri serve --urls http://127.0.0.1:8080 --cloud /srv/agri --Cloud:RadiusKm=10",
            "curl -s http://localhost:5000/health/ready")
        {
            cloud, model, urls,
        };
        verb.TreatUnmatchedTokensAsErrors = false;
        verb.RunsUntilStopped = true;
        verb.SetAction((p, ct) => RunAsync(p.GetValue(cloud), p.GetValue(model), p.GetValue(urls), p.UnmatchedTokens, ct));
        return verb;
    }

    private static async Task<int> RunAsync(string? cloud, string? model, string? urls, IReadOnlyList<string> settings, CancellationToken ct)
    {
        Settings.CheckFlags(settings);
        string[] args =
        [
            .. settings,
            .. Settings.Flag(CloudOptions.Key(nameof(CloudOptions.Folder)), cloud),
            .. Settings.Flag(CloudOptions.Key(nameof(CloudOptions.Manifest)), model),
            .. Settings.Flag("urls", urls),
        ];
        await using var app = CloudHost.Build(args, Settings.Defaults);
        // Checked before any engine starts: Kestrel would otherwise throw on a malformed address only after them.
        CheckUrls(app.Configuration["urls"]);
        var folder = Path.GetFullPath(app.Configuration[CloudOptions.Key(nameof(CloudOptions.Folder))]!);
        var made = !Directory.Exists(folder);
        try
        {
            // Bound here, so a value of the wrong type is reported as the others are: the host would throw it from inside.
            _ = app.Services.GetRequiredService<IOptions<CloudOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
            await app.StartAsync(ct);
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            var hint = e.Message.Contains("System.TimeSpan", StringComparison.Ordinal) ? " (a time span is d.hh:mm:ss, e.g. 00:10:00 for ten minutes)" : "";
            throw new UsageException($"the host did not start: {e.Message.TrimEnd('.')}{hint}");
        }
        catch (IOException e) when (e.Message.StartsWith("Failed to bind", StringComparison.Ordinal))
        {
            // The engines started before Kestrel failed to listen: stop them, and take back a folder this start made.
            await app.DisposeAsync();
            if (made)
                Directory.Delete(folder, recursive: true);
            throw new OutputException($"the host did not start: --urls: {e.Message.TrimEnd('.')}");
        }
        catch (OptionsValidationException e)
        {
            throw new UsageException($"the host did not start: {string.Join("; ", e.Failures)}");
        }
        catch (CloudStartException e) when (e.Setting is "Cloud:Folder" or "Cloud:BrokerPort" or "Cloud:BrokerHost" or "Cloud:RegistryConnectionString")
        {
            // The setting is well formed; the machine refuses it (a folder not writable or in use, a port taken, a server
            // that does not answer).
            throw new OutputException($"the host did not start: {e.Message}");
        }
        catch (CloudStartException e)
        {
            throw new UsageException($"the host did not start: {e.Message}");
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var engines = app.Services.GetRequiredService<CloudRuntime>().Engines!;
        Console.Error.WriteLine($"agri: serving on {string.Join(", ", addresses)} (web pages: /, sign in with tools/agri token --link; health: /health/live, /health/ready; OpenAPI: /openapi/v1.json); " +
            $"handhelds publish to MQTT on {engines.BrokerAddress}; Ctrl-C or SIGTERM stops");
        await app.WaitForShutdownAsync(ct);
        Console.Error.WriteLine("agri: stopped");
        return (int)ExitCode.Success;
    }

    /// <summary>Each of the ';'-separated addresses Kestrel would listen on must be an http or https URL with a host and a
    /// port Kestrel accepts (its wildcards * and + included). Errors: <see cref="UsageException"/> naming --urls.</summary>
    private static void CheckUrls(string? urls)
    {
        foreach (var url in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var wildcard = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(wildcard, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
                throw new UsageException($"the host did not start: --urls: '{url}' is not an address to listen on, such as http://127.0.0.1:8080 (a port from 0 to 65535)");
        }
    }
}

/// <summary>The cloud's settings as the CLI's verbs give them to the host (serve) or read them as it does (token).</summary>
internal static class Settings
{
    /// <summary>The defaults under every other source: the cloud in <c>.agri/cloud</c> and the shipped face model.</summary>
    public static Dictionary<string, string?> Defaults => new()
    {
        [CloudOptions.Key(nameof(CloudOptions.Folder))] = Path.Combine(Commands.AgriFolder, "cloud"),
        [CloudOptions.Key(nameof(CloudOptions.Manifest))] = Commands.DefaultManifest,
    };

    /// <summary>A verb's own option as the command-line setting it stands for, so it overrides the same key from
    /// anywhere else; nothing when the option was not given.</summary>
    public static IEnumerable<string> Flag(string key, string? value) => value is null ? [] : [$"--{key}={value}"];

    /// <summary>Errors: <see cref="UsageException"/> for an argument that is not such a flag.</summary>
    public static void CheckFlags(IReadOnlyList<string> flags)
    {
        if (flags.FirstOrDefault(s => !s.StartsWith("--", StringComparison.Ordinal) || !s.Contains(':')) is { } stray)
            throw new UsageException($"unexpected argument '{stray}'; settings are given as --Section:Key=value (e.g. --Cloud:RadiusKm=10)");
    }
}

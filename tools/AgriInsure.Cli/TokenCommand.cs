using AgriInsure.Cloud.Host;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Domain;
using Microsoft.Extensions.Configuration;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri token</c>: a bearer token for the cloud's API, signed with the cloud's key.</summary>
internal static class TokenCommand
{
    public static Verb Build()
    {
        var user = CliOptions.Required("--user", "NAME", "who the token is for (its sub claim)");
        var tenant = CliOptions.Required("--tenant", "TENANT", "the insurer whose records the token may reach");
        var role = CliOptions.Required("--role", "ROLE", $"one of {string.Join(", ", Enum.GetValues<Role>().Select(r => r.Name()))}");
        var hours = CliOptions.Number("--hours", "H", "how long the token is valid, hours", 8, h => h is > 0 and <= 24 * 90 ? null : "must be more than 0 and at most 2160 (90 days)");
        var link = CliOptions.Optional("--link", "URL", "print a sign-in link to the web pages of the host at URL (http://127.0.0.1:8080/) instead of the token alone: opening it signs the browser in and drops the token from the address bar");
        var cloud = CliOptions.Optional("--cloud", "DIR", "the cloud folder whose auth.key signs the token when Cloud:Auth:SigningKey is not set (default: .agri/cloud); settings such as --Cloud:Auth:SigningKey=… are read as serve reads them");
        var verb = new Verb("token", "a bearer token for the cloud's HTTP API (JWT, HS256), signed with the key the host uses: Cloud:Auth:SigningKey, else the cloud folder's auth.key; printed alone on stdout",
            null,
            "tools/agri token --user li.wei --tenant picc-sichuan --role underwriter",
            "curl -s -H \"Authorization: Bearer $(tools/agri token --user li.wei --tenant picc-sichuan --role auditor)\" http://localhost:5000/api/v1/me",
            "tools/agri token --user zhang.min --tenant picc-sichuan --role claims-officer --link http://127.0.0.1:8080/")
        {
            user, tenant, role, hours, link, cloud,
        };
        verb.TreatUnmatchedTokensAsErrors = false;
        verb.SetAction(p =>
        {
            if (!RoleNames.Parse(p.GetValue(role), "--role").TryGet(out var parsed, out var error))
                throw new UsageException(error.ToString());
            foreach (var (option, value) in new[] { ("--user", p.GetValue(user)), ("--tenant", p.GetValue(tenant)) })
            {
                if (string.IsNullOrWhiteSpace(value))
                    throw new UsageException($"{option}: is empty; a token names who it is for and the insurer whose records it reaches");
            }
            if (Id.Check(p.GetValue(tenant), "--tenant").Error is { } tenantError)
                throw new UsageException(tenantError.ToString());
            Uri? pages = null;
            if (p.GetValue(link) is { } linkText && (!Uri.TryCreate(linkText, UriKind.Absolute, out pages) || pages.Scheme is not ("http" or "https") || pages.Query.Length > 0 || pages.Fragment.Length > 0))
                throw new UsageException($"--link: '{linkText}' is not the http(s) address of a host (http://127.0.0.1:8080/)");
            Settings.CheckFlags(p.UnmatchedTokens);
            var settings = CloudHost.Settings(
                [.. p.UnmatchedTokens, .. Settings.Flag(CloudOptions.Key(nameof(CloudOptions.Folder)), p.GetValue(cloud))], Settings.Defaults);
            var auth = settings.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
            if (auth.Failures().FirstOrDefault() is { } bad)
                throw new UsageException(bad);
            var cloudFolder = Path.GetFullPath(settings[CloudOptions.Key(nameof(CloudOptions.Folder))]!);
            // A token signed with a key no host uses would only earn 401s: never make a key here.
            if (string.IsNullOrWhiteSpace(auth.SigningKey) && !File.Exists(Access.KeyPath(cloudFolder)))
                throw new UsageException($"--cloud: no {Access.KeyPath(cloudFolder)}: no cloud has started there (tools/agri serve --cloud {cloudFolder} makes its key), or give the host's Cloud:Auth:SigningKey");
            var secret = Access.Secret(auth, cloudFolder);
            var token = Access.Issue(auth, secret, p.GetValue(user)!, p.GetValue(tenant)!, parsed, TimeSpan.FromHours(p.GetValue(hours)), DateTimeOffset.UtcNow);
            // The token rides in the fragment, which browsers never send to a server (nor put in a Referer).
            Console.WriteLine(pages is null ? token : $"{pages.GetLeftPart(UriPartial.Path).TrimEnd('/')}/#/sign-in?token={token}");
            return (int)ExitCode.Success;
        });
        return verb;
    }
}

using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Security.Cryptography;
using AgriInsure.Domain;
using SecurityClaim = System.Security.Claims.Claim;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>Who a user is to the cloud. Each role's permissions are in <see cref="Access.Grants"/>, one table.</summary>
public enum Role
{
    /// <summary>Registers farmers, checks their real-name identity and takes their signature on contracts, provisions and
    /// revokes handhelds, and reads their herds; captures reach the cloud over MQTT, signed by the handheld.</summary>
    FieldAgent,

    /// <summary>Issues policies from measured acreage and enrolled herds, and countersigns their contracts for the insurer.</summary>
    Underwriter,

    /// <summary>Decides claims and flagged duplicate enrolments.</summary>
    ClaimsOfficer,

    /// <summary>Reads everything of the tenant and checks ledger proofs; changes nothing.</summary>
    Auditor,
}

/// <summary>What an endpoint requires; a role holds a set of these.</summary>
public enum Permission
{
    Read,
    RegisterFarmers,
    Underwrite,
    DecideClaims,

    /// <summary>Provision and revoke handhelds.</summary>
    ManageDevices,

    /// <summary>Record real-name identity checks of farmers, and have a checked farmer sign the policy's contract (on the
    /// agent's handheld).</summary>
    IdentifyFarmers,
}

public static class PermissionNames
{
    public static string Name(this Permission permission) => permission switch
    {
        Permission.Read => "read",
        Permission.RegisterFarmers => "register-farmers",
        Permission.Underwrite => "underwrite",
        Permission.DecideClaims => "decide-claims",
        Permission.ManageDevices => "manage-devices",
        Permission.IdentifyFarmers => "identify-farmers",
        _ => throw new ArgumentOutOfRangeException(nameof(permission), permission, null),
    };
}

public static class RoleNames
{
    public static Result<Role> Parse(string? text, string field = "role") => WireNames.Parse<Role>(text, field, "role", Name);

    public static string Name(this Role role) => role switch
    {
        Role.FieldAgent => "field-agent",
        Role.Underwriter => "underwriter",
        Role.ClaimsOfficer => "claims-officer",
        Role.Auditor => "auditor",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };
}

/// <summary>Bearer tokens: HS256 JWTs from the cloud's signing key (<see cref="AuthOptions"/>), carrying the
/// user (<c>sub</c>), the tenant (<c>tenant</c>) and the role (<c>role</c>, a wire name of <see cref="Role"/>).</summary>
public static class Access
{
    public const string TenantClaim = "tenant";
    public const string RoleClaim = "role";

    /// <summary>The permissions of each role.</summary>
    public static readonly IReadOnlyDictionary<Role, Permission[]> Grants = new Dictionary<Role, Permission[]>
    {
        [Role.FieldAgent] = [Permission.Read, Permission.RegisterFarmers, Permission.ManageDevices, Permission.IdentifyFarmers],
        [Role.Underwriter] = [Permission.Read, Permission.Underwrite],
        [Role.ClaimsOfficer] = [Permission.Read, Permission.DecideClaims],
        [Role.Auditor] = [Permission.Read],
    };

    public static SymmetricSecurityKey Key(byte[] secret) => new(secret);

    /// <summary>A token for <paramref name="subject"/> in <paramref name="tenant"/> with <paramref name="role"/>,
    /// valid for <paramref name="lifetime"/> from <paramref name="now"/>.</summary>
    public static string Issue(AuthOptions options, byte[] secret, string subject, string tenant, Role role, TimeSpan lifetime, DateTimeOffset now)
    {
        var token = new JwtSecurityToken(
            issuer: options.Issuer,
            audience: options.Audience,
            claims: [new SecurityClaim(JwtRegisteredClaimNames.Sub, subject), new SecurityClaim(TenantClaim, tenant), new SecurityClaim(RoleClaim, role.Name())],
            notBefore: now.UtcDateTime,
            expires: now.Add(lifetime).UtcDateTime,
            signingCredentials: new SigningCredentials(Key(secret), SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }

    /// <summary>The signing secret: <see cref="AuthOptions.SigningKey"/> when set, else the cloud folder's
    /// <c>auth.key</c>, made on first start (32 random bytes, readable by its owner only), so a fresh
    /// installation has a key nobody else knows without any set-up.</summary>
    public static byte[] Secret(AuthOptions options, string cloudFolder)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
            return Convert.FromBase64String(options.SigningKey);
        return KeyFiles.ReadOrMake(KeyPath(cloudFolder));
    }

    public static string KeyPath(string cloudFolder) => Path.Combine(cloudFolder, "auth.key");

    /// <summary>The tenant and role of an authenticated user, or null when the token lacks either.</summary>
    public static (string Tenant, Role Role)? Of(ClaimsPrincipal user) =>
        user.FindFirst(TenantClaim)?.Value is { } tenant && Id.Check(tenant, TenantClaim).IsOk && RoleNames.Parse(user.FindFirst(RoleClaim)?.Value).TryGet(out var role, out _)
            ? (tenant, role)
            : null;
}

/// <summary>Section <c>Cloud:Auth</c>: who signs and who may read the API's bearer tokens.</summary>
public sealed class AuthOptions
{
    public const string Section = "Cloud:Auth";

    public string Issuer { get; set; } = "agri-cloud";

    public string Audience { get; set; } = "agri-api";

    /// <summary>Base64 of at least 32 bytes; empty: the cloud folder's <c>auth.key</c> (made on first start).</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>The validation failures, each naming the setting.</summary>
    public IEnumerable<string> Failures()
    {
        if (string.IsNullOrWhiteSpace(Issuer))
            yield return $"{Section}:Issuer: is empty";
        if (string.IsNullOrWhiteSpace(Audience))
            yield return $"{Section}:Audience: is empty";
        if (string.IsNullOrWhiteSpace(SigningKey))
            yield break;
        if (!Convert.TryFromBase64String(SigningKey, new byte[SigningKey.Length], out var bytes))
            yield return $"{Section}:SigningKey: is not base64";
        else if (bytes < 32)
            yield return $"{Section}:SigningKey: holds {bytes} bytes; HS256 needs at least 32";
    }
}

/// <summary>Names each bad <c>Cloud:Auth</c> setting.</summary>
internal sealed class AuthOptionsValidation : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = options.Failures().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

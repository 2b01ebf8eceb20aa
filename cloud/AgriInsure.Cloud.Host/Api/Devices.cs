using System.Security.Cryptography;
using AgriInsure.Domain;
using AgriInsure.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>A handheld to provision: its id (1–64 of A–Z a–z 0–9 - _ .; the broker knows it by this id), its capture
/// signing key (base64 of a DER SubjectPublicKeyInfo of a P-256 key, RFC 5280 §4.1.2.7) and the field agent it is for
/// (default: the token's user).</summary>
public sealed record NewDevice(string? DeviceId, string? PublicKey, string? AgentId);

/// <summary>Where and as whom a device logs in to the broker: host, TCP port, user name (the device id) and password
/// (a token the broker accepts for that name alone).</summary>
public sealed record BrokerView(string Host, int Port, string UserName, string Password);

/// <summary>What a provisioned device keeps: its identity, its broker login, and the cloud's ack key (base64 DER
/// SubjectPublicKeyInfo, P-256) that every ack it settles a capture on must verify against.</summary>
public sealed record ProvisionedView(string Tenant, string DeviceId, string AgentId, BrokerView Broker, string AckKey);

/// <summary>A device as the registry holds it; <see cref="RevokedAt"/> is null while it may send captures.</summary>
public sealed record DeviceView(string DeviceId, string AgentId, string PublicKey, DateTimeOffset? RevokedAt)
{
    public static DeviceView Of(DeviceRecord d) => new(d.DeviceId, d.AgentId, Convert.ToBase64String(d.PublicKey), d.RevokedAt);
}

/// <summary>The API's device routes under <c>/api/v1/devices</c>, in the token's tenant: field agents provision and
/// revoke handhelds; every role reads them.</summary>
public static class Devices
{
    public static RouteGroupBuilder MapDevices(this RouteGroupBuilder api)
    {
        api.MapPost("/devices", ProvisionAsync).RequireAuthorization(Permission.ManageDevices.ToString())
            .WithSummary("Provisions a handheld in the token's tenant (field agents): registers its public key and answers with its broker " +
                         "login and the cloud's ack key. 201 when new; 200 when the device was provisioned with this key already (a retry); " +
                         "409 when its id is on record with another key, revoked, or taken in another tenant — a device is never re-keyed; " +
                         "501 when the cloud runs on an external broker (its devices log in with client certificates).")
            .Produces<ProvisionedView>(StatusCodes.Status201Created).Produces<ProvisionedView>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status501NotImplemented);
        api.MapGet("/devices/{id}", async (HttpContext http, string id, CancellationToken ct) =>
                await Engines(http).Registry.FindDeviceAsync(Tenant(http), id, ct) is { } d ? Results.Ok(DeviceView.Of(d)) : NotFound(id))
            .WithSummary("One handheld of the tenant, with when it was revoked (null: active).")
            .Produces<DeviceView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/devices/{id}/revoke", RevokeAsync).RequireAuthorization(Permission.ManageDevices.ToString())
            .WithSummary("Revokes a handheld (field agents): the broker refuses its login, and any capture of it that still arrives is " +
                         "answered with a signed rejection (device-revoked). Revoking again keeps the first time.")
            .Produces<DeviceView>().ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> ProvisionAsync(HttpContext http, NewDevice body, CancellationToken ct)
    {
        var tenant = Tenant(http);
        var agent = body.AgentId ?? http.User.FindFirst("sub")?.Value;
        if (Id.FirstError((body.DeviceId, "deviceId"), (agent, "agentId")) is { } error)
            return Invalid(error.Field, error.Reason);
        if (ReadKey(body.PublicKey) is not { } key)
            return Invalid("publicKey", "is not base64 of a P-256 public key (a DER SubjectPublicKeyInfo)");
        var engines = Engines(http);
        // Checked before anything is stored: a device registered without a login it can use would only be refused later.
        if (engines.Broker is not { } broker)
            return Results.Problem(statusCode: StatusCodes.Status501NotImplemented,
                title: $"this cloud's devices log in to the broker at {engines.BrokerAddress} with client certificates from its CA; provisioning over the API issues logins to the embedded broker only");
        var device = new DeviceRecord(tenant, body.DeviceId!, agent!, key);
        var outcome = await engines.Registry.RegisterDeviceAsync(device, ct);
        var why = outcome switch
        {
            DeviceRegistration.KeyConflict => $"device '{device.DeviceId}' is provisioned already with another key; a device is never re-keyed: provision the new key under a new id, and revoke the old one if it is lost",
            DeviceRegistration.Revoked => $"device '{device.DeviceId}' was revoked; a revoked device is not provisioned again: use a new id",
            DeviceRegistration.IdTaken => $"device id '{device.DeviceId}' is taken; choose another",
            _ => null,
        };
        if (why is not null)
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: why);
        var view = new ProvisionedView(tenant, device.DeviceId, device.AgentId,
            new BrokerView(broker.Host, broker.Port, device.DeviceId, broker.IssueToken(device.DeviceId)),
            Convert.ToBase64String(engines.Worker.AckPublicKey));
        return outcome == DeviceRegistration.Registered ? Results.Created($"/api/v1/devices/{device.DeviceId}", view) : Results.Ok(view);
    }

    private static async Task<IResult> RevokeAsync(HttpContext http, string id, CancellationToken ct)
    {
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        return await Engines(http).Registry.RevokeDeviceAsync(Tenant(http), id, now, ct) is { } d ? Results.Ok(DeviceView.Of(d)) : NotFound(id);
    }

    /// <summary>The DER bytes of a P-256 SubjectPublicKeyInfo given in base64; null for anything else.</summary>
    private static byte[]? ReadKey(string? base64)
    {
        if (base64 is null || base64.Length > 1024)
            return null;
        try
        {
            var der = Convert.FromBase64String(base64);
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(der, out var read);
            return read == der.Length && key.KeySize == 256 ? der : null;
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return null;
        }
    }

    private static IResult Invalid(string field, string reason) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [reason] }, title: $"{field}: {reason}");

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"no device '{(id.Length > 64 ? id[..64] + "…" : id)}'");

    private static string Tenant(HttpContext http) =>
        (Access.Of(http.User) ?? throw new InvalidOperationException("a device route ran without a tenant and role; every one requires a permission")).Tenant;

    private static CloudEngines Engines(HttpContext http) =>
        http.RequestServices.GetRequiredService<CloudRuntime>().Engines ?? throw new InvalidOperationException("the cloud's engines are not running");
}

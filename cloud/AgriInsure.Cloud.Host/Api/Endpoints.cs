using AgriInsure.Domain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>The HTTP API under <c>/api/v1</c>: every endpoint requires a bearer token and a permission of the
/// token's role, and answers only with records of the token's tenant. Errors are RFC 9457 problem details.</summary>
public static class Endpoints
{
    public static IEndpointRouteBuilder MapAgriApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").RequireAuthorization(Permission.Read.ToString());
        api.MapGet("/me", (HttpContext http) => Access.Of(http.User) is { } who
                ? Results.Ok(new Me(http.User.FindFirst("sub")?.Value ?? "", who.Tenant, who.Role.Name(), [.. Access.Grants[who.Role].Select(p => p.Name())]))
                : Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "the token names no tenant or no known role"))
            .WithSummary("Who the bearer token says you are: user, tenant, role and what it may do.");
        return endpoints;
    }
}

/// <summary>The caller as the token names them.</summary>
public sealed record Me(string User, string Tenant, string Role, IReadOnlyList<string> Permissions);

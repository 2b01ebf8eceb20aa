using AgriInsure.Cloud.Host.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgriInsure.Cloud.Host.Jobs;

/// <summary><c>GET /api/v1/jobs</c> and <c>/jobs/{id}</c>: long work's progress and result, for any role of the tenant.
/// Endpoints that start long work answer 202 with the job (<see cref="Accepted"/>).</summary>
public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapAgriJobs(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").RequireAuthorization(Permission.Read.ToString());
        api.MapGet("/jobs", (HttpContext http, int? limit) =>
                Results.Ok(Board(http).Recent(Endpoints.Caller(http).Tenant, Math.Clamp(limit ?? 20, 1, JobBoard.PerTenant))))
            .WithSummary("The tenant's recent long-running jobs, newest first.")
            .Produces<IReadOnlyList<JobView>>();
        api.MapGet("/jobs/{id}", (HttpContext http, string id) =>
                Board(http).Find(Endpoints.Caller(http).Tenant, id) is { } job ? Results.Ok(job) : Endpoints.NotFound("job", id))
            .WithSummary("A job's state, done/total units, seconds once ended, and its result when done.")
            .Produces<JobView>().ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    /// <summary>202 Accepted with the job and its URL, for the endpoints that start one.</summary>
    public static IResult Accepted(JobView job) => Results.Accepted($"/api/v1/jobs/{job.Id}", job);

    internal static JobBoard Board(HttpContext http) => http.RequestServices.GetRequiredService<JobBoard>();
}

using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgriInsure.Cloud.Host;

/// <summary>Ready when every engine answers: the registry a query, the ledger its tree head (and no tampering found by the
/// witness that recomputes it from its content), the blob store a
/// lookup, and the ingest worker holds its broker connection. Each engine's state is in the answer's data, with the
/// ledger checkpoints' (degraded, still ready, while they fail).</summary>
internal sealed class EnginesHealth(CloudRuntime runtime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        if (runtime.Engines is not { } engines)
            return HealthCheckResult.Unhealthy("the engines are not started");
        var data = new Dictionary<string, object>();
        await Probe("registry", async () => await engines.Registry.FindCaptureAsync("health-probe", ct) is null ? "reachable" : "reachable (probe id taken)");
        // The ledger answers its head (cheap); a ledger the witness found tampered with or cut short (its read at start, a
        // proof or head request since) is not reported ready. The probe itself reads nothing whole: it must answer in time.
        await Probe("ledger", async () =>
        {
            var size = (await engines.Ledger.HeadAsync(ct)).Size;
            return engines.Witness.Known is { IsIntact: false } bad ? throw new InvalidDataException($"the ledger is TAMPERED: {bad.Problem}") : $"{size} entries";
        });
        data["ledgerContent"] = engines.Witness.Known is { } known ? $"{known.Entries} entries recomputed from their content" : "being read";
        await Probe("blobs", async () => await engines.Blobs.ExistsAsync("health/probe", ct) ? "reachable" : "reachable (empty probe)");
        await Probe("broker", () => Task.FromResult(engines.Worker.Connected ? $"ingest connected to {engines.Worker.Address}" : throw new InvalidOperationException("the ingest worker is not connected to the broker")));
        if (engines.Checkpoints is { } checkpoints)
            data["checkpoints"] = checkpoints.Describe();
        var failed = data.Where(d => d.Value is string s && s.StartsWith("down: ", StringComparison.Ordinal)).Select(d => d.Key).ToList();
        // Checkpoints that fail do not stop decisions (the ledger keeps its appends, the next checkpoint covers them), so
        // the host stays ready, degraded, with the reason in its answer.
        return failed.Count > 0 ? HealthCheckResult.Unhealthy($"not answering: {string.Join(", ", failed)}", data: data)
            : engines.Checkpoints?.Failing is { } why ? HealthCheckResult.Degraded($"every engine answers; ledger checkpoints are not published: {why}", data: data)
            : HealthCheckResult.Healthy("every engine answers", data);

        async Task Probe(string engine, Func<Task<string>> probe)
        {
            try
            {
                data[engine] = await probe();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                data[engine] = $"down: {e.Message}";
            }
        }
    }

    /// <summary>The status and each engine's state as JSON, so an operator sees which engine is down.</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            engines = report.Entries.Values.SelectMany(e => e.Data).ToDictionary(d => d.Key, d => d.Value),
            description = string.Join("; ", report.Entries.Values.Select(e => e.Description)),
        }));
    }
}

using AgriInsure.Domain;
using AgriInsure.Registry;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Underwriting.Identity;

/// <summary>What an agent reports of a real-name check: the farmer (an id of the tenant's), the agent, how, the resident
/// identity number as read from the card or typed, and the outcome. <paramref name="CheckId"/> makes a retried report
/// recognisable (null: a new id); <paramref name="CheckedAt"/> is when it happened (null: now, on the desk's clock).</summary>
public sealed record IdentityCheckReport(
    string FarmerId, string AgentId, IdentityCheckMethod Method, string IdentityNumber, IdentityCheckOutcome Outcome,
    string? CheckId = null, DateTimeOffset? CheckedAt = null)
{
    /// <summary>Withholds the identity number.</summary>
    public override string ToString() => $"identity check of farmer {FarmerId} by {AgentId} ({Method.Name()}, {Outcome.Name()})";
}

/// <summary>A recorded check, and the tenant's other farmer records the same number was checked as (one person under two
/// farmer ids: a reason to look, not a refusal).</summary>
public sealed record IdentityCheckRecorded(IdentityCheck Check, IReadOnlyList<string> OtherFarmerIds);

/// <summary>Records real-name identity checks: validates the number (GB 11643-1999), keeps only its keyed hash under the
/// tenant's key, and stores the check in the registry. The number reaches no log line, error, record or document.</summary>
public sealed class IdentityDesk(IRegistry registry, IReadOnlyDictionary<string, IdentityNumberHasher> keys, TimeProvider clock, ILogger<IdentityDesk> log)
{
    /// <summary>Validates and stores one check of the tenant's. Errors (typed, nothing written): <c>identityNumber</c>
    /// (see <see cref="ResidentIdentityNumber.Parse"/>), <c>identityKey</c> (no key configured for the tenant),
    /// <c>farmerId</c> (the tenant has no such farmer), <c>check.*</c> (see <see cref="IdentityCheck.Create"/>). A report
    /// retried with the same <see cref="IdentityCheckReport.CheckId"/> returns the check stored the first time.</summary>
    public async Task<Result<IdentityCheckRecorded>> RecordAsync(string tenant, IdentityCheckReport report, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var number = ResidentIdentityNumber.Parse(report.IdentityNumber, DateOnly.FromDateTime(now.UtcDateTime));
        if (!number.IsOk)
            return number.Error;
        if (!keys.TryGetValue(tenant, out var hasher))
            return new ValidationError("identityKey", $"no identity-number key is configured for tenant {tenant}");
        var check = IdentityCheck.Create(report.CheckId ?? Id.New("IC"), report.FarmerId, report.AgentId, report.Method,
            (report.CheckedAt ?? now).ToUniversalTime(), report.Outcome, hasher.Hash(number.Value));
        if (!check.IsOk)
            return check.Error;
        if (await registry.FindFarmerAsync(tenant, report.FarmerId, ct) is null)
            return new ValidationError("farmerId", $"farmer '{report.FarmerId}' is not registered");
        var stored = await registry.RecordIdentityCheckAsync(tenant, check.Value, ct);
        var onRecord = check.Value;
        if (!stored)
        {
            var previous = (await registry.IdentityChecksAsync(tenant, report.FarmerId, ct)).FirstOrDefault(c => c.Id == check.Value.Id);
            if (previous is null)
                return new ValidationError("checkId", $"'{check.Value.Id}' is the id of another farmer's check");
            onRecord = previous;
        }
        var others = (await registry.IdentityChecksByNumberAsync(tenant, onRecord.NumberHash, ct))
            .Select(c => c.FarmerId).Where(f => f != onRecord.FarmerId).Distinct().ToList();
        log.LogInformation("Identity check {CheckId} of farmer {FarmerId} by {AgentId}: {Method}, {Outcome}{Stored}{Others}",
            onRecord.Id, onRecord.FarmerId, onRecord.AgentId, onRecord.Method.Name(), onRecord.Outcome.Name(), stored ? "" : " (on record already)",
            others.Count == 0 ? "" : $"; the same number was checked as farmer {string.Join(", ", others)}");
        return Result<IdentityCheckRecorded>.Ok(new IdentityCheckRecorded(onRecord, others));
    }
}

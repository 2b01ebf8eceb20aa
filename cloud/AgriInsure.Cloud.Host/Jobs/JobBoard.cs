using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Cloud.Host.Jobs;

/// <summary>Where a job is.</summary>
public enum JobState
{
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

/// <summary>A job as its tenant's users see it: <paramref name="Done"/> of <paramref name="Total"/> units (plots,
/// animals), <paramref name="Seconds"/> of work once it ended, and its <paramref name="Result"/> (serialised as the
/// work returned it) or <paramref name="Error"/> (a reason for the user; details of an internal fault go to the log).</summary>
public sealed record JobView(string Id, string Kind, string User, JobState State, long Done, long Total,
    DateTimeOffset Queued, DateTimeOffset? Ended, double? Seconds, string? Error, object? Result);

/// <summary>The work's side of a job: it says how many units there are and counts them off.</summary>
public sealed class JobProgress
{
    private long _done;
    private long _total;

    public long Done => Interlocked.Read(ref _done);

    public long Total => Interlocked.Read(ref _total);

    public void SetTotal(long total) => Interlocked.Exchange(ref _total, Math.Max(0, total));

    public void Advance(long units = 1) => Interlocked.Add(ref _done, units);
}

/// <summary>A refusal the work wants its user to read as it stands (the field and reason of a bad input).</summary>
public sealed class JobRefusedException(string reason) : Exception(reason);

/// <summary>Long work (measuring thousands of plots, a census) run in the background, so the request that starts it
/// answers at once and the page polls <c>GET /api/v1/jobs/{id}</c> for progress. At most half the machine's cores run
/// jobs at once (the rest stay with requests, so other users are not blocked); more wait queued. Jobs live in this
/// host's memory: what their work decides is stored by the work itself (registry, ledger), and a finished job is kept
/// <see cref="Keep"/> for its page to read, the newest <see cref="PerTenant"/> per tenant. A host stopping cancels
/// its running jobs.</summary>
public sealed class JobBoard : IDisposable
{
    public static readonly TimeSpan Keep = TimeSpan.FromHours(1);
    public const int PerTenant = 200;

    private readonly ConcurrentDictionary<string, Entry> _jobs = new();
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _clock;
    private readonly ILogger<JobBoard> _log;

    public JobBoard(TimeProvider clock, ILogger<JobBoard> log, IHostApplicationLifetime? lifetime = null, int? slots = null)
    {
        _clock = clock;
        _log = log;
        var n = slots ?? Math.Max(1, Environment.ProcessorCount / 2);
        _slots = new SemaphoreSlim(n, n);
        lifetime?.ApplicationStopping.Register(_stopping.Cancel);
    }

    /// <summary>Queues <paramref name="work"/> for <paramref name="tenant"/>'s <paramref name="user"/> and answers at once.</summary>
    public JobView Start(string tenant, string user, string kind, Func<JobProgress, CancellationToken, Task<object?>> work)
    {
        Forget();
        var entry = new Entry(Guid.NewGuid().ToString("n"), tenant, user, kind, _clock.GetUtcNow());
        _jobs[entry.Id] = entry;
        entry.Task = Task.Run(() => RunAsync(entry, work));
        return entry.View();
    }

    /// <summary>The job, when it is <paramref name="tenant"/>'s; another tenant's id reads as absent.</summary>
    public JobView? Find(string tenant, string id) => _jobs.TryGetValue(id, out var e) && e.Tenant == tenant ? e.View() : null;

    /// <summary>The tenant's jobs, newest first.</summary>
    public IReadOnlyList<JobView> Recent(string tenant, int max) =>
        [.. _jobs.Values.Where(e => e.Tenant == tenant).OrderByDescending(e => e.Queued).Take(max).Select(e => e.View())];

    /// <summary>Waits for a job to end (tests, and a host stopping).</summary>
    public Task WhenEnded(string id) => _jobs.TryGetValue(id, out var e) ? e.Task ?? Task.CompletedTask : Task.CompletedTask;

    private async Task RunAsync(Entry entry, Func<JobProgress, CancellationToken, Task<object?>> work)
    {
        var ct = _stopping.Token;
        try
        {
            await _slots.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            entry.End(JobState.Cancelled, _clock.GetUtcNow(), error: "the host stopped before the job started");
            return;
        }
        var watch = Stopwatch.StartNew();
        try
        {
            entry.State = JobState.Running;
            var result = await work(entry.Progress, ct);
            entry.Result = result;
            entry.End(JobState.Done, _clock.GetUtcNow(), seconds: watch.Elapsed.TotalSeconds);
            _log.LogInformation("Job {Kind} {Id} of {Tenant} done: {Units} units in {Seconds:F1} s", entry.Kind, entry.Id, entry.Tenant, entry.Progress.Done, watch.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            entry.End(JobState.Cancelled, _clock.GetUtcNow(), seconds: watch.Elapsed.TotalSeconds, error: "the host stopped");
        }
        catch (JobRefusedException e)
        {
            entry.End(JobState.Failed, _clock.GetUtcNow(), seconds: watch.Elapsed.TotalSeconds, error: e.Message);
        }
        catch (Exception e)
        {
            _log.LogError(e, "Job {Kind} {Id} of {Tenant} failed", entry.Kind, entry.Id, entry.Tenant);
            entry.End(JobState.Failed, _clock.GetUtcNow(), seconds: watch.Elapsed.TotalSeconds, error: $"an internal error ({e.GetType().Name}); the host's log has the details");
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Drops finished jobs older than <see cref="Keep"/>, and a tenant's oldest beyond <see cref="PerTenant"/>.</summary>
    private void Forget()
    {
        var now = _clock.GetUtcNow();
        foreach (var e in _jobs.Values.Where(e => e.Ended is { } ended && now - ended > Keep))
            _jobs.TryRemove(e.Id, out _);
        foreach (var tenant in _jobs.Values.GroupBy(e => e.Tenant).Where(g => g.Count() >= PerTenant))
            foreach (var e in tenant.Where(e => e.Ended is not null).OrderByDescending(e => e.Queued).Skip(PerTenant - 1))
                _jobs.TryRemove(e.Id, out _);
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private sealed class Entry(string id, string tenant, string user, string kind, DateTimeOffset queued)
    {
        public string Id { get; } = id;
        public string Tenant { get; } = tenant;
        public string Kind { get; } = kind;
        public DateTimeOffset Queued { get; } = queued;
        public JobProgress Progress { get; } = new();
        public volatile JobState State = JobState.Queued;
        public DateTimeOffset? Ended { get; private set; }
        public object? Result { get; set; }
        public Task? Task { get; set; }
        private double? _seconds;
        private string? _error;

        public void End(JobState state, DateTimeOffset at, double? seconds = null, string? error = null)
        {
            (_seconds, _error, Ended) = (seconds, error, at);
            State = state;
        }

        public JobView View()
        {
            var state = State;
            var ended = state is JobState.Done or JobState.Failed or JobState.Cancelled;
            return new(Id, Kind, user, state, Progress.Done, Progress.Total, Queued, ended ? Ended : null, ended ? _seconds : null, ended ? _error : null, state == JobState.Done ? Result : null);
        }
    }
}

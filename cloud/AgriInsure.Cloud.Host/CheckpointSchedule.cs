using AgriInsure.Ledger;
using AgriInsure.Ledger.Evm;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Cloud.Host;

/// <summary>Publishes a signed checkpoint of the embedded ledger to the AgriLedger contract every
/// <see cref="CloudOptions.CheckpointInterval"/> when the log grew (<see cref="CheckpointPublisher"/>), and once more when
/// the host stops. A publication that fails (the node away, a refusal) is logged as an error and tried at the next tick:
/// the ledger keeps taking appends, and the next checkpoint covers them.</summary>
public sealed class CheckpointSchedule : IAsyncDisposable
{
    private readonly ILedger _ledger;
    private readonly EvmChain _chain;
    private readonly CheckpointPublisher _publisher;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly PeriodicTimer _timer;
    private Task _loop = Task.CompletedTask;

    private CheckpointSchedule(ILedger ledger, EvmChain chain, string contract, TimeSpan every, TimeProvider clock, ILogger log)
    {
        _ledger = ledger;
        _chain = chain;
        _publisher = new CheckpointPublisher(chain, contract, clock, log);
        _log = log;
        _timer = new PeriodicTimer(every);
    }

    /// <summary>The last publication, for health and tests: null before the first.</summary>
    public CheckpointPublication? Last { get; private set; }

    /// <summary>Why the last tick published nothing (the node away, or the contract's refusal); null when it did, or
    /// before the first tick.</summary>
    public string? Failing { get; private set; }

    /// <summary>The schedule's state in words, for the health answer.</summary>
    public string Describe() => Failing is { } why
        ? $"failing: {why}"
        : Last switch
        {
            CheckpointPublication.Published p => $"last published: {p.Checkpoint.TreeSize} entries, block {p.Block}",
            CheckpointPublication.Unchanged u => $"up to date: {u.TreeSize} entries",
            CheckpointPublication.Empty => "nothing to publish yet (empty ledger)",
            _ => "none published yet",
        };

    public static Task<CheckpointSchedule> StartAsync(ILedger ledger, EvmChain chain, string contract, TimeSpan every, TimeProvider clock, ILogger log)
    {
        var schedule = new CheckpointSchedule(ledger, chain, contract, every, clock, log);
        schedule._loop = schedule.RunAsync();
        log.LogInformation("Ledger checkpoints to contract {Contract} every {Interval} from {Account}", contract, every, chain.Address);
        return Task.FromResult(schedule);
    }

    /// <summary>Publishes the ledger's head now. Returns what the contract did.</summary>
    public async Task<CheckpointPublication> PublishNowAsync(CancellationToken ct = default) =>
        Last = await _publisher.PublishAsync(await _ledger.HeadAsync(ct), ct);

    private async Task RunAsync()
    {
        try
        {
            while (await _timer.WaitForNextTickAsync(_stop.Token))
                await TryPublishAsync(_stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task TryPublishAsync(CancellationToken ct)
    {
        try
        {
            Failing = await PublishNowAsync(ct) is CheckpointPublication.Refused refused ? $"the contract refused it: {refused.Reason}" : null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Failing = e.GetBaseException().Message;
            _log.LogError("Ledger checkpoint not published ({Error}); tried again in the next interval", Failing);
        }
    }

    /// <summary>Stops the schedule after one last checkpoint, so what was appended since the last tick is covered.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        using (var last = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await TryPublishAsync(last.Token);
            }
            catch (OperationCanceledException)
            {
                _log.LogError("Ledger checkpoint at stop not published within 10 s");
            }
        }
        _timer.Dispose();
        _chain.Dispose();
        _stop.Dispose();
    }
}

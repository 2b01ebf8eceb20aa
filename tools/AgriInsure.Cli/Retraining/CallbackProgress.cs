namespace AgriInsure.Cli.Retraining;

/// <summary>Reports synchronously, on the thread doing the work (<see cref="Progress{T}"/> would post to the thread pool, out of order).</summary>
internal sealed class CallbackProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

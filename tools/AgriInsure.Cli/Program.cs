using AgriInsure.Cli;

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl-C asks the running verb to stop cleanly; a second one ends the process at once.
    e.Cancel = !interrupt.IsCancellationRequested;
    interrupt.Cancel();
};
Commands.Interrupted = interrupt.Token;
return await Commands.RunAsync(args);

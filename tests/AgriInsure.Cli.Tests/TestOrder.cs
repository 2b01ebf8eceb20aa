// Every test here runs verbs through Commands.RunAsync, which owns process-wide state as a CLI does: the
// console (Spectre's live progress displays refuse to run two at once), Console.Error and the Ctrl-C
// token. One verb at a time, as in a real process.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

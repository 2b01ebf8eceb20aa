using AgriInsure.Bench;
using BenchmarkDotNet.Running;

// BenchmarkDotNet: dotnet run -c Release --project tools/bench/AgriInsure.Bench -- --filter '*'
// (results land in BenchmarkDotNet.Artifacts/). The zonal case runs once per process instead, so that
// its peak RSS is its own: tools/bench/zonal, and tools/bench/zonal-vs-exactextract beside exactextract.
// The ledger cases (tools/bench/ledger) measure the embedded ledger and anvil, one process each.
// The ingest case (tools/bench/ingest) starts PostgreSQL, Mosquitto and agri serve processes and measures end to end.
if (args is ["ingest", ..])
    return await IngestRun.RunAsync(args[1..]);
if (args is ["ledger-appends" or "ledger-proofs" or "ledger-anvil", ..])
    return await LedgerRun.RunAsync(args);
if (args is ["zonal" or "zonal-data" or "zonal-measure" or "zonal-count" or "zonal-shapes", ..])
    return ZonalRun.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(ZonalRun).Assembly).Run(args);
return 0;

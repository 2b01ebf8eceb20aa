using AgriInsure.Bench;
using BenchmarkDotNet.Running;

// BenchmarkDotNet: dotnet run -c Release --project tools/bench/AgriInsure.Bench -- --filter '*'
// (results land in BenchmarkDotNet.Artifacts/). The zonal case runs once per process instead, so that
// its peak RSS is its own: tools/bench/zonal, and tools/bench/zonal-vs-exactextract beside exactextract.
if (args is ["zonal" or "zonal-data" or "zonal-measure" or "zonal-count" or "zonal-shapes", ..])
    return ZonalRun.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

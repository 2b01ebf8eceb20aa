using BenchmarkDotNet.Running;

// Run: dotnet run -c Release --project tools/bench/AgriInsure.Bench -- --filter '*'
// Each benchmark states the goal it checks; results land in BenchmarkDotNet.Artifacts/.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

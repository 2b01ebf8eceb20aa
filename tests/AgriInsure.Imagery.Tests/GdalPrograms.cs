using System.Diagnostics;

namespace AgriInsure.Imagery.Tests;

/// <summary>Debian's GDAL programs (gdal-bin, installed by tools/setup --tests), which make fixtures in
/// the formats partners send.</summary>
internal static class GdalPrograms
{
    public static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {error.Result}");
    }
}

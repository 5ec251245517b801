using System.Diagnostics;
using System.Text.Json;

namespace Pipelines.Benchmarks.PissaInit;

/// <summary>Runs a Python reference script and returns the JSON object on its last stdout line.</summary>
internal static class PythonPeer
{
    public static JsonElement Run(string python, string[] arguments, string? ldLibraryPath, int? blasThreads = null)
    {
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        // Both variables slow a current OpenBLAS (../shared/bench/README.md); the peer runs without them.
        psi.Environment.Remove("OPENBLAS_CORETYPE");
        psi.Environment.Remove("OPENBLAS_L2_SIZE");
        if (blasThreads is { } t)
        {
            psi.Environment["OPENBLAS_NUM_THREADS"] = t.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (ldLibraryPath is not null)
        {
            psi.Environment["LD_LIBRARY_PATH"] = ldLibraryPath;
        }

        using Process proc = Process.Start(psi) ?? throw new InvalidOperationException($"Cannot start {python}.");
        string stdout = proc.StandardOutput.ReadToEnd();
        string stderr = proc.StandardError.ReadToEnd();
        proc.WaitForExit();
        if (proc.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', arguments)} failed ({proc.ExitCode}): {stderr.Trim()}");
        }

        return JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement.Clone();
    }
}

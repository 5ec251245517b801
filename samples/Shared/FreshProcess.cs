using System.Diagnostics;
using System.Globalization;

namespace Samples;

/// <summary>The fresh-process reload check every sample ends with: run this program again, in "reload" mode.</summary>
internal static class FreshProcess
{
    /// <summary>Starts this program again with <paramref name="args"/> and returns its exit code.</summary>
    public static int Run(params string[] args)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // Started as `dotnet Sample.dll`: start the same DLL.
            start.ArgumentList.Add(typeof(FreshProcess).Assembly.Location);
        }

        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {self}");
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>Writes predictions with round-trip precision, one per line.</summary>
    public static void Save(string path, IEnumerable<float> values) =>
        File.WriteAllLines(path, values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>Compares the predictions of this process with those the first one saved; 0 when all are equal.</summary>
    public static int Check(string path, IReadOnlyList<float> actual)
    {
        float[] expected = [.. File.ReadAllLines(path).Select(l => float.Parse(l, CultureInfo.InvariantCulture))];
        int differ = expected.Length != actual.Count
            ? Math.Max(expected.Length, actual.Count)
            : expected.Zip(actual).Count(p => p.First != p.Second);
        Console.WriteLine(differ == 0
            ? $"reload check: a fresh process reproduced all {actual.Count} values exactly"
            : $"reload check FAILED: {differ} of {expected.Length} values differ after reloading in a fresh process");
        return differ == 0 ? 0 : 1;
    }
}

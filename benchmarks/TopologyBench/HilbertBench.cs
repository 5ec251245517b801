using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Topology;

/// <summary>Hilbert signed measure of a 200-point function-Rips cloud (noisy annulus, KDE codensity) on a 50×50 grid, vs a GUDHI line loop.</summary>
internal static class HilbertBench
{
    public static void Run(int repeat, bool withGudhi)
    {
        const int N = 200;
        const int Resolution = 50;
        const float Threshold = 0.6f;
        var rng = new Random(2026);
        var pts = new float[2 * N];
        for (int i = 0; i < N; i++)
        {
            double t = rng.NextDouble() * 2 * Math.PI;
            double r = 1 + (0.1 * ((rng.NextDouble() * 2) - 1));
            bool outlier = i % 10 == 9;
            pts[2 * i] = (float)(outlier ? (rng.NextDouble() * 3) - 1.5 : r * Math.Cos(t));
            pts[(2 * i) + 1] = (float)(outlier ? (rng.NextDouble() * 3) - 1.5 : r * Math.Sin(t));
        }

        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        float[] c = Codensity.Compute(dm, 2, CodensityKind.GaussianKde, 0.15f);
        var f = new FunctionRipsBifiltration(dm, c, Threshold);
        FiltrationGrid g1 = FiltrationGrid.Fit(f.EdgeValues(), GridStrategy.Regular, Resolution);
        FiltrationGrid g2 = FiltrationGrid.Fit(c, GridStrategy.Regular, Resolution);
        Console.WriteLine();
        Console.WriteLine($"Hilbert signed measure: {N} points (noisy annulus), Rips threshold {Threshold}, KDE h=0.15, {g1.Count}x{g2.Count} grid");
        Console.WriteLine($"{"degrees",-10} {"ours s",9} {"GUDHI line loop s",18} {"ours/GUDHI",11} {"same measure",13}");
        foreach (int maxDeg in new[] { 1, 2 })
        {
            SignedMeasure[] ours = f.HilbertSignedMeasures(g1, g2, maxDeg, zeroPad: false);
            var times = new double[repeat];
            for (int r = 0; r < repeat; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                f.HilbertSignedMeasures(g1, g2, maxDeg, zeroPad: false);
                times[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            }

            Array.Sort(times);
            double oursS = times[repeat / 2];
            double gS = double.NaN;
            string same = "-";
            if (withGudhi)
            {
                (gS, long[][] gm) = RunGudhi(pts, c, g1, g2, Threshold, maxDeg, N);
                if (gm.Length == maxDeg + 1)
                {
                    int[] diffs = [.. Enumerable.Range(0, maxDeg + 1).Select(d => gm[d].Zip(ours[d].Weights.ToArray()).Count(t => t.First != t.Second))];
                    same = diffs.All(x => x == 0) ? "yes" : "NO diffs=" + string.Join('/', diffs);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"H0..H" + maxDeg,-10} {oursS,9:F3} {gS,18:F2} {oursS / gS,11:F4} {same,13}"));
        }
    }

    private static (double Seconds, long[][] Measures) RunGudhi(float[] pts, float[] c, FiltrationGrid g1, FiltrationGrid g2, float thr, int maxDeg, int n)
    {
        string input = Path.Combine(Path.GetTempPath(), $"hilbert_bench_{Environment.ProcessId}.txt");
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{n} {thr.ToString("R", CultureInfo.InvariantCulture)}\n");
        sb.Append(string.Join(' ', g1.Values.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)))).Append('\n');
        sb.Append(string.Join(' ', g2.Values.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)))).Append('\n');
        for (int i = 0; i < n; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{pts[2 * i].ToString("R", CultureInfo.InvariantCulture)} {pts[(2 * i) + 1].ToString("R", CultureInfo.InvariantCulture)} {c[i].ToString("R", CultureInfo.InvariantCulture)}\n");
        }

        File.WriteAllText(input, sb.ToString());
        try
        {
            string script = Path.Combine(AppContext.BaseDirectory, "gudhi_hilbert.py");
            using var p = Process.Start(new ProcessStartInfo("/usr/bin/python3", $"{script} {input} {maxDeg}") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string[] lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            p.WaitForExit();
            double s = double.Parse(lines[0], CultureInfo.InvariantCulture);
            long[][] m = [.. lines.Skip(1).Select(l => l.Split(' ').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray())];
            return (s, m);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or FormatException or IndexOutOfRangeException)
        {
            return (double.NaN, []);
        }
        finally
        {
            File.Delete(input);
        }
    }
}

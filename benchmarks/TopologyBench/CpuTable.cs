using System.Diagnostics;
using System.Globalization;
using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// `--cpu`: the Rips rows in CPU time instead of wall time, for loaded machines (a busy 2-core machine stretches wall
/// times unevenly across the three tools; CPU time much less). Ours: process CPU of one computation from the input in
/// memory (median of 9 after 1.5 s of CPU warm-up); Ripser: user + system time of its process, parse included (mean of 10, via
/// /usr/bin/time); GUDHI: <c>time.process_time()</c> around the same calls gudhi_rips.py times (median of 5).
/// </summary>
internal static class CpuTable
{
    public static void Run(IEnumerable<(string Name, string File, int MaxDim, float? Threshold, bool Gudhi)> cases, string ripser)
    {
        Console.WriteLine($"CPU time per computation, ms: {"case",-28} {"ours",8} {"Ripser",8} {"GUDHI",8} {"ours/Ripser",12} {"ours/GUDHI",11} {"Rip/GUDHI",10}");
        foreach (var c in cases)
        {
            if (!File.Exists(c.File))
            {
                continue;
            }

            var options = new RipsOptions { MaxDimension = c.MaxDim, Threshold = c.Threshold, Budget = ComplexBudget.Unlimited, EdgeCollapse = EdgeCollapseMode.Off };
            Func<PersistenceDiagram> compute;
            if (c.File.EndsWith("lower_distance_matrix", StringComparison.Ordinal))
            {
                DistanceMatrix m = Program.Load(c.File);
                compute = () => RipsPersistence.Compute(m, options);
            }
            else
            {
                (float[] points, int dim) = Program.LoadPoints(c.File);
                compute = () => RipsPersistence.Compute(points, dim, options);
            }

            // Warm up by CPU time, not wall time: on a loaded machine half a wall second may not reach tier-1 code.
            using var self = Process.GetCurrentProcess();
            TimeSpan start = self.TotalProcessorTime;
            for (int w = 0; w < 500; w++)
            {
                compute();
                self.Refresh();
                if (w >= 10 && (self.TotalProcessorTime - start).TotalSeconds > 1.5)
                {
                    break;
                }
            }

            var times = new double[9];
            for (int r = 0; r < times.Length; r++)
            {
                self.Refresh();
                TimeSpan t0 = self.TotalProcessorTime;
                compute();
                self.Refresh();
                times[r] = (self.TotalProcessorTime - t0).TotalMilliseconds;
            }

            Array.Sort(times);
            double ours = times[times.Length / 2];
            double rip = RipserCpu(ripser, c.File, c.MaxDim, c.Threshold);
            double gudhi = c.Gudhi ? GudhiCpu(c.File, c.MaxDim, c.Threshold ?? Program.Load(c.File).EnclosingRadius()) : double.NaN;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU time per computation, ms: {c.Name,-28} {ours,8:F1} {rip,8:F1} {gudhi,8:F1} {ours / rip,12:F2} {ours / gudhi,11:F3} {rip / gudhi,10:F2}"));
        }
    }

    private static double RipserCpu(string exe, string path, int maxDim, float? threshold)
    {
        if (!File.Exists(exe) || !File.Exists("/usr/bin/time"))
        {
            return double.NaN;
        }

        string fmt = path.EndsWith(".txt", StringComparison.Ordinal) ? "--format point-cloud " : string.Empty;
        string thr = threshold is { } t ? string.Create(CultureInfo.InvariantCulture, $"--threshold {t} ") : string.Empty;
        const int Runs = 10;
        string loop = $"for i in $(seq {Runs}); do '{exe}' {fmt}{thr}--dim {maxDim} '{path}' > /dev/null; done";
        var info = new ProcessStartInfo("/usr/bin/time", ["-f", "%U %S", "bash", "-c", loop]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(info)!;
        string[] lines = p.StandardError.ReadToEnd().Trim().Split('\n');
        p.WaitForExit();
        string[] parts = lines[^1].Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture) + double.Parse(parts[1], CultureInfo.InvariantCulture)) * 1000 / Runs;
    }

    private static double GudhiCpu(string path, int maxDim, float threshold)
    {
        var info = new ProcessStartInfo("/usr/bin/python3", ["-c", GudhiCode, path, maxDim.ToString(CultureInfo.InvariantCulture), threshold.ToString("R", CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true, RedirectStandardError = true };
        try
        {
            using var p = Process.Start(info)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return double.Parse(output.Trim(), CultureInfo.InvariantCulture) * 1000;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or FormatException)
        {
            return double.NaN;
        }
    }

    // The timed part of gudhi_rips.py, under process_time, median of 5.
    private const string GudhiCode = """
        import sys, time, numpy as np, gudhi
        path, maxdim, thr = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
        if path.endswith("lower_distance_matrix"):
            rows = [[float(x) for x in line.strip().rstrip(",").split(",") if x] for line in open(path) if line.strip()]
            kwargs = {"distance_matrix": ([[]] + rows)[:len(rows) + 1]}
        else:
            kwargs = {"points": np.loadtxt(path)}
        times = []
        for r in range(5):
            t0 = time.process_time()
            st = gudhi.RipsComplex(max_edge_length=thr, **kwargs).create_simplex_tree(max_dimension=maxdim + 1)
            st.persistence(homology_coeff_field=2, min_persistence=0)
            times.append(time.process_time() - t0)
        print(sorted(times)[2])
        """;
}

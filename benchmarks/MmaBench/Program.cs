using System.Diagnostics;
using System.Globalization;
using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Mma;

/// <summary>
/// MMA (module approximation + image + landscapes) against our own Hilbert signed measure on the same 200-point
/// function-Rips complex (noisy annulus with outliers, seed 2026, KDE codensity h = 0.15, threshold 0.6: the cloud of
/// TopologyBench's Hilbert case), H0 + H1, in one run; prints the ratio MMA / Hilbert.
/// With --accuracy TU_FOLDER it then compares MMA and Hilbert features on that TU set (10-fold CV, same classifier).
/// usage: dotnet run -c Release --project benchmarks/MmaBench -- [--repeat 3] [--points 200] [--accuracy ../shared/data/graphs/tu/MUTAG]
/// With <c>--matching</c>: only the line-matching phase, before (plain Kuhn) and after, on the same barcodes (<see cref="MatchingBench"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        int repeat = int.Parse(Arg(args, "--repeat") ?? "3", CultureInfo.InvariantCulture);
        int n = int.Parse(Arg(args, "--points") ?? "200", CultureInfo.InvariantCulture);
        const float Threshold = 0.6f;
        float[] pts = Annulus(n, 2026);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        float[] c = Codensity.Compute(dm, 2, CodensityKind.GaussianKde, 0.15f);
        var f = new FunctionRipsBifiltration(dm, c, Threshold);
        if (args.Contains("--matching"))
        {
            // The line-matching phase alone, before (plain Kuhn) and after, side by side (MatchingBench).
            MatchingBench.Run(f, repeat);
            return 0;
        }

        Console.WriteLine($"MmaBench  cores={Environment.ProcessorCount}  repeat={repeat} (median)  {n} points (noisy annulus), Rips threshold {Threshold}, KDE h=0.15, H0+H1");
        Console.WriteLine($"{"case",-34} {"seconds",9} {"lines",6} {"summands H0/H1",15} {"vs Hilbert 50x50",17}");
        FiltrationGrid g1 = FiltrationGrid.Fit(f.EdgeValues(), GridStrategy.Regular, 50);
        FiltrationGrid g2 = FiltrationGrid.Fit(c, GridStrategy.Regular, 50);
        f.HilbertSignedMeasures(g1, g2, 1, zeroPad: false);
        double hilbert = Median(repeat, () => f.HilbertSignedMeasures(g1, g2, 1, zeroPad: false));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"Hilbert signed measure 50x50",-34} {hilbert,9:F3} {50,6} {"-",15} {1.0,17:F2}"));
        foreach (float delta in new[] { 0.1f, 0.05f, 0.02f })
        {
            var options = new ModuleApproximationOptions { Precision = delta, MaxDegree = 1, Normalize = true, Budget = ComplexBudget.Unlimited };
            MmaModule module = ModuleApproximation.Compute(f, options);
            double s = Median(repeat, () => ModuleApproximation.Compute(f, options));
            var image = new float[20 * 20];
            var land = new float[3 * 20 * 20];
            double vec = Median(repeat, () =>
            {
                for (int d = 0; d <= 1; d++)
                {
                    MmaRepresentation.Image(module, d, 20, 0.05f, 1f, image);
                    MmaRepresentation.Landscapes(module, d, 3, 20, land);
                }
            });
            string summands = $"{module.Summands(0).Count}/{module.Summands(1).Count}";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"MMA δ=" + delta + " (unit square)",-34} {s,9:F3} {module.LineOffsets.Length,6} {summands,15} {s / hilbert,17:F2}"));

            // The same family without the filtration-domination collapse (every edge on every line), same summands.
            var whole = options with { EdgeCollapse = EdgeCollapseMode.Off };
            MmaModule uncollapsed = ModuleApproximation.Compute(f, whole);
            double sOff = Median(repeat, () => ModuleApproximation.Compute(f, whole));
            string same = SameSummands(module, uncollapsed) ? "same summands" : "SUMMANDS DIFFER";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"  without edge collapse",-34} {sOff,9:F3} {"",6} {same,15} {sOff / hilbert,17:F2}  (collapse: {sOff / s:F2}× faster)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"  + image 20x20 + 3 landscapes",-34} {vec,9:F3} {"",6} {"disc=" + module.Discontinuities,15} {(s + vec) / hilbert,17:F2}"));
        }

        VineyardCost.Run(dm, c, Threshold);
        if (Arg(args, "--accuracy") is { } folder)
        {
            Accuracy.Run(folder);
        }

        return 0;
    }

    private static bool SameSummands(MmaModule a, MmaModule b)
    {
        for (int d = 0; d <= 1; d++)
        {
            if (a.Summands(d).Count != b.Summands(d).Count)
            {
                return false;
            }

            for (int i = 0; i < a.Summands(d).Count; i++)
            {
                if (!a.Summands(d)[i].Bars.SequenceEqual(b.Summands(d)[i].Bars))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static float[] Annulus(int n, int seed)
    {
        var rng = new Random(seed);
        var pts = new float[2 * n];
        for (int i = 0; i < n; i++)
        {
            double t = rng.NextDouble() * 2 * Math.PI;
            double r = 1 + (0.1 * ((rng.NextDouble() * 2) - 1));
            bool outlier = i % 10 == 9;
            pts[2 * i] = (float)(outlier ? (rng.NextDouble() * 3) - 1.5 : r * Math.Cos(t));
            pts[(2 * i) + 1] = (float)(outlier ? (rng.NextDouble() * 3) - 1.5 : r * Math.Sin(t));
        }

        return pts;
    }

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static double Median(int repeat, Action action)
    {
        var times = new double[repeat];
        for (int r = 0; r < repeat; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            times[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        Array.Sort(times);
        return times[repeat / 2];
    }
}

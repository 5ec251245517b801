using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Mma;

/// <summary>
/// <c>--matching</c>: the line-matching phase of MMA alone, the library's <c>VineMatching</c> on every pair of
/// neighbouring lines' barcodes (H0 and H1) of the bench's module at δ = 0.1, 0.05, 0.02. The barcodes are read back
/// from the module's summands (the bars each summand has on each line, sorted by birth). A replacement is timed by
/// adding it beside the library's matcher here (session 10's search counts came from an instrumented copy of the
/// matcher, since removed: results/matching_s10_2026-12-07.txt).
/// </summary>
internal static class MatchingBench
{
    private delegate (int[] LowerToUpper, int Discontinuities) Matcher(LineBar[] lower, LineBar[] upper, float delta, float eta);

    public static void Run(FunctionRipsBifiltration f, int repeat)
    {
        // VineMatching is internal to Pipelines.Numerics: bound once by reflection (benchmark only).
        MethodInfo match = typeof(MmaModule).Assembly.GetType("Pipelines.Numerics.Topology.VineMatching", throwOnError: true)!
            .GetMethod("Match", BindingFlags.Public | BindingFlags.Static)!;
        var library = match.CreateDelegate<Matcher>();
        Console.WriteLine();
        Console.WriteLine("Line matching alone (all neighbouring line pairs, H0 + H1; fastest of ≥ 15 runs):");
        Console.WriteLine($"{"δ",6} {"pairs",6} {"bars/line",9} {"VineMatching ms",16}");
        foreach (float delta in new[] { 0.1f, 0.05f, 0.02f })
        {
            var options = new ModuleApproximationOptions { Precision = delta, MaxDegree = 1, Normalize = true, Budget = ComplexBudget.Unlimited };
            MmaModule module = ModuleApproximation.Compute(f, options);
            List<(LineBar[] Lower, LineBar[] Upper)> pairs = Pairs(module);
            const float Eta = 2e-5f; // ModuleApproximation's η on the unit square: 1e-5 (1 + max |corner|)
            double best = BestOf(Math.Max(repeat, 15), () => pairs.ForEach(p => library(p.Lower, p.Upper, delta, Eta)));
            double bars = pairs.Average(p => p.Lower.Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{delta,6} {pairs.Count,6} {bars,9:F1} {1000 * best,16:F2}"));
        }
    }

    /// <summary>Each line's barcode per degree, rebuilt from the summands, as (line k, line k + 1) pairs.</summary>
    private static List<(LineBar[], LineBar[])> Pairs(MmaModule module)
    {
        int lines = module.LineOffsets.Length;
        var pairs = new List<(LineBar[], LineBar[])>();
        for (int d = 0; d <= module.MaxDegree; d++)
        {
            var perLine = new List<LineBar>[lines];
            for (int k = 0; k < lines; k++)
            {
                perLine[k] = [];
            }

            foreach (MmaSummand s in module.Summands(d))
            {
                for (int k = 0; k < s.Bars.Length; k++)
                {
                    perLine[s.FirstLine + k].Add(s.Bars[k]);
                }
            }

            LineBar[][] sorted = [.. perLine.Select(l => l.OrderBy(b => b.Birth).ThenBy(b => b.Death).ToArray())];
            for (int k = 0; k + 1 < lines; k++)
            {
                pairs.Add((sorted[k], sorted[k + 1]));
            }
        }

        return pairs;
    }

    /// <summary>The fastest of <paramref name="repeat"/> runs after one warm-up (the least disturbed by other load).</summary>
    private static double BestOf(int repeat, Action action)
    {
        action();
        double best = double.MaxValue;
        for (int r = 0; r < repeat; r++)
        {
            best = Math.Min(best, Time(action));
        }

        return best;
    }

    private static double Time(Action action)
    {
        long t0 = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}

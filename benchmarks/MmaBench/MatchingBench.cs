using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Mma;

/// <summary>
/// <c>--matching</c>: the line-matching phase of MMA alone, the library's <c>VineMatching</c> against the plain Kuhn of
/// s10 kept verbatim (<see cref="KuhnMatching"/>; today the same algorithm, so the ratio is ≈ 1: the harness for a
/// replacement), with the augmenting-path work (vertices visited per search) of the latter, on the same inputs:
/// every pair of neighbouring lines' barcodes (H0 and H1) of the bench's module at δ = 0.1, 0.05, 0.02. The barcodes are
/// read back from the module's summands (the bars each summand has on each line, sorted by birth); the two matchings
/// are checked equal pair by pair.
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
        Console.WriteLine("Line matching alone (all neighbouring line pairs, H0 + H1; fastest of ≥ 15 interleaved runs each):");
        Console.WriteLine($"{"δ",6} {"pairs",6} {"bars/line",9} {"searches",9} {"visits/search",13} {"Kuhn (s10) ms",14} {"VineMatching ms",16} {"ratio",7} {"same",5}");
        foreach (float delta in new[] { 0.1f, 0.05f, 0.02f })
        {
            var options = new ModuleApproximationOptions { Precision = delta, MaxDegree = 1, Normalize = true, Budget = ComplexBudget.Unlimited };
            MmaModule module = ModuleApproximation.Compute(f, options);
            List<(LineBar[] Lower, LineBar[] Upper)> pairs = Pairs(module);
            const float Eta = 2e-5f; // ModuleApproximation's η on the unit square: 1e-5 (1 + max |corner|)
            (KuhnMatching.Searches, KuhnMatching.Visits) = (0, 0);
            bool same = pairs.All(p =>
            {
                (int[] a, int ba) = KuhnMatching.Match(p.Lower, p.Upper, delta, Eta);
                (int[] b, int bb) = library(p.Lower, p.Upper, delta, Eta);
                return ba == bb && a.AsSpan().SequenceEqual(b);
            });
            (long searches, long visits) = (KuhnMatching.Searches, KuhnMatching.Visits);
            (double before, double after) = BestOf(Math.Max(repeat, 15), () => pairs.ForEach(p => KuhnMatching.Match(p.Lower, p.Upper, delta, Eta)), () => pairs.ForEach(p => library(p.Lower, p.Upper, delta, Eta)));
            double bars = pairs.Average(p => p.Lower.Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{delta,6} {pairs.Count,6} {bars,9:F1} {searches,9} {visits / (double)Math.Max(1, searches),13:F1} {1000 * before,14:F2} {1000 * after,16:F2} {before / after,6:F2}x {(same ? "yes" : "NO"),5}"));
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

    /// <summary>The fastest of <paramref name="repeat"/> runs of each, interleaved (the least disturbed by other load).</summary>
    private static (double First, double Second) BestOf(int repeat, Action first, Action second)
    {
        first();
        second();
        (double a, double b) = (double.MaxValue, double.MaxValue);
        for (int r = 0; r < repeat; r++)
        {
            // Alternate which goes first, so that neither always runs right after the other's garbage.
            if (r % 2 == 0)
            {
                a = Math.Min(a, Time(first));
                b = Math.Min(b, Time(second));
            }
            else
            {
                b = Math.Min(b, Time(second));
                a = Math.Min(a, Time(first));
            }
        }

        return (a, b);
    }

    private static double Time(Action action)
    {
        long t0 = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}

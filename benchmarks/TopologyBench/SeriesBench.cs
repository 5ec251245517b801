using System.Diagnostics;
using System.Globalization;
using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// Per-series cost of the time-series path of <c>topo vectorize</c> (delay embedding (3, 1, 1) → function-Rips with a
/// Gaussian KDE codensity (h = 0.3) at the enclosing radius → Hilbert H0+H1 on a 20 × 20 regular grid), by stage.
/// usage: TopologyBench --series UCR_TRAIN.tsv [--count 20] [--maxdim 1]
/// </summary>
internal static class SeriesBench
{
    public static void Run(string path, int count, int maxDegree)
    {
        string[] lines = [.. File.ReadAllLines(path).Where(l => l.Length > 0).Take(count)];
        var series = lines.Select(l => l.Split(['\t', ','], StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Console.WriteLine($"SeriesBench {Path.GetFileName(path)}: {series.Length} series of length {series[0].Length}, cores={Environment.ProcessorCount}");
        var bifiltrations = new List<FunctionRipsBifiltration>();
        var first = new List<float>();
        var second = new List<float>();
        long t0 = Stopwatch.GetTimestamp();
        foreach (float[] s in series)
        {
            float[] pts = DelayEmbedding.Embed(s, 3, 1, 1);
            DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 3);
            float[] c = Codensity.Compute(dm, 3, CodensityKind.GaussianKde, 0.3f);
            var f = new FunctionRipsBifiltration(dm, c);
            bifiltrations.Add(f);
            first.AddRange(f.EdgeValues().Where((_, k) => k % 16 == 0));
            first.Add(0f);
            second.AddRange(c);
        }

        double build = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var g1 = FiltrationGrid.Fit(first.ToArray(), GridStrategy.Regular, 20, 0.01f);
        var g2 = FiltrationGrid.Fit(second.ToArray(), GridStrategy.Regular, 20, 0.01f);
        var per = new double[series.Length];
        long atoms = 0;
        for (int i = 0; i < series.Length; i++)
        {
            long t = Stopwatch.GetTimestamp();
            SignedMeasure[] m = bifiltrations[i].HilbertSignedMeasures(g1, g2, maxDegree, zeroPad: true);
            per[i] = Stopwatch.GetElapsedTime(t).TotalSeconds;
            atoms += m.Sum(x => x.TotalVariation);
        }

        Array.Sort(per);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  embedding+distances+codensity {build / series.Length:F4} s/series; Hilbert H0..H{maxDegree} median {per[per.Length / 2]:F4} s, max {per[^1]:F4} s, mean {per.Average():F4} s/series; Σ|μ| {atoms}"));
    }
}

using System.Diagnostics;
using System.Globalization;
using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// Per-series cost of the time-series path of <c>topo vectorize</c> (delay embedding (3, 1, 1) → function-Rips with a
/// Gaussian KDE codensity (h = 0.3) at the enclosing radius → Hilbert H0+H1 on a 20 × 20 regular grid), by stage,
/// before (<see cref="EdgeCollapseMode.Off"/>: one Rips reduction per grid line of the full snapped graph) and after
/// (<see cref="EdgeCollapseMode.On"/>: filtration-dominated edges removed once, then the same lines), checking that
/// both give identical measures.
/// usage: TopologyBench --series UCR_TRAIN.tsv|UCR_FOLDER [--count 20] [--maxdim 1] [--synthetic 512]
/// A folder runs every *_TRAIN.tsv below it; --synthetic N adds a seeded noisy two-tone series set of length N.
/// </summary>
internal static class SeriesBench
{
    public static void Run(string path, int count, int maxDegree, int synthetic)
    {
        string[] files = Directory.Exists(path)
            ? [.. Directory.EnumerateFiles(path, "*_TRAIN.tsv", SearchOption.AllDirectories).Order(StringComparer.Ordinal)]
            : [path];
        Console.WriteLine($"SeriesBench: delay (3,1,1), KDE h=0.3, enclosing radius, Hilbert H0..H{maxDegree}, 20×20 grid; {count} series per set; cores={Environment.ProcessorCount}");
        Console.WriteLine($"{"set",-22} {"len",5} {"build s",8} {"before s",9} {"after s",9} {"speed-up",9} {"cpu bef.",9} {"cpu aft.",9} {"cpu ×",9} {"before MB",10} {"after MB",9} {"same",5}");
        foreach (string file in files)
        {
            string[] lines = [.. File.ReadAllLines(file).Where(l => l.Length > 0).Take(count)];
            float[][] series = [.. lines.Select(l => l.Split(['\t', ','], StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray())];
            Measure(Path.GetFileNameWithoutExtension(file), series, maxDegree);
        }

        if (synthetic > 0)
        {
            var random = new Random(7);
            float[][] series = [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, synthetic).Select(t => (float)(Math.Sin(t * 0.11) + (0.5 * Math.Sin(t * 0.37)) + (0.2 * random.NextDouble()))).ToArray())];
            Measure($"synthetic-{synthetic}", series, maxDegree);
        }
    }

    private static void Measure(string name, float[][] series, int maxDegree)
    {
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

        double build = Stopwatch.GetElapsedTime(t0).TotalSeconds / series.Length;
        var g1 = FiltrationGrid.Fit(first.ToArray(), GridStrategy.Regular, 20, 0.01f);
        var g2 = FiltrationGrid.Fit(second.ToArray(), GridStrategy.Regular, 20, 0.01f);

        // After first, so the before run cannot profit from a warmed-up heap; each series is timed alone.
        (double after, double afterCpu, double afterMb, SignedMeasure[][] withCollapse) = Time(bifiltrations, g1, g2, maxDegree, EdgeCollapseMode.On);
        (double before, double beforeCpu, double beforeMb, SignedMeasure[][] without) = Time(bifiltrations, g1, g2, maxDegree, EdgeCollapseMode.Off);
        bool same = withCollapse.Zip(without).All(p => p.First.Zip(p.Second).All(q => q.First.Weights.SequenceEqual(q.Second.Weights)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-22} {series[0].Length,5} {build,8:F4} {before,9:F4} {after,9:F4} {before / after,8:F1}x {beforeCpu,9:F4} {afterCpu,9:F4} {beforeCpu / afterCpu,8:F1}x {beforeMb,10:F1} {afterMb,9:F1} {(same ? "yes" : "NO"),5}"));
    }

    /// <summary>Median wall seconds per series, mean CPU seconds per series (all threads) and mean allocated MB per series.</summary>
    private static (double Seconds, double CpuSeconds, double Megabytes, SignedMeasure[][] Measures) Time(List<FunctionRipsBifiltration> rows, FiltrationGrid g1, FiltrationGrid g2, int maxDegree, EdgeCollapseMode mode)
    {
        var per = new double[rows.Count];
        var measures = new SignedMeasure[rows.Count][];
        rows[0].HilbertSignedMeasures(g1, g2, maxDegree, zeroPad: true, edgeCollapse: mode); // JIT warm-up
        long bytes = GC.GetTotalAllocatedBytes(precise: true);
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < rows.Count; i++)
        {
            long t = Stopwatch.GetTimestamp();
            measures[i] = rows[i].HilbertSignedMeasures(g1, g2, maxDegree, zeroPad: true, edgeCollapse: mode);
            per[i] = Stopwatch.GetElapsedTime(t).TotalSeconds;
        }

        double mb = (GC.GetTotalAllocatedBytes(precise: true) - bytes) / (double)rows.Count / (1 << 20);
        double cpuPer = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / rows.Count;
        Array.Sort(per);
        return (per[per.Length / 2], cpuPer, mb, measures);
    }
}

using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace Pipelines.Cli.Tests;

/// <summary>
/// Issue 19 "budgets before work": super-linear steps are refused from the input's size, with the estimate and the
/// option that raises the limit, before the expensive work (each refusal must come within seconds).
/// </summary>
public sealed class BudgetTests : IDisposable
{
    private static readonly TimeSpan s_fast = TimeSpan.FromSeconds(20);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"cli-budget-{Guid.NewGuid():N}");

    public BudgetTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TopoPersistence_50kPoints_RefusedBeforeAllocatingTheDistanceMatrix()
    {
        string file = Path.Combine(_dir, "cloud.txt");
        var rng = new Random(3);
        File.WriteAllLines(file, Enumerable.Range(0, 50_000).Select(_ => string.Create(CultureInfo.InvariantCulture, $"{rng.NextDouble()} {rng.NextDouble()}")));
        // This thread's allocations only: the command runs synchronously here, while other test classes run in parallel
        // in the same process (a process-wide count picked up their allocations).
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        (int code, _, string err) = CliHarness.Run("topo", "persistence", "--points", file, "--max-mib", "1024");
        watch.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1, code);
        Assert.Contains("refused before computing distances", err, StringComparison.Ordinal);
        Assert.Contains("--max-mib", err, StringComparison.Ordinal);
        Assert.True(allocated < 256L << 20, $"allocated {allocated >> 20} MiB before refusing (the matrix alone is 4,768 MiB)");
        Assert.True(watch.Elapsed < s_fast, $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("4096")]
    [InlineData("1000000000")]
    public void TopoPersistence_100kIdenticalPoints_RefusedWithoutOverflow(string maxMib)
    {
        string file = Path.Combine(_dir, "same.txt");
        File.WriteAllLines(file, Enumerable.Repeat("0.5 0.5", 100_000));
        string err = RefusedQuickly(["topo", "persistence", "--points", file, "--max-mib", maxMib], "refused before computing distances");
        Assert.DoesNotContain("internal", err, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TopoVectorize_UcrSeriesOf20000Values_RefusedWithTheEstimate()
    {
        string file = Path.Combine(_dir, "LONG_TRAIN.tsv");
        var rng = new Random(5);
        File.WriteAllLines(file, Enumerable.Range(0, 3).Select(i =>
            $"{i % 2}\t" + string.Join('\t', Enumerable.Range(0, 20_000).Select(_ => rng.NextDouble().ToString("F4", CultureInfo.InvariantCulture)))));
        RefusedQuickly(["topo", "vectorize", "--input", file, "--out", Path.Combine(_dir, "f.csv")], "refused before computing distances", "19,998 points", "--max-mib");
    }

    [Fact]
    public void GraphEncode_Rwse_On50kNodeGraph_RefusedWithTheEstimate()
    {
        string folder = Path.Combine(_dir, "BIG");
        Directory.CreateDirectory(folder);
        const int n = 50_000;
        File.WriteAllLines(Path.Combine(folder, "BIG_A.txt"), Enumerable.Range(1, n - 1).SelectMany(i => new[] { $"{i}, {i + 1}", $"{i + 1}, {i}" }));
        File.WriteAllLines(Path.Combine(folder, "BIG_graph_indicator.txt"), Enumerable.Repeat("1", n));
        File.WriteAllLines(Path.Combine(folder, "BIG_graph_labels.txt"), ["1"]);
        RefusedQuickly(["graph", "encode", "--data", folder, "--pe", "rwse", "--out", Path.Combine(_dir, "pe.csv")], "RWSE", "50,000-node", "--max-gops");
    }

    [Fact]
    public void GraphEncode_Lap_On5000AtomSmilesChain_RefusedWithTheEstimate()
    {
        string csv = Path.Combine(_dir, "chain.csv");
        File.WriteAllLines(csv, ["smiles,label", new string('C', 5000) + ",1"]);
        RefusedQuickly(["graph", "encode", "--data", csv, "--pe", "lap", "--out", Path.Combine(_dir, "pe.csv")], "Lanczos", "5,000-node", "--max-gops");
    }

    /// <summary>Runs the CLI, asserts exit code 1 within <see cref="s_fast"/> and every expected text on stderr; returns stderr.</summary>
    private static string RefusedQuickly(string[] args, params string[] expected)
    {
        var watch = Stopwatch.StartNew();
        (int code, _, string err) = CliHarness.Run(args);
        Assert.True(watch.Elapsed < s_fast, $"took {watch.Elapsed}");
        Assert.True(code == 1, err);
        foreach (string text in expected)
        {
            Assert.Contains(text, err, StringComparison.Ordinal);
        }

        return err;
    }
}

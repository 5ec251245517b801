using Xunit;

namespace Pipelines.Cli.Tests;

public sealed class TopoCommandTests
{
    [Fact]
    public void Persistence_Square_PrintsOneLoopAsJson()
    {
        string file = Path.Combine(Path.GetTempPath(), $"square_{Guid.NewGuid():N}.txt");
        File.WriteAllText(file, "0 0\n1 0\n1 1\n0 1\n");
        try
        {
            (int code, string output, string err) = CliHarness.Run("topo", "persistence", "--points", file, "--maxdim", "1", "--threshold", "2", "--json");
            Assert.True(code == 0, err);
            Assert.Contains("\"degree\": 1", output, StringComparison.Ordinal);
            Assert.Contains("1.41421", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Persistence_OverBudget_FailsWithOneLine()
    {
        string file = Path.Combine(Path.GetTempPath(), $"cloud_{Guid.NewGuid():N}.txt");
        var rng = new Random(1);
        File.WriteAllLines(file, Enumerable.Range(0, 300).Select(_ => $"{rng.NextDouble()} {rng.NextDouble()} {rng.NextDouble()}"));
        try
        {
            (int code, _, string err) = CliHarness.Run("topo", "persistence", "--points", file, "--maxdim", "3", "--max-mib", "1");
            Assert.Equal(1, code);
            Assert.Contains("refused before construction", err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Vectorize_UnknownFiltration_IsBadUsage()
    {
        (int code, _, string err) = CliHarness.Run("topo", "vectorize", "--input", ".", "--filtration", "nope", "--out", "x.csv");
        Assert.Equal(2, code);
        Assert.Contains("--filtration", err, StringComparison.Ordinal);
    }
}

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

    [Fact]
    public void Vectorize_Mma_WritesLandscapeFeaturesAndTheTransformer()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mma_{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string input = Path.Combine(dir, "clouds.csv");
            var rng = new Random(3);
            File.WriteAllLines(input, Enumerable.Range(0, 6 * 20).Select(i =>
            {
                double t = rng.NextDouble() * 2 * Math.PI;
                double r = (i / 20) % 2 == 0 ? 1 : rng.NextDouble();
                return FormattableString.Invariant($"{r * Math.Cos(t)},{r * Math.Sin(t)},{(i / 20) % 2}");
            }));
            string output = Path.Combine(dir, "f.csv");
            string saved = Path.Combine(dir, "mma.bin");
            (int code, _, string err) = CliHarness.Run("topo", "vectorize", "--input", input, "--cloud-size", "20", "--invariant", "mma", "--vectorizer", "mma-landscape", "--precision", "0.1", "--resolution", "8", "--out", output, "--save-transformer", saved);
            Assert.True(code == 0, err);
            string[] lines = File.ReadAllLines(output);
            Assert.Equal(7, lines.Length);

            // H0 + H1, 3 landscapes on a 4 × 4 grid each: 96 features after the label.
            Assert.Equal(1 + 96, lines[0].Split(',').Length);
            Assert.True(Transforms.Topology.MmaTransformer.Load(saved).Options.Precision == 0.1f);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Vectorize_MmaVectorizerWithEulerInvariant_IsBadUsage()
    {
        (int code, _, string err) = CliHarness.Run("topo", "vectorize", "--input", ".", "--invariant", "euler", "--vectorizer", "mma-image", "--out", "x.csv");
        Assert.Equal(2, code);
        Assert.Contains("mma-image", err, StringComparison.Ordinal);
    }
}

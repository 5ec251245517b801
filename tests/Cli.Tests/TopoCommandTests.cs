using Pipelines.Transforms.Topology;
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
    public void Persistence_EdgeCollapseOnAndOff_PrintTheSameDiagram()
    {
        string file = Path.Combine(Path.GetTempPath(), $"cloud_{Guid.NewGuid():N}.txt");
        var rng = new Random(3);
        File.WriteAllLines(file, Enumerable.Range(0, 60).Select(_ => $"{rng.NextDouble()} {rng.NextDouble()} {rng.NextDouble()}"));
        try
        {
            (int code, string on, string err) = CliHarness.Run("topo", "persistence", "--points", file, "--maxdim", "2", "--edge-collapse", "on");
            Assert.True(code == 0, err);
            (code, string off, err) = CliHarness.Run("topo", "persistence", "--points", file, "--maxdim", "2", "--edge-collapse", "off");
            Assert.True(code == 0, err);
            Assert.Equal(off, on);
            Assert.Contains("H2", off, StringComparison.Ordinal);
            (code, _, err) = CliHarness.Run("topo", "persistence", "--points", file, "--edge-collapse", "sometimes");
            Assert.Equal(2, code);
            Assert.Contains("--edge-collapse", err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Persistence_Sparse_KeepsTheLongLoopAndRefusesEpsilonOutsideTheUnitInterval()
    {
        string file = Path.Combine(Path.GetTempPath(), $"circle_{Guid.NewGuid():N}.txt");
        var rng = new Random(5);
        File.WriteAllLines(file, Enumerable.Range(0, 200).Select(_ =>
        {
            double a = rng.NextDouble() * 2 * Math.PI;
            return FormattableString.Invariant($"{Math.Cos(a)} {Math.Sin(a)}");
        }));
        try
        {
            (int code, string output, string err) = CliHarness.Run("topo", "persistence", "--points", file, "--sparse", "0.3", "--json");
            Assert.True(code == 0, err);
            Assert.Contains("\"degree\": 1", output, StringComparison.Ordinal);
            (code, _, err) = CliHarness.Run("topo", "persistence", "--points", file, "--sparse", "1.5");
            Assert.Equal(2, code);
            Assert.Contains("--sparse 1.5", err, StringComparison.Ordinal);
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
    public void Vectorize_RankInvariant_WritesSignedBarcodeFeatures()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"rank_{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        string file = Path.Combine(dir, "TINY_TRAIN.tsv");
        File.WriteAllLines(file, Enumerable.Range(0, 4).Select(r =>
            $"{r % 2}\t" + string.Join('\t', Enumerable.Range(0, 40).Select(i => Math.Sin(i * (0.3 + (0.2 * r))).ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))));
        try
        {
            string output = Path.Combine(dir, "f.csv");
            (int code, _, string err) = CliHarness.Run("topo", "vectorize", "--input", file, "--invariant", "rank", "--vectorizer", "sw", "--resolution", "6", "--out", output);
            Assert.True(code == 0, err);
            string[] lines = File.ReadAllLines(output);
            Assert.Equal(5, lines.Length);

            // H0 + H1, 16 directions × 16 bins each, plus the label.
            Assert.Equal(1 + (2 * 16 * 16), lines[1].Split(',').Length);

            (code, _, err) = CliHarness.Run("topo", "vectorize", "--input", file, "--invariant", "rank", "--resolution", "200", "--max-mib", "64", "--out", output);
            Assert.Equal(1, code);
            Assert.Contains("Rank invariant refused", err, StringComparison.Ordinal);
            Assert.Contains("--max-mib", err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Vectorize_SeriesEmbeddingOptions_ReachTheSavedTransformer()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"delay_{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        string file = Path.Combine(dir, "TINY_TRAIN.tsv");
        File.WriteAllLines(file, Enumerable.Range(0, 4).Select(r =>
            $"{r % 2}\t" + string.Join('\t', Enumerable.Range(0, 40).Select(i => Math.Sin(i * (0.3 + (0.2 * r))).ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))));
        try
        {
            string output = Path.Combine(dir, "f.csv");
            string saved = Path.Combine(dir, "t.bin");
            (int code, _, string err) = CliHarness.Run("topo", "vectorize", "--input", file, "--embedding-dimension", "2", "--delay", "3", "--skip", "2", "--resolution", "6", "--out", output, "--save-transformer", saved);
            Assert.True(code == 0, err);
            Assert.Equal(new TimeSeriesInput(2, 3, 2), SignedMeasureTransformer.Load(saved).Options.Input);

            (code, _, err) = CliHarness.Run("topo", "vectorize", "--input", file, "--delay", "0", "--out", output);
            Assert.Equal(2, code);
            Assert.Contains("--delay", err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Vectorize_SeriesFiltrationList_ConcatenatesTheParts()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"sublevel_{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        string file = Path.Combine(dir, "TINY_TRAIN.tsv");
        File.WriteAllLines(file, Enumerable.Range(0, 4).Select(r =>
            $"{r % 2}\t" + string.Join('\t', Enumerable.Range(0, 30).Select(i => Math.Sin(i * (0.3 + (0.2 * r))).ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))));
        try
        {
            string output = Path.Combine(dir, "f.csv");
            string saved = Path.Combine(dir, "t.bin");
            (int code, _, string err) = CliHarness.Run("topo", "vectorize", "--input", file, "--series-filtration", "sublevel", "--resolution", "8", "--out", output, "--save-transformer", saved);
            Assert.True(code == 0, err);
            Assert.Equal(new TimeSeriesInput(Filtration: SeriesFiltration.SublevelTime), SignedMeasureTransformer.Load(saved).Options.Input);
            Assert.Equal(1 + (2 * 4 * 4), File.ReadAllLines(output)[1].Split(',').Length);

            // The UCR recipe: delay-embedding H0 + H1 (2 measures) then x and −x (2 measures), 4 × 4 each.
            (code, _, err) = CliHarness.Run("topo", "vectorize", "--input", file, "--series-filtration", "delay,sublevel,difference", "--resolution", "8", "--out", output);
            Assert.True(code == 0, err);
            Assert.Equal(1 + (6 * 4 * 4), File.ReadAllLines(output)[1].Split(',').Length);

            (code, _, err) = CliHarness.Run("topo", "vectorize", "--input", file, "--series-filtration", "upside", "--out", output);
            Assert.Equal(2, code);
            Assert.Contains("upside", err, StringComparison.Ordinal);

            (code, _, err) = CliHarness.Run("topo", "vectorize", "--input", file, "--series-filtration", "delay,sublevel", "--out", output, "--save-transformer", saved);
            Assert.Equal(2, code);
            Assert.Contains("--save-transformer", err, StringComparison.Ordinal);
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

    [Fact]
    public void Represent_LandscapesOfPersistenceJsonFiles()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"repr_{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var files = new List<string>();
            for (int c = 0; c < 3; c++)
            {
                string points = Path.Combine(dir, $"cloud{c}.txt");
                File.WriteAllLines(points, Enumerable.Range(0, 30).Select(i => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(1 + c) * Math.Cos(i * 0.21)} {(1 + c) * Math.Sin(i * 0.21)}")));
                (int code, string json, string err) = CliHarness.Run("topo", "persistence", "--points", points, "--json");
                Assert.True(code == 0, err);
                string file = Path.Combine(dir, $"cloud{c}.json");
                File.WriteAllText(file, json);
                files.Add(file);
            }

            string output = Path.Combine(dir, "f.csv");
            (int rc, _, string error) = CliHarness.Run(["topo", "represent", "--diagrams", .. files, "--representation", "landscape", "--resolution", "10", "--landscapes", "2", "--out", output]);
            Assert.True(rc == 0, error);
            string[] lines = File.ReadAllLines(output);
            Assert.Equal(4, lines.Length);
            Assert.Equal(1 + 20, lines[1].Split(',').Length);

            File.WriteAllText(files[0], "{}");
            (rc, _, error) = CliHarness.Run(["topo", "represent", "--diagrams", .. files, "--out", output]);
            Assert.Equal(1, rc);
            Assert.Contains("cloud0.json", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

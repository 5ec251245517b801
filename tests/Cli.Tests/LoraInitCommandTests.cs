using System.Text.Json;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Cli.Tests;

public class LoraInitCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    [Fact]
    public void LoraInit_PissaFast_Json_WritesArtifacts_AndPreservesOutputs()
    {
        using var dir = new TempDirectory();
        (int code, string output, string err) = Run(
            "lora", "init", "--model", MiniLm.Files.ModelPath, "--method", "pissa-fast", "--rank", "8", "--targets", "q,v;layers:0", "--out", dir.Path, "--json");
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.True(root.GetProperty("max_output_deviation").GetDouble() < 1e-4);
        var layers = root.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(["encoder.layer.0.attention.self.query", "encoder.layer.0.attention.self.value"], layers.Select(l => l.GetProperty("name").GetString()));
        Assert.All(layers, l => Assert.InRange(l.GetProperty("rel_error").GetDouble(), 0.1, 1.0));
        Assert.All(layers, l => Assert.Equal(384, l.GetProperty("rows").GetInt32()));
        Assert.True(File.Exists(dir.File("model.onnx")));
        Assert.True(File.Exists(dir.File("adapter_model.safetensors")));
        Assert.Contains("pissa_niter_4", File.ReadAllText(dir.File("adapter_config.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void LoraInit_Eva_WithCalibrationFile_PreservesOutputs()
    {
        // EVA reads activations of 10 calibration sentences (two chunks of 8 and 2) through one WordPiece encoder.
        using var dir = new TempDirectory();
        string cal = dir.File("calibration.txt");
        File.WriteAllLines(cal, Enumerable.Range(0, 10).Select(i => $"sentence number {i} says the film was {(i % 2 == 0 ? "good" : "dull")} ."));
        (int code, string output, string err) = Run(
            "lora", "init", "--model", MiniLm.Files.ModelPath, "--method", "eva", "--rank", "4", "--targets", "q;layers:0", "--calibration", cal, "--out", dir.Path, "--json");
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("max_output_deviation").GetDouble() < 1e-4);
        Assert.Equal(["encoder.layer.0.attention.self.query"], doc.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        Assert.True(File.Exists(dir.File("model.onnx")));
    }

    [Theory]
    [InlineData("orthogonal", "\"orthogonal\"")]
    [InlineData("corda-kpm", "\"corda_method\": \"kpm\"")]
    [InlineData("corda-ipm", "\"corda_method\": \"ipm\"")]
    public void LoraInit_OutputPreservingPeftMethods_WithRsLora_WriteTheirConfig(string method, string configText)
    {
        using var dir = new TempDirectory();
        string cal = dir.File("calibration.txt");
        File.WriteAllLines(cal, Enumerable.Range(0, 24).Select(i => $"sentence number {i} says the film was {(i % 2 == 0 ? "good" : "dull")} and the plot {(i % 3 == 0 ? "moved" : "dragged")} ."));
        string outDir = Path.Combine(dir.Path, "out");
        (int code, string output, string err) = Run(
            "lora", "init", "--model", MiniLm.Files.ModelPath, "--method", method, "--rank", "4", "--rslora", "--targets", "q,ffn-out;layers:0",
            "--calibration", cal, "--out", outDir, "--json");
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("max_output_deviation").GetDouble() < 1e-4);
        string config = File.ReadAllText(Path.Combine(outDir, "adapter_config.json"));
        Assert.Contains(configText, config, StringComparison.Ordinal);
        Assert.Contains("\"use_rslora\": true", config, StringComparison.Ordinal);

        // lora train accepts the folder: its adapters are trained as they are.
        var source = Pipelines.Trainers.TextClassification.FineTuneSource.Resolve(new DirectoryInfo(outDir), null, null, null, null);
        Assert.Equal(method, Pipelines.Transforms.LowRank.LowRankMethods.Name(source.Method));
    }

    [Fact]
    public void LoraInit_LoftQ_WritesTheInt4Base_WithTheErrorBelowPlainQuantization()
    {
        using var dir = new TempDirectory();
        (int code, string output, string err) = Run(
            "lora", "init", "--model", MiniLm.Files.ModelPath, "--method", "loftq", "--rank", "8", "--loftq-iter", "2", "--targets", "q;layers:0", "--out", dir.Path, "--json");
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        double rel = doc.RootElement.GetProperty("layers")[0].GetProperty("rel_error").GetDouble();
        Assert.InRange(rel, 1e-4, 0.2);
        Assert.Contains("\"loftq_iter\": 2", File.ReadAllText(dir.File("adapter_config.json")), StringComparison.Ordinal);
        (int cordaCode, _, string cordaErr) = Run("lora", "init", "--model", MiniLm.Files.ModelPath, "--method", "corda-kpm", "--out", Path.Combine(dir.Path, "x"));
        Assert.Equal(2, cordaCode);
        Assert.Contains("--calibration", cordaErr, StringComparison.Ordinal);
    }

    [Fact]
    public void LoraInit_BlockKrylov_PreservesOutputs_AndAnUnknownRangeFinderExitsTwo()
    {
        using var dir = new TempDirectory();
        (int code, string output, string err) = Run(
            "lora", "init", "--model", MiniLm.Files.ModelPath, "--rank", "8", "--range-finder", "krylov", "--oversample", "0", "--niter", "3",
            "--targets", "layers:0", "--out", dir.Path, "--json");
        Assert.True(code == 0, err);
        using (JsonDocument doc = JsonDocument.Parse(output))
        {
            Assert.True(doc.RootElement.GetProperty("max_output_deviation").GetDouble() < 1e-4);
        }

        using var bad = new TempDirectory();
        (int badCode, _, string badErr) = Run("lora", "init", "--model", MiniLm.Files.ModelPath, "--range-finder", "lanczos", "--out", bad.Path);
        Assert.Equal(2, badCode);
        Assert.Contains("'lanczos'", badErr, StringComparison.Ordinal);
    }

    [Fact]
    public void LoraInit_UnknownMethod_ExitsTwo()
    {
        using var dir = new TempDirectory();
        (int code, _, string err) = Run("lora", "init", "--model", MiniLm.Files.ModelPath, "--method", "svd", "--out", dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("'svd'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void LoraInit_RankTooLarge_ExitsOneNamingTheWeight()
    {
        using var dir = new TempDirectory();
        (int code, _, string err) = Run("lora", "init", "--model", MiniLm.Files.ModelPath, "--rank", "999", "--out", dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("encoder.layer.0", err, StringComparison.Ordinal);
    }
}

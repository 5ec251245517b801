using System.Text.Json;
using Pipelines.Trainers;
using Xunit;

namespace Pipelines.Cli.Tests;

public sealed class GraphCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"cli-graph-{Guid.NewGuid():N}");

    public GraphCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteToyTu() => ToyTu.Write(Path.Combine(_dir, "TOY"));

    [Fact]
    public void Train_ThenEncode_WritesModelMetricsAndCsv()
    {
        string data = WriteToyTu();
        string outDir = Path.Combine(_dir, "out");
        (int code, string output, string err) = CliHarness.Run("graph", "train", "--data", data, "--pe", "spe", "--k", "3", "--epochs", "2", "--hidden", "8", "--layers", "1", "--test-fraction", "0.2", "--out", outDir, "--json");
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.Equal("spe", doc.RootElement.GetProperty("pe").GetString());
        Assert.True(File.Exists(Path.Combine(outDir, "model.onnx")));
        Assert.True(File.Exists(Path.Combine(outDir, "metrics.json")));
        Assert.True(Plots.PngImage.Read(Path.Combine(outDir, "curves.png")).Width > 100);

        string csv = Path.Combine(_dir, "enc.csv");
        (code, _, err) = CliHarness.Run("graph", "encode", "--data", data, "--pe", "spe", "--model", Path.Combine(outDir, "model.onnx"), "--out", csv);
        Assert.True(code == 0, err);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal(1 + 36, lines.Length);
        Assert.StartsWith("graph,node,pe_0", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Train_Patience_StopsEarly_KeepsTheBestEpoch_AndRecordsIt()
    {
        // 12 graphs, a few validation graphs: the accuracy can improve only a few times, so patience 2 must stop a 40-epoch run.
        string data = WriteToyTu();
        string outDir = Path.Combine(_dir, "early");
        (int code, _, string err) = CliHarness.Run("graph", "train", "--data", data, "--pe", "none", "--epochs", "40", "--patience", "2", "--threads", "1", "--message-passing", "Dense", "--hidden", "8", "--layers", "1", "--test-fraction", "0.2", "--out", outDir);
        Assert.True(code == 0, err);
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        JsonElement m = metrics.RootElement;
        Assert.True(m.GetProperty("StoppedEarly").GetBoolean());
        Assert.Equal(m.GetProperty("BestEpoch").GetInt32() + 2, m.GetProperty("EpochsRun").GetInt32());
        Assert.Equal(2, m.GetProperty("Patience").GetInt32());
        Assert.Equal("Dense", m.GetProperty("MessagePassing").GetString());
        Assert.Equal(1, m.GetProperty("Threads").GetInt32());
        Assert.True(Plots.PngImage.Read(Path.Combine(outDir, "curves.png")).Width > 100);

        (code, _, err) = CliHarness.Run("graph", "train", "--data", data, "--patience", "-1", "--out", Path.Combine(_dir, "bad"));
        Assert.Equal(2, code);
        Assert.Contains("--patience", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_Plateau_EndsWhenTheValidationMetricFlattens_AndRecordsTheRule()
    {
        // Patience 1, factor 0.5, minimum 0.3: the second epoch after an improvement without one halves the rate, so two
        // reductions in a row without improvement end the run long before the 60-epoch cap.
        string data = WriteToyTu();
        string outDir = Path.Combine(_dir, "plateau");
        (int code, _, string err) = CliHarness.Run("graph", "train", "--data", data, "--pe", "none", "--epochs", "60", "--plateau", "1", "--plateau-min-scale", "0.3", "--threads", "1", "--message-passing", "Dense", "--hidden", "8", "--layers", "1", "--test-fraction", "0.2", "--out", outDir);
        Assert.True(code == 0, err);
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        JsonElement m = metrics.RootElement;
        Assert.True(m.GetProperty("StoppedEarly").GetBoolean());
        Assert.True(m.GetProperty("EpochsRun").GetInt32() < 60);
        JsonElement rule = m.GetProperty("Plateau");
        Assert.Equal(1, rule.GetProperty("Patience").GetInt32());
        Assert.Equal(PlateauReduction.Defaults.Factor, rule.GetProperty("Factor").GetDouble());
        Assert.Equal(0.3, rule.GetProperty("MinScale").GetDouble());
        Assert.Equal("factor 0.5, patience 1, min scale 0.3", Onnx.ModelFolder.Open(outDir).Manifest!.Options["plateau"]);

        (code, _, err) = CliHarness.Run("graph", "train", "--data", data, "--plateau", "3", "--plateau-factor", "1.5", "--out", Path.Combine(_dir, "bad-plateau"));
        Assert.Equal(2, code);
        Assert.Contains("--plateau-factor", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_FoldsAndSeeds_WritesEveryRunAndMeanStd()
    {
        string data = WriteToyTu();
        string outDir = Path.Combine(_dir, "cv");
        (int code, string output, string err) = CliHarness.Run("graph", "train", "--data", data, "--pe", "spe", "--k", "3", "--epochs", "1", "--hidden", "8", "--layers", "1", "--folds", "3", "--seeds", "1,2", "--spectrum", "fixed", "--out", outDir, "--json");
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement runs = doc.RootElement.GetProperty("runs");
        Assert.Equal(6, runs.GetArrayLength());
        Assert.Equal([(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)], runs.EnumerateArray().Select(r => (r.GetProperty("seed").GetInt32(), r.GetProperty("fold").GetInt32())));
        double mean = runs.EnumerateArray().Average(r => r.GetProperty("test_metric").GetDouble());
        Assert.Equal(mean, doc.RootElement.GetProperty("test_mean").GetDouble(), 9);
        Assert.Equal("fixed", doc.RootElement.GetProperty("spectrum").GetString());
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        Assert.Equal(6, metrics.RootElement.GetProperty("Runs").GetArrayLength());
        Assert.Equal(3, metrics.RootElement.GetProperty("Folds").GetInt32());

        (code, _, err) = CliHarness.Run("graph", "train", "--data", data, "--seeds", "1,x", "--out", Path.Combine(_dir, "bad"));
        Assert.Equal(2, code);
        Assert.Contains("--seeds", err, StringComparison.Ordinal);
        (code, _, err) = CliHarness.Run("graph", "train", "--data", data, "--folds", "2", "--out", Path.Combine(_dir, "bad2"));
        Assert.Equal(2, code);
        Assert.Contains("--folds", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_Rerun_ResumesFromCheckpoint_AndRefusesAnotherRunsCheckpoint()
    {
        string data = WriteToyTu();
        string outDir = Path.Combine(_dir, "resume");
        string[] args = ["graph", "train", "--data", data, "--pe", "lap", "--k", "3", "--epochs", "3", "--hidden", "8", "--layers", "1", "--test-fraction", "0.2", "--batching", "SizeBucketed", "--out", outDir, "--json"];
        (int code, string first, string err) = CliHarness.Run(args);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(outDir, "checkpoint", "state.bin")));
        Assert.Single(Directory.GetFiles(Path.Combine(outDir, "checkpoint"), "best-*.bin"));
        Onnx.ModelFolder folder = Onnx.ModelFolder.Open(outDir);
        Assert.Equal("graph train", folder.Manifest!.Producer);
        Assert.Equal("lap", folder.Manifest.Options["pe"]);
        Assert.True(folder.Manifest.Metrics.ContainsKey("test_accuracy"));
        Assert.Equal(["model.onnx"], folder.Manifest.Files.Keys);

        (code, string second, err) = CliHarness.Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("resuming", err, StringComparison.Ordinal);
        using JsonDocument a = JsonDocument.Parse(first);
        using JsonDocument b = JsonDocument.Parse(second);
        Assert.Equal(a.RootElement.GetProperty("test").GetDouble(), b.RootElement.GetProperty("test").GetDouble());
        Assert.Equal(a.RootElement.GetProperty("best_epoch").GetInt32(), b.RootElement.GetProperty("best_epoch").GetInt32());

        args[Array.IndexOf(args, "3", Array.IndexOf(args, "--epochs"))] = "4";
        (code, _, err) = CliHarness.Run(args);
        Assert.Equal(2, code);
        Assert.Contains("different training run", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_SpeWithoutModel_ExitsTwo_AndBadSmilesNamesLine()
    {
        (int code, _, string err) = CliHarness.Run("graph", "encode", "--data", _dir, "--pe", "spe", "--out", Path.Combine(_dir, "x.csv"));
        Assert.Equal(2, code);
        Assert.Contains("--model", err, StringComparison.Ordinal);

        string bad = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(bad, "SMILES,y\nCCO,1\nC1CC,2\n");
        (code, _, err) = CliHarness.Run("graph", "train", "--data", bad, "--target", "y", "--out", Path.Combine(_dir, "o"));
        Assert.NotEqual(0, code);
        Assert.Contains("bad.csv:3:", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }
}

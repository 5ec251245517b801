using System.Text.Json;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Cli.Tests;

public sealed class LoraTrainCommandTests
{
    private static readonly string[] s_train =
    [
        "1 a gripping , beautifully acted film", "0 dull and lifeless from start to finish", "1 funny , warm and wise",
        "0 an incoherent mess", "1 one of the best films of the year", "0 tedious , overlong and badly written",
        "1 a delight", "0 the plot makes no sense",
    ];

    [Fact]
    public void LoraTrain_MiniLm_Json_WritesModelCurveMetrics_AndRerunResumes()
    {
        using var dir = new TempDirectory();
        string train = dir.File("train.txt");
        string valid = dir.File("valid.txt");
        File.WriteAllLines(train, s_train);
        File.WriteAllLines(valid, s_train.Take(4));
        string outDir = dir.File("out");
        string[] args = ["lora", "train", "--model", MiniLm.Files.ModelPath, "--vocab", MiniLm.Files.VocabPath, "--train", train, "--valid", valid,
            "--method", "lora", "--rank", "2", "--max-steps", "3", "--batch-size", "4", "--max-length", "16", "--out", outDir, "--json"];

        (int code, string output, string err) = CliHarness.Run(args);
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("steps").GetInt32());
        double finalLoss = root.GetProperty("final_loss").GetDouble();
        Assert.True(double.IsFinite(finalLoss) && finalLoss > 0, $"final loss {finalLoss}");
        Assert.InRange(root.GetProperty("validation").GetProperty("accuracy").GetDouble(), 0, 1);
        Assert.True(File.Exists(Path.Combine(outDir, "model.onnx")));
        Assert.True(File.Exists(Path.Combine(outDir, "metrics.json")));
        byte[] png = File.ReadAllBytes(Path.Combine(outDir, "loss.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));

        // the checkpoint folder makes a rerun resume at the end instead of training again
        (code, output, err) = CliHarness.Run(args);
        Assert.True(code == 0, err);
        using JsonDocument again = JsonDocument.Parse(output);
        Assert.Equal(3, again.RootElement.GetProperty("steps").GetInt32());
        Assert.Equal(finalLoss, again.RootElement.GetProperty("final_loss").GetDouble());
    }

    [Fact]
    public void LoraTrain_UnknownMethod_ExitsTwo()
    {
        using var dir = new TempDirectory();
        string train = dir.File("train.txt");
        File.WriteAllLines(train, s_train);
        (int code, _, string err) = CliHarness.Run("lora", "train", "--train", train, "--method", "dora", "--out", dir.File("out"));
        Assert.Equal(2, code);
        Assert.Contains("'dora'", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("adamw8bit", "softmax")]
    [InlineData("stable-spam", "stablemax")]
    public void LoraTrain_OtherOptimizers_WithOrthogonalGrad_Train(string optimizer, string loss)
    {
        using var dir = new TempDirectory();
        string train = dir.File("train.txt");
        File.WriteAllLines(train, s_train);
        (int code, string output, string err) = CliHarness.Run("lora", "train", "--model", MiniLm.Files.ModelPath, "--vocab", MiniLm.Files.VocabPath, "--train", train,
            "--method", "lora", "--rank", "2", "--max-steps", "2", "--batch-size", "4", "--max-length", "16", "--optimizer", optimizer, "--loss", loss, "--orthogonal-grad",
            "--out", dir.File("out"), "--json");
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        double finalLoss = doc.RootElement.GetProperty("final_loss").GetDouble();
        Assert.True(double.IsFinite(finalLoss) && finalLoss > 0, $"final loss {finalLoss}");
    }

    [Fact]
    public void LoraTrain_Int8FrozenPrecision_Trains()
    {
        using var dir = new TempDirectory();
        string train = dir.File("train.txt");
        File.WriteAllLines(train, s_train);
        (int code, string output, string err) = CliHarness.Run("lora", "train", "--model", MiniLm.Files.ModelPath, "--vocab", MiniLm.Files.VocabPath, "--train", train,
            "--method", "lora", "--rank", "2", "--max-steps", "2", "--batch-size", "4", "--max-length", "16", "--frozen-precision", "int8", "--threads", "1",
            "--out", dir.File("out"), "--json");
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        double finalLoss = doc.RootElement.GetProperty("final_loss").GetDouble();
        Assert.True(double.IsFinite(finalLoss) && finalLoss > 0, $"final loss {finalLoss}");
    }

    [Fact]
    public void LoraTrain_ActivationCheckpointing_TrainsToTheSameLoss()
    {
        using var dir = new TempDirectory();
        string train = dir.File("train.txt");
        File.WriteAllLines(train, s_train);
        double Run(string name, params string[] extra)
        {
            (int code, string output, string err) = CliHarness.Run(["lora", "train", "--model", MiniLm.Files.ModelPath, "--vocab", MiniLm.Files.VocabPath, "--train", train,
                "--method", "lora", "--rank", "2", "--max-steps", "2", "--batch-size", "4", "--max-length", "16", "--threads", "1", .. extra,
                "--out", dir.File(name), "--json"]);
            Assert.True(code == 0, err);
            using JsonDocument doc = JsonDocument.Parse(output);
            return doc.RootElement.GetProperty("final_loss").GetDouble();
        }

        double kept = Run("kept");
        double recomputed = Run("recomputed", "--activation-checkpointing", "TransformerBlocks");
        Assert.Equal(kept, recomputed, 1e-5);
    }

    [Fact]
    public void LoraTrain_UnknownOptimizer_ExitsTwo()
    {
        using var dir = new TempDirectory();
        string train = dir.File("train.txt");
        File.WriteAllLines(train, s_train);
        (int code, _, string err) = CliHarness.Run("lora", "train", "--train", train, "--optimizer", "lion", "--out", dir.File("out"));
        Assert.Equal(2, code);
        Assert.Contains("'lion'", err, StringComparison.Ordinal);
    }
}

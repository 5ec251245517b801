using Pipelines.Onnx;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Cli.Tests;

/// <summary>The error taxonomy at the command line: 2 only for command-line mistakes, 1 for data, models, devices and budgets, one line each.</summary>
public sealed class ExitCodeTests
{
    [Fact]
    public void UnknownOption_ExitsTwo()
    {
        (int code, _, string err) = CliHarness.Run("lora", "init", "--model", "m.onnx", "--out", "o", "--frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("--frobnicate", err, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptTrainingFile_ExitsOne_NamingFileAndLine()
    {
        using var dir = new TempDirectory();
        string train = dir.File("corrupt.txt");
        File.WriteAllLines(train, ["1 a fine film", "0 dull", "positive but no label", "1 warm"]);
        (int code, string output, string err) = CliHarness.Run("lora", "train", "--train", train, "--out", dir.File("out"));
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("corrupt.txt:3:", err, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void CorruptSmilesFile_ExitsOne_NamingFileAndLine()
    {
        using var dir = new TempDirectory();
        string bad = dir.File("bad.csv");
        File.WriteAllText(bad, "SMILES,y\nCCO,1\nC1CC,2\n");
        (int code, _, string err) = CliHarness.Run("graph", "train", "--data", bad, "--target", "y", "--out", dir.File("o"));
        Assert.Equal(1, code);
        Assert.Contains("bad.csv:3:", err, StringComparison.Ordinal);
    }

    [Fact]
    public void OpWithoutGradientRule_ExitsOne_NamingTheOp()
    {
        // MiniLM with its GELU's Erf swapped for Sin: a valid model, but Sin has no gradient rule, and every adapter's
        // gradient flows through it.
        using var dir = new TempDirectory();
        OnnxModel model = MiniLm.LoadCopy();
        OnnxNode erf = model.Graph.Nodes.First(n => n.OpType == "Erf");
        erf.OpType = "Sin";
        string folder = dir.File("sin-model");
        Directory.CreateDirectory(folder);
        OnnxModelIO.Save(model, Path.Combine(folder, "model.onnx"));
        File.Copy(MiniLm.Files.VocabPath, Path.Combine(folder, "vocab.txt"));
        string train = dir.File("train.txt");
        File.WriteAllLines(train, ["1 a fine film", "0 dull", "1 warm", "0 a mess"]);

        (int code, _, string err) = CliHarness.Run(
            "lora", "train", "--model", folder, "--train", train, "--method", "lora", "--rank", "2", "--max-steps", "1", "--batch-size", "4",
            "--max-length", "8", "--out", dir.File("out"));

        Assert.Equal(1, code);
        Assert.Contains("Sin", err, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }
}

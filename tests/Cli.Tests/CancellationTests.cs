using Pipelines.Cli.Infrastructure;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Cli.Tests;

/// <summary>
/// Ctrl+C (the command's cancellation, cancelled here before the work starts) reaches every long step: the command exits
/// with 130 and one "cancelled:" line, and writes no output file.
/// </summary>
public sealed class CancellationTests
{
    public static TheoryData<string> Commands => new() { "topo persistence", "topo vectorize", "graph encode", "graph train" };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Cancelled_LongStep_ExitsWith130_AndWritesNothing(string command)
    {
        using var dir = new TempDirectory();
        var rng = new Random(3);
        string cloud = dir.File("cloud.csv");
        File.WriteAllLines(cloud, Enumerable.Range(0, 500).Select(i => $"{rng.NextDouble():R},{rng.NextDouble():R},{i / 250}"));
        string graphs = ToyTu.Write(dir.File("TOY"));
        string output = dir.File("out");
        string[] args = command switch
        {
            "topo persistence" => ["topo", "persistence", "--points", dir.File("xyz.txt"), "--maxdim", "1"],
            "topo vectorize" => ["topo", "vectorize", "--input", cloud, "--out", output],
            "graph encode" => ["graph", "encode", "--data", graphs, "--pe", "rwse", "--out", output],
            _ => ["graph", "train", "--data", graphs, "--pe", "lap", "--k", "3", "--epochs", "3", "--out", output],
        };
        File.WriteAllLines(dir.File("xyz.txt"), Enumerable.Range(0, 60).Select(_ => $"{rng.NextDouble():R} {rng.NextDouble():R} {rng.NextDouble():R}"));

        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandRunner.Invoke(Program.BuildRoot(), args, stdout, stderr, cancel.Token);

        Assert.True(code == CommandRunner.Cancelled, $"exit {code}: {stderr}");
        Assert.StartsWith("cancelled: ", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(output), "a cancelled command must not write its output");
        Assert.False(File.Exists(Path.Combine(output, "model.onnx")), "a cancelled training must not write a model");
    }
}

using System.Diagnostics;
using Pipelines.Onnx;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Cli.Tests;

/// <summary>Issue 19 at the command line: a bad model under <c>inspect --validate</c> is exit 1 and one line naming the problem.</summary>
public sealed class InspectValidateTests
{
    [Fact]
    public void InspectValidate_DuplicateNodeNames_ExitsOneWithOneLine()
    {
        using var dir = new TempDirectory();
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.Graph.Nodes[1].Name = model.Graph.Nodes[0].Name;
        string path = dir.File("dup.onnx");
        OnnxModelIO.Save(model, path);

        (int code, string output, string err) = CliHarness.Run("inspect", path, "--validate");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"error: dup.onnx: node name '{model.Graph.Nodes[0].Name}' is used by more than one node.", err.Trim());
    }

    [Fact]
    public void InspectValidate_SoftmaxAxis99_ExitsOneNamingTheAxis()
    {
        using var dir = new TempDirectory();
        var b = new GraphBuilder("g");
        string x = b.Input("x", TensorElementType.Float, 2, 3);
        b.Output(b.Op("Softmax", [x], OnnxAttribute.Int("axis", 99)), "y");
        string path = dir.File("softmax.onnx");
        OnnxModelIO.Save(b.ToModel(), path);

        (int code, _, string err) = CliHarness.Run("inspect", path, "--validate");

        Assert.Equal(1, code);
        Assert.Contains("axis=99 is out of range [-2, 2)", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Inspect_ExternalDataLinkedToEtcPasswd_ExitsOneNotInternal()
    {
        using var dir = new TempDirectory();
        string path = dir.File("mlp.onnx");
        OnnxModelIO.Save(TinyModels.Mlp(seed: 1), path, new OnnxSaveOptions { ExternalDataThreshold = 64, ExternalDataFileName = "w.bin" });
        File.Delete(dir.File("w.bin"));
        File.CreateSymbolicLink(dir.File("w.bin"), "/etc/passwd");

        (int code, string output, string err) = CliHarness.Run("inspect", path, "--validate");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        Assert.Contains("outside the model folder", err, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", err, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public async Task Inspect_ExternalDataIsAFifo_ExitsOneWithoutBlocking()
    {
        using var dir = new TempDirectory();
        string path = dir.File("mlp.onnx");
        OnnxModelIO.Save(TinyModels.Mlp(seed: 1), path, new OnnxSaveOptions { ExternalDataThreshold = 64, ExternalDataFileName = "w.bin" });
        File.Delete(dir.File("w.bin"));
        using (Process mkfifo = Process.Start("mkfifo", dir.File("w.bin")))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        Task<(int Code, string Out, string Err)> run = Task.Run(() => CliHarness.Run("inspect", path));
        bool finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))) == run;
        if (!finished)
        {
            using var writer = new FileStream(dir.File("w.bin"), FileMode.Open, FileAccess.Write);
        }

        Assert.True(finished, "inspect blocked on a FIFO external-data location");
        (int code, _, string err) = await run;
        Assert.Equal(1, code);
        Assert.Contains("FIFO", err, StringComparison.Ordinal);
    }
}

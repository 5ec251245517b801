using System.Text.Json;
using Pipelines.Cli.Infrastructure;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Cli.Tests;

public class ExportCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandRunner.Invoke(Program.BuildRoot(), args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Export_Int8Dynamic_Json_ReportsSizeLatencyAndFidelity()
    {
        using var dir = new TempDirectory();
        string model = dir.File("mlp.onnx");
        Pipelines.Onnx.OnnxModelIO.Save(TinyModels.Mlp(2), model);
        string output = dir.File("mlp-int8.onnx");

        (int code, string json, string err) = Run("export", "--model", model, "--quantize", "int8-dynamic", "--out", output, "--json");

        Assert.True(code == 0, err);
        Assert.True(File.Exists(output));
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement r = doc.RootElement;
        Assert.Equal(new FileInfo(output).Length, r.GetProperty("bytes").GetInt64());
        Assert.True(r.GetProperty("float_bytes").GetInt64() > 0);
        Assert.True(r.GetProperty("latency_ms_b1").GetDouble() > 0);
        Assert.True(r.GetProperty("float_latency_ms_b1").GetDouble() > 0);
        Assert.InRange(r.GetProperty("cosine").GetDouble(), 0.9, 1.0);
        Assert.True(r.GetProperty("max_abs_diff").GetDouble() > 0);
        Assert.Equal(2, r.GetProperty("quantized_nodes").GetInt32());
    }

    [Fact]
    public void Export_ReportDirAndTriton_WriteTheChartAndAModelRepository()
    {
        using var dir = new TempDirectory();
        string model = dir.File("mlp.onnx");
        Pipelines.Onnx.OnnxModelIO.Save(TinyModels.Mlp(2), model);
        string output = dir.File("mlp-int8.onnx");
        string repo = dir.File("repo");

        (int code, string json, string err) = Run(
            "export", "--model", model, "--quantize", "int8-dynamic", "--out", output, "--report-dir", dir.File("report"), "--triton", repo, "--triton-instances", "2", "--json");

        Assert.True(code == 0, err);
        Plots.PngImage chart = Plots.PngImage.Read(Path.Combine(dir.Path, "report", "export-report.png"));
        Assert.Equal((1000, 520), (chart.Width, chart.Height));
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "report", "export-report.json")));
        Assert.Equal(new FileInfo(output).Length, report.RootElement.GetProperty("Bytes").GetInt64());
        Assert.Equal(File.ReadAllBytes(output), File.ReadAllBytes(Path.Combine(repo, "mlp-int8", "1", "model.onnx")));
        string config = File.ReadAllText(Path.Combine(repo, "mlp-int8", "config.pbtxt"));
        Assert.Contains("platform: \"onnxruntime_onnx\"", config, StringComparison.Ordinal);
        Assert.Contains("count: 2", config, StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.Equal(Path.Combine(repo, "mlp-int8"), doc.RootElement.GetProperty("triton").GetString());
    }

    [Fact]
    public void Export_BadTritonName_IsBadUsage()
    {
        using var dir = new TempDirectory();
        string model = dir.File("mlp.onnx");
        Pipelines.Onnx.OnnxModelIO.Save(TinyModels.Mlp(2), model);
        (int code, _, string err) = Run("export", "--model", model, "--quantize", "none", "--out", dir.File("o.onnx"), "--triton", dir.File("repo"), "--triton-name", "a/b");
        Assert.Equal(2, code);
        Assert.Contains("--triton", err, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("o.onnx")));
    }

    [Fact]
    public void Export_UnknownFormat_IsBadUsage()
    {
        using var dir = new TempDirectory();
        string model = dir.File("mlp.onnx");
        Pipelines.Onnx.OnnxModelIO.Save(TinyModels.Mlp(2), model);
        (int code, _, string err) = Run("export", "--model", model, "--quantize", "int3", "--out", dir.File("x.onnx"));
        Assert.Equal(CommandRunner.BadUsage, code);
        Assert.Contains("int3", err, StringComparison.Ordinal);
    }
}

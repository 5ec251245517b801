using System.Text.Json;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Cli.Tests;

public class CliTests
{
    [Fact]
    public void Inspect_Json_ListsMiniLmWeightsWithRoles()
    {
        (int code, string output, _) = CliHarness.Run("inspect", MiniLm.Files.ModelPath, "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(output);
        var weights = doc.RootElement.GetProperty("weights").EnumerateArray().ToList();
        Assert.Equal(36, weights.Count(w => w.GetProperty("op_type").GetString() == "MatMul"));
        Assert.Equal(6, weights.Count(w => w.GetProperty("role").GetString() == "ffn-in"));
        Assert.Equal("pooler", weights.Single(w => w.GetProperty("op_type").GetString() == "Gemm").GetProperty("role").GetString());
        Assert.Equal(650, doc.RootElement.GetProperty("node_count").GetInt32());
    }

    [Fact]
    public void Inspect_HumanOutput_HasTheWeightTable()
    {
        (int code, string output, _) = CliHarness.Run("inspect", MiniLm.Files.ModelPath);

        Assert.Equal(0, code);
        Assert.Contains("36 MatMul weights", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_NotAModel_ExitsOneWithOneLineError()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.onnx");
        File.WriteAllText(path, "not a model");

        (int code, string output, string err) = CliHarness.Run("inspect", path);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        Assert.Contains("bad.onnx", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingArgument_ExitsTwo()
    {
        (int code, _, string err) = CliHarness.Run("inspect");

        Assert.Equal(2, code);
        Assert.Contains("--help", err, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCommand_ExitsTwo()
    {
        Assert.Equal(2, CliHarness.Run("frobnicate").Code);
    }

    [Fact]
    public void Demo_UnknownStage_ExitsTwo()
    {
        (int code, _, string err) = CliHarness.Run("demo", "--stage", "nope");

        Assert.Equal(2, code);
        Assert.Contains("onnx", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_OnnxStage_Succeeds()
    {
        using var dir = new TempDirectory();
        (int code, string output, string err) = CliHarness.Run("demo", "--stage", "onnx", "--out", dir.Path, "--json");

        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement summary = doc.RootElement.GetProperty("stages")[0].GetProperty("summary");
        Assert.Equal(36, summary.GetProperty("mat_mul_weights").GetInt32());
        Assert.Equal(0, summary.GetProperty("max_abs_diff").GetDouble());
    }
}

public class DevicesCommandTests
{
    [Fact]
    public void Cpu_Works()
    {
        (int code, string output, _) = CliHarness.Run("devices", "--device", "cpu", "--json");

        Assert.Equal(0, code);
        Assert.Contains("\"device\": \"cpu\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_OnCpuBuild_IsOneLineErrorSayingWhatToDo()
    {
        (int code, string output, string err) = CliHarness.Run("devices", "--device", "cuda");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("OrtGpu=true", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Auto_FallsBackWithWarning()
    {
        (int code, _, string err) = CliHarness.Run("devices", "--device", "auto");

        Assert.Equal(0, code);
        Assert.StartsWith("warning: CUDA unavailable", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BadDevice_IsUsageError()
    {
        Assert.Equal(2, CliHarness.Run("devices", "--device", "tpu").Code);
    }

    [Theory]
    [InlineData("cpu", "cpu", Pipelines.Trainers.StateMemory.Auto)]
    [InlineData("cpu+resident", "cpu", Pipelines.Trainers.StateMemory.Device)]
    [InlineData("cuda:1+host", "cuda:1", Pipelines.Trainers.StateMemory.Host)]
    [InlineData("auto+Resident", "auto:0", Pipelines.Trainers.StateMemory.Device)]
    public void TrainingDevice_TakesAStateMemorySuffix(string text, string device, Pipelines.Trainers.StateMemory memory)
    {
        (Pipelines.Onnx.Runtime.ExecutionDevice d, Pipelines.Trainers.StateMemory m) = Pipelines.Cli.Infrastructure.DeviceOption.ParseTraining(text);
        Assert.Equal(device, d.ToString());
        Assert.Equal(memory, m);
        Assert.Equal(Pipelines.Trainers.TrainerOptions.Defaults.StateMemory, Pipelines.Cli.Infrastructure.DeviceOption.ParseTraining("cpu").StateMemory);
    }

    [Fact]
    public void TrainingDevice_BadSuffix_IsUsageError()
    {
        var e = Assert.ThrowsAny<PipelinesException>(() => Pipelines.Cli.Infrastructure.DeviceOption.ParseTraining("cpu+gpu"));
        Assert.Equal(ErrorKind.Usage, e.Kind);
        Assert.Contains("resident or host", e.Message, StringComparison.Ordinal);
    }
}

using Pipelines.Onnx.Runtime;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests;

public class RuntimeTests
{
    [Fact]
    public void Cuda_OnCpuOnlyNatives_ThrowsClearDeviceError()
    {
        // Test hosts carry the CPU package; the GPU flavour (-p:OrtGpu=true) on a machine without CUDA 13 gives the other message.
        var e = Assert.Throws<DeviceUnavailableException>(() =>
            OrtSessions.Create(TinyModels.Mlp(seed: 1), new SessionSettings { Device = ExecutionDevice.Cuda(0) }));

        Assert.Matches("OrtGpu=true|CUDA 13", e.Message);
        Assert.Contains("--device cpu", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_FallsBackToCpuWithWarning()
    {
        using OnnxSession session = OrtSessions.Create(TinyModels.Mlp(seed: 1), new SessionSettings { Device = ExecutionDevice.Auto() });

        Assert.Equal(ExecutionDevice.Cpu, session.Device);
        Assert.NotNull(session.Warning);
        using TensorBatch x = new TensorBatch().Add("x", new float[4], 1, 4);
        var y = session.RunFloat(x);
        Assert.Equal([1L, 3L], y["y"].Shape);
    }

    [Theory]
    [InlineData("cpu", "cpu")]
    [InlineData("cuda", "cuda:0")]
    [InlineData("cuda:2", "cuda:2")]
    [InlineData("AUTO", "auto:0")]
    public void Parse_AcceptsCliSpellings(string text, string expected)
    {
        Assert.Equal(expected, ExecutionDevice.Parse(text).ToString());
    }

    [Theory]
    [InlineData("tpu")]
    [InlineData("cuda:x")]
    [InlineData("cpu:1")]
    public void Parse_RejectsOthers(string text)
    {
        Assert.Equal(ErrorKind.Usage, Assert.Throws<PipelinesException>(() => ExecutionDevice.Parse(text)).Kind);
    }

    [Fact]
    public void ProfilePrefix_WritesTheProfileThere()
    {
        string dir = Directory.CreateTempSubdirectory("pipelines-profile-").FullName;
        try
        {
            string prefix = Path.Combine(dir, "run");
            using (OnnxSession session = OrtSessions.Create(TinyModels.Mlp(seed: 1), new SessionSettings { ProfilePrefix = prefix }))
            {
                using TensorBatch x = new TensorBatch().Add("x", new float[4], 1, 4);
                _ = session.RunFloat(x);
            }

            // ORT writes <prefix>_<timestamp>.json when the session ends (it used to land in ./onnxruntime_profile_*)
            Assert.Single(Directory.GetFiles(dir, "run*.json"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Create_InvalidGraph_ThrowsGraphErrorNotCrash()
    {
        OnnxModel model = TinyModels.Mlp(seed: 1);
        model.Graph.Nodes[0].OpType = "NoSuchOp";

        Assert.Throws<OnnxGraphException>(() => OrtSessions.Create(model));
    }

    [Fact]
    public void TensorBatch_WritesAreSeenByNextRun()
    {
        OnnxModel model = TinyModels.Mlp(seed: 4);
        using OnnxSession session = OrtSessions.Create(model);
        float[] x = new float[4];
        using TensorBatch inputs = new TensorBatch().Add("x", x, 1, 4);
        float[] y0 = session.RunFloat(inputs)["y"].Data;

        x.AsSpan().Fill(1f);
        Assert.NotEqual(y0, session.RunFloat(inputs)["y"].Data);
    }
}

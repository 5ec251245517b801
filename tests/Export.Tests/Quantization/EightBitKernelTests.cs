using Pipelines.Export.Quantization;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

namespace Pipelines.Export.Tests.Quantization;

public class EightBitKernelTests
{
    private const int V = 50, D = 32, H = 64, Seq = 6;

    /// <summary>input_ids [batch, seq] → Gather(E [V, D]) → MatMul(W1 [D, H]) → Relu → MatMul(W2 [H, D]) → y.</summary>
    private static OnnxModel Encoder()
    {
        var b = new GraphBuilder("encoder");
        string ids = b.Input(BertInputs.InputIds, TensorElementType.Int64, "batch", "seq");
        string e = b.Initializer(OnnxTensor.FromFloats("E", QuantTestModels.Random(1, V * D), V, D));
        string w1 = b.Initializer(OnnxTensor.FromFloats("W1", QuantTestModels.Random(2, D * H, 0.3f), D, H));
        string w2 = b.Initializer(OnnxTensor.FromFloats("W2", QuantTestModels.Random(3, H * D, 0.3f), H, D));
        string h = b.Op("Relu", b.Op("MatMul", b.Op("Gather", e, ids), w1));
        b.Output(b.Op("MatMul", h, w2), "y", TensorType.Of(TensorElementType.Float, "batch", "seq", D));
        return b.ToModel(13);
    }

    private static QuantizationOptions Options(EightBitKernel kernel) => new()
    {
        Rounding = WeightRounding.Nearest,
        QuantizeEmbeddings = false,
        EightBit = new EightBitWeights(new HashSet<WeightRole>(), 0) { Initializers = new HashSet<string> { "W2" }, Kernel = kernel },
    };

    private static float[] Run(OnnxModel model)
    {
        long[] ids = [.. Enumerable.Range(0, 2 * Seq).Select(i => (long)((i * 7) % V))];
        using OnnxSession s = OrtSessions.Create(model, new SessionSettings { Optimization = GraphOptimization.All });
        using TensorBatch inputs = new TensorBatch().Add(BertInputs.InputIds, ids, 2, Seq);
        return s.RunFloat(inputs)["y"].Data;
    }

    [Fact]
    public void DynamicInt8_StoresTheEightBitWeightAsInt8PerChannel_AndStaysCloseToFloat()
    {
        OnnxModel model = Encoder();
        OnnxModel nbits = new ModelQuantizer().Quantize(model, Options(EightBitKernel.MatMulNBits)).Model;
        OnnxModel dynamic = new ModelQuantizer().Quantize(model, Options(EightBitKernel.DynamicInt8)).Model;

        Assert.Equal([4L, 8L], nbits.Graph.Nodes.Where(n => n.OpType == "MatMulNBits").Select(n => n.IntAttribute("bits", 0)).Order());
        OnnxNode nb = Assert.Single(dynamic.Graph.Nodes, n => n.OpType == "MatMulNBits");
        Assert.Equal(4L, nb.IntAttribute("bits", 0));
        OnnxNode mi = Assert.Single(dynamic.Graph.Nodes, n => n.OpType == "MatMulInteger");
        OnnxTensor w2 = dynamic.Graph.InitializerMap()[mi.Inputs[1]];
        Assert.Equal(TensorElementType.Int8, w2.ElementType);
        Assert.Equal([(long)H, D], w2.Dims);
        Assert.Contains("dynamic per-channel", dynamic.Metadata.Single(kv => kv.Key == "pipelines.quantization").Value, StringComparison.Ordinal);

        float[] reference = Run(model), y = Run(dynamic);
        double err = reference.Zip(y, (a, b) => (double)(a - b) * (a - b)).Sum(), norm = reference.Sum(a => (double)a * a);
        Assert.True(err < 1e-2 * norm, $"relative squared error {err / norm:E2}");
        Assert.True(err > 0, "a quantized model cannot equal the float model exactly");
    }

    [Fact]
    public void DynamicInt8_WithASizeBudget_IsRefusedNamingTheKernel()
    {
        var options = new QuantizationOptions { EightBit = QuantizationOptions.Defaults.EightBit with { SizeBudget = 0.17, Kernel = EightBitKernel.DynamicInt8 } };
        ArgumentException e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(EightBitWeights.Kernel), e.ParamName);
    }
}

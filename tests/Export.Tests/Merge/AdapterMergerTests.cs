using Pipelines.Export.Merge;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Testing;

namespace Pipelines.Export.Tests.Merge;

public class AdapterMergerTests
{
    private const int M = 4, K = 12, N = 6, R = 3;

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Merge_FoldsTheAdapterAndKeepsTheOutput(bool frozenCopy, bool scaleBetween)
    {
        OnnxModel model = Adapted(frozenCopy, scaleBetween, 0.5f);
        float[] x = QuantTestModels.Random(1, M * K);
        float[] before = QuantTestModels.RunMatMul(model, x, M, K);

        (OnnxModel merged, IReadOnlyList<MergedAdapter> adapters) = AdapterMerger.Merge(model);

        Assert.Single(adapters);
        Assert.Equal(0.5f, adapters[0].Scale);
        Assert.Single(merged.Graph.Nodes, n => n.OpType == "MatMul");
        Assert.DoesNotContain(merged.Graph.Initializers, t => t.Name.StartsWith("A", StringComparison.Ordinal) || t.Name.StartsWith("B", StringComparison.Ordinal));
        QuantTestModels.AssertClose(before, QuantTestModels.RunMatMul(merged, x, M, K), 1e-5f);
    }

    [Fact]
    public void Merge_LeavesGraphsWithoutAdaptersAlone()
    {
        OnnxModel model = TinyModels.Mlp(3);
        (OnnxModel merged, IReadOnlyList<MergedAdapter> adapters) = AdapterMerger.Merge(model);
        Assert.Empty(adapters);
        Assert.Equal(model.Graph.Nodes.Count, merged.Graph.Nodes.Count);
    }

    [Fact]
    public void Float16Weights_HalveTheWeightsAndKeepTheOutputClose()
    {
        float[] w = QuantTestModels.Random(5, K * N);
        OnnxModel model = QuantTestModels.MatMul(w, K, N);
        OnnxModel half = Float16Weights.Convert(model);
        Assert.Equal(TensorElementType.Float16, half.Graph.Initializers.Single().ElementType);
        float[] x = QuantTestModels.Random(6, M * K);
        QuantTestModels.AssertClose(QuantTestModels.RunMatMul(model, x, M, K), QuantTestModels.RunMatMul(half, x, M, K), 5e-3f);
        Assert.True(OnnxModelIO.ToBytes(half).Length < OnnxModelIO.ToBytes(model).Length);
    }

    /// <summary>y = x·W + s·(x·A)·B [− s·(x·A0)·B0], the scale either after B or between A and B.</summary>
    private static OnnxModel Adapted(bool frozenCopy, bool scaleBetween, float scale)
    {
        var b = new GraphBuilder("adapted");
        string x = b.Input("x", TensorElementType.Float, "batch", K);
        string w = b.Initializer(OnnxTensor.FromFloats("W", QuantTestModels.Random(2, K * N), K, N));
        string s = b.Scalar(scale, "s");
        string Term(string aName, string bName, int seed)
        {
            string a = b.Initializer(OnnxTensor.FromFloats(aName, QuantTestModels.Random(seed, K * R), K, R));
            string bb = b.Initializer(OnnxTensor.FromFloats(bName, QuantTestModels.Random(seed + 1, R * N), R, N));
            string xa = b.Op("MatMul", x, a);
            return b.Op("MatMul", scaleBetween ? b.Op("Mul", xa, s) : xa, bb);
        }

        string term = Term("A", "B", 3);
        if (frozenCopy)
        {
            term = b.Op("Sub", term, Term("A0", "B0", 7));
        }

        string adapter = scaleBetween ? term : b.Op("Mul", term, s);
        b.Output(b.Op("Add", b.Op("MatMul", x, w), adapter), "y");
        return b.ToModel(13);
    }
}

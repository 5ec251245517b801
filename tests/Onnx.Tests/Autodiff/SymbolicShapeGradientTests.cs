using Pipelines.Onnx.Autodiff;
using Pipelines.Onnx.Runtime;
using Xunit;

namespace Pipelines.Onnx.Tests.Autodiff;

/// <summary>
/// Gradients through the exporter's computed reshapes (<c>Reshape(x, Concat(Gather(Shape(x)), …))</c>) with symbolic
/// batch dims: shape inference keeps the symbols, so broadcast gradients reduce over static axes and the backward has no
/// Shape/Size/NonZero chains; the gradient is the analytic one.
/// </summary>
public class SymbolicShapeGradientTests
{
    // loss = Σ (reshape(reshape(x, [b, s, 2, 4]) · w, [b, s, -1]))², x [batch, seq, 8] an input, w [4] trained
    private static (OnnxModel Model, string Loss) Problem()
    {
        var b = new GraphBuilder("symbolic");
        string x = b.Input("x", TensorElementType.Double, "batch", "seq", 8);
        string w = b.Initializer(OnnxTensor.FromDoubles("w", [0.5, -1.0, 2.0, 0.25], 4));
        string shape = b.Op("Shape", x);
        string Dim(long i) => b.Op("Unsqueeze", b.Op("Gather", shape, b.Initializer(OnnxTensor.FromInt64s("i" + i, [i]))), b.Int64s("axes" + i, 0));
        string heads = b.Op("Reshape", x, b.Op("Concat", [Dim(0), Dim(1), b.Int64s("hd", 2, 4)], OnnxAttribute.Int("axis", 0)));
        string scaled = b.Op("Mul", heads, w);
        string lead = b.Op("Slice", b.Op("Shape", scaled), b.Int64s("s0", 0), b.Int64s("s1", 2));
        string merged = b.Op("Reshape", scaled, b.Op("Concat", [lead, b.Int64s("m1", -1)], OnnxAttribute.Int("axis", 0)));
        string loss = b.Op("ReduceSum", [b.Op("Mul", merged, merged)], OnnxAttribute.Int("keepdims", 0));
        b.Output(loss, "loss", TensorType.Of(TensorElementType.Double));
        return (b.ToModel(), "loss");
    }

    [Fact]
    public void ComputedReshapes_LeaveNoDynamicReductionChains()
    {
        (OnnxModel model, string loss) = Problem();
        GradientGraph gg = GradientBuilder.Build(model, loss, ["w"]);
        Assert.DoesNotContain(gg.Model.Graph.Nodes, n => n.OpType is "NonZero" or "Size");
        OnnxModelValidator.Validate(gg.Model, "gradient graph");
    }

    [Fact]
    public void ComputedReshapes_GradientIsAnalytic()
    {
        // ∂/∂w_j Σ (x_{·,j}·w_j)² = 2·w_j·Σ x_{·,j}²
        (OnnxModel model, string loss) = Problem();
        GradientGraph gg = GradientBuilder.Build(model, loss, ["w"]);
        const int Batch = 3, Seq = 5;
        var rng = new Random(3);
        double[] x = [.. Enumerable.Range(0, Batch * Seq * 8).Select(_ => rng.NextDouble() - 0.5)];
        using OnnxSession session = OrtSessions.Create(gg.Model, new SessionSettings { IntraOpThreads = 1 });
        using var batch = new TensorBatch();
        batch.Add("x", x, [Batch, Seq, 8]);
        batch.Add("w", (double[])[0.5, -1.0, 2.0, 0.25], [4]);
        using Microsoft.ML.OnnxRuntime.IDisposableReadOnlyCollection<Microsoft.ML.OnnxRuntime.OrtValue> result = session.Run(batch, [gg.Gradients["w"]]);
        double[] grad = result[0].GetTensorDataAsSpan<double>().ToArray();
        double[] w = [0.5, -1.0, 2.0, 0.25];
        for (int j = 0; j < 4; j++)
        {
            double sum = 0;
            for (int r = 0; r < Batch * Seq * 2; r++)
            {
                sum += x[(r * 4) + j] * x[(r * 4) + j];
            }

            Assert.Equal(2 * w[j] * sum, grad[j], 1e-9);
        }
    }
}

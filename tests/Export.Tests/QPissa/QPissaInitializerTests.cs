using Pipelines.Export.QPissa;
using Pipelines.Export.Quantization;
using Pipelines.Onnx;

namespace Pipelines.Export.Tests.QPissa;

public class QPissaInitializerTests
{
    private const int K = 64, N = 48;

    [Fact]
    public void MoreIterations_ReduceTheQuantizationError_AndTheArtifactMatchesTheReport()
    {
        // A weight with a few strong directions plus noise, like trained weights.
        var rng = new Random(4);
        float[] u = QuantTestModels.Random(1, K * 4), v = QuantTestModels.Random(2, 4 * N);
        float[] w = QuantTestModels.Multiply(u, v, K, 4, N).Select(t => (t * 0.5f) + (float)((rng.NextDouble() - 0.5) * 0.05)).ToArray();
        OnnxModel model = QuantTestModels.MatMul(w, K, N);
        QPissaResult one = QPissaInitializer.Run(model, Options(1));
        QPissaResult five = QPissaInitializer.Run(model, Options(5));

        double r1 = one.Layers.Single().NuclearReduction, r5 = five.Layers.Single().NuclearReduction;
        Assert.True(r1 > 0.05, $"T=1 reduction {r1}");
        Assert.True(r5 > r1, $"T=5 reduction {r5} is not above T=1 {r1}");
        Assert.True(five.Layers.Single().FrobeniusReduction > 0);

        // The exported artifact computes x·deq(Q(W_res)) + s·(x·A)·B: its error vs the float output is the reported QPiSSA error.
        QuantizationResult artifact = QPissaInitializer.Quantize(five, Options(5));
        Assert.Equal(1, artifact.QuantizedCount);
        Assert.Contains(artifact.Model.Graph.Initializers, t => t.Name.EndsWith(".lora_A", StringComparison.Ordinal) && t.ElementType == TensorElementType.Float);
        float[] x = QuantTestModels.Random(3, 2 * K);
        float[] exact = QuantTestModels.Multiply(x, w, 2, K, N);
        float[] plain = QuantTestModels.RunMatMul(new ModelQuantizer().Quantize(model, Options(1).Quantization).Model, x, 2, K);
        float[] adapted = QuantTestModels.RunMatMul(artifact.Model, x, 2, K);
        double ePlain = exact.Zip(plain).Sum(p => Math.Pow(p.First - p.Second, 2));
        double eAdapted = exact.Zip(adapted).Sum(p => Math.Pow(p.First - p.Second, 2));
        Assert.True(eAdapted < ePlain, $"adapted output error {eAdapted} is not below plain int4 {ePlain}");
    }

    private static QPissaOptions Options(int iterations) => new()
    {
        Rank = 8,
        Iterations = iterations,
        Quantization = new QuantizationOptions { Format = ExportFormat.Int4, BlockSize = 16, AccuracyLevel = 0 },
        Weights = new HashSet<string> { "W" },
    };
}

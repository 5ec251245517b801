using Pipelines.Export.QPissa;
using Pipelines.Export.Quantization;
using Pipelines.Onnx;
using Pipelines.Testing;
using Pipelines.Transforms.LowRank;
using Xunit.Abstractions;

namespace Pipelines.Export.Tests.QPissa;

/// <summary>LoftQ (Transforms) with the export's own block-wise int4 quantizer, against QPiSSA on one MiniLM weight.</summary>
public class LoftQMiniLmTests
{
    private readonly ITestOutputHelper _out;

    public LoftQMiniLmTests(ITestOutputHelper output) => _out = output;

    [Fact]
    public void LoftQ_ErrorFallsOverIterations_BelowPlainInt4_ReportedAgainstQPissa()
    {
        var quantization = new QuantizationOptions();   // the export default: int4, block 32, MSE scale search
        OnnxModel model = MiniLm.Shared;
        var targets = new TargetSelector { Layers = [0], Roles = [WeightRole.Query] };
        LinearWeight weight = LowRankTargets.Resolve(model, new LowRankOptions { Targets = targets }).Single().Weight;
        double norm = Math.Sqrt(model.Graph.FindInitializer(weight.Initializer)!.ToArray<float>().Sum(v => (double)v * v));

        double[] errors = new double[5];
        for (int t = 1; t <= errors.Length; t++)
        {
            AdaptedModel adapted = LowRankInitializer.Initialize(model, new LowRankOptions
            {
                Method = LowRankMethod.LoftQ,
                Rank = 16,
                Targets = targets,
                LoftQ = new LoftQOptions { RoundTrip = QuantizerRoundTrip.Of(quantization), Iterations = t },
            });
            errors[t - 1] = adapted.Report.Layers.Single().RelError * norm;
        }

        QPissaResult qpissa = QPissaInitializer.Run(model, new QPissaOptions
        {
            Rank = 16,
            Iterations = 5,
            Quantization = quantization,
            Weights = new HashSet<string> { weight.Initializer },
        });
        QPissaLayerReport q = qpissa.Layers.Single();
        _out.WriteLine($"{weight.Initializer} ({weight.InFeatures}x{weight.OutFeatures}), r=16: plain int4 ‖W − deq(Q(W))‖_F = {q.BaselineFrobenius:G5}");
        _out.WriteLine($"LoftQ T=1..{errors.Length}: {string.Join(", ", errors.Select(e => e.ToString("G5", System.Globalization.CultureInfo.InvariantCulture)))}");
        _out.WriteLine($"QPiSSA T=5: {q.QPissaFrobenius:G5}");
        for (int t = 1; t < errors.Length; t++)
        {
            Assert.True(errors[t] <= errors[t - 1] * (1 + 1e-4), $"T={t + 1}: {errors[t]} > {errors[t - 1]}");
        }

        Assert.True(errors[0] < q.BaselineFrobenius, $"LoftQ {errors[0]} is not below plain int4 {q.BaselineFrobenius}");
        Assert.True(q.QPissaFrobenius < q.BaselineFrobenius);
    }
}

using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs.Analysis;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Transforms.Tests.Graphs;

/// <summary>Theorem 3.1 empirically: SPE's log-log slope ≥ ½ under edge-weight perturbations; LapPE jumps by O(1).</summary>
public sealed class SpeStabilityTests : IDisposable
{
    private readonly SpeEncoder _encoder = new(
        SpeParameters.Initialize(new SpeOptions(EigenvalueFunctions: 4, RhoLayers: 2, RhoHiddenSize: 16, OutputSize: 8, Seed: 9)),
        TensorElementType.Double);

    public void Dispose() => _encoder.Dispose();

    private double[] Spe(GraphStructure g) =>
        _encoder.Encode([g], [LaplacianSpectrum.Compute(g, new SpectrumOptions(K: g.NodeCount))], g.NodeCount)[0];

    private static double[] LapPe(GraphStructure g)
    {
        var pe = new float[g.NodeCount * g.NodeCount];
        LaplacianEigenvectorEncoding.Compute(LaplacianSpectrum.Compute(g, new SpectrumOptions(K: g.NodeCount)), g.NodeCount, pe);
        return pe.Select(x => (double)x).ToArray();
    }

    [Theory]
    [InlineData("C6")]
    [InlineData("Petersen")]
    [InlineData("Random")]
    public void Spe_SlopeAtLeastHalf_LapPeJumpsOnDegenerateGraphs(string name)
    {
        GraphStructure g = name switch
        {
            "C6" => RandomGraphs.Cycle(6),
            "Petersen" => RandomGraphs.Petersen(),
            _ => RandomGraphs.ErdosRenyi(12, 0.35, new Random(8)),
        };
        double[] ts = EncodingStability.LogSpace(-6, -1, 6);
        foreach (EdgePerturbation kind in new[] { EdgePerturbation.SingleEdge, EdgePerturbation.RandomJitter })
        {
            StabilityPoint[] spe = EncodingStability.Measure(g, Spe, kind, ts, seed: 1);
            double slope = EncodingStability.LogLogSlope(spe);
            Assert.True(slope >= 0.5, $"{name}/{kind}: SPE slope {slope:F3}");
            Assert.True(spe[0].EncodingChange < 1e-3, $"{name}/{kind}: SPE change at t=1e-6 is {spe[0].EncodingChange}");
        }

        if (name != "Random")
        {
            StabilityPoint[] lap = EncodingStability.Measure(g, LapPe, EdgePerturbation.SingleEdge, ts);
            Assert.True(lap[0].EncodingChange > 0.05, $"{name}: LapPE changed only {lap[0].EncodingChange} at t=1e-6 (expected an O(1) jump)");
        }
    }
}

using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Transforms.Tests.Graphs;

public sealed class SpeColumnReductionTests
{
    private static readonly SpeOptions s_sum = new(EigenvalueFunctions: 4, RhoLayers: 2, RhoHiddenSize: 16, OutputSize: 8, Seed: 5);

    [Fact]
    public void Mean_IsSumOverColumnCount()
    {
        // Same parameters (initialisation ignores the reduction); a connected graph sums all n columns.
        GraphStructure g = RandomGraphs.Petersen();
        Spectrum s = LaplacianSpectrum.Compute(g, new SpectrumOptions(K: g.NodeCount, Solver: EigensolverKind.Dense));
        using var sum = new SpeEncoder(SpeParameters.Initialize(s_sum), TensorElementType.Double);
        using var mean = new SpeEncoder(SpeParameters.Initialize(s_sum with { ColumnReduction = SpeColumnReduction.Mean }), TensorElementType.Double);
        double[] a = sum.Encode([g], [s], g.NodeCount)[0];
        double[] b = mean.Encode([g], [s], g.NodeCount)[0];
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs((a[i] / g.NodeCount) - b[i]) <= 1e-10 * Math.Max(1, Math.Abs(a[i])), $"entry {i}: {a[i] / g.NodeCount} vs {b[i]}");
        }
    }

    [Fact]
    public void Mean_SameAloneAndPaddedAmongLargerGraphs()
    {
        var options = s_sum with { ColumnReduction = SpeColumnReduction.Mean, ColumnScope = SpeColumnScope.SameComponent };
        using var enc = new SpeEncoder(SpeParameters.Initialize(options), TensorElementType.Double);
        var rng = new Random(29);
        GraphStructure small = RandomGraphs.Cycle(5).DisjointUnion(RandomGraphs.Complete(3));
        var graphs = new List<GraphStructure> { RandomGraphs.ErdosRenyi(14, 0.3, rng), small, RandomGraphs.ErdosRenyi(20, 0.2, rng) };
        Spectrum[] spectra = LaplacianSpectrum.ComputeMany(graphs, new SpectrumOptions(K: 8));
        double[] alone = enc.Run(SpeBatch.Create([small], [spectra[1]], 8, options.ColumnScope), out _)[0];
        double[][] together = enc.Run(SpeBatch.Create(graphs, spectra, 12, options.ColumnScope, minNodes: 26), out _);
        Assert.Equal(alone.Length, together[1].Length);
        Assert.True(alone.Zip(together[1], (x, y) => Math.Abs(x - y)).Max() < 1e-8);
    }
}

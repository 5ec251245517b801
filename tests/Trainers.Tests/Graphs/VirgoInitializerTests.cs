using Pipelines.Numerics.Graphs;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Trainers.Tests.Graphs;

/// <summary>
/// <see cref="VirgoInitializer"/>: the closed form on regular graphs, the predicted variance gain against the empirical
/// one of random weights on a random graph batch (forward and backward), and seed determinism of the backbone.
/// </summary>
public sealed class VirgoInitializerTests
{
    private static readonly GraphSchema s_schema = new(NodeTypeCount: 3, EdgeTypeCount: 1, NodeAttributeWidth: 0, OutputCount: 1);

    private static Graph Cycle(int n) => new(n, [.. Enumerable.Range(0, n)], [.. Enumerable.Range(0, n).Select(i => (i + 1) % n)], nodeTypes: new int[n]);

    private static List<Graph> RandomBatch(int count, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            GraphStructure g = RandomGraphs.ErdosRenyi(rng.Next(6, 14), 0.3, rng);
            return new Graph(g.NodeCount, g.EdgeU, g.EdgeV, nodeTypes: [.. Enumerable.Range(0, g.NodeCount).Select(_ => rng.Next(3))], nodeAttributes: null);
        })];
    }

    [Fact]
    public void RegularGraphs_ShrinkHeByTheSquaredPropagationGain()
    {
        // C_n is 2-regular: P·1 = 3·1, so every ratio is 1/9 and σ²_fwd = σ²_bwd = Virgo = (2/m)/9
        VirgoVariances v = VirgoInitializer.Variances([Cycle(5), Cycle(8)], s_schema, width: 16, layers: 3);
        foreach (IReadOnlyList<double> list in new[] { v.Forward, v.Backward, v.Combined })
        {
            Assert.All(list, x => Assert.Equal(2.0 / 16 / 9, x, 12));
        }

        Assert.Equal(13.0 / 9, v.ForwardNorms[0], 12); // s_v = 1/3 on 13 nodes
        Assert.Equal(13.0 * 81, v.BackwardNorms[2], 9);
    }

    [Fact]
    public void NoGraphs_FallsBackToHe()
    {
        VirgoVariances v = VirgoInitializer.Variances([], s_schema, width: 8, layers: 2);
        Assert.All(v.Combined, x => Assert.Equal(0.25, x, 12));
    }

    [Fact]
    public void ForwardVariance_MatchesEmpiricalGainThroughMessagePassing()
    {
        // H_{ℓ+1} = ReLU(P H_ℓ W_ℓ), W_ℓ ~ U(±√(3σ²_fwd,ℓ)), H_0 = s 1ᵀ: the predicted second moment stays at ‖H_0‖²
        List<Graph> graphs = RandomBatch(24, seed: 4);
        const int m = 32, layers = 3, draws = 300;
        VirgoVariances v = VirgoInitializer.Variances(graphs, s_schema, m, layers);
        double[] ratio = Propagate(graphs, v.Forward, m, layers, draws, forward: true);
        for (int l = 0; l < layers; l++)
        {
            Assert.InRange(ratio[l], 0.85, 1.15);
        }

        // the check can fail: He's 2/m, blind to the graph, grows by the propagation gain every layer
        double[] he = Propagate(graphs, [.. Enumerable.Repeat(2.0 / m, layers)], m, layers, draws, forward: true);
        Assert.True(he[^1] > 20, $"He: {he[^1]:F1}");
    }

    [Fact]
    public void BackwardVariance_MatchesEmpiricalGainThroughMessagePassing()
    {
        // G_ℓ = D_ℓ ⊙ (P G_{ℓ+1} W_ℓᵀ), D_ℓ a ReLU derivative (per channel, as the forward pass's columns ∝ Pˡs have one
        // sign each: Bernoulli(½)), G_L = 1 1ᵀ (sum pooling)
        List<Graph> graphs = RandomBatch(24, seed: 6);
        const int m = 32, layers = 3, draws = 300;
        VirgoVariances v = VirgoInitializer.Variances(graphs, s_schema, m, layers);
        double[] ratio = Propagate(graphs, [.. v.Backward.Reverse()], m, layers, draws, forward: false);
        for (int l = 0; l < layers; l++)
        {
            Assert.InRange(ratio[l], 0.85, 1.15);
        }
    }

    [Fact]
    public void Backbone_IsSeededAndOnlyTheLayerWeightsChange()
    {
        var samples = CycleCountingDataset.Generate(12, seed: 3, minNodes: 6, maxNodes: 10);
        List<Graph> graphs = [.. samples.Select(s => s.WithTarget(3))];
        var xavier = new GraphModelDefinition(new GraphSchema(1, 1, 0, 1), new GineOptions(HiddenSize: 8, Layers: 2, Seed: 5), new NoEncoding(), GraphLoss.L1);
        GraphModelDefinition virgo = xavier with { Backbone = xavier.Backbone with { Init = GnnInit.Virgo } };
        ParameterStore a = GraphModelBuilder.InitializeBackbone(virgo, graphs);
        ParameterStore b = GraphModelBuilder.InitializeBackbone(virgo, graphs);
        ParameterStore x = GraphModelBuilder.InitializeBackbone(xavier, graphs);
        ParameterStore other = GraphModelBuilder.InitializeBackbone(virgo with { Backbone = virgo.Backbone with { Seed = 6 } }, graphs);
        foreach (ParameterTensor t in a.Tensors)
        {
            Assert.Equal(t.Data, b[t.Name].Data);
            bool layerWeight = t.Name.EndsWith(".w0", StringComparison.Ordinal) || t.Name.EndsWith(".w1", StringComparison.Ordinal);
            layerWeight &= !t.Name.Contains("head", StringComparison.Ordinal);
            Assert.Equal(layerWeight, !t.Data.SequenceEqual(x[t.Name].Data));
        }

        Assert.NotEqual(a["gine.0.w0"].Data, other["gine.0.w0"].Data);

        // the drawn weights have Virgo's variance (uniform: bound² / 3)
        double expected = VirgoInitializer.Variances(graphs, virgo.Schema, 8, 2).Combined[0];
        float[] w = a["gine.0.w0"].Data;
        Assert.InRange(w.Select(v => (double)v * v).Average(), 0.6 * expected, 1.4 * expected);
    }

    [Fact]
    public void Diagnostics_MeasureEveryLayer_Deterministically()
    {
        var samples = CycleCountingDataset.Generate(10, seed: 2, minNodes: 6, maxNodes: 9);
        List<Graph> graphs = [.. samples.Select(s => s.WithTarget(3))];
        var split = new GraphSplit(graphs, PrecomputedEncoding.ComputeMany(graphs, new NoEncoding()));
        var def = new GraphModelDefinition(new GraphSchema(1, 1, 0, 1), new GineOptions(HiddenSize: 8, Layers: 3, Pooling: GraphPooling.Sum, Seed: 2, Init: GnnInit.Virgo), new NoEncoding(), GraphLoss.L1);
        IReadOnlyList<LayerVariance> a = GraphInitDiagnostics.Measure(def, split);
        Assert.Equal([0, 1, 2], a.Select(v => v.Layer));
        Assert.All(a, v => Assert.True(v.Activation > 0 && v.Gradient > 0 && double.IsFinite(v.Activation) && double.IsFinite(v.Gradient)));
        Assert.Equal(a, GraphInitDiagnostics.Measure(def, split));
    }

    // mean over draws of ‖H_ℓ‖²/‖H_0‖² (forward) or ‖G_ℓ‖²/‖G_L‖² (backward), ℓ counted from the start of the pass
    private static double[] Propagate(List<Graph> graphs, IReadOnlyList<double> variances, int m, int layers, int draws, bool forward)
    {
        var rng = new Random(11);
        var sums = new double[layers];
        for (int draw = 0; draw < draws; draw++)
        {
            var w = new double[layers][];
            var keep = new bool[layers][];
            for (int l = 0; l < layers; l++)
            {
                keep[l] = [.. Enumerable.Range(0, m).Select(_ => rng.Next(2) == 1)];
                double bound = Math.Sqrt(3 * variances[l]);
                w[l] = [.. Enumerable.Range(0, m * m).Select(_ => ((rng.NextDouble() * 2) - 1) * bound)];
            }

            double start = 0;
            var norms = new double[layers];
            foreach (Graph g in graphs)
            {
                int n = g.NodeCount;
                var h = new double[n * m];
                for (int i = 0; i < h.Length; i++)
                {
                    h[i] = forward ? 1.0 / 3 : 1.0; // s_v = 1/3 (one-hot over 3 types), or the all-ones gradient
                }

                start += h.Sum(t => t * t);
                for (int l = 0; l < layers; l++)
                {
                    double[] ph = Propagation(g, h, m);
                    var z = new double[n * m];
                    for (int v = 0; v < n; v++)
                    {
                        for (int o = 0; o < m; o++)
                        {
                            double acc = 0;
                            for (int k = 0; k < m; k++)
                            {
                                // forward: (PH W)_vo; backward: (PG Wᵀ)_vo
                                acc += ph[(v * m) + k] * (forward ? w[l][(k * m) + o] : w[l][(o * m) + k]);
                            }

                            z[(v * m) + o] = forward ? Math.Max(0, acc) : (keep[l][o] ? acc : 0);
                        }
                    }

                    h = z;
                    norms[l] += h.Sum(t => t * t);
                }
            }

            for (int l = 0; l < layers; l++)
            {
                sums[l] += norms[l] / start;
            }
        }

        return [.. sums.Select(s => s / draws)];
    }

    // (I + A) H over the distinct undirected non-loop edges
    private static double[] Propagation(Graph g, double[] h, int m)
    {
        var result = (double[])h.Clone();
        var edges = new HashSet<(int, int)>();
        for (int e = 0; e < g.EdgeCount; e++)
        {
            int u = g.EdgeSources[e], v = g.EdgeTargets[e];
            if (u != v)
            {
                edges.Add((Math.Min(u, v), Math.Max(u, v)));
            }
        }

        foreach ((int u, int v) in edges)
        {
            for (int k = 0; k < m; k++)
            {
                result[(u * m) + k] += h[(v * m) + k];
                result[(v * m) + k] += h[(u * m) + k];
            }
        }

        return result;
    }
}

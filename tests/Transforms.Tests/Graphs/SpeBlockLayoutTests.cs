using Microsoft.ML.OnnxRuntime;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Onnx.Autodiff;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Transforms.Tests.Graphs;

/// <summary>
/// SPE's block layout (<see cref="SpeBlockGraph"/>, <c>Σ_g n_g²</c> pairs, no padding) computes the same function of the
/// same parameters as the padded layout (<see cref="SpeGraph"/>, <c>B·N_max²</c>) on a batch of graphs of different sizes
/// (a disconnected one, an isolated node, a self-loop, a one-node graph), in inference and with BatchNorm's batch
/// statistics; its gradients equal the padded layout's and central finite differences (float64).
/// </summary>
public sealed class SpeBlockLayoutTests
{
    public static TheoryData<string> Variants => ["elementwise-sum", "deepsets-mean", "batchnorm-component"];

    private static SpeOptions Options(string variant) => variant switch
    {
        "deepsets-mean" => new SpeOptions(EigenvalueFunctions: 3, PhiKind: SpePhiKind.MaskedDeepSets, PhiHiddenSize: 4, RhoLayers: 2, RhoHiddenSize: 5, OutputSize: 4, Seed: 3, ColumnReduction: SpeColumnReduction.Mean),
        "batchnorm-component" => new SpeOptions(EigenvalueFunctions: 3, PhiHiddenSize: 4, RhoLayers: 2, RhoHiddenSize: 5, OutputSize: 4, Seed: 5, ColumnScope: SpeColumnScope.SameComponent, Normalization: SpeNormalization.BatchNorm),
        _ => new SpeOptions(EigenvalueFunctions: 3, PhiHiddenSize: 4, RhoLayers: 2, RhoHiddenSize: 5, OutputSize: 4, Seed: 2),
    };

    private static (List<GraphStructure> Graphs, List<Spectrum> Spectra) Batch()
    {
        var rng = new Random(11);
        var graphs = new List<GraphStructure>
        {
            RandomGraphs.ErdosRenyi(7, 0.45, rng),
            new(5, [0, 1, 3, 2], [1, 2, 4, 2]), // path 0-1-2 with a self-loop on 2, edge 3-4: two components
            new(1, [], []),
            RandomGraphs.ErdosRenyi(9, 0.3, rng),
            new(4, [0, 1, 0], [1, 2, 1]), // repeated edge, isolated node 3
        };
        var spectra = graphs.Select(g => LaplacianSpectrum.Compute(g, new SpectrumOptions(K: 6))).ToList();
        return (graphs, spectra);
    }

    // the trained-looking parameters: BatchNorm's running statistics and γ/β away from identity
    private static SpeParameters Parameters(SpeOptions options)
    {
        SpeParameters p = SpeParameters.Initialize(options);
        var rng = new Random(9);
        foreach (ParameterTensor t in p.Tensors)
        {
            bool positive = t.Name.EndsWith(".running_var", StringComparison.Ordinal) || t.Name.EndsWith(".gamma", StringComparison.Ordinal);
            bool eps = t.Name.EndsWith(".eps", StringComparison.Ordinal);
            if (BatchNormNames.IsNormalizationTensor(t.Name) || eps)
            {
                p.Set(t.Name, [.. t.Data.Select(_ => (float)(positive ? 0.5 + rng.NextDouble() : (rng.NextDouble() - 0.5) * 0.4))]);
            }
        }

        return p;
    }

    // loss = Σ PE ⊙ R; R fixed per (graph, node), stacked (V, p) for blocks, padded (B, N, p) for the padded layout
    private static OnnxModel Model(SpeParameters p, bool blocks, NormalizationMode mode, double[] r, long[] rShape)
    {
        const TensorElementType D = TensorElementType.Double;
        var b = new GraphBuilder("spe_layout_test");
        string pe;
        if (blocks)
        {
            SpeBlockGraph.DeclareInputs(b, D, p.Options);
            pe = SpeBlockGraph.Append(b, p, D, mode);
        }
        else
        {
            SpeGraph.DeclareInputs(b, D);
            pe = SpeGraph.Append(b, p, D, out _, mode);
        }

        b.Output(pe, SpeTensorNames.Encoding);
        string rName = b.Initializer(OnnxTensor.FromDoubles("r", r, rShape));
        b.Output(b.Op("ReduceSum", [b.Op("Mul", pe, rName)], OnnxAttribute.Int("keepdims", 0)), "loss");
        return b.ToModel();
    }

    private static (TensorBatch Padded, SpeBatch Owner, TensorBatch Blocks, int[] Offsets, int N) Inputs(SpeOptions o)
    {
        (List<GraphStructure> graphs, List<Spectrum> spectra) = Batch();
        SpeBatch padded = SpeBatch.Create(graphs, spectra, 6, o.ColumnScope);
        var blocks = SpeBlockBatch.AddTensors(new TensorBatch(), graphs, spectra, o, TensorElementType.Double);
        int[] offsets = new int[graphs.Count + 1];
        for (int g = 0; g < graphs.Count; g++)
        {
            offsets[g + 1] = offsets[g] + graphs[g].NodeCount;
        }

        return (padded.Tensors, padded, blocks, offsets, padded.MaxNodes);
    }

    private static (double[] Stacked, double[] Padded) Weights(int[] offsets, int n, int width)
    {
        var rng = new Random(4);
        int b = offsets.Length - 1;
        var stacked = new double[offsets[^1] * width];
        var padded = new double[b * n * width];
        for (int g = 0; g < b; g++)
        {
            for (int i = 0; i < offsets[g + 1] - offsets[g]; i++)
            {
                for (int c = 0; c < width; c++)
                {
                    double v = rng.NextDouble() - 0.5;
                    stacked[((offsets[g] + i) * width) + c] = v;
                    padded[((((g * n) + i) * width) + c)] = v;
                }
            }
        }

        return (stacked, padded);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Blocks_EqualPadded_OutputsAndGradients(string variant)
    {
        SpeOptions o = Options(variant);
        SpeParameters p = Parameters(o);
        (TensorBatch paddedIn, SpeBatch owner, TensorBatch blocksIn, int[] offsets, int n) = Inputs(o);
        using SpeBatch _ = owner;
        using TensorBatch __ = blocksIn;
        int w = o.OutputSize;
        (double[] rStacked, double[] rPadded) = Weights(offsets, n, w);
        foreach (NormalizationMode mode in new[] { NormalizationMode.Inference, NormalizationMode.Training })
        {
            (double[] peB, double lossB, double[][] gradB) = Evaluate(Model(p, true, mode, rStacked, [offsets[^1], w]), blocksIn, p);
            (double[] peP, double lossP, double[][] gradP) = Evaluate(Model(p, false, mode, rPadded, [offsets.Length - 1, n, w]), paddedIn, p);
            Assert.True(Math.Abs(lossB - lossP) <= 1e-9 * Math.Max(1, Math.Abs(lossP)), $"{mode}: loss {lossB} vs {lossP}");
            int tail = peB.Length - (offsets[^1] * w);
            Assert.Equal(peP.Length - (offsets.Length - 1) * n * w, tail);
            for (int k = 1; k <= tail; k++)
            {
                Assert.True(Math.Abs(peB[^k] - peP[^k]) <= 1e-9 * Math.Max(1, Math.Abs(peP[^k])), $"{mode}: running statistic update {k} from the end: {peB[^k]} vs {peP[^k]}");
            }

            for (int g = 0; g < offsets.Length - 1; g++)
            {
                for (int i = 0; i < offsets[g + 1] - offsets[g]; i++)
                {
                    for (int c = 0; c < w; c++)
                    {
                        double a = peB[((offsets[g] + i) * w) + c];
                        double e = peP[(((g * n) + i) * w) + c];
                        Assert.True(Math.Abs(a - e) <= 1e-9 * Math.Max(1, Math.Abs(e)), $"{mode}: graph {g} node {i} channel {c}: {a} vs {e}");
                    }
                }
            }

            List<string> names = Trainables(p);
            for (int t = 0; t < names.Count; t++)
            {
                double norm = Math.Sqrt(gradP[t].Sum(v => v * v));
                double err = Math.Sqrt(gradB[t].Zip(gradP[t], (x, y) => (x - y) * (x - y)).Sum());
                Assert.True(err <= 1e-9 * Math.Max(1, norm), $"{mode}: gradient of '{names[t]}' differs by {err:E2} (norm {norm:E2})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Blocks_GradientsMatchFiniteDifferences(string variant)
    {
        SpeOptions o = Options(variant);
        SpeParameters p = Parameters(o);
        (TensorBatch _, SpeBatch owner, TensorBatch blocksIn, int[] offsets, int n) = Inputs(o);
        using SpeBatch __ = owner;
        using TensorBatch ___ = blocksIn;
        (double[] rStacked, _) = Weights(offsets, n, o.OutputSize);
        OnnxModel model = Model(p, true, NormalizationMode.Training, rStacked, [offsets[^1], o.OutputSize]);
        List<string> names = Trainables(p);
        GradientGraph gg = GradientBuilder.Build(model, "loss", names);
        using OnnxSession session = OrtSessions.Create(gg.Model, new SessionSettings { Optimization = GraphOptimization.Basic });
        double[][] values = [.. gg.Trainables.Select(t => t.ToArray<double>())];
        double[][] analytic = Run(session, gg, blocksIn, values, true).Grads;
        const double H = 1e-6;
        for (int t = 0; t < values.Length; t++)
        {
            var numeric = new double[values[t].Length];
            for (int i = 0; i < values[t].Length; i++)
            {
                double keep = values[t][i];
                values[t][i] = keep + H;
                double up = Run(session, gg, blocksIn, values, false).Loss;
                values[t][i] = keep - H;
                double down = Run(session, gg, blocksIn, values, false).Loss;
                values[t][i] = keep;
                numeric[i] = (up - down) / (2 * H);
            }

            double norm = Math.Sqrt(numeric.Sum(v => v * v));
            double err = Math.Sqrt(numeric.Zip(analytic[t], (x, y) => (x - y) * (x - y)).Sum());
            // a bias right before BatchNorm has a zero gradient (the batch mean cancels it): absolute floor 1e-7
            Assert.True(err <= (1e-5 * norm) + 1e-7, $"'{names[t]}': relative error {err / Math.Max(norm, 1e-12):E2} (‖numeric‖ {norm:E2})");
        }
    }

    [Fact]
    public void Blocks_HoldOnlyPerGraphPairs()
    {
        SpeOptions o = Options("elementwise-sum");
        (List<GraphStructure> graphs, List<Spectrum> spectra) = Batch();
        using TensorBatch t = SpeBlockBatch.AddTensors(new TensorBatch(), graphs, spectra, o, TensorElementType.Float);
        long pairs = graphs.Sum(g => (long)g.NodeCount * g.NodeCount);
        long triplets = graphs.Select((g, i) => (long)g.NodeCount * g.NodeCount * spectra[i].Count).Sum();
        Assert.Equal([pairs, 1], t.ShapeOf(SpeBlockTensorNames.PairNode));
        Assert.Equal([triplets, 1], t.ShapeOf(SpeBlockTensorNames.TripletWeight));
        Assert.Equal([(long)graphs.Sum(g => g.NodeCount), 1], t.ShapeOf(SpeBlockTensorNames.ColumnCount));
        Assert.True(pairs < graphs.Count * 9L * 9, "the blocks are smaller than B·N_max²");
    }

    private static List<string> Trainables(SpeParameters p) => [.. p.Tensors.Select(t => t.Name).Where(n => !BatchNormNames.IsRunningStatistic(n))];

    private static (double[] Pe, double Loss, double[][] Grads) Evaluate(OnnxModel model, TensorBatch inputs, SpeParameters p)
    {
        GradientGraph gg = GradientBuilder.Build(model, "loss", Trainables(p));
        OnnxModel withPe = gg.Model;
        withPe.Graph.Outputs.Add(new ValueInfo(SpeTensorNames.Encoding, new TensorType(TensorElementType.Double, null)));
        string[] updates = [.. p.Tensors.Select(t => t.Name).Where(BatchNormNames.IsRunningStatistic).Select(BatchNormNames.UpdateOf).Where(u => withPe.Graph.Nodes.Any(n => n.Outputs.Contains(u)))];
        foreach (string u in updates)
        {
            withPe.Graph.Outputs.Add(new ValueInfo(u, new TensorType(TensorElementType.Double, null)));
        }

        using OnnxSession session = OrtSessions.Create(withPe, new SessionSettings { Optimization = GraphOptimization.Basic });
        double[][] values = [.. gg.Trainables.Select(t => t.ToArray<double>())];
        (double loss, double[][] grads) = Run(session, gg, inputs, values, true);
        Dictionary<string, OrtValue> feeds = Feeds(gg, inputs, values);
        using IDisposableReadOnlyCollection<OrtValue> pe = session.RunValues(feeds, [SpeTensorNames.Encoding, .. updates]);
        // the running-statistics updates (Training mode) are appended to the encoding so both layouts compare them too
        double[] peData = [.. pe.SelectMany(v => v.GetTensorDataAsSpan<double>().ToArray())];
        DisposeOwn(feeds, inputs);
        return (peData, loss, grads);
    }

    private static Dictionary<string, OrtValue> Feeds(GradientGraph gg, TensorBatch inputs, double[][] values)
    {
        var feeds = new Dictionary<string, OrtValue>();
        foreach (ValueInfo input in gg.Model.Graph.Inputs)
        {
            if (inputs.Contains(input.Name))
            {
                feeds[input.Name] = inputs.GetValue(input.Name);
            }
        }

        for (int t = 0; t < values.Length; t++)
        {
            feeds[gg.Trainables[t].Name] = OrtValue.CreateTensorValueFromMemory(values[t], gg.Trainables[t].Dims);
        }

        return feeds;
    }

    private static void DisposeOwn(Dictionary<string, OrtValue> feeds, TensorBatch inputs)
    {
        foreach ((string name, OrtValue v) in feeds)
        {
            if (!inputs.Contains(name))
            {
                v.Dispose();
            }
        }
    }

    private static (double Loss, double[][] Grads) Run(OnnxSession session, GradientGraph gg, TensorBatch inputs, double[][] values, bool withGrads)
    {
        Dictionary<string, OrtValue> feeds = Feeds(gg, inputs, values);
        try
        {
            string[] outputs = withGrads ? [gg.Loss, .. gg.Trainables.Select(t => gg.Gradients[t.Name])] : [gg.Loss];
            using IDisposableReadOnlyCollection<OrtValue> results = session.RunValues(feeds, outputs);
            return (results[0].GetTensorDataAsSpan<double>()[0], withGrads ? [.. results.Skip(1).Select(v => v.GetTensorDataAsSpan<double>().ToArray())] : []);
        }
        finally
        {
            DisposeOwn(feeds, inputs);
        }
    }
}

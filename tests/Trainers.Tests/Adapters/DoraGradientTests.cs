using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Autodiff;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.LowRank;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>
/// DoRA's gradients (A, B and the magnitude m) against central finite differences in float64, on a MatMul and a
/// Gemm (transB = 1, bias) target of a PiSSA-initialised model moved away from its initial point. As in peft, the
/// column norm ‖W_res + s·A·B‖_c is a gradient stop: its gradient must equal finite differences of the same graph with
/// the norm frozen to its current value; with the stop removed it must equal finite differences of the graph itself.
/// </summary>
public class DoraGradientTests
{
    private const int Rows = 4;
    private const int In = 8;

    private static OnnxModel Tiny()
    {
        var rng = new GaussianSampler(3);
        float[] Fill(int n)
        {
            float[] x = new float[n];
            rng.Fill(x);
            return x;
        }

        var b = new GraphBuilder("tiny");
        string x = b.Input("X", TensorElementType.Float, Rows, In);
        string w1 = b.Initializer(OnnxTensor.FromFloats("W1", Fill(In * 6), In, 6));
        string w2 = b.Initializer(OnnxTensor.FromFloats("W2", Fill(5 * 6), 5, 6));
        string c = b.Initializer(OnnxTensor.FromFloats("c", Fill(5), 5));
        string h = b.Op("Tanh", b.Node("MatMul", [x, w1], name: "fc1")[0]);
        string y = b.Node("Gemm", [h, w2, c], attributes: [OnnxAttribute.Int("transB", 1)], name: "fc2")[0];
        b.Output(y, "Y", new TensorType(TensorElementType.Float, [Rows, 5]));
        return b.ToModel();
    }

    // the adapted model in float64 with a constant batch and loss = Σ Y ⊙ R; B and m moved off their initial values
    private static (OnnxModel Model, string Loss, List<string> Trainables) Problem()
    {
        AdaptedModel adapted = LowRankInitializer.Initialize(Tiny(), new LowRankOptions { Method = LowRankMethod.Pissa, Rank = 2, Alpha = 3, Seed = 1, Dora = true });
        IReadOnlyList<AdapterGraphEntry> entries = AdapterGraphEntry.Read(adapted.Model);
        Assert.Equal(2, entries.Count);
        var rng = new Random(5);
        foreach (AdapterGraphEntry e in entries)
        {
            foreach (string name in new[] { e.LoraB, e.Magnitude! })
            {
                OnnxTensor t = adapted.Model.Graph.FindInitializer(name)!;
                float[] v = t.ToArray<float>();
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] = name == e.LoraB ? v[i] + (float)(rng.NextDouble() - 0.5) : v[i] * (float)(0.7 + (0.6 * rng.NextDouble()));
                }

                t.ReplaceData(MemoryMarshal.AsBytes(v.AsSpan()).ToArray());
            }
        }

        OnnxModel model = DoublePrecision.Convert(adapted.Model);
        var b = new GraphBuilder(model.Graph);
        model.Graph.Inputs.Clear();
        model.Graph.Initializers.Add(OnnxTensor.FromDoubles("X", [.. Enumerable.Range(0, Rows * In).Select(_ => rng.NextDouble() - 0.5)], Rows, In));
        string r = b.Initializer(OnnxTensor.FromDoubles("R", [.. Enumerable.Range(0, Rows * 5).Select(_ => rng.NextDouble() - 0.5)], Rows, 5));
        string loss = b.Op("ReduceSum", [b.Op("Mul", "Y", r)], OnnxAttribute.Int("keepdims", 0));
        model.Graph.Outputs.Clear();
        b.Output(loss);
        return (model, loss, [.. entries.SelectMany(e => e.TrainableInitializers())]);
    }

    [Fact]
    public void DetachedNorm_GradientsMatchFiniteDifferencesWithTheNormFrozen()
    {
        (OnnxModel model, string loss, List<string> trainables) = Problem();
        Assert.Contains(model.Metadata, kv => kv.Key == GradientBuilder.StopGradientKey);
        double[][] analytic = Gradients(model, loss, trainables);
        double[][] numeric = FiniteDifferences(FreezeNorms(model), loss, trainables);
        AssertClose(analytic, numeric, trainables);

        // the stop matters: with it the A/B gradients differ from the full ones (m's are the same)
        OnnxModel full = model.Clone();
        full.Metadata.RemoveAll(kv => kv.Key == GradientBuilder.StopGradientKey);
        double[][] fullAnalytic = Gradients(full, loss, trainables);
        Assert.True(Distance(analytic[0], fullAnalytic[0]) > 1e-3, "detaching the norm did not change the gradient of A");
        Assert.True(Distance(analytic[2], fullAnalytic[2]) < 1e-9, "the magnitude's gradient does not depend on the stop");
    }

    [Fact]
    public void FullNorm_GradientsThroughReduceL2_MatchFiniteDifferences()
    {
        (OnnxModel model, string loss, List<string> trainables) = Problem();
        model.Metadata.RemoveAll(kv => kv.Key == GradientBuilder.StopGradientKey);
        AssertClose(Gradients(model, loss, trainables), FiniteDifferences(model, loss, trainables), trainables);
    }

    [Fact]
    public void TrainingGraph_TrainsTheMagnitude()
    {
        (OnnxModel model, string loss, List<string> trainables) = Problem();
        TrainingGraph graph = TrainingGraphBuilder.Build(model, new TrainingGraphOptions { Loss = new ScalarOutputLoss(loss), Trainables = trainables });
        Assert.Equal(trainables.Count, graph.Parameters.Count());
        Assert.Contains(graph.State, s => s.Input.EndsWith(".lora_magnitude", StringComparison.Ordinal));
    }

    private static double Distance(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (p, q) => (p - q) * (p - q)).Sum());

    private static void AssertClose(double[][] analytic, double[][] numeric, List<string> names)
    {
        for (int p = 0; p < analytic.Length; p++)
        {
            double norm = Math.Max(Math.Sqrt(numeric[p].Sum(v => v * v)), 1e-9);
            double err = Distance(analytic[p], numeric[p]) / norm;
            Assert.True(norm > 1e-6, $"'{names[p]}': the finite-difference gradient is zero; the check proves nothing");
            Assert.True(err < 1e-6, $"'{names[p]}': relative error {err:E2} (‖numeric‖ {norm:E2})");
        }
    }

    // the graph with every recorded gradient-stop value (the DoRA column norms) replaced by a constant of its current value
    private static OnnxModel FreezeNorms(OnnxModel model)
    {
        List<string> norms = System.Text.Json.JsonSerializer.Deserialize<List<string>>(model.Metadata.First(kv => kv.Key == GradientBuilder.StopGradientKey).Value)!;
        OnnxModel probe = model.Clone();
        probe.Graph.Outputs.Clear();
        foreach (string n in norms)
        {
            probe.Graph.Outputs.Add(new ValueInfo(n, new TensorType(TensorElementType.Double, null)));
        }

        OnnxModel frozen = model.Clone();
        frozen.Metadata.RemoveAll(kv => kv.Key == GradientBuilder.StopGradientKey);
        using OnnxSession session = OrtSessions.Create(probe, new SessionSettings { Optimization = GraphOptimization.Basic });
        using IDisposableReadOnlyCollection<OrtValue> values = session.RunValues(new Dictionary<string, OrtValue>(), norms);
        for (int i = 0; i < norms.Count; i++)
        {
            double[] v = values[i].GetTensorDataAsSpan<double>().ToArray();
            frozen.Graph.Nodes.RemoveAll(node => node.Outputs.Contains(norms[i]));
            frozen.Graph.Initializers.Add(OnnxTensor.FromDoubles(norms[i], v, v.Length));
        }

        return frozen;
    }

    private static double[][] Gradients(OnnxModel model, string loss, List<string> trainables)
    {
        GradientGraph gg = GradientBuilder.Build(model, loss, trainables);
        using OnnxSession session = OrtSessions.Create(gg.Model, new SessionSettings { Optimization = GraphOptimization.Basic });
        double[][] values = [.. gg.Trainables.Select(t => t.ToArray<double>())];
        return OrtRunner.RunGradientGraph(session, gg, values, withGrads: true).Grads;
    }

    private static double[][] FiniteDifferences(OnnxModel model, string loss, List<string> trainables)
    {
        GradientGraph gg = GradientBuilder.Build(model, loss, trainables);
        OnnxModel lossOnly = gg.Model.Clone();
        lossOnly.Graph.Outputs.RemoveAll(o => o.Name != loss);
        using OnnxSession session = OrtSessions.Create(lossOnly, new SessionSettings { Optimization = GraphOptimization.Basic });
        double[][] values = [.. gg.Trainables.Select(t => t.ToArray<double>())];
        const double H = 1e-5;
        var result = new double[values.Length][];
        for (int p = 0; p < values.Length; p++)
        {
            result[p] = new double[values[p].Length];
            for (int i = 0; i < values[p].Length; i++)
            {
                double keep = values[p][i];
                values[p][i] = keep + H;
                double up = OrtRunner.RunGradientGraph(session, gg, values, false).Loss;
                values[p][i] = keep - H;
                double down = OrtRunner.RunGradientGraph(session, gg, values, false).Loss;
                values[p][i] = keep;
                result[p][i] = (up - down) / (2 * H);
            }
        }

        return result;
    }
}

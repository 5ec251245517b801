using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>
/// <see cref="TrainingGraphOptions.FuseFrozenTransposes"/> (input-gradient products read frozen W through FusedMatMul's
/// transB) and <see cref="SessionSettings.PrepackWeights"/> off: memory layouts only, so the trained values are the same
/// bits as with the materialised Transpose(W) and pre-packed weights.
/// </summary>
public class FrozenTransposeFusionTests
{
    private const int Batch = 3, Seq = 8, In = 320, Hidden = 96, Out = 288, Rank = 4;
    private static readonly string[] s_trainables = ["W1.A", "W1.B", "W2.A", "W2.B"];

    // y = tanh(x·W1 + x·A1·B1)·W2 + h·A2·B2 with frozen W1 [320, 96], W2 [96, 288]; x [3, 8, 320], so the backward product
    // through W2 is G·Transpose(W2) with a rank-3 G; inner dimensions above 256 span several of MLAS's K blocks
    private static (OnnxModel Model, float[] X, float[] T) Problem() => TinyModels.TwoLayerLora(11, Batch, Seq, In, Hidden, Out, Rank);

    private static TrainingGraph Build(OnnxModel model, bool fuse) => TrainingGraphBuilder.Build(model, new TrainingGraphOptions
    {
        Loss = new MeanSquaredErrorLoss("y"),
        Trainables = s_trainables,
        Optimizer = new AdamWOptimizer(),
        FuseFrozenTransposes = fuse,
    });

    // every state tensor (parameters and AdamW moments) after three steps, as raw bytes
    private static byte[][] Train(TrainingGraph graph, float[] x, float[] t, bool prepack)
    {
        using var trainer = new Trainer(graph, new TrainerOptions
        {
            Schedule = new ConstantSchedule(1e-2),
            Session = new SessionSettings { IntraOpThreads = 1, PrepackWeights = prepack },
        });
        x.CopyTo(trainer.Batch.Get<float>("x"));
        t.CopyTo(trainer.Batch.Get<float>("target"));
        for (int s = 0; s < 3; s++)
        {
            trainer.TrainStep();
        }

        return [.. graph.State.Select(st => System.Runtime.InteropServices.MemoryMarshal.AsBytes(trainer.GetState<float>(st.Input).AsSpan()).ToArray())];
    }

    [Fact]
    public void Fused_ReadsFrozenWeightWithoutTranspose()
    {
        (OnnxModel model, _, _) = Problem();
        OnnxGraph fused = Build(model, fuse: true).TrainStep.Graph;
        OnnxGraph plain = Build(model, fuse: false).TrainStep.Graph;

        // x is not trained, so only G·W2ᵀ needs an input gradient through a frozen weight
        Assert.Contains(plain.Nodes, n => n.OpType == "Transpose" && n.Inputs[0] == "W2");
        Assert.DoesNotContain(fused.Nodes, n => n.OpType == "Transpose" && n.Inputs[0] is "W1" or "W2");
        OnnxNode product = Assert.Single(fused.Nodes, n => n.OpType == "FusedMatMul");
        Assert.Equal(OnnxModel.MicrosoftDomain, product.Domain);
        Assert.Equal("W2", product.Inputs[1]);
        Assert.Equal(1, product.IntAttribute("transB", 0));

        // the trained adapters' own transposes (non-constant) are left alone
        Assert.Equal(plain.Nodes.Count(n => n.OpType == "Transpose") - 1, fused.Nodes.Count(n => n.OpType == "Transpose"));
    }

    [Fact]
    public void Fused_TrainsBitIdentically()
    {
        (OnnxModel model, float[] x, float[] t) = Problem();
        byte[][] reference = Train(Build(model, fuse: false), x, t, prepack: true);
        TrainingGraph fusedGraph = Build(model, fuse: true);
        byte[][] fused = Train(fusedGraph, x, t, prepack: true);
        Assert.Equal(reference.Length, fused.Length);
        for (int i = 0; i < reference.Length; i++)
        {
            Assert.Equal(reference[i], fused[i]);
        }

        // the steps moved the adapters (the comparison is not of untouched initial values)
        int b2 = fusedGraph.State.ToList().FindIndex(s => s.Input == "W2.B");
        Assert.NotEqual(model.Graph.FindInitializer("W2.B")!.RawData, fused[b2]);
    }

    [Fact]
    public void Unpacked_TrainsTheSameWithinRounding()
    {
        // MLAS blocks the inner dimension differently for pre-packed and on-the-fly panels, so the sums round differently
        (OnnxModel model, float[] x, float[] t) = Problem();
        TrainingGraph graph = Build(model, fuse: true);
        byte[][] packed = Train(graph, x, t, prepack: true);
        byte[][] unpacked = Train(graph, x, t, prepack: false);
        for (int i = 0; i < packed.Length; i++)
        {
            float[] p = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(packed[i]).ToArray();
            float[] u = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(unpacked[i]).ToArray();
            double scale = Math.Sqrt(p.Sum(v => (double)v * v)) + 1e-12;
            double diff = Math.Sqrt(p.Zip(u, (a, b) => (double)(a - b) * (a - b)).Sum());
            Assert.InRange(diff / scale, 0, 1e-5);
        }
    }
}

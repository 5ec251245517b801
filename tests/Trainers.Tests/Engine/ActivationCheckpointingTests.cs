using System.Runtime.InteropServices;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>
/// <see cref="ActivationCheckpointing.TransformerBlocks"/>: each block's forward runs again in the backward pass and the
/// backward reads only the recomputed values; the trained state is the same as without recomputation.
/// </summary>
public class ActivationCheckpointingTests
{
    private const int Batch = 2, Seq = 6, Width = 16, Ffn = 32, Blocks = 3, Rank = 2;

    // three post-norm transformer blocks over x [2, 6, 16] with frozen weights named "encoder.layer.i.*" and LoRA adapters
    // on the query and the first FFN matrix: a = softmax(q·kᵀ/4)·v, h = LN(x + a·Wo), y = LN(h + tanh(h·W1)·W2)
    private static (OnnxModel Model, string[] Trainables, float[] X, float[] T) Problem()
    {
        var rng = new Random(5);
        float[] R(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)(((rng.NextDouble() * 2) - 1) * scale))];
        var b = new GraphBuilder("blocks");
        var trainables = new List<string>();
        string x = b.Input("x", TensorElementType.Float, [Batch, Seq, Width]);
        string Weight(string name, int k, int n) => b.Initializer(OnnxTensor.FromFloats(name, R(k * n, 1 / Math.Sqrt(k)), k, n));
        string Linear(string input, string name, int k, int n, bool adapter)
        {
            string y = b.Op("MatMul", input, Weight(name, k, n));
            if (!adapter)
            {
                return y;
            }

            string a = b.Initializer(OnnxTensor.FromFloats(name + ".lora_A", R(k * Rank, 1 / Math.Sqrt(k)), k, Rank));
            string bb = b.Initializer(OnnxTensor.FromFloats(name + ".lora_B", R(Rank * n, 0.2), Rank, n));
            trainables.AddRange([name + ".lora_A", name + ".lora_B"]);
            return b.Op("Add", y, b.Op("MatMul", b.Op("MatMul", input, a), bb));
        }

        string Norm(string input, string name)
        {
            string gamma = b.Initializer(OnnxTensor.FromFloats(name + ".weight", [.. Enumerable.Repeat(1f, Width)], Width));
            string beta = b.Initializer(OnnxTensor.FromFloats(name + ".bias", new float[Width], Width));
            return b.Op("LayerNormalization", [input, gamma, beta], OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", 1e-5f));
        }

        string h = x;
        for (int i = 0; i < Blocks; i++)
        {
            string p = $"encoder.layer.{i}.";
            string q = Linear(h, p + "query", Width, Width, adapter: true);
            string k = Linear(h, p + "key", Width, Width, adapter: false);
            string v = Linear(h, p + "value", Width, Width, adapter: false);
            string scores = b.Op("Mul", b.Op("MatMul", q, b.Op("Transpose", [k], OnnxAttribute.IntList("perm", [0, 2, 1]))), b.Initializer(OnnxTensor.FromFloats(p + "scale", [0.25f])));
            string attention = b.Op("MatMul", b.Op("Softmax", [scores], OnnxAttribute.Int("axis", -1)), v);
            string mid = Norm(b.Op("Add", h, Linear(attention, p + "output", Width, Width, adapter: false)), p + "norm1");
            string ffn = Linear(b.Op("Tanh", Linear(mid, p + "ffn_in", Width, Ffn, adapter: true)), p + "ffn_out", Ffn, Width, adapter: false);
            h = Norm(b.Op("Add", mid, ffn), p + "norm2");
        }

        b.Output(h, "y", TensorType.Of(TensorElementType.Float, [Batch, Seq, Width]));
        return (b.ToModel(), [.. trainables], R(Batch * Seq * Width, 1), R(Batch * Seq * Width, 1));
    }

    private static TrainingGraph Build(OnnxModel model, string[] trainables, ActivationCheckpointing checkpointing) => TrainingGraphBuilder.Build(model, new TrainingGraphOptions
    {
        Loss = new MeanSquaredErrorLoss("y"),
        Trainables = trainables,
        Optimizer = new AdamWOptimizer(),
        ActivationCheckpointing = checkpointing,
    });

    private static byte[][] Train(TrainingGraph graph, float[] x, float[] t, int threads, GraphOptimization optimization)
    {
        using var trainer = new Trainer(graph, new TrainerOptions
        {
            Schedule = new ConstantSchedule(1e-2),
            Session = new SessionSettings { IntraOpThreads = threads, Optimization = optimization },
        });
        x.CopyTo(trainer.Batch.Get<float>("x"));
        t.CopyTo(trainer.Batch.Get<float>("target"));
        for (int s = 0; s < 3; s++)
        {
            trainer.TrainStep();
        }

        return [.. graph.State.Select(st => MemoryMarshal.AsBytes(trainer.GetState<float>(st.Input).AsSpan()).ToArray())];
    }

    [Fact]
    public void Default_LeavesTheStepAsItWas()
    {
        Assert.Equal(ActivationCheckpointing.None, TrainingGraphOptions.Defaults.ActivationCheckpointing);
        (OnnxModel model, string[] trainables, _, _) = Problem();
        OnnxGraph plain = Build(model, trainables, ActivationCheckpointing.None).TrainStep.Graph;
        Assert.DoesNotContain(plain.Nodes, n => n.Name.StartsWith("recompute", StringComparison.Ordinal));
    }

    [Fact]
    public void TransformerBlocks_BackwardReadsOnlyRecomputedBlockValues()
    {
        (OnnxModel model, string[] trainables, _, _) = Problem();
        OnnxGraph step = Build(model, trainables, ActivationCheckpointing.TransformerBlocks).TrainStep.Graph;

        // every block's MatMuls run twice: once forward, once recomputed (the last block's included: its values are read
        // by its own backward, which runs after the loss gradient)
        Assert.Equal(Blocks, step.Nodes.Count(n => n.Name.StartsWith("recompute_", StringComparison.Ordinal) && n.OpType == "Slice"));
        Assert.True(step.Nodes.Count(n => n.Name.StartsWith("recompute/", StringComparison.Ordinal) && n.OpType is "MatMul" or "FusedMatMul") >= Blocks * 6);

        // a forward value inside a block (not the block's output) is read by no backward node: Softmax outputs, tanh, …
        Dictionary<string, List<OnnxNode>> consumers = step.ConsumerMap();
        foreach (OnnxNode node in step.Nodes.Where(n => n.OpType is "Softmax" or "Tanh" && !n.Name.StartsWith("recompute", StringComparison.Ordinal)))
        {
            Assert.All(consumers[node.Outputs[0]], c => Assert.False(c.Name.StartsWith("grad_", StringComparison.Ordinal), $"{c.Name} reads the kept {node.OpType} output"));
        }
    }

    // with ORT's basic rewrites only, the recomputed kernels are the forward's kernels on the same inputs: the same bits
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TransformerBlocks_TrainsBitIdentically_UnderBasicRewrites(int threads)
    {
        (OnnxModel model, string[] trainables, float[] x, float[] t) = Problem();
        byte[][] reference = Train(Build(model, trainables, ActivationCheckpointing.None), x, t, threads, GraphOptimization.Basic);
        TrainingGraph graph = Build(model, trainables, ActivationCheckpointing.TransformerBlocks);
        byte[][] recomputed = Train(graph, x, t, threads, GraphOptimization.Basic);
        Assert.Equal(reference.Length, recomputed.Length);
        for (int i = 0; i < reference.Length; i++)
        {
            Assert.True(reference[i].AsSpan().SequenceEqual(recomputed[i]), $"state '{graph.State[i].Input}' differs");
        }

        // the steps moved the adapters
        int b0 = graph.State.ToList().FindIndex(s => s.Input == "encoder.layer.0.query.lora_B");
        Assert.NotEqual(model.Graph.FindInitializer("encoder.layer.0.query.lora_B")!.RawData, recomputed[b0]);
    }

    // with all of ORT's fusions, a forward value no longer read by the backward can fuse with its consumer (e.g.
    // Add + LayerNormalization → SkipLayerNormalization), which rounds differently: the same within float rounding
    [Fact]
    public void TransformerBlocks_TrainsTheSameWithinRounding_UnderAllRewrites()
    {
        (OnnxModel model, string[] trainables, float[] x, float[] t) = Problem();
        byte[][] reference = Train(Build(model, trainables, ActivationCheckpointing.None), x, t, 1, GraphOptimization.All);
        byte[][] recomputed = Train(Build(model, trainables, ActivationCheckpointing.TransformerBlocks), x, t, 1, GraphOptimization.All);
        for (int i = 0; i < reference.Length; i++)
        {
            float[] p = MemoryMarshal.Cast<byte, float>(reference[i]).ToArray();
            float[] u = MemoryMarshal.Cast<byte, float>(recomputed[i]).ToArray();
            double scale = Math.Sqrt(p.Sum(v => (double)v * v)) + 1e-12;
            double diff = Math.Sqrt(p.Zip(u, (a, b) => (double)(a - b) * (a - b)).Sum());
            Assert.InRange(diff / scale, 0, 1e-5);
        }
    }

    // full fine-tuning: the block weights themselves are trained (graph inputs of the step, not initializers)
    [Fact]
    public void TransformerBlocks_FullTraining_RecomputesAndTrainsBitIdentically()
    {
        (OnnxModel model, _, float[] x, float[] t) = Problem();
        string[] all = [.. model.Graph.Initializers.Where(i => i.ElementType == TensorElementType.Float).Select(i => i.Name)]; // every weight, norms and scales included: no block initializer is left
        TrainingGraph graph = Build(model, all, ActivationCheckpointing.TransformerBlocks);
        Assert.Equal(Blocks, graph.TrainStep.Graph.Nodes.Count(n => n.Name.StartsWith("recompute_", StringComparison.Ordinal) && n.OpType == "Slice"));
        Assert.DoesNotContain(graph.TrainStep.Graph.Nodes, n => n.OpType == "Add" && n.Name.Contains("gate_Add", StringComparison.Ordinal) && all.Contains(n.Inputs[0]));
        byte[][] reference = Train(Build(model, all, ActivationCheckpointing.None), x, t, 1, GraphOptimization.Basic);
        byte[][] recomputed = Train(graph, x, t, 1, GraphOptimization.Basic);
        for (int i = 0; i < reference.Length; i++)
        {
            Assert.True(reference[i].AsSpan().SequenceEqual(recomputed[i]), $"state '{graph.State[i].Input}' differs");
        }
    }

    [Fact]
    public void BlockIndex_ReadsCommonNamings()
    {
        Assert.Equal(3, ActivationRecomputation.BlockIndex("encoder.layer.3.attention.self.query.bias"));
        Assert.Equal(11, ActivationRecomputation.BlockIndex("model.layers.11.mlp.up_proj.weight"));
        Assert.Equal(0, ActivationRecomputation.BlockIndex("transformer.h.0.attn.c_attn.weight"));
        Assert.Null(ActivationRecomputation.BlockIndex("embeddings.word_embeddings.weight"));
        Assert.Null(ActivationRecomputation.BlockIndex("onnx::MatMul_1234"));
    }
}

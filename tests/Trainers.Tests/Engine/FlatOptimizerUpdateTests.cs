using System.Runtime.InteropServices;
using Pipelines.Onnx;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>The flat optimizer update (one chain over the concatenated parameters) against the per-parameter update.</summary>
public class FlatOptimizerUpdateTests
{
    private static readonly string[] s_mlpParams = ["W1", "b1", "W2", "b2"];

    private static Optimizer Create(string kind) => kind switch
    {
        "adamw" => new AdamWOptimizer(0.8, 0.95, 1e-6) { WeightDecay = 0.05 },
        "adamw-orthogonal" => new AdamWOptimizer { WeightDecay = 0.01, OrthogonalGradient = true },
        "sgd" => new SgdOptimizer(0.9) { WeightDecay = 0.01 },
        "sgd-plain" => new SgdOptimizer(0),
        "adamw8bit" => new AdamW8BitOptimizer(BlockSize: 16) { WeightDecay = 0.05 }, // 2·16, 16, 16·3, 3 elements: padded blocks
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Fact]
    public void AdamW8Bit_Slots_KeepTheirBlockLayout()
    {
        TrainingGraph graph = Graph("adamw8bit", flat: true, groups: false);
        Assert.Equal([2L, 16L], graph.State.Single(s => s.Input == "W1.adam8_m").Initial.Dims);
        Assert.Equal([1L], graph.State.Single(s => s.Input == "b1.adam8_v_absmax").Initial.Dims);
        Assert.Equal(5, graph.TrainStep.Graph.Nodes.Count(n => n.OpType == "Split" && n.Outputs.Count == 4)); // p and the 4 slots
    }

    private static TrainingGraph Graph(string kind, bool flat, bool groups) => TrainingGraphBuilder.Build(
        TrainingData.Mlp(2, 16, 3, seed: 5),
        new TrainingGraphOptions
        {
            Loss = new CrossEntropyLoss("logits"),
            Trainables = s_mlpParams,
            Optimizer = Create(kind),
            ClipGlobalNorm = 0.5,
            FlatOptimizerUpdate = flat,
            LearningRateMultipliers = groups ? new Dictionary<string, double> { ["W2"] = 3 } : new Dictionary<string, double>(),
            WeightDecayParameters = groups ? ["W1", "W2"] : null,
        });

    private static byte[][] Train(TrainingGraph graph, int steps)
    {
        (float[] x, long[] y) = TrainingData.Spirals(40, seed: 4);
        using var trainer = new Trainer(graph, new TrainerOptions { BatchSize = 16, Seed = 2, Schedule = new WarmupCosineSchedule(0.05, 3, steps) });
        trainer.Fit(TrainerTests.SpiralSource(x, y), steps);
        return [.. graph.State.Select(s => trainer.GetState<byte>(s.Input))];
    }

    [Theory]
    [InlineData("adamw", false)]
    [InlineData("adamw", true)]
    [InlineData("adamw-orthogonal", true)]
    [InlineData("sgd", true)]
    [InlineData("sgd-plain", false)]
    [InlineData("adamw8bit", true)]
    [InlineData("adamw8bit", false)]
    public void Flat_IsBitIdenticalToPerParameter_WithFewerNodes(string kind, bool groups)
    {
        TrainingGraph flat = Graph(kind, flat: true, groups), perParameter = Graph(kind, flat: false, groups);
        Assert.Equal(perParameter.State.Select(s => (s.Input, s.Output, s.Kind, s.Initial.Type.ToString())), flat.State.Select(s => (s.Input, s.Output, s.Kind, s.Initial.Type.ToString())));
        byte[][] a = Train(flat, 12), b = Train(perParameter, 12);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(a[i].AsSpan().SequenceEqual(b[i]), $"state '{flat.State[i].Input}' differs");
        }

        Assert.NotEqual(Train(flat, 1)[0], a[0]); // the parameters moved
        int Nodes(TrainingGraph g) => g.TrainStep.Graph.Nodes.Count(n => !n.OpType.StartsWith("Reshape", StringComparison.Ordinal));
        Assert.True(Nodes(flat) < Nodes(perParameter), $"{Nodes(flat)} nodes flat, {Nodes(perParameter)} per parameter");
    }

    [Fact]
    public void ParametersAboveTheCap_UpdateAlone_AndStayBitIdentical()
    {
        // W1 [2, 40000] and W2 [40000, 3] exceed FlatOptimizerUpdate.MaxElements and update alone; b1 [40000] and b2 [3]
        // share one chain (a Concat of two for p, g, m, v and a Split in two for p, m, v)
        TrainingGraph Build(bool flat) => TrainingGraphBuilder.Build(TrainingData.Mlp(2, 40_000, 3, seed: 5), new TrainingGraphOptions
        {
            Loss = new CrossEntropyLoss("logits"),
            Trainables = s_mlpParams,
            Optimizer = Create("adamw"),
            FlatOptimizerUpdate = flat,
        });
        TrainingGraph capped = Build(flat: true), perParameter = Build(flat: false);
        Assert.True(2 * 40_000 > FlatOptimizerUpdate.MaxElements && 40_000 <= FlatOptimizerUpdate.MaxElements);
        Assert.Equal(4, capped.TrainStep.Graph.Nodes.Count(n => n.OpType == "Concat" && n.Name.StartsWith("Concat", StringComparison.Ordinal) && n.Inputs.Count == 2));
        Assert.DoesNotContain(capped.TrainStep.Graph.Nodes, n => n.OpType == "Concat" && n.Inputs.Count > 2);
        Assert.Equal(3, capped.TrainStep.Graph.Nodes.Count(n => n.OpType == "Split" && n.Outputs.Count == 2));
        byte[][] a = Train(capped, 3), b = Train(perParameter, 3);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(a[i].AsSpan().SequenceEqual(b[i]), $"state '{capped.State[i].Input}' differs");
        }
    }

    [Fact]
    public void Slots_AreFlat_AndConcatenatedOnce()
    {
        TrainingGraph graph = Graph("adamw", flat: true, groups: false);
        foreach (StateTensor s in graph.State.Where(s => s.Kind == StateKind.OptimizerSlot))
        {
            Assert.Single(s.Initial.Dims);
        }

        // one group: one Concat each for p, g, m, v and one Split each for p, m, v
        Assert.Equal(4, graph.TrainStep.Graph.Nodes.Count(n => n.OpType == "Concat" && n.Name.StartsWith("Concat", StringComparison.Ordinal) && n.Inputs.Count == 4));
        Assert.Equal(3, graph.TrainStep.Graph.Nodes.Count(n => n.OpType == "Split" && n.Outputs.Count == 4));
    }

    [Fact]
    public void Checkpoint_WithParameterShapedSlots_StillLoadsAndResumesBitIdentically()
    {
        // checkpoints written before the flat update hold AdamW's m, v shaped like the parameter: the same bytes
        TrainingGraph graph = Graph("adamw", flat: true, groups: true);
        (float[] x, long[] y) = TrainingData.Spirals(40, seed: 4);
        var options = new TrainerOptions { BatchSize = 16, Seed = 2, Schedule = new ConstantSchedule(0.01) };
        byte[][] uninterrupted;
        using (var a = new Trainer(graph, options))
        {
            a.Fit(TrainerTests.SpiralSource(x, y), 10);
            uninterrupted = [.. graph.State.Select(s => MemoryMarshal.AsBytes(a.GetState<float>(s.Input).AsSpan()).ToArray())];
        }

        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "old.ckpt");
        using (var b = new Trainer(graph, options))
        {
            b.Fit(TrainerTests.SpiralSource(x, y), 4);
            b.SaveCheckpoint(path);
        }

        TrainingCheckpoint saved = CheckpointFile.Load(path);
        var parameters = graph.State.Where(s => s.Kind == StateKind.Parameter).ToDictionary(s => s.Input, s => s.Initial.Dims, StringComparer.Ordinal);
        long[] OldDims(OnnxTensor t) => parameters.FirstOrDefault(p => t.Name.StartsWith(p.Key + ".adam_", StringComparison.Ordinal)).Value ?? t.Dims;
        OnnxTensor[] old = [.. saved.State.Select(t => new OnnxTensor(t.Name, t.ElementType, OldDims(t), t.RawData))];
        Assert.Contains(old, t => t.Dims.Length == 2 && t.Name.EndsWith(".adam_m", StringComparison.Ordinal));
        CheckpointFile.Save(saved with { State = old }, path);

        using var c = new Trainer(graph, options);
        c.LoadCheckpoint(path);
        c.Fit(TrainerTests.SpiralSource(x, y), 10);
        for (int i = 0; i < graph.State.Count; i++)
        {
            Assert.True(uninterrupted[i].AsSpan().SequenceEqual(MemoryMarshal.AsBytes(c.GetState<float>(graph.State[i].Input).AsSpan())), $"state '{graph.State[i].Input}' differs after resume");
        }

        // another element count is still rejected
        OnnxTensor[] wrong = [.. saved.State.Select(t => t.Name == "W1.adam_m" ? new OnnxTensor(t.Name, t.ElementType, [t.ElementCount - 1], t.RawData[..^4]) : t)];
        CheckpointFile.Save(saved with { State = wrong }, path);
        using var d = new Trainer(graph, options);
        Assert.Throws<DataFormatException>(() => d.LoadCheckpoint(path));
    }
}

using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>Per-step batch values of varying shapes and extra train-step outputs.</summary>
public class VariableBatchTests
{
    private static readonly int[] s_sizes = [3, 5, 8, 2, 7, 5];

    private static TrainingGraph Graph(IReadOnlyList<string>? extra = null) => TrainingGraphBuilder.Build(
        TrainingData.Mlp(2, 16, 3, seed: 7),
        new TrainingGraphOptions
        {
            Loss = new CrossEntropyLoss("logits"),
            Trainables = ["W1", "b1", "W2", "b2"],
            Optimizer = new AdamWOptimizer { WeightDecay = 0.01 },
            ClipGlobalNorm = 1.0,
            ExtraOutputs = extra ?? [],
        });

    private static TrainerOptions Options(BatchInputMode mode, int batchSize = 32) => new()
    {
        BatchInputs = mode,
        BatchSize = batchSize,
        Seed = 4,
        Schedule = new WarmupCosineSchedule(0.05, 2, 6),
    };

    // rows [offset, offset + size) of the spiral set
    private static (float[] X, long[] Y) Rows(float[] x, long[] y, int offset, int size) =>
        (x[(offset * 2)..((offset + size) * 2)], y[offset..(offset + size)]);

    [Fact]
    public void PerStepValues_OfVaryingShapes_EqualFixedShapeTrainersChainedThroughCheckpoints()
    {
        (float[] x, long[] y) = TrainingData.Spirals(20, seed: 3);
        TrainingGraph graph = Graph();

        var variableLosses = new List<double>();
        byte[][] variable;
        using (var trainer = new Trainer(graph, Options(BatchInputMode.PerStepValues)))
        {
            int offset = 0;
            foreach (int size in s_sizes)
            {
                (float[] bx, long[] by) = Rows(x, y, offset, size);
                using var xv = OrtValue.CreateTensorValueFromMemory(bx, [size, 2]);
                using var yv = OrtValue.CreateTensorValueFromMemory(by, [size]);
                variableLosses.Add(trainer.TrainStep(new Dictionary<string, OrtValue> { ["x"] = xv, ["labels"] = yv }));
                offset += size;
            }

            Assert.Equal(s_sizes.Length, trainer.Step);
            variable = [.. graph.State.Select(s => Bytes(trainer.GetState<float>(s.Input)))];
        }

        // the same steps, each on a trainer whose pinned buffers have that step's shape, resumed from the previous one
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "step.ckpt");
        var fixedLosses = new List<double>();
        byte[][] chained = [];
        int start = 0;
        for (int k = 0; k < s_sizes.Length; k++)
        {
            using var trainer = new Trainer(graph, Options(BatchInputMode.PinnedBuffers, s_sizes[k]));
            if (k > 0)
            {
                trainer.LoadCheckpoint(path);
            }

            (float[] bx, long[] by) = Rows(x, y, start, s_sizes[k]);
            bx.CopyTo(trainer.Batch.Get<float>("x"));
            by.CopyTo(trainer.Batch.Get<long>("labels"));
            fixedLosses.Add(trainer.TrainStep());
            trainer.SaveCheckpoint(path);
            chained = [.. graph.State.Select(s => Bytes(trainer.GetState<float>(s.Input)))];
            start += s_sizes[k];
        }

        Assert.Equal(fixedLosses, variableLosses);
        for (int i = 0; i < graph.State.Count; i++)
        {
            Assert.True(chained[i].AsSpan().SequenceEqual(variable[i]), $"state '{graph.State[i].Input}' differs");
        }

        Assert.NotEqual(Bytes(TrainingData.Mlp(2, 16, 3, seed: 7).Graph.FindInitializer("W1")!.ToArray<float>()), variable[0]);
    }

    [Fact]
    public void PerStepValues_MissingOrUnknownInput_IsNamed()
    {
        using var trainer = new Trainer(Graph(), Options(BatchInputMode.PerStepValues));
        using var xv = OrtValue.CreateTensorValueFromMemory(new float[4], [2, 2]);
        var missing = Assert.Throws<ArgumentException>(() => trainer.TrainStep(new Dictionary<string, OrtValue> { ["x"] = xv }));
        Assert.Contains("'labels'", missing.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<ArgumentException>(() => trainer.TrainStep(new Dictionary<string, OrtValue> { ["x"] = xv, ["labels"] = xv, ["y"] = xv }));
        Assert.Contains("'y'", unknown.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => trainer.Batch);
        Assert.Throws<InvalidOperationException>(() => trainer.TrainStep());
        Assert.Equal(0, trainer.Step);
    }

    [Fact]
    public void ExtraOutput_IsTheForwardValueBeforeTheUpdate()
    {
        (float[] x, long[] y) = TrainingData.Spirals(20, seed: 5);
        using var trainer = new Trainer(Graph(["logits"]), Options(BatchInputMode.PinnedBuffers, 8));
        Assert.Throws<KeyNotFoundException>(() => trainer.GetOutput("logits"));
        for (int step = 0; step < 3; step++)
        {
            x.AsSpan(step * 16, 16).CopyTo(trainer.Batch.Get<float>("x"));
            y.AsSpan(step * 8, 8).CopyTo(trainer.Batch.Get<long>("labels"));
            float[] before = trainer.Evaluate<float>(["logits"])["logits"];
            trainer.TrainStep();
            OnnxTensor logits = trainer.GetOutput("logits");
            Assert.Equal([8L, 3L], logits.Dims);
            Assert.Equal(before, logits.ToArray<float>());
            Assert.NotEqual(before, trainer.Evaluate<float>(["logits"])["logits"]);
        }

        var e = Assert.Throws<KeyNotFoundException>(() => trainer.GetOutput("probabilities"));
        Assert.Contains("logits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtraOutput_FollowsPerStepShapes()
    {
        (float[] x, long[] y) = TrainingData.Spirals(20, seed: 5);
        using var trainer = new Trainer(Graph(["logits"]), Options(BatchInputMode.PerStepValues));
        int offset = 0;
        foreach (int size in s_sizes)
        {
            (float[] bx, long[] by) = Rows(x, y, offset, size);
            using var xv = OrtValue.CreateTensorValueFromMemory(bx, [size, 2]);
            using var yv = OrtValue.CreateTensorValueFromMemory(by, [size]);
            trainer.TrainStep(new Dictionary<string, OrtValue> { ["x"] = xv, ["labels"] = yv });
            Assert.Equal([size, 3L], trainer.GetOutput("logits").Dims);
            offset += size;
        }
    }

    [Fact]
    public void ExtraOutput_NotInTheGraph_IsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Graph(["nope"]));
        Assert.Contains("'nope'", e.Message, StringComparison.Ordinal);
    }

    private static byte[] Bytes(float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}

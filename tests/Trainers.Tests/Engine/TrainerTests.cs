using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Trainers.Tests;

public class TrainerTests
{
    private static readonly string[] s_mlpParams = ["W1", "b1", "W2", "b2"];

    internal static TrainingGraph SpiralGraph(Optimizer optimizer, double? clip = null) => TrainingGraphBuilder.Build(
        TrainingData.Mlp(2, 64, 3, seed: 5),
        new TrainingGraphOptions { Loss = new CrossEntropyLoss("logits"), Trainables = s_mlpParams, Optimizer = optimizer, ClipGlobalNorm = clip });

    internal static ArrayBatchSource SpiralSource(float[] x, long[] y) =>
        new(y.Length, new Dictionary<string, Array> { ["x"] = x, ["labels"] = y });

    [Fact]
    public void Fit_MlpOnSpirals_ReachesNinetyPercentAccuracy()
    {
        // 3 spirals × 320 points; 2-64-3 MLP; AdamW, warmup + cosine; 1500 steps of 64
        (float[] x, long[] y) = TrainingData.Spirals(320, seed: 1);
        using var trainer = new Trainer(SpiralGraph(new AdamWOptimizer { WeightDecay = 1e-4 }), new TrainerOptions
        {
            BatchSize = 64,
            Seed = 3,
            Schedule = new WarmupCosineSchedule(0.02, 100, 1500, 1e-4),
        });
        var reports = new List<TrainingProgress>();
        double firstLoss = double.NaN;
        var progress = new SynchronousProgress(p =>
        {
            reports.Add(p);
            if (double.IsNaN(firstLoss))
            {
                firstLoss = p.Loss;
            }
        });
        trainer.Fit(SpiralSource(x, y), 1500, progress);

        double accuracy = Accuracy(trainer, x, y);
        Assert.True(accuracy >= 0.90, $"accuracy {accuracy:P1} after 1500 steps (first loss {firstLoss:F3}, last {trainer.LastLoss:F3})");
        Assert.Equal(1500, reports[^1].Step);
        Assert.True(reports[^1].StepsPerSecond > 0);
        Assert.True(trainer.LastLoss < firstLoss / 3);
    }

    [Fact]
    public void ExportInferenceModel_GivesTheTrainedPredictions()
    {
        (float[] x, long[] y) = TrainingData.Spirals(64, seed: 2);
        using var trainer = new Trainer(SpiralGraph(new SgdOptimizer(0.9)), new TrainerOptions { BatchSize = 64, Schedule = new ConstantSchedule(0.05) });
        trainer.Fit(SpiralSource(x, y), 50);
        OnnxModel exported = trainer.ExportInferenceModel();
        Assert.Equal(4, exported.Graph.Initializers.Count);

        x.AsSpan(0, 128).CopyTo(trainer.Batch.Get<float>("x"));
        float[] fromTrainer = trainer.Evaluate<float>()["logits"];
        using OnnxSession session = OrtSessions.Create(exported);
        using TensorBatch inputs = new TensorBatch().Add("x", x[..128], 64, 2);
        float[] fromExport = session.RunFloat(inputs)["logits"].Data;
        Assert.Equal(fromTrainer, fromExport);
        Assert.NotEqual(TrainingData.Mlp(2, 64, 3, 5).Graph.FindInitializer("W1")!.ToArray<float>(), exported.Graph.FindInitializer("W1")!.ToArray<float>());
    }

    [Fact]
    public void Resume_FromCheckpoint_IsBitIdenticalToUninterruptedRun()
    {
        (float[] x, long[] y) = TrainingData.Spirals(100, seed: 4);
        TrainingGraph graph = SpiralGraph(new AdamWOptimizer { WeightDecay = 0.01 }, clip: 1.0);
        var options = new TrainerOptions { BatchSize = 32, Seed = 9, Schedule = new WarmupStableDecaySchedule(0.01, 5, 20, 30) };
        const int Total = 60, Interrupt = 23;

        byte[][] uninterrupted;
        using (var a = new Trainer(graph, options))
        {
            a.Fit(SpiralSource(x, y), Total);
            uninterrupted = [.. graph.State.Select(s => System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.GetState<float>(s.Input).AsSpan()).ToArray())];
        }

        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "run.ckpt");
        using (var b = new Trainer(graph, options))
        {
            b.Fit(SpiralSource(x, y), Interrupt);
            b.SaveCheckpoint(path);
        }

        using var c = new Trainer(graph, options);
        c.LoadCheckpoint(path);
        Assert.Equal(Interrupt, c.Step);
        c.Fit(SpiralSource(x, y), Total);
        for (int i = 0; i < graph.State.Count; i++)
        {
            byte[] resumed = System.Runtime.InteropServices.MemoryMarshal.AsBytes(c.GetState<float>(graph.State[i].Input).AsSpan()).ToArray();
            Assert.True(uninterrupted[i].AsSpan().SequenceEqual(resumed), $"state '{graph.State[i].Input}' differs after resume");
        }
    }

    [Fact]
    public void Checkpoint_Corrupted_IsRejected()
    {
        TrainingGraph graph = SpiralGraph(new SgdOptimizer());
        using var trainer = new Trainer(graph, new TrainerOptions { BatchSize = 8 });
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "c.ckpt");
        trainer.SaveCheckpoint(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[100] ^= 1;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DataFormatException>(() => trainer.LoadCheckpoint(path));
        Assert.Contains("SHA-256", e.Message);
    }

    private static double Accuracy(Trainer trainer, float[] x, long[] y)
    {
        int batch = (int)trainer.Batch.Shape("x")[0];
        int correct = 0, seen = 0;
        for (int start = 0; start + batch <= y.Length; start += batch)
        {
            x.AsSpan(start * 2, batch * 2).CopyTo(trainer.Batch.Get<float>("x"));
            float[] logits = trainer.Evaluate<float>(["logits"])["logits"];
            for (int r = 0; r < batch; r++)
            {
                int best = 0;
                for (int k = 1; k < 3; k++)
                {
                    if (logits[(r * 3) + k] > logits[(r * 3) + best])
                    {
                        best = k;
                    }
                }

                correct += best == y[start + r] ? 1 : 0;
                seen++;
            }
        }

        return (double)correct / seen;
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

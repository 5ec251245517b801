using Pipelines.Onnx;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>
/// <see cref="TrainingGraphOptions.RunningStatistics"/>: BatchNorm running statistics are carried between steps as
/// <see cref="StateKind.RunningStatistic"/> state, follow the momentum update exactly, survive a checkpoint bit for bit,
/// and the eval model reads them.
/// </summary>
public sealed class RunningStatisticsTests
{
    private const int Batch = 16;
    private static readonly BatchNormNames s_bn = BatchNormNames.ForPrefix("bn");

    // x [batch, 2] → BN(x·W1) → Relu → ·W2 = logits [batch, 3]
    private static TrainingGraph Graph()
    {
        var rng = new Random(4);
        float[] Uniform(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2) - 1))];
        var b = new GraphBuilder("bn_mlp");
        string x = b.Input("x", TensorElementType.Float, "batch", 2);
        b.Initializer(OnnxTensor.FromFloats("W1", Uniform(16), 2, 8));
        b.Initializer(OnnxTensor.FromFloats("W2", Uniform(24), 8, 3));
        foreach ((string name, float[] data, long[] shape) in MaskedBatchNorm.InitialValues(s_bn, [1, 8]))
        {
            b.Initializer(OnnxTensor.FromFloats(name, data, shape));
        }

        string h = MaskedBatchNorm.Append(b, b.Op("MatMul", x, "W1"), null, s_bn, [0], NormalizationMode.Training, TensorElementType.Float);
        b.Output(b.Op("MatMul", b.Op("Relu", h), "W2"), "logits", TensorType.Of(TensorElementType.Float, "batch", 3));
        return TrainingGraphBuilder.Build(b.ToModel(), new TrainingGraphOptions
        {
            Loss = new CrossEntropyLoss("logits"),
            Trainables = ["W1", "W2", s_bn.Scale, s_bn.Shift],
            RunningStatistics = new Dictionary<string, string>
            {
                [s_bn.RunningMean] = BatchNormNames.UpdateOf(s_bn.RunningMean),
                [s_bn.RunningVariance] = BatchNormNames.UpdateOf(s_bn.RunningVariance),
            },
        });
    }

    private static ArrayBatchSource Source()
    {
        (float[] x, long[] y) = TrainingData.Spirals(32, seed: 2);
        return new ArrayBatchSource(y.Length, new Dictionary<string, Array> { ["x"] = x, ["labels"] = y });
    }

    private static Trainer NewTrainer() => new(Graph(), new TrainerOptions { BatchSize = Batch, Seed = 3, Schedule = new ConstantSchedule(0.01) });

    [Fact]
    public void FirstStep_UpdatesRunningStatisticsWithMomentum()
    {
        using Trainer trainer = NewTrainer();
        Assert.Equal(2, trainer.Graph.State.Count(s => s.Kind == StateKind.RunningStatistic));
        float[] w1 = trainer.GetState<float>("W1");
        Source().Fill(0, trainer.Options.Seed, trainer.Batch);
        float[] x = trainer.Batch.Get<float>("x").ToArray();
        trainer.TrainStep();

        float[] mean = trainer.GetState<float>(s_bn.RunningMean);
        float[] variance = trainer.GetState<float>(s_bn.RunningVariance);
        for (int c = 0; c < 8; c++)
        {
            double[] h = [.. Enumerable.Range(0, Batch).Select(r => ((double)x[r * 2] * w1[c]) + ((double)x[(r * 2) + 1] * w1[8 + c]))];
            double mu = h.Average();
            double unbiased = h.Sum(v => (v - mu) * (v - mu)) / (Batch - 1);
            Assert.Equal(MaskedBatchNorm.Momentum * mu, mean[c], 1e-5);
            Assert.Equal((1 - MaskedBatchNorm.Momentum) + (MaskedBatchNorm.Momentum * unbiased), variance[c], 1e-5);
        }
    }

    [Fact]
    public void Checkpoint_ResumeIsBitIdentical_IncludingRunningStatistics()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bn-ckpt-{Guid.NewGuid():N}.bin");
        try
        {
            using Trainer straight = NewTrainer();
            straight.Fit(Source(), 5);
            straight.SaveCheckpoint(path);
            straight.Fit(Source(), 12);

            using Trainer resumed = NewTrainer();
            resumed.LoadCheckpoint(path);
            resumed.Fit(Source(), 12);
            foreach (StateTensor s in straight.Graph.State)
            {
                Assert.Equal(straight.GetState<float>(s.Input), resumed.GetState<float>(s.Input));
            }

            Assert.NotEqual(new float[8], straight.GetState<float>(s_bn.RunningMean));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void EvalAndExport_ReadTheCurrentRunningStatistics()
    {
        using Trainer trainer = NewTrainer();
        trainer.Fit(Source(), 6);
        OnnxModel exported = trainer.ExportInferenceModel();
        Dictionary<string, OnnxTensor> inits = exported.Graph.InitializerMap();
        Assert.Equal(trainer.GetState<float>(s_bn.RunningMean), inits[s_bn.RunningMean].ToArray<float>());
        Assert.Equal(trainer.GetState<float>(s_bn.RunningVariance), inits[s_bn.RunningVariance].ToArray<float>());
        Assert.Contains(trainer.Graph.Eval.Graph.Inputs, v => v.Name == s_bn.RunningMean);
    }

    [Fact]
    public void UnknownOrMissingUpdate_IsRefused()
    {
        TrainingGraph g = Graph();
        OnnxModel forward = g.Forward;
        Assert.Throws<ArgumentException>(() => TrainingGraphBuilder.Build(forward, new TrainingGraphOptions
        {
            Loss = new CrossEntropyLoss("logits"),
            Trainables = ["W1", "W2"],
            RunningStatistics = new Dictionary<string, string> { ["nope"] = BatchNormNames.UpdateOf(s_bn.RunningMean) },
        }));
        Assert.Throws<ArgumentException>(() => TrainingGraphBuilder.Build(forward, new TrainingGraphOptions
        {
            Loss = new CrossEntropyLoss("logits"),
            Trainables = ["W1", "W2"],
            RunningStatistics = new Dictionary<string, string> { [s_bn.RunningMean] = "no_such_value" },
        }));
    }
}

using Pipelines.Transforms.LowRank;
using Pipelines.Trainers.TextClassification;
using Xunit;

namespace Pipelines.Trainers.Tests.TextClassification;

public sealed class FineTuningTests
{
    private static FineTuneOptions Options(LowRankMethod method) => new()
    {
        Method = method,
        Rank = 2,
        LearningRate = method is LowRankMethod.Full or LowRankMethod.LoraGa ? 2e-2f : 5e-2f,
        HeadLearningRate = 5e-2f,
        BatchSize = 16,
        MaxLength = 8,
        MaxSteps = 40,
        Schedule = FineTuneSchedule.Constant,
        CalibrationBatches = 2,
        Seed = 11,
    };

    [Theory]
    [InlineData(LowRankMethod.Lora)]
    [InlineData(LowRankMethod.Pissa)]
    [InlineData(LowRankMethod.OLora)]
    [InlineData(LowRankMethod.MiLora)]
    [InlineData(LowRankMethod.LoraGa)]
    [InlineData(LowRankMethod.Full)]
    public void TinyEncoderLearnsToSeparateSentiment(LowRankMethod method)
    {
        using var task = new TinyTextTask();
        IReadOnlyList<LabeledSentence> train = TinyTextTask.Sentences(96, seed: 1);
        IReadOnlyList<LabeledSentence> valid = TinyTextTask.Sentences(48, seed: 2);
        FineTuneResult result = TextClassifierFineTuning.Train(task.Encoder, task.Tokenizer, train, valid, Options(method));

        Assert.Equal(40, result.Losses.Count);
        Assert.True(result.Losses.Skip(30).Average() < 0.5 * result.Losses.Take(5).Average(), $"{method}: loss {result.Losses[0]} → {result.Losses[^1]}");
        Assert.NotNull(result.Validation);
        Assert.True(result.Validation.Accuracy >= 0.95, $"{method}: validation accuracy {result.Validation.Accuracy}");
    }

    [Fact]
    public void SameSeedGivesSameRun()
    {
        using var task = new TinyTextTask();
        IReadOnlyList<LabeledSentence> train = TinyTextTask.Sentences(64, seed: 1);
        FineTuneOptions options = Options(LowRankMethod.Pissa) with { MaxSteps = 5 };
        FineTuneResult a = TextClassifierFineTuning.Train(task.Encoder, task.Tokenizer, train, null, options);
        FineTuneResult b = TextClassifierFineTuning.Train(task.Encoder, task.Tokenizer, train, null, options);
        Assert.Equal(a.Losses, b.Losses);
    }

    [Fact]
    public void ResumeFromCheckpointEqualsUninterruptedRun()
    {
        using var task = new TinyTextTask();
        using var dir = new Pipelines.Testing.TempDirectory();
        IReadOnlyList<LabeledSentence> train = TinyTextTask.Sentences(64, seed: 1);
        FineTuneOptions options = Options(LowRankMethod.LoraGa) with { MaxSteps = 8, CheckpointEvery = 3, Schedule = FineTuneSchedule.Linear };
        FineTuneResult full = TextClassifierFineTuning.Train(task.Encoder, task.Tokenizer, train, null, options);

        FineTuneOptions resumable = options with { CheckpointDirectory = dir.Path };
        TrainUntilCancelledAt(3, task, train, resumable);
        Assert.True(FineTuneCheckpoint.Exists(dir.Path));

        FineTuneResult resumed = TextClassifierFineTuning.Train(task.Encoder, task.Tokenizer, train, null, resumable);
        Assert.Equal(full.Losses, resumed.Losses);
        foreach (string name in FineTuneModels.Trainables(full.Classifier, LowRankMethod.LoraGa))
        {
            Assert.Equal(full.Classifier.Graph.FindInitializer(name)!.ToArray<float>(), resumed.Classifier.Graph.FindInitializer(name)!.ToArray<float>());
        }
    }

    [Theory]
    [InlineData(LowRankMethod.Full, OptimizerKind.AdamW8Bit, false, ClassificationLoss.Softmax, FrozenWeightPrecision.Float32)]
    [InlineData(LowRankMethod.Full, OptimizerKind.StableSpam, false, ClassificationLoss.Softmax, FrozenWeightPrecision.Float32)]
    [InlineData(LowRankMethod.Lora, OptimizerKind.AdamW, true, ClassificationLoss.StableMax, FrozenWeightPrecision.Float32)]
    [InlineData(LowRankMethod.Lora, OptimizerKind.StableSpam, true, ClassificationLoss.Softmax, FrozenWeightPrecision.Float32)]
    [InlineData(LowRankMethod.Lora, OptimizerKind.AdamW8Bit, false, ClassificationLoss.Softmax, FrozenWeightPrecision.Int8)]
    public void ResumeFromCheckpoint_WithEachOptimizer_EqualsUninterruptedRun(LowRankMethod method, OptimizerKind optimizer, bool orthogonal, ClassificationLoss loss, FrozenWeightPrecision precision)
    {
        // interrupted at step 4 (checkpoints every 3; a cancelled run saves the step it reached), resumed to step 8:
        // the same losses and the same trained bytes as the run that never stopped
        using var task = new TinyTextTask();
        using var dir = new Pipelines.Testing.TempDirectory();
        IReadOnlyList<LabeledSentence> train = TinyTextTask.Sentences(64, seed: 1);
        FineTuneOptions options = Options(method) with
        {
            MaxSteps = 8,
            CheckpointEvery = 3,
            Schedule = FineTuneSchedule.Linear,
            Optimizer = optimizer,
            OrthogonalGradient = orthogonal,
            Loss = loss,
            FrozenPrecision = precision,
        };
        FineTuneResult full = TextClassifierFineTuning.Train(task.Encoder, task.Tokenizer, train, null, options);

        FineTuneOptions resumable = options with { CheckpointDirectory = dir.Path };
        TrainUntilCancelledAt(4, task, train, resumable);
        FineTuneResult resumed = TextClassifierFineTuning.Train(task.Encoder, task.Tokenizer, train, null, resumable);
        Assert.Equal(full.Losses, resumed.Losses);
        Assert.Equal(full.OptimizerStateBytes, resumed.OptimizerStateBytes);
        foreach (string name in FineTuneModels.Trainables(full.Classifier, method))
        {
            Assert.Equal(full.Classifier.Graph.FindInitializer(name)!.RawData.ToArray(), resumed.Classifier.Graph.FindInitializer(name)!.RawData.ToArray());
        }
    }

    [Fact]
    public void InvalidLabelIsNamed()
    {
        using var task = new TinyTextTask();
        var ex = Assert.Throws<ArgumentException>(() => TextClassifierFineTuning.Train(
            task.Encoder, task.Tokenizer, [new LabeledSentence("good", 0), new LabeledSentence("bad", 2)], null, Options(LowRankMethod.Lora)));
        Assert.Contains("Row 1 has label 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassWeightsAreValidated()
    {
        FineTuneOptions options = Options(LowRankMethod.Lora) with { ClassWeights = [1f] };
        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Fact]
    public void RankRedistribution_NeedsAnInitialisedAdapterMethod_AndReachesTheInitializer()
    {
        FineTuneOptions full = Options(LowRankMethod.Full) with { Redistribution = new RankRedistribution() };
        ArgumentException e = Assert.Throws<ArgumentException>(full.Validate);
        Assert.Equal(nameof(FineTuneOptions.Redistribution), e.ParamName);
        FineTuneOptions pissa = Options(LowRankMethod.Pissa) with { Redistribution = new RankRedistribution { Rho = 3 } };
        pissa.Validate();
        Assert.Equal(3, FineTuneModels.ToLowRankOptions(pissa, LowRankMethod.Pissa).Redistribution!.Rho);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the callback inline.</summary>
    // Trains with a checkpoint folder and cancels once the given step has been reported: the run must stop with
    // OperationCanceledException, leaving its checkpoint for the resume.
    private static void TrainUntilCancelledAt(int step, TinyTextTask task, IReadOnlyList<LabeledSentence> train, FineTuneOptions resumable)
    {
        using var cts = new CancellationTokenSource();
        var stop = new SyncProgress(p =>
        {
            if (p.Step == step)
            {
                cts.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() => TextClassifierFineTuning.Train(task.Encoder, task.Tokenizer, train, null, resumable, stop, cts.Token));
    }

    private sealed class SyncProgress(Action<FineTuneProgress> action) : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress value) => action(value);
    }
}

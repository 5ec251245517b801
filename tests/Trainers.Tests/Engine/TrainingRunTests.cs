using Pipelines.Testing;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>The one training loop: divergence, interruption, resume and foreign checkpoints.</summary>
public class TrainingRunTests
{
    private static (float[] X, long[] Y) Data() => TrainingData.Spirals(100, seed: 4);

    private static TrainingRunOptions RunOptions(string dir, string configuration = "spirals") => new()
    {
        TotalSteps = 12,
        StepsPerEpoch = 4,
        CheckpointDirectory = dir,
        CheckpointEvery = 2,
        Configuration = configuration,
        KeepBestEpoch = true,
        Parameters = ["W1", "b1", "W2", "b2"],
    };

    private static Trainer NewTrainer(string optimizer = "adamw") =>
        new(TrainerTests.SpiralGraph(NamedOptimizer(optimizer)), new TrainerOptions { BatchSize = 16, Seed = 3, Schedule = new ConstantSchedule(0.01) });

    private static Optimizer NamedOptimizer(string name) => name switch
    {
        "adamw" => new AdamWOptimizer(),
        "orthogonal-adamw" => new AdamWOptimizer { OrthogonalGradient = true },
        "stable-spam" => new StableSpamOptimizer(ResetInterval: 5),
        "adamw8bit" => new AdamW8BitOptimizer(BlockSize: 16),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown optimizer"),
    };

    /// <summary>The uninterrupted run every resumed run must reproduce.</summary>
    private static TrainingRunResult Straight(float[] x, long[] y, string optimizer = "adamw")
    {
        using var dir = new TempDirectory();
        using Trainer a = NewTrainer(optimizer);
        return TrainingRun.Run(a, new SourceTask(TrainerTests.SpiralSource(x, y)), RunOptions(dir.Path));
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("orthogonal-adamw")]
    [InlineData("stable-spam")]
    [InlineData("adamw8bit")]
    public void InterruptedRun_ResumesToTheSameBytes_AndReplaysEpochs(string optimizer)
    {
        (float[] x, long[] y) = Data();
        TrainingRunResult straight = Straight(x, y, optimizer);

        using var dir = new TempDirectory();
        using var cts = new CancellationTokenSource();
        using (Trainer b = NewTrainer(optimizer))
        {
            var stopAfterSeven = new Inline<StepReport>(r =>
            {
                if (r.Step == 7)
                {
                    cts.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(() => TrainingRun.Run(b, new SourceTask(TrainerTests.SpiralSource(x, y)), RunOptions(dir.Path), stopAfterSeven, cancellationToken: cts.Token));
        }

        // Checkpoints fall every 2 steps, but a cancelled run saves the step it reached: 7, nothing is lost.
        using (Trainer probe = NewTrainer(optimizer))
        {
            probe.LoadCheckpoint(Path.Combine(dir.Path, RunCheckpoint.StateFile));
            Assert.Equal(7, probe.Step);
        }

        var replayed = new List<EpochReport>();
        using Trainer c = NewTrainer(optimizer);
        TrainingRunResult resumed = TrainingRun.Run(c, new SourceTask(TrainerTests.SpiralSource(x, y)), RunOptions(dir.Path), epochs: new Inline<EpochReport>(replayed.Add));
        Assert.Equal(straight.Losses, resumed.Losses);
        Assert.Equal(straight.Epochs.Select(e => e.TrainLoss), resumed.Epochs.Select(e => e.TrainLoss));
        Assert.Equal([1, 2, 3], replayed.Select(r => r.Epoch));
        for (int p = 0; p < straight.BestValues!.Count; p++)
        {
            Assert.Equal(straight.BestValues[p], resumed.BestValues![p]);
        }
    }

    [Fact]
    public void CheckpointInterval_WritesWhenTheIntervalElapses_AndResumesToTheSameBytes()
    {
        (float[] x, long[] y) = Data();
        TrainingRunResult straight = Straight(x, y);

        // 7 s per step, a checkpoint once 20 s have passed: after steps 3 (21 s) and 7 (21 s after the epoch end at
        // step 4), besides the epoch ends; without the interval the last checkpoint before step 8 would be step 4.
        var clock = new ManualClock();
        TrainingRunOptions timed = RunOptions("") with { CheckpointEvery = 0, CheckpointInterval = TimeSpan.FromSeconds(20), Clock = clock };
        using var dir = new TempDirectory();
        using var cts = new CancellationTokenSource();
        var written = new List<(long Step, bool Exists)>();
        using (Trainer b = NewTrainer())
        {
            var task = new SourceTask(TrainerTests.SpiralSource(x, y)) { BeforeStep = () => clock.Advance(TimeSpan.FromSeconds(7)) };
            var watch = new Inline<StepReport>(r =>
            {
                written.Add((r.Step, File.Exists(Path.Combine(dir.Path, RunCheckpoint.StateFile))));
                if (r.Step == 7)
                {
                    cts.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(() => TrainingRun.Run(b, task, timed with { CheckpointDirectory = dir.Path }, watch, cancellationToken: cts.Token));
        }

        Assert.Equal([(1, false), (2, false), (3, true)], written.Take(3));
        using (Trainer probe = NewTrainer())
        {
            probe.LoadCheckpoint(Path.Combine(dir.Path, RunCheckpoint.StateFile));
            Assert.Equal(7, probe.Step);
        }

        using Trainer c = NewTrainer();
        TrainingRunResult resumed = TrainingRun.Run(c, new SourceTask(TrainerTests.SpiralSource(x, y)), timed with { CheckpointDirectory = dir.Path });
        Assert.Equal(straight.Losses, resumed.Losses);
        for (int p = 0; p < straight.BestValues!.Count; p++)
        {
            Assert.Equal(straight.BestValues[p], resumed.BestValues![p]);
        }
    }

    [Fact]
    public void NonFiniteLoss_StopsNamingTheStep_AndKeepsTheLastGoodCheckpoint()
    {
        (float[] x, long[] y) = Data();
        using var dir = new TempDirectory();
        using Trainer t = NewTrainer();
        var task = new SourceTask(TrainerTests.SpiralSource(x, y)) { PoisonAt = 5 };
        PipelinesException e = Assert.Throws<PipelinesException>(() => TrainingRun.Run(t, task, RunOptions(dir.Path)));
        Assert.Equal(ErrorKind.Usage, e.Kind);
        Assert.Contains("step 6", e.Message, StringComparison.Ordinal);
        Assert.Contains("learning rate", e.Message, StringComparison.Ordinal);

        using Trainer fresh = NewTrainer();
        var notes = fresh.LoadCheckpoint(Path.Combine(dir.Path, RunCheckpoint.StateFile));
        Assert.Equal(4, fresh.Step);
        Assert.DoesNotContain("NaN", notes["pipelines.run.losses"], StringComparison.Ordinal);
    }

    [Fact]
    public void CheckpointOfAnotherConfiguration_IsRefusedNamingBoth()
    {
        (float[] x, long[] y) = Data();
        using var dir = new TempDirectory();
        using (Trainer a = NewTrainer())
        {
            TrainingRun.Run(a, new SourceTask(TrainerTests.SpiralSource(x, y)), RunOptions(dir.Path) with { TotalSteps = 4 });
        }

        using Trainer b = NewTrainer();
        PipelinesException e = Assert.Throws<PipelinesException>(() => TrainingRun.Run(b, new SourceTask(TrainerTests.SpiralSource(x, y)), RunOptions(dir.Path, "other data")));
        Assert.Equal(ErrorKind.Usage, e.Kind);
        Assert.Contains("spirals", e.Message, StringComparison.Ordinal);
        Assert.Contains("other data", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckpointOfAnEarlierBuild_IsRefusedClearly()
    {
        using var dir = new TempDirectory();
        using (Trainer a = NewTrainer())
        {
            // what the fine-tuning loop wrote before run checkpoints: a trainer checkpoint with only its loss history
            a.SaveCheckpoint(Path.Combine(dir.Path, RunCheckpoint.StateFile), new Dictionary<string, string> { ["pipelines.finetune.losses"] = "" });
        }

        (float[] x, long[] y) = Data();
        using Trainer b = NewTrainer();
        PipelinesException e = Assert.Throws<PipelinesException>(() => TrainingRun.Run(b, new SourceTask(TrainerTests.SpiralSource(x, y)), RunOptions(dir.Path)));
        Assert.Contains("earlier Pipelines build", e.Message, StringComparison.Ordinal);
        Assert.Contains(dir.Path, e.Message, StringComparison.Ordinal);
    }

    /// <summary>Batches from an array source; the loss is made NaN at one step (to simulate divergence).</summary>
    private sealed class SourceTask(ArrayBatchSource source) : ITrainingTask
    {
        public long PoisonAt { get; init; } = -1;

        public Action? BeforeStep { get; init; }

        public StepOutcome TrainStep(Trainer trainer, long step)
        {
            BeforeStep?.Invoke();
            source.Fill(step, trainer.Options.Seed, trainer.Batch);
            double loss = trainer.TrainStep();
            return new StepOutcome(step == PoisonAt ? double.NaN : loss, 16, double.NaN);
        }

        // a deterministic "validation" metric so best-epoch tracking has something to pick
        public double? Evaluate(Trainer trainer, int epoch) => trainer.GetState<float>("b2").Sum();
    }

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    internal sealed class Inline<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }
}

using Pipelines.Testing;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>Early stopping in the one training loop: patience on the validation metric, best weights kept, resume stays stopped.</summary>
public class EarlyStoppingTests
{
    // Lower is better: the best epoch is 2; epochs 3 and 4 do not improve, so patience 2 ends the run after epoch 4.
    private static readonly double[] s_metric = [0.5, 0.4, 0.45, 0.41, 0.2, 0.1, 0.05, 0.01];

    private static TrainingRunOptions Options(string? dir, int patience) => ScriptedTask.RunOptions(dir, 16, "early") with { Patience = patience };

    private static Trainer NewTrainer() => ScriptedTask.NewTrainer();

    [Fact]
    public void Patience_StopsAfterEpochsWithoutImprovement_AndKeepsTheBestEpoch()
    {
        (float[] x, long[] y) = TrainingData.Spirals(100, seed: 4);
        var task = new ScriptedTask(TrainerTests.SpiralSource(x, y), s_metric);
        using Trainer trainer = NewTrainer();
        TrainingRunResult run = TrainingRun.Run(trainer, task, Options(null, patience: 2));
        Assert.True(run.StoppedEarly);
        Assert.Equal(4, run.Epochs.Count);
        Assert.Equal(8, run.Losses.Count);
        Assert.Equal(8, trainer.Step);
        Assert.Equal(2, run.BestEpoch);
        Assert.Equal(task.Snapshots[2], run.BestValues!);

        using Trainer full = NewTrainer();
        TrainingRunResult all = TrainingRun.Run(full, new ScriptedTask(TrainerTests.SpiralSource(x, y), s_metric), Options(null, patience: 0));
        Assert.False(all.StoppedEarly);
        Assert.Equal(8, all.Epochs.Count);
        Assert.Equal(8, all.BestEpoch);
        Assert.Equal(run.Losses, all.Losses.Take(8)); // the same steps up to the stop
    }

    [Fact]
    public void Patience_ResumedStoppedRun_DoesNotTrainFurther()
    {
        (float[] x, long[] y) = TrainingData.Spirals(100, seed: 4);
        using var dir = new TempDirectory();
        TrainingRunResult first;
        using (Trainer a = NewTrainer())
        {
            first = TrainingRun.Run(a, new ScriptedTask(TrainerTests.SpiralSource(x, y), s_metric), Options(dir.Path, patience: 2));
        }

        using Trainer b = NewTrainer();
        var task = new ScriptedTask(TrainerTests.SpiralSource(x, y), s_metric);
        TrainingRunResult again = TrainingRun.Run(b, task, Options(dir.Path, patience: 2));
        Assert.True(again.StoppedEarly);
        Assert.Equal(0, task.Steps);
        Assert.Equal(first.Losses, again.Losses);
        Assert.Equal(first.BestEpoch, again.BestEpoch);
        Assert.Equal(first.BestValues!, again.BestValues!);
    }

    [Fact]
    public void Patience_Negative_Throws()
    {
        (float[] x, long[] y) = TrainingData.Spirals(20, seed: 4);
        using Trainer trainer = NewTrainer();
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingRun.Run(trainer, new ScriptedTask(TrainerTests.SpiralSource(x, y), s_metric), Options(null, patience: -1)));
    }
}

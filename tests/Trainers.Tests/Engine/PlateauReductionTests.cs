using Pipelines.Testing;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>Reduce-on-plateau in the one training loop: the multiplier's rule, its effect on the steps, the end of the run and resume.</summary>
public class PlateauReductionTests
{
    // Lower is better. Improvements at epochs 1, 2 and 6: patience 2 reduces after epochs 4 and 8 (×0.5 each) and after
    // epoch 10 the multiplier 0.125 falls below the minimum 0.2, so a 12-epoch run ends after epoch 10.
    private static readonly double[] s_metric = [0.5, 0.4, 0.45, 0.41, 0.42, 0.3, 0.35, 0.36, 0.37, 0.38, 0.1, 0.05];
    private static readonly PlateauReduction s_rule = new(Factor: 0.5, Patience: 2, MinScale: 0.2);

    private static TrainingRunOptions Options(string? dir, PlateauReduction? plateau) => ScriptedTask.RunOptions(dir, 24, "plateau") with { Plateau = plateau };

    private static Trainer NewTrainer() => ScriptedTask.NewTrainer();

    private static EpochReport[] Reports(params bool[] best) => [.. best.Select((b, i) => new EpochReport(i + 1, 0, 0, 0, b))];

    [Fact]
    public void Replay_ReducesAfterPatienceEpochsWithoutImprovement_CountingFromTheLastReduction()
    {
        bool[] best = [true, true, false, false, false, true, false, false, false, false];
        double[] scales = [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25];
        for (int k = 1; k < best.Length; k++)
        {
            Assert.Equal((scales[k - 1], false), s_rule.Replay(Reports(best[..k])));
        }

        Assert.Equal((0.125, true), s_rule.Replay(Reports(best)));
        Assert.Equal((1.0, false), s_rule.Replay(Reports([.. Enumerable.Repeat(true, 50)]))); // no validation data: every epoch counts as best
        Assert.Equal((1.0, false), new PlateauReduction().Replay([]));
    }

    [Theory]
    [InlineData(0.0, 2, 0.1)]
    [InlineData(1.0, 2, 0.1)]
    [InlineData(0.5, 0, 0.1)]
    [InlineData(0.5, 2, 0.0)]
    [InlineData(0.5, 2, 1.5)]
    [InlineData(double.NaN, 2, 0.1)]
    public void Validate_RejectsSettingsOutsideTheirRange(double factor, int patience, double minScale) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlateauReduction(factor, patience, minScale).Validate());

    [Fact]
    public void Run_TrainsWithTheReducedRate_AndEndsOnThePlateau()
    {
        (float[] x, long[] y) = TrainingData.Spirals(100, seed: 4);
        var rates = new List<double>();
        TrainingRunResult run;
        using (Trainer trainer = NewTrainer())
        {
            run = TrainingRun.Run(trainer, new ScriptedTask(TrainerTests.SpiralSource(x, y), s_metric), Options(null, s_rule),
                new TrainingRunTests.Inline<StepReport>(r => rates.Add(r.LearningRate)));
        }

        Assert.True(run.StoppedEarly);
        Assert.Equal(10, run.Epochs.Count);
        Assert.Equal(20, run.Losses.Count);
        Assert.Equal(6, run.BestEpoch);
        double[] expected = [.. Enumerable.Repeat(0.01, 8), .. Enumerable.Repeat(0.005, 8), .. Enumerable.Repeat(0.0025, 4)];
        Assert.Equal(expected, rates);

        // The trainer used those rates: the same steps as a run without the rule up to the first reduction, different after.
        using Trainer plain = NewTrainer();
        TrainingRunResult unreduced = TrainingRun.Run(plain, new ScriptedTask(TrainerTests.SpiralSource(x, y), s_metric), Options(null, plateau: null));
        Assert.Equal(12, unreduced.Epochs.Count);
        Assert.Equal(unreduced.Losses.Take(9), run.Losses.Take(9));
        Assert.NotEqual(unreduced.Losses.Skip(9).Take(11), run.Losses.Skip(9));
    }

    [Fact]
    public void InterruptedRun_ResumesWithTheSameMultiplier_ToTheSameBytes()
    {
        (float[] x, long[] y) = TrainingData.Spirals(100, seed: 4);
        TrainingRunResult straight;
        using (Trainer a = NewTrainer())
        {
            straight = TrainingRun.Run(a, new ScriptedTask(TrainerTests.SpiralSource(x, y), s_metric), Options(null, s_rule));
        }

        // Stop inside epoch 7, after the first reduction: the checkpoint holds no multiplier, the reports give it back.
        using var dir = new TempDirectory();
        using var cts = new CancellationTokenSource();
        using (Trainer b = NewTrainer())
        {
            var stop = new TrainingRunTests.Inline<StepReport>(r =>
            {
                if (r.Step == 13)
                {
                    cts.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(() =>
                TrainingRun.Run(b, new ScriptedTask(TrainerTests.SpiralSource(x, y), s_metric), Options(dir.Path, s_rule), stop, cancellationToken: cts.Token));
        }

        using Trainer c = NewTrainer();
        var task = new ScriptedTask(TrainerTests.SpiralSource(x, y), s_metric);
        TrainingRunResult resumed = TrainingRun.Run(c, task, Options(dir.Path, s_rule));
        Assert.Equal(7, task.Steps);
        Assert.Equal(straight.Losses, resumed.Losses);
        Assert.True(resumed.StoppedEarly);
        Assert.Equal(straight.BestEpoch, resumed.BestEpoch);
        for (int p = 0; p < straight.BestValues!.Count; p++)
        {
            Assert.Equal(straight.BestValues[p], resumed.BestValues![p]);
        }

        // A run that already ended on the plateau does not train further.
        using Trainer d = NewTrainer();
        var again = new ScriptedTask(TrainerTests.SpiralSource(x, y), s_metric);
        Assert.True(TrainingRun.Run(d, again, Options(dir.Path, s_rule)).StoppedEarly);
        Assert.Equal(0, again.Steps);
    }
}

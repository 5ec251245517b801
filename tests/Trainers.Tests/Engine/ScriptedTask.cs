namespace Pipelines.Trainers.Tests;

/// <summary>
/// Trains on the spirals and reports a scripted validation metric per epoch (lower is better unless the run says
/// otherwise), keeping each epoch's parameters: model-selection rules (early stopping, reduce-on-plateau) see exactly the
/// metric sequence a test chose.
/// </summary>
internal sealed class ScriptedTask(ArrayBatchSource source, IReadOnlyList<double> metric) : ITrainingTask
{
    /// <summary>The spiral MLP's trainer these runs use: AdamW at a constant 0.01, batch 16, seed 3.</summary>
    public static Trainer NewTrainer() =>
        new(TrainerTests.SpiralGraph(new AdamWOptimizer()), new TrainerOptions { BatchSize = 16, Seed = 3, Schedule = new ConstantSchedule(0.01) });

    /// <summary>Two steps per epoch, best epoch kept over the MLP's parameters; the rule under test goes on with <c>with</c>.</summary>
    public static TrainingRunOptions RunOptions(string? dir, long totalSteps, string configuration) => new()
    {
        TotalSteps = totalSteps,
        StepsPerEpoch = 2,
        CheckpointDirectory = dir,
        Configuration = configuration,
        KeepBestEpoch = true,
        Parameters = ["W1", "b1", "W2", "b2"],
    };

    public Dictionary<int, float[][]> Snapshots { get; } = [];

    public int Steps { get; private set; }

    public StepOutcome TrainStep(Trainer trainer, long step)
    {
        Steps++;
        source.Fill(step, trainer.Options.Seed, trainer.Batch);
        return new StepOutcome(trainer.TrainStep(), 16, double.NaN);
    }

    public double? Evaluate(Trainer trainer, int epoch)
    {
        Snapshots[epoch] = [.. new[] { "W1", "b1", "W2", "b2" }.Select(trainer.GetState<float>)];
        return metric[epoch - 1];
    }
}

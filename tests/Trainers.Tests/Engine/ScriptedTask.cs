namespace Pipelines.Trainers.Tests;

/// <summary>
/// Trains on the spirals and reports a scripted validation metric per epoch (lower is better unless the run says
/// otherwise), keeping each epoch's parameters: model-selection rules (early stopping, reduce-on-plateau) see exactly the
/// metric sequence a test chose.
/// </summary>
internal sealed class ScriptedTask(ArrayBatchSource source, IReadOnlyList<double> metric) : ITrainingTask
{
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

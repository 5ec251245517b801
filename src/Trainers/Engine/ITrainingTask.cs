namespace Pipelines.Trainers;

/// <summary>
/// What a <see cref="TrainingRun"/> trains on: a batch source (the batch of every step, a pure function of the step so a
/// resumed run sees the same batches) and an evaluator of the current parameters. Text fine-tuning and graph training
/// are each one of these.
/// </summary>
public interface ITrainingTask
{
    /// <summary>Binds the batch of <paramref name="step"/> (0-based) and runs one train step of <paramref name="trainer"/>.</summary>
    /// <param name="trainer">The trainer.</param>
    /// <param name="step">The step about to run; its epoch is <c>step / StepsPerEpoch + 1</c>.</param>
    /// <returns>The step's loss and the rows it covered.</returns>
    StepOutcome TrainStep(Trainer trainer, long step);

    /// <summary>The validation metric of the trainer's current parameters at the end of an epoch, or null without validation data.</summary>
    /// <param name="trainer">The trainer.</param>
    /// <param name="epoch">The 1-based epoch just finished.</param>
    double? Evaluate(Trainer trainer, int epoch);
}

/// <summary>The result of one train step.</summary>
/// <param name="Loss">The step's loss.</param>
/// <param name="Rows">Rows (sentences, graphs) in the step's batch: the weight of its loss in the epoch mean.</param>
/// <param name="BatchAccuracy">Accuracy on the batch for classifiers, or NaN.</param>
public readonly record struct StepOutcome(double Loss, int Rows, double BatchAccuracy);

/// <summary>Progress after one epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Mean training loss (weighted by batch rows).</param>
/// <param name="ValidMetric">The task's validation metric (MAE for regression, accuracy for classification); NaN without validation data.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
/// <param name="IsBest">Whether this epoch is the best so far (its parameters are kept).</param>
public sealed record EpochReport(int Epoch, double TrainLoss, double ValidMetric, double Seconds, bool IsBest);

/// <summary>Progress after one step of a <see cref="TrainingRun"/>.</summary>
/// <param name="Step">Steps done (1-based).</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Epoch">0-based epoch of the step.</param>
/// <param name="Outcome">The step's loss, rows and batch accuracy.</param>
/// <param name="LearningRate">The learning rate the step used.</param>
/// <param name="StepsPerSecond">Steps per second since the run (or its resume) started.</param>
/// <param name="Eta">Estimated time to the end.</param>
public sealed record StepReport(long Step, long TotalSteps, int Epoch, StepOutcome Outcome, double LearningRate, double StepsPerSecond, TimeSpan Eta);

namespace Pipelines.Trainers.TextClassification;

/// <summary>What a fine-tuning run reports after each optimizer step.</summary>
/// <param name="Step">Steps done (1-based).</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="Epoch">Current epoch (0-based).</param>
/// <param name="Loss">This step's batch loss.</param>
/// <param name="BatchAccuracy">This step's batch accuracy (before the update).</param>
/// <param name="LearningRate">The adapter/encoder learning rate used at this step.</param>
/// <param name="StepsPerSecond">Throughput since this process started training.</param>
/// <param name="Eta">Estimated time to the last step.</param>
public sealed record FineTuneProgress(int Step, int TotalSteps, int Epoch, float Loss, float BatchAccuracy, float LearningRate, double StepsPerSecond, TimeSpan Eta);

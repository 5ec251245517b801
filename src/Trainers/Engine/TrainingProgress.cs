namespace Pipelines.Trainers;

/// <summary>One progress report of a training run.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="TotalSteps">Steps the run will complete.</param>
/// <param name="Loss">Loss of the last step.</param>
/// <param name="LearningRate">Learning rate of the last step.</param>
/// <param name="StepsPerSecond">Throughput since the run started.</param>
/// <param name="Eta">Estimated time to finish.</param>
public readonly record struct TrainingProgress(long Step, long TotalSteps, double Loss, double LearningRate, double StepsPerSecond, TimeSpan Eta);

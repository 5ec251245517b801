namespace Pipelines.Trainers.TextClassification;

/// <summary>Learning-rate schedules: linear warm-up over the first steps, then the named decay to 0 at the last step.</summary>
public enum FineTuneSchedule
{
    /// <summary>Warm-up, then constant.</summary>
    Constant,

    /// <summary>Warm-up, then linear decay (the Hugging Face default).</summary>
    Linear,

    /// <summary>Warm-up, then half-cosine decay.</summary>
    Cosine,
}

/// <summary>Maps a <see cref="FineTuneSchedule"/> onto the training engine's <see cref="LearningRateSchedule"/>s.</summary>
internal static class FineTuneSchedules
{
    /// <summary>
    /// The engine schedule of <paramref name="schedule"/>: rate <c>peak·(t+1)/w</c> for 0-based step t &lt; w, then constant,
    /// <c>peak·(1 − p)</c> or <c>peak·(1 + cos πp)/2</c> with <c>p = (t − w)/max(1, T − w)</c>.
    /// </summary>
    /// <param name="schedule">The decay.</param>
    /// <param name="peakLearningRate">The rate after warm-up.</param>
    /// <param name="totalSteps">T, the step at which the decay reaches 0.</param>
    /// <param name="warmupSteps">w, the warm-up length (0 = none).</param>
    public static LearningRateSchedule ToLearningRateSchedule(FineTuneSchedule schedule, double peakLearningRate, int totalSteps, int warmupSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        return schedule switch
        {
            FineTuneSchedule.Constant => new WarmupStableDecaySchedule(peakLearningRate, warmupSteps, 0, 1, MinLearningRate: peakLearningRate),
            FineTuneSchedule.Linear => new WarmupStableDecaySchedule(peakLearningRate, warmupSteps, 0, Math.Max(1, totalSteps - warmupSteps)),
            FineTuneSchedule.Cosine => new WarmupCosineSchedule(peakLearningRate, warmupSteps, totalSteps),
            _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "Unknown schedule."),
        };
    }
}

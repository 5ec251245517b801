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

/// <summary>Evaluates a <see cref="FineTuneSchedule"/>.</summary>
public static class FineTuneSchedules
{
    /// <summary>The multiplier of the peak rate at 0-based <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    public static double Factor(FineTuneSchedule schedule, int step, int totalSteps, int warmupSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (warmupSteps > 0 && step < warmupSteps)
        {
            return (step + 1) / (double)warmupSteps;
        }

        double progress = Math.Clamp((step - warmupSteps) / (double)Math.Max(1, totalSteps - warmupSteps), 0, 1);
        return schedule switch
        {
            FineTuneSchedule.Constant => 1,
            FineTuneSchedule.Linear => 1 - progress,
            FineTuneSchedule.Cosine => 0.5 * (1 + Math.Cos(Math.PI * progress)),
            _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "Unknown schedule."),
        };
    }
}

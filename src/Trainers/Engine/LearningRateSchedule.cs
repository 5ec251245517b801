namespace Pipelines.Trainers;

/// <summary>The learning rate as a function of the step (0-based, steps already taken). Evaluated in C# per step.</summary>
public abstract record LearningRateSchedule
{
    private protected LearningRateSchedule()
    {
    }

    /// <summary>The learning rate for step <paramref name="step"/>.</summary>
    public abstract double At(long step);
}

/// <summary>A constant learning rate.</summary>
/// <param name="LearningRate">The rate.</param>
public sealed record ConstantSchedule(double LearningRate) : LearningRateSchedule
{
    /// <inheritdoc />
    public override double At(long step) => LearningRate;
}

/// <summary>
/// Linear warmup from 0 to <paramref name="PeakLearningRate"/> over <paramref name="WarmupSteps"/>, then cosine decay to
/// <paramref name="MinLearningRate"/> at <paramref name="TotalSteps"/> (held there afterwards).
/// </summary>
/// <param name="PeakLearningRate">The rate at the end of warmup.</param>
/// <param name="WarmupSteps">Warmup length.</param>
/// <param name="TotalSteps">Step at which the cosine reaches its minimum.</param>
/// <param name="MinLearningRate">The final rate.</param>
public sealed record WarmupCosineSchedule(double PeakLearningRate, long WarmupSteps, long TotalSteps, double MinLearningRate = 0) : LearningRateSchedule
{
    /// <inheritdoc />
    public override double At(long step)
    {
        if (step < WarmupSteps)
        {
            return PeakLearningRate * (step + 1) / WarmupSteps;
        }

        long span = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / span);
        return MinLearningRate + (0.5 * (PeakLearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * progress)));
    }
}

/// <summary>
/// Warmup-stable-decay ("trapezoidal"): linear warmup over <paramref name="WarmupSteps"/>, the peak rate for
/// <paramref name="StableSteps"/>, then linear decay to <paramref name="MinLearningRate"/> over <paramref name="DecaySteps"/>.
/// </summary>
/// <param name="PeakLearningRate">The plateau rate.</param>
/// <param name="WarmupSteps">Warmup length.</param>
/// <param name="StableSteps">Plateau length.</param>
/// <param name="DecaySteps">Decay length.</param>
/// <param name="MinLearningRate">The final rate.</param>
public sealed record WarmupStableDecaySchedule(double PeakLearningRate, long WarmupSteps, long StableSteps, long DecaySteps, double MinLearningRate = 0) : LearningRateSchedule
{
    /// <inheritdoc />
    public override double At(long step)
    {
        if (step < WarmupSteps)
        {
            return PeakLearningRate * (step + 1) / WarmupSteps;
        }

        long intoDecay = step - WarmupSteps - StableSteps;
        if (intoDecay < 0)
        {
            return PeakLearningRate;
        }

        double progress = Math.Min(1.0, (double)intoDecay / Math.Max(1, DecaySteps));
        return PeakLearningRate + ((MinLearningRate - PeakLearningRate) * progress);
    }
}

namespace Pipelines.Trainers;

/// <summary>Defaults shared by every <see cref="Optimizer"/>.</summary>
public static class OptimizerDefaults
{
    /// <summary>⊥Grad off.</summary>
    public const bool OrthogonalGradient = false;
}

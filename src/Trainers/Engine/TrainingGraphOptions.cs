namespace Pipelines.Trainers;

/// <summary>How <see cref="TrainingGraphBuilder"/> turns a forward model into a train step.</summary>
public sealed record TrainingGraphOptions
{
    /// <summary>The loss to minimise.</summary>
    public required LossFunction Loss { get; init; }

    /// <summary>Names of the Float/Double initializers to train.</summary>
    public required IReadOnlyList<string> Trainables { get; init; }

    /// <summary>The optimizer (default AdamW with β = (0.9, 0.999), ε = 1e-8, no weight decay).</summary>
    public Optimizer Optimizer { get; init; } = new AdamWOptimizer();

    /// <summary>When set, gradients are scaled by min(1, c / ‖g‖₂) over all parameters together before the update.</summary>
    public double? ClipGlobalNorm { get; init; }
}

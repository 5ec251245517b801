namespace Pipelines.Trainers;

/// <summary>The optimizers a trainer's options can name (the CLI's <c>--optimizer</c>).</summary>
public enum OptimizerKind
{
    /// <summary><see cref="AdamWOptimizer"/> (CLI <c>adamw</c>).</summary>
    AdamW,

    /// <summary><see cref="AdamW8BitOptimizer"/>: block-wise 8-bit states (CLI <c>adamw8bit</c>).</summary>
    AdamW8Bit,

    /// <summary><see cref="StableSpamOptimizer"/> with <see cref="StableSpamDefaults"/> (CLI <c>stable-spam</c>).</summary>
    StableSpam,
}

/// <summary>Names and construction of <see cref="OptimizerKind"/>s.</summary>
public static class OptimizerKinds
{
    /// <summary>The CLI name of <paramref name="kind"/>.</summary>
    /// <param name="kind">The optimizer.</param>
    public static string Name(OptimizerKind kind) => kind switch
    {
        OptimizerKind.AdamW => "adamw",
        OptimizerKind.AdamW8Bit => "adamw8bit",
        OptimizerKind.StableSpam => "stable-spam",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown optimizer."),
    };

    /// <summary>Every kind's CLI name, for help texts.</summary>
    public static IReadOnlyList<string> Names => [.. Enum.GetValues<OptimizerKind>().Select(Name)];

    /// <summary>The kind whose CLI name is <paramref name="name"/> (case-insensitive).</summary>
    /// <param name="name">The CLI name.</param>
    /// <param name="kind">The kind, when found.</param>
    public static bool TryParse(string name, out OptimizerKind kind)
    {
        foreach (OptimizerKind k in Enum.GetValues<OptimizerKind>())
        {
            if (string.Equals(Name(k), name, StringComparison.OrdinalIgnoreCase))
            {
                kind = k;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>
    /// The optimizer of <paramref name="kind"/> with the given Adam hyper-parameters (Stable-SPAM's γ, θ, ΔT and the
    /// 8-bit block size at their defaults), decoupled weight decay λ and ⊥Grad.
    /// </summary>
    /// <param name="kind">The optimizer.</param>
    /// <param name="beta1">β₁.</param>
    /// <param name="beta2">β₂.</param>
    /// <param name="epsilon">ε.</param>
    /// <param name="weightDecay">λ.</param>
    /// <param name="orthogonalGradient">⊥Grad.</param>
    public static Optimizer Create(OptimizerKind kind, double beta1, double beta2, double epsilon, double weightDecay, bool orthogonalGradient) => kind switch
    {
        OptimizerKind.AdamW => new AdamWOptimizer(beta1, beta2, epsilon) { WeightDecay = weightDecay, OrthogonalGradient = orthogonalGradient },
        OptimizerKind.AdamW8Bit => new AdamW8BitOptimizer(beta1, beta2, epsilon) { WeightDecay = weightDecay, OrthogonalGradient = orthogonalGradient },
        OptimizerKind.StableSpam => new StableSpamOptimizer(beta1, beta2, epsilon) { WeightDecay = weightDecay, OrthogonalGradient = orthogonalGradient },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown optimizer."),
    };
}

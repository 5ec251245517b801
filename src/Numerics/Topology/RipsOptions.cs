namespace Pipelines.Numerics.Topology;

/// <summary>Options of <see cref="RipsPersistence"/>.</summary>
public sealed record RipsOptions
{
    /// <summary>Default values (also those of <c>pipelines topo persistence</c>).</summary>
    public static class Defaults
    {
        /// <summary>The highest homology degree computed.</summary>
        public const int MaxDimension = 1;
    }

    /// <summary>Gets the highest homology degree computed (H0..H_MaxDimension); simplices up to dimension MaxDimension + 1 are enumerated implicitly.</summary>
    public int MaxDimension { get; init; } = Defaults.MaxDimension;

    /// <summary>
    /// Gets the largest edge length kept (simplices with diameter ≤ Threshold). <c>null</c> = the enclosing radius
    /// min_i max_j d(i, j), beyond which homology is trivial (Ripser's default).
    /// </summary>
    public float? Threshold { get; init; }

    /// <summary>Gets the resource budget checked before any simplex is built.</summary>
    public ComplexBudget Budget { get; init; } = ComplexBudget.Default;

    /// <summary>Throws when the options are out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">MaxDimension outside 0..6 or a negative/NaN threshold.</exception>
    public void Validate()
    {
        if (MaxDimension is < 0 or > 6)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDimension), MaxDimension, "MaxDimension must be in 0..6.");
        }

        if (Threshold is { } t && (float.IsNaN(t) || t < 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), t, "Threshold must be a non-negative number.");
        }

        ArgumentNullException.ThrowIfNull(Budget);
    }
}

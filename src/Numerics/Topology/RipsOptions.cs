namespace Pipelines.Numerics.Topology;

/// <summary>Options of <see cref="RipsPersistence"/>.</summary>
public sealed record RipsOptions
{
    /// <summary>Default values (also those of <c>pipelines topo persistence</c>).</summary>
    public static class Defaults
    {
        /// <summary>The highest homology degree computed.</summary>
        public const int MaxDimension = 1;

        /// <summary>When edges are collapsed before the reduction (<see cref="RipsOptions.EdgeCollapse"/>).</summary>
        public const EdgeCollapseMode EdgeCollapse = EdgeCollapseMode.Off;
    }

    /// <summary>Gets the highest homology degree computed (H0..H_MaxDimension); simplices up to dimension MaxDimension + 1 are enumerated implicitly.</summary>
    public int MaxDimension { get; init; } = Defaults.MaxDimension;

    /// <summary>
    /// Gets the largest edge length kept (simplices with diameter ≤ Threshold). <c>null</c> = the enclosing radius
    /// min_i max_j d(i, j), beyond which homology is trivial (Ripser's default).
    /// </summary>
    public float? Threshold { get; init; }

    /// <summary>
    /// Gets when the Rips graph is edge-collapsed (<see cref="Topology.EdgeCollapse"/>) before the reduction: the
    /// diagram is the same in every degree (a theorem, and tested); fewer edges mean fewer higher simplices.
    /// </summary>
    public EdgeCollapseMode EdgeCollapse { get; init; } = Defaults.EdgeCollapse;

    /// <summary>
    /// Gets the sparse Rips approximation ε in (0, 1) (<see cref="SparseRips"/>, GUDHI's <c>sparse</c>), or
    /// <c>null</c> for the exact filtration (default). With ε, every diagram point (b, d) moves to within
    /// [b, b/(1 − ε)] × [d, d/(1 − ε)] in the bottleneck sense, and the edge count grows linearly in the number of
    /// points instead of quadratically: for large clouds where an approximate diagram is enough.
    /// </summary>
    public float? SparseApproximation { get; init; }

    /// <summary>Gets a value indicating whether this computation collapses edges (Auto: MaxDimension ≥ 3).</summary>
    public bool CollapsesEdges => EdgeCollapse == EdgeCollapseMode.On || (EdgeCollapse == EdgeCollapseMode.Auto && MaxDimension >= 3);

    /// <summary>Gets the resource budget checked before any simplex is built.</summary>
    public ComplexBudget Budget { get; init; } = ComplexBudget.Default;

    /// <summary>Throws when the options are out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">MaxDimension outside 0..6, a negative/NaN threshold or ε outside (0, 1).</exception>
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

        if (SparseApproximation is { } e && !(e > 0f && e < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(SparseApproximation), e, "The sparse Rips approximation ε must be in (0, 1).");
        }

        if (!Enum.IsDefined(EdgeCollapse))
        {
            throw new ArgumentOutOfRangeException(nameof(EdgeCollapse), EdgeCollapse, "Unknown edge-collapse mode.");
        }

        ArgumentNullException.ThrowIfNull(Budget);
    }
}

/// <summary>
/// When <see cref="RipsPersistence"/> edge-collapses the Rips graph first (the diagram never changes). Measured with
/// benchmarks/TopologyBench (collapse time included): o3_1024 H0..H3 0.40×, H0..H2 0.71–0.95×, H0+H1 1.06–1.27×;
/// sphere_3_192 (nothing collapses: 17,857 → 17,701 edges) H0+H1 3–8×, H0..H2 0.98–1.36×. Not faster everywhere, so
/// the default is <see cref="EdgeCollapseMode.Off"/>.
/// </summary>
public enum EdgeCollapseMode
{
    /// <summary>Never collapse (default).</summary>
    Off,

    /// <summary>Always collapse.</summary>
    On,

    /// <summary>Collapse when H3 or higher is computed (MaxDimension ≥ 3), the one setting where it was faster on every cloud measured.</summary>
    Auto,
}

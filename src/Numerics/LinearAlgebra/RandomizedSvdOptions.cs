namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>
/// Settings of the randomized SVD (Halko, Martinsson &amp; Tropp 2011, Alg. 4.4 with re-orthonormalisation after every
/// product). The sketch has ℓ = <see cref="Rank"/> + <see cref="Oversampling"/> columns.
/// </summary>
public sealed record RandomizedSvdOptions
{
    /// <summary>Triplets to return (r).</summary>
    public required int Rank { get; init; }

    /// <summary>Extra sketch columns p (torch.svd_lowrank/peft use p = 0; Halko recommends 5–10).</summary>
    public int Oversampling { get; init; } = 8;

    /// <summary>Power (subspace) iterations q; the fixed count, or the most allowed in adaptive mode.</summary>
    public int PowerIterations { get; init; } = 4;

    /// <summary>
    /// Adaptive mode when set: power iterations continue (up to <see cref="MaxPowerIterations"/>) until the
    /// a-posteriori residual estimate improves by less than this fraction of itself in one iteration.
    /// </summary>
    public double? Tolerance { get; init; }

    /// <summary>Most power iterations in adaptive mode.</summary>
    public int MaxPowerIterations { get; init; } = 16;

    /// <summary>Seed of the Gaussian test matrix Ω.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Random probes for Halko's a-posteriori bound (eq. 4.3): ‖A − U·S·Vᵀ‖₂ ≤ 10·√(2/π)·maxᵢ‖(A − U·S·Vᵀ)ωᵢ‖ with
    /// probability ≥ 1 − 10^(−probes). 0 skips the bound (each probe costs one matrix–vector product).
    /// </summary>
    public int BoundProbes { get; init; }

    /// <summary>Threads for the GEMMs (0 = one per core; 1 when the caller parallelises over matrices).</summary>
    public int MaxThreads { get; init; }

    /// <summary>
    /// The range finder (<see cref="RangeFinder.SubspaceIteration"/> by default). <see cref="RangeFinder.BlockKrylov"/>
    /// runs <see cref="PowerIterations"/> Krylov steps on ℓ-column blocks and has no adaptive mode (it needs
    /// <see cref="Tolerance"/> unset).
    /// </summary>
    public RangeFinder RangeFinder { get; init; } = RangeFinder.SubspaceIteration;

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Rank);
        ArgumentOutOfRangeException.ThrowIfNegative(Oversampling);
        ArgumentOutOfRangeException.ThrowIfNegative(PowerIterations);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPowerIterations);
        ArgumentOutOfRangeException.ThrowIfNegative(BoundProbes);
        if (Tolerance is { } t && !(t > 0 && t < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Tolerance), t, "The adaptive tolerance must be in (0, 1).");
        }

        if (!Enum.IsDefined(RangeFinder))
        {
            throw new ArgumentOutOfRangeException(nameof(RangeFinder), RangeFinder, "Unknown range finder.");
        }

        if (RangeFinder == RangeFinder.BlockKrylov && Tolerance is not null)
        {
            throw new ArgumentException("The block Krylov range finder has no adaptive mode: leave Tolerance unset.", nameof(Tolerance));
        }
    }
}

/// <summary>A randomized SVD with its diagnostics.</summary>
/// <param name="Svd">The rank-r factors (signs fixed).</param>
/// <param name="PowerIterations">Power iterations actually run.</param>
/// <param name="Norm">‖A‖_F.</param>
/// <param name="ResidualEstimate">
/// ‖A − U·S·Vᵀ‖_F from the energy identity √(‖A‖_F² − Σσ̃ᵢ²) (exact for the orthogonal projection onto span U, up to
/// rounding of order √ε·‖A‖_F).
/// </param>
/// <param name="SpectralErrorBound">Halko's probabilistic bound on ‖A − U·S·Vᵀ‖₂, or NaN when no probes were asked for.</param>
public sealed record RandomizedSvdResult(SvdResult Svd, int PowerIterations, double Norm, double ResidualEstimate, double SpectralErrorBound)
{
    /// <summary><see cref="ResidualEstimate"/> / ‖A‖_F.</summary>
    public double RelativeResidualEstimate => Norm > 0 ? ResidualEstimate / Norm : 0;
}

namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>How <see cref="RandomizedSvd"/> builds the subspace whose Rayleigh–Ritz projection gives the factors.</summary>
public enum RangeFinder
{
    /// <summary>
    /// Subspace (power) iteration (Halko, Martinsson &amp; Tropp 2011, Alg. 4.4; torch.svd_lowrank): q steps
    /// Q ← orth(A·Aᵀ·Q) on an ℓ-column block, and only the last block is kept.
    /// </summary>
    SubspaceIteration,

    /// <summary>
    /// Randomized block Krylov iteration (Musco &amp; Musco 2015, Alg. 2): the same 2q + 2 products with A and Aᵀ, but every
    /// block is kept, so the factors come from the (q + 1)·ℓ-dimensional space span[A·Ω, (A·Aᵀ)·A·Ω, …, (A·Aᵀ)^q·A·Ω],
    /// which contains subspace iteration's; at equal products its rank-r error is never larger and is reached with a
    /// smaller ℓ or fewer steps. Blocks are orthogonalised against the earlier ones (block Gram–Schmidt, twice).
    /// </summary>
    BlockKrylov,
}

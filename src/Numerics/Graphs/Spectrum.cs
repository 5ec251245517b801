namespace Pipelines.Numerics.Graphs;

/// <summary>Which eigensolver produced (or should produce) a spectrum.</summary>
public enum EigensolverKind
{
    /// <summary>Dense below <see cref="SpectrumOptions.DenseNodeLimit"/> nodes, Lanczos above.</summary>
    Auto,

    /// <summary>Dense symmetric eigendecomposition in float64 (MathNet, tridiagonal QL).</summary>
    Dense,

    /// <summary>Dense symmetric eigendecomposition in float32 (for solver-independence checks).</summary>
    DenseSingle,

    /// <summary>Deterministic Lanczos with full reorthogonalisation and locking, on the sparse Laplacian.</summary>
    Lanczos,
}

/// <summary>How the number of kept eigenpairs <c>d</c> is chosen.</summary>
public enum SpectrumTruncation
{
    /// <summary>
    /// <c>d = min(n, k)</c>, as the SPE reference does. May split a degenerate eigenspace (pendant atoms give
    /// <c>λ = 1</c> with high multiplicity), so SPE then depends on the eigensolver's basis; kept for reproducing it.
    /// </summary>
    Fixed,

    /// <summary>
    /// The largest <c>d ≤ min(n, k)</c> with <c>λ_{d+1} − λ_d</c> above the degeneracy tolerance: never splits an
    /// eigenspace, so SPE's basis invariance holds exactly and Theorem 3.1's gap <c>γ</c> is positive.
    /// </summary>
    Eigengap,

    /// <summary>
    /// The default: all <c>n</c> eigenpairs when <c>n ≤ </c><see cref="SpectrumOptions.FullNodeLimit"/> (SPE's
    /// <c>W_ℓ = f_ℓ(L)</c> exactly, gap-free bound), otherwise (and with an explicit
    /// <see cref="EigensolverKind.Lanczos"/>) <see cref="Eigengap"/> at <c>k</c>. Never splits an
    /// eigenspace; <see cref="Spectrum.EigengapCut"/> reports the pairs dropped below <c>k</c>.
    /// </summary>
    Full,
}

/// <summary>Options for computing the <c>k</c> smallest eigenpairs of the normalised Laplacian.</summary>
/// <param name="K">Number of eigenpairs to keep (<c>pe_dims</c> in the reference), at least 1.</param>
/// <param name="Solver">Eigensolver.</param>
/// <param name="Truncation">Fixed <c>min(n, k)</c> or eigengap-aware.</param>
/// <param name="DegeneracyTolerance">Two eigenvalues closer than this are treated as one eigenspace.</param>
/// <param name="DenseNodeLimit">With <see cref="EigensolverKind.Auto"/>, graphs up to this many nodes use the dense solver.</param>
/// <param name="FullNodeLimit">With <see cref="SpectrumTruncation.Full"/>, graphs up to this many nodes keep every eigenpair.</param>
public sealed record SpectrumOptions(
    int K = 16,
    EigensolverKind Solver = EigensolverKind.Auto,
    SpectrumTruncation Truncation = SpectrumOptions.Defaults.Truncation,
    double DegeneracyTolerance = SpectrumOptions.DefaultDegeneracyTolerance,
    int DenseNodeLimit = SpectrumOptions.DefaultDenseNodeLimit,
    int FullNodeLimit = SpectrumOptions.Defaults.FullNodeLimit)
{
    /// <summary>Default values (also those of <c>pipelines graph encode</c> and <c>graph train</c>).</summary>
    public static class Defaults
    {
        /// <summary>Never split an eigenspace: the full spectrum up to <see cref="FullNodeLimit"/> nodes, an eigengap cut above.</summary>
        public const SpectrumTruncation Truncation = SpectrumTruncation.Full;

        /// <summary>
        /// 128 nodes: covers every graph of ZINC (≤ 38), MUTAG (≤ 28), ESOL (≤ 55) and NCI109 (≤ 111). The dense solver
        /// already returns all pairs at this size; keeping them makes SPE's <c>V</c> <c>n×n</c> per graph (the size of the
        /// adjacency it already holds) and <c>W = V diag(φ(λ)) Vᵀ</c> <c>O(m·n³)</c>, no more than one ρ layer's
        /// <c>O(c·n³)</c> adjacency product.
        /// </summary>
        public const int FullNodeLimit = 128;
    }

    /// <summary>Default eigenvalue tolerance for degeneracy (eigenvalues lie in [0, 2]).</summary>
    public const double DefaultDegeneracyTolerance = 1e-6;

    /// <summary>Default node count up to which <see cref="EigensolverKind.Auto"/> uses the dense solver.</summary>
    public const int DefaultDenseNodeLimit = 256;

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        if (K < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(K), K, "K must be at least 1.");
        }

        if (!(DegeneracyTolerance >= 0) || double.IsInfinity(DegeneracyTolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(DegeneracyTolerance), DegeneracyTolerance, "The degeneracy tolerance must be finite and non-negative.");
        }

        if (FullNodeLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(FullNodeLimit), FullNodeLimit, "The full-spectrum node limit must be at least 1.");
        }

        if (DenseNodeLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DenseNodeLimit), DenseNodeLimit, "The dense node limit must be at least 1.");
        }

        if (!Enum.IsDefined(Solver))
        {
            throw new ArgumentOutOfRangeException(nameof(Solver), Solver, "Unknown eigensolver.");
        }

        if (!Enum.IsDefined(Truncation))
        {
            throw new ArgumentOutOfRangeException(nameof(Truncation), Truncation, "Unknown truncation.");
        }
    }
}

/// <summary>
/// The kept eigenpairs <c>(λ, V)</c> of one graph's normalised Laplacian: <c>d</c> eigenvalues ascending (trivial
/// <c>λ₁ = 0</c> included) and <c>V</c> of shape <c>(n, d)</c>, row-major (row = node, column = eigenvector).
/// </summary>
public sealed class Spectrum
{
    /// <summary>Creates a spectrum.</summary>
    /// <param name="nodeCount">Number of nodes <c>n</c>.</param>
    /// <param name="values">Kept eigenvalues, ascending, length <c>d</c>.</param>
    /// <param name="vectors">Eigenvectors, row-major <c>(n, d)</c>.</param>
    /// <param name="nextValue"><c>λ_{d+1}</c>, or <see cref="double.PositiveInfinity"/> when <c>d = n</c>.</param>
    /// <param name="solver">The solver that produced it.</param>
    /// <param name="eigengapCut">Eigenpairs below <c>min(n, k)</c> dropped so as not to split an eigenspace.</param>
    public Spectrum(int nodeCount, double[] values, double[] vectors, double nextValue, EigensolverKind solver, int eigengapCut = 0)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Length != nodeCount * values.Length)
        {
            throw new ArgumentException($"Eigenvectors have {vectors.Length} entries, expected n·d = {nodeCount}·{values.Length}.", nameof(vectors));
        }

        NodeCount = nodeCount;
        Values = values;
        Vectors = vectors;
        NextValue = nextValue;
        Solver = solver;
        EigengapCut = eigengapCut;
    }

    /// <summary>
    /// How many eigenpairs below <c>min(n, k)</c> the eigengap rule dropped so as not to split an eigenspace (0 under
    /// <see cref="SpectrumTruncation.Fixed"/> and whenever the full spectrum is kept).
    /// </summary>
    public int EigengapCut { get; }

    /// <summary>Number of nodes <c>n</c>.</summary>
    public int NodeCount { get; }

    /// <summary>Number of kept eigenpairs <c>d</c>.</summary>
    public int Count => Values.Length;

    /// <summary>Eigenvalues <c>λ_1 ≤ … ≤ λ_d</c>.</summary>
    public double[] Values { get; }

    /// <summary>Eigenvectors, row-major <c>(n, d)</c>: <c>V[i, j] = Vectors[i·d + j]</c>.</summary>
    public double[] Vectors { get; }

    /// <summary>The first dropped eigenvalue <c>λ_{d+1}</c> (<see cref="double.PositiveInfinity"/> when <c>d = n</c>).</summary>
    public double NextValue { get; }

    /// <summary>
    /// The gap after the last kept eigenvalue, <c>γ = λ_{d+1} − λ_d</c> of Theorem 3.1 (∞ when all eigenpairs are kept).
    /// </summary>
    public double Gap => Count == 0 ? double.PositiveInfinity : NextValue - Values[^1];

    /// <summary>The solver that produced this spectrum.</summary>
    public EigensolverKind Solver { get; }

    /// <summary>True when the cut after <c>λ_d</c> falls inside a degenerate eigenspace (gap below <paramref name="tolerance"/>).</summary>
    public bool SplitsEigenspace(double tolerance = SpectrumOptions.DefaultDegeneracyTolerance) => Gap <= tolerance;

    /// <summary>
    /// Writes the spectrum zero-padded to <c>k</c>: <paramref name="values"/> (length <c>k</c>),
    /// <paramref name="vectors"/> (row-major <c>(n, k)</c>) and <paramref name="mask"/> (1 for the <c>d</c> real
    /// eigenpairs, 0 for padding).
    /// </summary>
    /// <exception cref="ArgumentException">A destination is too short or <c>k &lt; d</c>.</exception>
    public void WritePadded(int k, Span<float> values, Span<float> vectors, Span<float> mask)
    {
        if (k < Count)
        {
            throw new ArgumentException($"Cannot pad {Count} eigenpairs to k = {k}.", nameof(k));
        }

        if (values.Length < k || mask.Length < k || vectors.Length < NodeCount * k)
        {
            throw new ArgumentException($"Destinations too short for k = {k}, n = {NodeCount}.", nameof(vectors));
        }

        values[..k].Clear();
        mask[..k].Clear();
        vectors[..(NodeCount * k)].Clear();
        for (int j = 0; j < Count; j++)
        {
            values[j] = (float)Values[j];
            mask[j] = 1f;
        }

        for (int i = 0; i < NodeCount; i++)
        {
            for (int j = 0; j < Count; j++)
            {
                vectors[(i * k) + j] = (float)Vectors[(i * Count) + j];
            }
        }
    }

    /// <summary>The same spectrum with eigenvector columns replaced (used to apply sign flips or basis rotations).</summary>
    public Spectrum WithVectors(double[] vectors) => new(NodeCount, Values, vectors, NextValue, Solver, EigengapCut);
}

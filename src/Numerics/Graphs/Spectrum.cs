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

/// <summary>How the number of kept eigenpairs <c>d ≤ k</c> is chosen.</summary>
public enum SpectrumTruncation
{
    /// <summary><c>d = min(n, k)</c>, as the SPE reference does (may split a degenerate eigenspace; reported).</summary>
    Fixed,

    /// <summary>
    /// The largest <c>d ≤ min(n, k)</c> with <c>λ_{d+1} − λ_d</c> above the degeneracy tolerance: never splits an
    /// eigenspace, so SPE's basis invariance holds exactly and Theorem 3.1's gap <c>γ</c> is positive.
    /// </summary>
    Eigengap,
}

/// <summary>Options for computing the <c>k</c> smallest eigenpairs of the normalised Laplacian.</summary>
/// <param name="K">Number of eigenpairs to keep (<c>pe_dims</c> in the reference), at least 1.</param>
/// <param name="Solver">Eigensolver.</param>
/// <param name="Truncation">Fixed <c>min(n, k)</c> or eigengap-aware.</param>
/// <param name="DegeneracyTolerance">Two eigenvalues closer than this are treated as one eigenspace.</param>
/// <param name="DenseNodeLimit">With <see cref="EigensolverKind.Auto"/>, graphs up to this many nodes use the dense solver.</param>
public sealed record SpectrumOptions(
    int K = 16,
    EigensolverKind Solver = EigensolverKind.Auto,
    SpectrumTruncation Truncation = SpectrumTruncation.Fixed,
    double DegeneracyTolerance = SpectrumOptions.DefaultDegeneracyTolerance,
    int DenseNodeLimit = SpectrumOptions.DefaultDenseNodeLimit)
{
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
    public Spectrum(int nodeCount, double[] values, double[] vectors, double nextValue, EigensolverKind solver)
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
    }

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
    public Spectrum WithVectors(double[] vectors) => new(NodeCount, Values, vectors, NextValue, Solver);
}

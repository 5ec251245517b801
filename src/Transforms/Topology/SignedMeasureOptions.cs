using Pipelines.Numerics.Topology;

namespace Pipelines.Transforms.Topology;

/// <summary>Which signed measure is vectorized.</summary>
public enum SignedMeasureInvariant
{
    /// <summary>Hilbert decomposition signed measure, one per homology degree 0..MaxDegree (line sweep).</summary>
    Hilbert,

    /// <summary>Euler signed measure Σ_σ (−1)^{dim σ} δ_{f(σ)} over simplices of dimension ≤ MaxDegree + 1 (one measure).</summary>
    Euler,

    /// <summary>
    /// Rank invariant → signed barcode (rectangles as a signed measure on ℝ⁴), one per degree 0..MaxDegree
    /// (<see cref="RankInvariant"/>, <see cref="SignedBarcode"/>). O(grid⁴) memory: keep the grid small (≤ 30).
    /// </summary>
    Rank,
}

/// <summary>How a signed measure becomes a fixed-length vector.</summary>
public enum SignedMeasureVectorizer
{
    /// <summary>
    /// Gaussian convolution sampled on an r × r grid of the unit square (<see cref="SignedMeasureConvolution"/>); for
    /// the rank invariant on the (r(r+1)/2)² comparable pairs of that grid (<see cref="SignedBarcodeFeatures.Convolution"/>).
    /// </summary>
    Convolution,

    /// <summary>
    /// Sliced-Wasserstein features, L directions × T bins (<see cref="SlicedWassersteinFeatures"/>; rank invariant:
    /// directions on S³, <see cref="SignedBarcodeFeatures.SlicedWasserstein"/>).
    /// </summary>
    SlicedWasserstein,
}

/// <summary>
/// Options of <c>mlContext.Transforms.Topology.SignedMeasure(…)</c>: bifiltration, grid, invariant and vectorizer.
/// Defaults follow the signed-measure paper's experiments where they are known (regular grid, 1% tails dropped).
/// </summary>
public sealed record SignedMeasureOptions
{
    /// <summary>
    /// Default values, also those of <c>pipelines topo vectorize</c>: a 20 × 20 grid and a 10 × 10 convolution
    /// (200 features for Hilbert H0 + H1), the output resolution being half the grid's (<see cref="OutputResolutionFor"/>).
    /// </summary>
    public static class Defaults
    {
        /// <summary>Grid resolution per parameter.</summary>
        public const int GridResolution = 20;

        /// <summary>r, the convolution output resolution per axis (<c>OutputResolutionFor(GridResolution)</c>).</summary>
        public const int OutputResolution = 10;

        /// <summary>Rows whose features a transformed view keeps (about 4 bytes × output length each).</summary>
        public const int FeatureCacheRows = 100_000;

        /// <summary>The invariant.</summary>
        public const SignedMeasureInvariant Invariant = SignedMeasureInvariant.Hilbert;

        /// <summary>The vectorizer.</summary>
        public const SignedMeasureVectorizer Vectorizer = SignedMeasureVectorizer.Convolution;

        /// <summary>The convolution output resolution that goes with a grid resolution: half of it, at least 4.</summary>
        /// <param name="gridResolution">The grid resolution per parameter.</param>
        /// <returns>The output resolution per axis.</returns>
        public static int OutputResolutionFor(int gridResolution) => Math.Max(4, gridResolution / 2);
    }

    /// <summary>Gets the output column (fixed-length <c>float</c> vector).</summary>
    public required string OutputColumnName { get; init; }

    /// <summary>Gets the input column (variable-length <c>float</c> vector); defaults to <see cref="OutputColumnName"/>.</summary>
    public string? InputColumnName { get; init; }

    /// <summary>Gets how rows are read: point cloud, time series or graph.</summary>
    public required TopologyInput Input { get; init; }

    /// <summary>Gets the codensity used as second parameter for point clouds and time series.</summary>
    public CodensityKind Codensity { get; init; } = CodensityKind.GaussianKde;

    /// <summary>Gets the codensity parameter (KDE bandwidth h, DTM mass, or k).</summary>
    public float CodensityParameter { get; init; } = 0.1f;

    /// <summary>Gets the Rips edge threshold; null = each cloud's enclosing radius.</summary>
    public float? Threshold { get; init; }

    /// <summary>Gets the invariant.</summary>
    public SignedMeasureInvariant Invariant { get; init; } = Defaults.Invariant;

    /// <summary>Gets the highest homology degree (graphs: at most 1).</summary>
    public int MaxDegree { get; init; } = 1;

    /// <summary>Gets the grid strategy fitted on training data.</summary>
    public GridStrategy GridStrategy { get; init; } = GridStrategy.Regular;

    /// <summary>Gets the grid resolution per parameter.</summary>
    public int GridResolution { get; init; } = Defaults.GridResolution;

    /// <summary>Gets the tail fraction dropped at each end before fitting the grid.</summary>
    public float DropQuantile { get; init; } = 0.01f;

    /// <summary>Gets a value indicating whether infinite Hilbert bars die at the last grid index (mass-zero measures).</summary>
    public bool ZeroPad { get; init; } = true;

    /// <summary>Gets the vectorizer.</summary>
    public SignedMeasureVectorizer Vectorizer { get; init; } = Defaults.Vectorizer;

    /// <summary>Gets r, the convolution output resolution per axis.</summary>
    public int OutputResolution { get; init; } = Defaults.OutputResolution;

    /// <summary>Gets σ of the convolution, in unit-square units.</summary>
    public float Bandwidth { get; init; } = 0.1f;

    /// <summary>Gets L, the number of sliced-Wasserstein directions.</summary>
    public int Directions { get; init; } = 16;

    /// <summary>Gets T, the number of bins per sliced-Wasserstein direction.</summary>
    public int Bins { get; init; } = 16;

    /// <summary>Gets the per-row complex budget (pre-flight refusal).</summary>
    public ComplexBudget Budget { get; init; } = ComplexBudget.Default;

    /// <summary>Gets the maximum number of rows read by <c>Fit</c> to fit the grids (the first rows).</summary>
    public int MaxFitRows { get; init; } = 2000;

    /// <summary>
    /// Gets how many rows' features the view returned by <c>Transform</c> keeps, so an iterative trainer computes each
    /// row once (0: none; every pass recomputes). Rows are keyed by ML.NET row id, which ML.NET's own data views keep
    /// unique and the same on every pass (as its contract asks); set 0 over a custom view that does not. A runtime
    /// setting, not part of the fitted model: it is not saved, and a loaded transformer uses
    /// <see cref="Defaults.FeatureCacheRows"/>.
    /// </summary>
    public int FeatureCacheRows { get; init; } = Defaults.FeatureCacheRows;

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(OutputColumnName);
        ArgumentNullException.ThrowIfNull(Input);
        Input.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(MaxDegree);
        if (!Enum.IsDefined(Invariant))
        {
            throw new ArgumentOutOfRangeException(nameof(Invariant), Invariant, "Unknown invariant.");
        }

        if (!Enum.IsDefined(Vectorizer))
        {
            throw new ArgumentOutOfRangeException(nameof(Vectorizer), Vectorizer, "Unknown vectorizer.");
        }

        if (Input is GraphInput && MaxDegree > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegree), MaxDegree, "Graph bifiltrations have H0 and H1 only: MaxDegree must be 0 or 1.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(GridResolution);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(OutputResolution);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Directions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Bins);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxFitRows);
        ArgumentOutOfRangeException.ThrowIfNegative(FeatureCacheRows);
        if (!(Bandwidth > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(Bandwidth), Bandwidth, "Bandwidth must be positive.");
        }

        if (!(CodensityParameter > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(CodensityParameter), CodensityParameter, "The codensity parameter must be positive.");
        }

        if (Threshold is { } t && !(t > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), t, "Threshold must be positive.");
        }

        if (!(DropQuantile >= 0f && DropQuantile < 0.5f))
        {
            throw new ArgumentOutOfRangeException(nameof(DropQuantile), DropQuantile, "DropQuantile must be in [0, 0.5).");
        }

        ArgumentNullException.ThrowIfNull(Budget);
    }

    /// <summary>
    /// Gets the number of measures per row: MaxDegree + 1 (Hilbert, rank) or 1 (Euler); 2 for a series' sublevel × time
    /// filtration (one measure of x and one of −x whatever the invariant: a path graph has no H1).
    /// </summary>
    public int MeasureCount => Input is TimeSeriesInput { IsDelayEmbedding: false } ? 2 : Invariant == SignedMeasureInvariant.Euler ? 1 : MaxDegree + 1;

    /// <summary>Gets the length of one measure's vector: r² or (r(r+1)/2)² (rank) for convolution, L·T for sliced Wasserstein.</summary>
    public int VectorLengthPerMeasure => Vectorizer switch
    {
        SignedMeasureVectorizer.Convolution when Invariant == SignedMeasureInvariant.Rank => SignedBarcodeFeatures.ConvolutionLength(OutputResolution),
        SignedMeasureVectorizer.Convolution => OutputResolution * OutputResolution,
        _ => Directions * Bins,
    };

    /// <summary>Gets the output vector length.</summary>
    public int OutputLength => MeasureCount * VectorLengthPerMeasure;
}

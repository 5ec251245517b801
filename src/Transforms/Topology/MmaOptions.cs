using Pipelines.Numerics.Topology;

namespace Pipelines.Transforms.Topology;

/// <summary>How an MMA decomposition becomes a fixed-length vector.</summary>
public enum MmaVectorizer
{
    /// <summary>Kernel image Σ_i w_i^p·exp(−d(x, M̃_i)²/2σ²) on an r × r grid of the unit square (<see cref="MmaRepresentation.Image"/>).</summary>
    Image,

    /// <summary>The first K MMA landscapes on an r × r grid of the unit square (<see cref="MmaRepresentation.Landscapes"/>).</summary>
    Landscape,
}

/// <summary>
/// Options of <c>mlContext.Transforms.Topology.ModuleApproximation(…)</c>: the bifiltration (as for signed measures),
/// the MMA precision δ and the vectorization. Every row's bifiltration is mapped onto the unit square by the box
/// fitted on the training rows, so δ and σ are in unit-square units.
/// </summary>
public sealed record MmaOptions
{
    /// <summary>Default values, also those of <c>pipelines topo vectorize --invariant mma</c>.</summary>
    public static class Defaults
    {
        /// <summary>δ, the line spacing in unit-square units (41 lines).</summary>
        public const float Precision = ModuleApproximationOptions.Defaults.Precision;

        /// <summary>r, the output grid resolution per axis.</summary>
        public const int Resolution = 10;

        /// <summary>σ of the kernel image, in unit-square units.</summary>
        public const float Bandwidth = 0.1f;

        /// <summary>p, the power of the summand weights in the image.</summary>
        public const float Power = 1f;

        /// <summary>K, the number of landscapes.</summary>
        public const int Landscapes = 3;

        /// <summary>The vectorizer.</summary>
        public const MmaVectorizer Vectorizer = MmaVectorizer.Image;
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

    /// <summary>Gets the highest homology degree (graphs: at most 1).</summary>
    public int MaxDegree { get; init; } = 1;

    /// <summary>Gets δ, the spacing of the slope-1 lines in unit-square units.</summary>
    public float Precision { get; init; } = Defaults.Precision;

    /// <summary>Gets the tail fraction dropped at each end of the training values before fitting the box.</summary>
    public float DropQuantile { get; init; } = 0.01f;

    /// <summary>Gets the vectorizer.</summary>
    public MmaVectorizer Vectorizer { get; init; } = Defaults.Vectorizer;

    /// <summary>Gets r, the output grid resolution per axis (≥ 2).</summary>
    public int Resolution { get; init; } = Defaults.Resolution;

    /// <summary>Gets σ of the kernel image (unit-square units).</summary>
    public float Bandwidth { get; init; } = Defaults.Bandwidth;

    /// <summary>Gets p, the power of the summand weights in the image.</summary>
    public float Power { get; init; } = Defaults.Power;

    /// <summary>Gets K, the number of landscapes.</summary>
    public int Landscapes { get; init; } = Defaults.Landscapes;

    /// <summary>Gets the per-row budget: one line's complex, and lines × simplices per line (<see cref="ComplexBudget.MaxSimplices"/>).</summary>
    public ComplexBudget Budget { get; init; } = ComplexBudget.Default;

    /// <summary>Gets the maximum number of rows read by <c>Fit</c> to fit the box (the first rows).</summary>
    public int MaxFitRows { get; init; } = 2000;

    /// <summary>Gets the number of vectors per row: MaxDegree + 1.</summary>
    public int MeasureCount => MaxDegree + 1;

    /// <summary>Gets the length of one degree's vector: r² (image) or K·r² (landscapes).</summary>
    public int VectorLengthPerDegree => Resolution * Resolution * (Vectorizer == MmaVectorizer.Image ? 1 : Landscapes);

    /// <summary>Gets the output vector length.</summary>
    public int OutputLength => MeasureCount * VectorLengthPerDegree;

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        Bifiltration().Validate();
        if (Input is TimeSeriesInput { IsDelayEmbedding: false } series)
        {
            throw new ArgumentException($"MMA decomposes delay-embedded series only; the {series.Filtration} filtration is a signed-measure option (SignedMeasureOptions).", nameof(Input));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Resolution, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Landscapes);
        if (!(Precision > 0f && Precision <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(Precision), Precision, "The MMA precision δ must be in (0, 1] (unit-square units).");
        }

        if (!(Bandwidth > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(Bandwidth), Bandwidth, "Bandwidth must be positive.");
        }

        if (!(Power >= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(Power), Power, "Power must be ≥ 0.");
        }
    }

    /// <summary>The signed-measure options that describe the same bifiltration (used to read rows and build it).</summary>
    internal SignedMeasureOptions Bifiltration() => new()
    {
        OutputColumnName = OutputColumnName,
        InputColumnName = InputColumnName,
        Input = Input,
        Codensity = Codensity,
        CodensityParameter = CodensityParameter,
        Threshold = Threshold,
        MaxDegree = MaxDegree,
        DropQuantile = DropQuantile,
        Budget = Budget,
        MaxFitRows = MaxFitRows,
    };
}

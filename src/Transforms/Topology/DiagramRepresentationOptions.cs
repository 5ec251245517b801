using Pipelines.Numerics.Topology;

namespace Pipelines.Transforms.Topology;

/// <summary>Which one-parameter representation of a persistence diagram (GUDHI's <c>gudhi.representations</c> names).</summary>
public enum DiagramRepresentation
{
    /// <summary>Persistence image, r × r pixels over (birth, persistence) (<see cref="DiagramVectorizers.PersistenceImage"/>).</summary>
    PersistenceImage,

    /// <summary>Persistence landscapes λ_1..λ_K at r samples (<see cref="DiagramVectorizers.Landscape"/>).</summary>
    Landscape,

    /// <summary>Betti curve at r samples (<see cref="DiagramVectorizers.BettiCurve"/>).</summary>
    BettiCurve,

    /// <summary>Weighted silhouette at r samples (<see cref="DiagramVectorizers.Silhouette"/>).</summary>
    Silhouette,

    /// <summary>Persistent entropy, one value (<see cref="DiagramVectorizers.Entropy"/>).</summary>
    Entropy,
}

/// <summary>
/// Options of <c>mlContext.Transforms.Topology.DiagramRepresentation(…)</c>. The input column holds one diagram per
/// row as a variable-length <c>float</c> vector of (birth, death) pairs, [b₀, d₀, b₁, d₁, …], death = +∞ for an
/// essential class (the layout <c>pipelines topo persistence</c> writes per degree).
/// </summary>
public sealed record DiagramRepresentationOptions
{
    /// <summary>Default values (also those of the CLI).</summary>
    public static class Defaults
    {
        /// <summary>r: samples per curve, pixels per image axis.</summary>
        public const int Resolution = 20;

        /// <summary>K, landscapes kept.</summary>
        public const int Landscapes = 5;

        /// <summary>σ of the persistence image, filtration units.</summary>
        public const float Bandwidth = 0.1f;

        /// <summary>What happens to essential classes.</summary>
        public const InfiniteBarPolicy InfiniteBars = InfiniteBarPolicy.Drop;
    }

    /// <summary>Gets the output column (known-size vector of Single).</summary>
    public required string OutputColumnName { get; init; }

    /// <summary>Gets the input column (variable-length vector of Single, (birth, death) pairs); defaults to the output column.</summary>
    public string? InputColumnName { get; init; }

    /// <summary>Gets the representation.</summary>
    public required DiagramRepresentation Representation { get; init; }

    /// <summary>Gets r, samples per curve or pixels per image axis.</summary>
    public int Resolution { get; init; } = Defaults.Resolution;

    /// <summary>Gets K, the number of landscapes.</summary>
    public int Landscapes { get; init; } = Defaults.Landscapes;

    /// <summary>Gets σ of the persistence image (filtration units, a standard deviation).</summary>
    public float Bandwidth { get; init; } = Defaults.Bandwidth;

    /// <summary>Gets the point weight of images and silhouettes.</summary>
    public PersistenceImageWeight Weight { get; init; } = PersistenceImageWeight.Constant;

    /// <summary>Gets what happens to essential classes (Clip: they die at the largest finite death seen by Fit).</summary>
    public InfiniteBarPolicy InfiniteBars { get; init; } = Defaults.InfiniteBars;

    /// <summary>Gets the maximum number of rows read by <c>Fit</c> to fit the ranges (the first rows).</summary>
    public int MaxFitRows { get; init; } = 100_000;

    /// <summary>Gets the output vector length: r² (image), K·r (landscapes), r (Betti curve, silhouette), 1 (entropy).</summary>
    public int OutputLength => Representation switch
    {
        DiagramRepresentation.PersistenceImage => Resolution * Resolution,
        DiagramRepresentation.Landscape => Landscapes * Resolution,
        DiagramRepresentation.Entropy => 1,
        _ => Resolution,
    };

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(OutputColumnName);
        if (!Enum.IsDefined(Representation))
        {
            throw new ArgumentOutOfRangeException(nameof(Representation), Representation, "Unknown representation.");
        }

        if (!Enum.IsDefined(Weight))
        {
            throw new ArgumentOutOfRangeException(nameof(Weight), Weight, "Unknown weight.");
        }

        if (!Enum.IsDefined(InfiniteBars))
        {
            throw new ArgumentOutOfRangeException(nameof(InfiniteBars), InfiniteBars, "Unknown infinite-bar policy.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Resolution);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Landscapes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxFitRows);
        if (!(Bandwidth > 0f) || !float.IsFinite(Bandwidth))
        {
            throw new ArgumentOutOfRangeException(nameof(Bandwidth), Bandwidth, "Bandwidth must be positive and finite.");
        }
    }
}

/// <summary>
/// The ranges a <see cref="DiagramRepresentationTransformer"/> froze at <c>Fit</c>, in filtration units: curves are
/// sampled at r evenly spaced t from <see cref="First"/> to <see cref="Last"/> (GUDHI's fitted grid: the range
/// [min birth, max death] split into r + 1 steps without its two ends); images span births
/// [<see cref="First"/>, <see cref="Last"/>] = [min birth, max birth] and persistence [0, <see cref="PersistenceMax"/>].
/// </summary>
/// <param name="First">First sample (curves) or smallest birth (image).</param>
/// <param name="Last">Last sample (curves) or largest birth (image).</param>
/// <param name="PersistenceMax">Largest finite persistence (image).</param>
/// <param name="ClipValue">Death given to essential classes under <see cref="InfiniteBarPolicy.Clip"/>: the largest finite death.</param>
public readonly record struct DiagramRange(float First, float Last, float PersistenceMax, float ClipValue);

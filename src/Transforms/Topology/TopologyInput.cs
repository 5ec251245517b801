namespace Pipelines.Transforms.Topology;

/// <summary>How the input column of a topology transformer is read.</summary>
public abstract record TopologyInput
{
    private protected TopologyInput()
    {
    }

    /// <summary>Throws when a parameter is out of range.</summary>
    public abstract void Validate();
}

/// <summary>
/// A point cloud per row: a variable-length <c>float</c> vector of n·<see cref="PointDimension"/> coordinates,
/// row-major (n, PointDimension).
/// </summary>
/// <param name="PointDimension">Coordinates per point.</param>
public sealed record PointCloudInput(int PointDimension) : TopologyInput
{
    /// <inheritdoc/>
    public override void Validate() => ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PointDimension);
}

/// <summary>
/// A time series per row (variable-length <c>float</c> vector). By default turned into a point cloud by delay
/// embedding: point k is (x[kS], x[kS + τ], …, x[kS + (D − 1)τ]); <see cref="Filtration"/> picks the series' own
/// sublevel × time bifiltration instead (the second filtration of the UCR recipe, docs/topology-recipes.md).
/// </summary>
/// <param name="Dimension">Embedding dimension D.</param>
/// <param name="Delay">Delay τ.</param>
/// <param name="Skip">
/// Stride S between consecutive points: the explicit subsampling option (S = 2 keeps every other point, about a quarter
/// of the Rips edges). Every point is kept by default; the UCR recipe (docs/topology-recipes.md) needs no subsampling
/// for series of a few hundred samples.
/// </param>
/// <param name="Filtration">
/// The bifiltration built from the series: delay-embedding function-Rips (default), or the sublevel × time lower-star
/// bifiltration of the series or of its first difference (two H0 measures per row, x and −x; D, τ, S unused).
/// </param>
public sealed record TimeSeriesInput(int Dimension = TimeSeriesInput.Defaults.Dimension, int Delay = TimeSeriesInput.Defaults.Delay, int Skip = TimeSeriesInput.Defaults.Skip, SeriesFiltration Filtration = TimeSeriesInput.Defaults.Filtration) : TopologyInput
{
    /// <summary>
    /// Default values, also those of <c>pipelines topo vectorize</c> (<c>--embedding-dimension</c>, <c>--delay</c>,
    /// <c>--skip</c>): D = 3, τ = 1, every point; chosen by training-split cross-validation on six UCR sets against
    /// τ = L/20 (docs/topology-recipes.md).
    /// </summary>
    public static class Defaults
    {
        /// <summary>Embedding dimension D.</summary>
        public const int Dimension = 3;

        /// <summary>Delay τ.</summary>
        public const int Delay = 1;

        /// <summary>Stride S between consecutive embedded points (1 = no subsampling).</summary>
        public const int Skip = 1;

        /// <summary>The bifiltration: delay-embedding function-Rips.</summary>
        public const SeriesFiltration Filtration = SeriesFiltration.DelayEmbedding;
    }

    /// <inheritdoc/>
    public override void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Delay);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Skip);
        if (!Enum.IsDefined(Filtration))
        {
            throw new ArgumentOutOfRangeException(nameof(Filtration), Filtration, "Unknown series filtration.");
        }
    }

    /// <summary>Gets a value indicating whether rows become delay-embedded clouds (function-Rips), not path graphs.</summary>
    public bool IsDelayEmbedding => Filtration == SeriesFiltration.DelayEmbedding;

    /// <summary>
    /// The series a sublevel × time filtration reads: x itself, or its first difference Δx(t) = x(t + 1) − x(t) for
    /// <see cref="SeriesFiltration.DifferenceSublevelTime"/> (a single value gives a single zero).
    /// </summary>
    /// <param name="series">x.</param>
    /// <returns>The filtered series.</returns>
    public float[] FilteredSeries(ReadOnlySpan<float> series)
    {
        if (Filtration != SeriesFiltration.DifferenceSublevelTime)
        {
            return series.ToArray();
        }

        if (series.Length < 2)
        {
            return [0f];
        }

        var d = new float[series.Length - 1];
        for (int t = 0; t < d.Length; t++)
        {
            d[t] = series[t + 1] - series[t];
        }

        return d;
    }
}

/// <summary>
/// A graph per row: the input column holds the edge list as a <c>float</c> vector [u0, v0, u1, v1, …] (0-based node
/// ids), and <see cref="NodeCountColumnName"/> (<c>float</c> or <c>int</c>) gives the number of nodes, so isolated
/// nodes count.
/// </summary>
/// <param name="NodeCountColumnName">Column with the node count.</param>
/// <param name="First">First vertex function (edge value = max of its endpoints).</param>
/// <param name="Second">Second vertex function.</param>
/// <param name="HeatTime">t of the heat-kernel signature when one of the functions is HKS.</param>
/// <param name="NodeLabelColumnName">
/// Column with one label per node (variable-length <c>float</c> vector), needed by label-based vertex functions:
/// atomic numbers for <see cref="Numerics.Topology.GraphVertexFunctionKind.Electronegativity"/>
/// (<see cref="Data.TopologyDataset.NodeLabelColumnName"/> for TU data sets); null when both functions are structural.
/// </param>
public sealed record GraphInput(string NodeCountColumnName, Numerics.Topology.GraphVertexFunctionKind First = Numerics.Topology.GraphVertexFunctionKind.HeatKernelSignature, Numerics.Topology.GraphVertexFunctionKind Second = Numerics.Topology.GraphVertexFunctionKind.FormanRicci, float HeatTime = 10f, string? NodeLabelColumnName = null) : TopologyInput
{
    /// <summary>Gets a value indicating whether a vertex function reads node labels (so <see cref="NodeLabelColumnName"/> is needed).</summary>
    public bool NeedsNodeLabels => First == Numerics.Topology.GraphVertexFunctionKind.Electronegativity || Second == Numerics.Topology.GraphVertexFunctionKind.Electronegativity;

    /// <inheritdoc/>
    public override void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(NodeCountColumnName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(HeatTime);
        if (!Enum.IsDefined(First) || !Enum.IsDefined(Second))
        {
            throw new ArgumentOutOfRangeException(nameof(First), $"Unknown vertex function {First} or {Second}.");
        }

        if (NeedsNodeLabels && string.IsNullOrWhiteSpace(NodeLabelColumnName))
        {
            throw new ArgumentException("The electronegativity vertex function reads atomic numbers: set NodeLabelColumnName (one label per node).", nameof(NodeLabelColumnName));
        }
    }
}

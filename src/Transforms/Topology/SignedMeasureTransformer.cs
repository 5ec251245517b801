using Microsoft.ML;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Fitted signed-measure featurizer: adds a fixed-length <c>float</c> vector column computed per row from a point
/// cloud, time series or graph (bifiltration → Hilbert/Euler signed measure on the frozen grid → vectorization).
/// </summary>
/// <remarks>
/// <para>
/// Persistence as for every <see cref="TopologyTransformer"/>: <c>mlContext.Model.Save</c> writes a chain of
/// ML.NET-persisted steps (the fitted grids ride in a constant column read by a custom mapping;
/// <c>docs/formats/fitted-state-chains.md</c>), so <c>mlContext.Model.Load</c> restores it in a fresh process and
/// <c>PredictionEngine</c> scores single rows through the same chain. The loaded transformer is ML.NET's chain, not
/// this type; for this type back, use <see cref="TopologyTransformer.Save(string)"/> / <see cref="Load(string)"/>
/// (versioned own format, <see cref="SignedMeasureModelFormat"/>). Both give identical features.
/// </para>
/// <para>
/// <see cref="TopologyTransformer.Transform"/> computes each row once: features are cached by ML.NET row id for the first
/// <see cref="SignedMeasureOptions.FeatureCacheRows"/> rows of the view it returns, and the first shuffled pass fills
/// that cache in parallel batches, so an iterative trainer (SDCA, L-BFGS) does not recompute the persistent homology
/// on every epoch. For more rows than that, append <c>AppendCacheCheckpoint</c> after the estimator.
/// </para>
/// </remarks>
public sealed class SignedMeasureTransformer : TopologyTransformer
{
    internal SignedMeasureTransformer(SignedMeasureFeaturizer featurizer)
        : base(featurizer) => Featurizer = featurizer;

    /// <summary>Gets the options the transformer was fitted with.</summary>
    public SignedMeasureOptions Options => Featurizer.Options;

    /// <summary>Gets the fitted grid of the first parameter (Rips scale or first vertex function).</summary>
    public FiltrationGrid FirstGrid => Featurizer.Grid1;

    /// <summary>Gets the fitted grid of the second parameter (codensity or second vertex function).</summary>
    public FiltrationGrid SecondGrid => Featurizer.Grid2;

    internal SignedMeasureFeaturizer Featurizer { get; }

    private protected override int CacheRows => Options.FeatureCacheRows;

    /// <summary>
    /// The signed measures one row's features are computed from, on the fitted grids <see cref="FirstGrid"/> ×
    /// <see cref="SecondGrid"/> (shape (FirstGrid.Count, SecondGrid.Count) each): one per homology degree
    /// 0…<see cref="SignedMeasureOptions.MaxDegree"/> for <see cref="SignedMeasureInvariant.Hilbert"/>, a single one for
    /// <see cref="SignedMeasureInvariant.Euler"/>.
    /// </summary>
    /// <param name="values">Point coordinates, series values or flattened edge list.</param>
    /// <param name="nodeCount">Node count (graphs).</param>
    /// <returns>The measures, lowest degree first.</returns>
    /// <exception cref="InvalidOperationException">The rank invariant (a signed barcode, not a point measure).</exception>
    public IReadOnlyList<SignedMeasure> Measures(ReadOnlySpan<float> values, int nodeCount = 0) =>
        Featurizer.Measures(new TopologyRow(values.ToArray(), nodeCount));

    /// <summary>
    /// Fits a transformer on in-memory rows without a data view: the grids are fitted on the first
    /// <see cref="SignedMeasureOptions.MaxFitRows"/> rows, as <see cref="SignedMeasureEstimator.Fit"/> does.
    /// </summary>
    /// <param name="options">The options.</param>
    /// <param name="rows">The rows.</param>
    /// <returns>The fitted transformer.</returns>
    public static SignedMeasureTransformer Fit(SignedMeasureOptions options, IReadOnlyList<TopologySample> rows)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rows);
        options.Validate();
        return new(SignedMeasureFeaturizer.Fit(options, rows.Take(options.MaxFitRows).Select(r => new TopologyRow(r.Values, r.NodeCount, r.NodeLabels))));
    }

    /// <inheritdoc/>
    public override void Save(Stream stream) => SignedMeasureModelFormat.Write(stream, Featurizer);

    /// <summary>Loads a transformer written by <see cref="TopologyTransformer.Save(string)"/>.</summary>
    /// <param name="path">File.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="InvalidDataException">Not a transformer file, or an unreadable version.</exception>
    public static SignedMeasureTransformer Load(string path)
    {
        using FileStream s = File.OpenRead(path);
        return Load(s);
    }

    /// <summary>Loads a transformer from a stream.</summary>
    /// <param name="stream">Source.</param>
    /// <returns>The transformer.</returns>
    public static SignedMeasureTransformer Load(Stream stream) => new(SignedMeasureModelFormat.Read(stream));

    private protected override IEstimator<ITransformer> Mapping(MLContext context) =>
        Mapper.NodeLabelColumnName is null
            ? context.Transforms.CustomMapping(new SignedMeasureMapping().GetMapping(), SignedMeasureMapping.ContractName)
            : context.Transforms.CustomMapping(new SignedMeasureLabeledMapping().GetMapping(), SignedMeasureLabeledMapping.ContractName);
}

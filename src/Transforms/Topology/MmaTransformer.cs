using Microsoft.ML;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Fitted MMA featurizer: adds a fixed-length <c>float</c> vector column computed per row from a point cloud, time
/// series or graph (bifiltration mapped onto the unit square by the frozen box → module approximation with precision δ
/// → kernel image or landscapes per homology degree).
/// </summary>
/// <remarks>
/// <c>mlContext.Model.Save</c> writes this transformer as the chain of ML.NET-persisted steps the signed-measure
/// transformer uses (the fitted box rides in a constant column read by a custom mapping;
/// <c>docs/formats/fitted-state-chains.md</c>), so <c>mlContext.Model.Load</c> restores it in a fresh process and
/// <c>PredictionEngine</c> scores single rows through it. For this type back, use <see cref="TopologyTransformer.Save(string)"/> /
/// <see cref="Load(string)"/> (versioned own format, docs/formats/mma-transformer.md). Both give identical features.
/// </remarks>
public sealed class MmaTransformer : TopologyTransformer
{
    internal MmaTransformer(MmaFeaturizer featurizer)
        : base(featurizer) => Featurizer = featurizer;

    /// <summary>Gets the options the transformer was fitted with.</summary>
    public MmaOptions Options => Featurizer.Options;

    /// <summary>Gets the fitted box (filtration units) that maps every row onto the unit square.</summary>
    public MeasureBox Box => Featurizer.Box;

    internal MmaFeaturizer Featurizer { get; }

    /// <summary>The MMA decomposition of one row in unit-square coordinates of <see cref="Box"/> (for inspection).</summary>
    /// <param name="values">Point coordinates, series values or flattened edge list.</param>
    /// <param name="nodeCount">Node count (graphs).</param>
    /// <returns>The summands per degree, with the δ used.</returns>
    public MmaModule Decompose(ReadOnlySpan<float> values, int nodeCount = 0) => Featurizer.Decompose(new TopologyRow(values.ToArray(), nodeCount));

    /// <summary>Fits a transformer on in-memory rows (the box on the first <see cref="MmaOptions.MaxFitRows"/> rows).</summary>
    /// <param name="options">The options.</param>
    /// <param name="rows">The rows.</param>
    /// <returns>The fitted transformer.</returns>
    public static MmaTransformer Fit(MmaOptions options, IReadOnlyList<TopologySample> rows)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rows);
        options.Validate();
        return new(MmaFeaturizer.Fit(options, rows.Take(options.MaxFitRows).Select(r => new TopologyRow(r.Values, r.NodeCount, r.NodeLabels))));
    }

    /// <inheritdoc/>
    public override void Save(Stream stream) => MmaModelFormat.Write(stream, Featurizer);

    /// <summary>Loads a transformer written by <see cref="TopologyTransformer.Save(string)"/>.</summary>
    /// <param name="path">File.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="DataFormatException">Not an MMA transformer file, or an unreadable version.</exception>
    public static MmaTransformer Load(string path)
    {
        using FileStream s = File.OpenRead(path);
        return Load(s);
    }

    /// <summary>Loads a transformer from a stream.</summary>
    /// <param name="stream">Source.</param>
    /// <returns>The transformer.</returns>
    public static MmaTransformer Load(Stream stream) => new(MmaModelFormat.Read(stream));

    private protected override IEstimator<ITransformer> Mapping(MLContext context) =>
        Mapper.NodeLabelColumnName is null
            ? context.Transforms.CustomMapping(new MmaMapping().GetMapping(), MmaMapping.ContractName)
            : context.Transforms.CustomMapping(new MmaLabeledMapping().GetMapping(), MmaLabeledMapping.ContractName);
}

using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Pipelines.Transforms.MLNet;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// The ML.NET chain a <see cref="SignedMeasureTransformer"/> saves as, and scores rows through (<c>PredictionEngine</c>):
/// copy of the input column (and of the node-label column, for graphs whose vertex function reads labels) → node count
/// as Single (graphs; 0 otherwise) → the fitted state as a constant column
/// (<see cref="FittedStateColumn"/>: <see cref="SignedMeasureModelFormat"/> bytes, base64) → the
/// <see cref="SignedMeasureMapping"/> custom mapping → <see cref="KnownSizeVector"/> → copy to the output column. Every
/// step is one ML.NET persists, so <c>mlContext.Model.Load</c> restores the transformer in a fresh process.
/// </summary>
internal static class SignedMeasureScoring
{
    /// <summary>The copy of the input column the mapping reads.</summary>
    public const string Values = "PipelinesTopologyValues";

    /// <summary>The node count (graphs) or 0, as Single.</summary>
    public const string Nodes = "PipelinesTopologyNodes";

    /// <summary>The copy of the node-label column (graphs with a label-based vertex function only).</summary>
    public const string Labels = "PipelinesTopologyLabels";

    /// <summary>The fitted state, base64 (a constant column).</summary>
    public const string State = "PipelinesTopologyState";

    /// <summary>The mapping's output (variable-length until <see cref="KnownSizeVector"/>).</summary>
    public const string Raw = "PipelinesTopologyRaw";

    /// <summary>The known-size features before they are copied to the output column.</summary>
    public const string Features = "PipelinesTopologyFeatures";

    /// <summary>
    /// Builds the chain of any topology featurizer (<see cref="TopologyTransformer"/>), fitted on an empty view of its
    /// input columns: its saved <paramref name="state"/> rides in the
    /// constant column and <paramref name="mapping"/> (a custom mapping from <see cref="SignedMeasureRow"/> to
    /// <see cref="SignedMeasureRowFeatures"/> under the featurizer's own contract name; from
    /// <see cref="SignedMeasureLabeledRow"/> when the featurizer reads node labels) computes the features.
    /// </summary>
    public static ITransformer Build(ITopologyRowMapper featurizer, byte[] state, Func<MLContext, IEstimator<ITransformer>> mapping)
    {
        var context = new MLContext(seed: 0);
        using var files = new OnnxModelFiles();
        IEstimator<ITransformer> chain = context.Transforms.CopyColumns(Values, featurizer.InputColumnName);
        var input = new List<(string, DataViewType)> { (featurizer.InputColumnName, new VectorDataViewType(NumberDataViewType.Single)) };
        string[] dropped = [Values, Nodes, State, Raw, Features];
        if (featurizer.NodeLabelColumnName is { } labels)
        {
            chain = chain.Append(context.Transforms.CopyColumns(Labels, labels));
            input.Add((labels, new VectorDataViewType(NumberDataViewType.Single)));
            dropped = [.. dropped, Labels];
        }

        if (featurizer.NodeCountColumnName is { } nodeCount)
        {
            chain = chain.Append(context.Transforms.Conversion.ConvertType(Nodes, nodeCount, DataKind.Single));
            input.Add((nodeCount, NumberDataViewType.Single));
        }
        else
        {
            chain = chain.Append(context.Transforms.CustomMapping(new SignedMeasureAnchorMapping().GetMapping(), SignedMeasureAnchorMapping.ContractName));
        }

        chain = chain.AppendState(context, State, Nodes, state)
            .Append(mapping(context))
            .AppendKnownSize(context, files, Features, Raw, featurizer.OutputLength)
            .Append(context.Transforms.CopyColumns(featurizer.OutputColumnName, Features))
            .Append(context.Transforms.DropColumns(dropped));
        return OnnxModelFiles.FitAndReload(context, chain, new EmptyDataView(EmptyDataView.SchemaOf([.. input])));
    }
}

/// <summary>The input row of <see cref="SignedMeasureAnchorMapping"/>.</summary>
internal sealed class SignedMeasureValues
{
    /// <summary>Point coordinates, series values or flattened edge list.</summary>
    [ColumnName(SignedMeasureScoring.Values)]
    [VectorType]
    public float[] Values { get; set; } = [];
}

/// <summary>The output row of <see cref="SignedMeasureAnchorMapping"/>.</summary>
internal sealed class SignedMeasureNodes
{
    /// <summary>Always 0 (inputs other than graphs have no node count).</summary>
    [ColumnName(SignedMeasureScoring.Nodes)]
    public float Nodes { get; set; }
}

/// <summary>Stateless: emits the node-count column (0) for point clouds and time series, the scalar the state constant hangs off.</summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class SignedMeasureAnchorMapping : CustomMappingFactory<SignedMeasureValues, SignedMeasureNodes>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Topology.NoNodeCount.v1";

    /// <inheritdoc />
    public override Action<SignedMeasureValues, SignedMeasureNodes> GetMapping() => (input, output) => output.Nodes = 0;
}

/// <summary>The input row of <see cref="SignedMeasureMapping"/>.</summary>
internal sealed class SignedMeasureRow
{
    /// <summary>Point coordinates, series values or flattened edge list.</summary>
    [ColumnName(SignedMeasureScoring.Values)]
    [VectorType]
    public float[] Values { get; set; } = [];

    /// <summary>Node count (graphs) or 0.</summary>
    [ColumnName(SignedMeasureScoring.Nodes)]
    public float Nodes { get; set; }

    /// <summary>The fitted state (base64 of <see cref="SignedMeasureModelFormat"/>).</summary>
    [ColumnName(SignedMeasureScoring.State)]
    public string State { get; set; } = "";
}

/// <summary>The input row of the label-reading mappings (<see cref="SignedMeasureLabeledMapping"/>, <see cref="MmaLabeledMapping"/>).</summary>
internal sealed class SignedMeasureLabeledRow
{
    /// <summary>Flattened edge list.</summary>
    [ColumnName(SignedMeasureScoring.Values)]
    [VectorType]
    public float[] Values { get; set; } = [];

    /// <summary>Node count.</summary>
    [ColumnName(SignedMeasureScoring.Nodes)]
    public float Nodes { get; set; }

    /// <summary>One label per node (atomic numbers for the electronegativity).</summary>
    [ColumnName(SignedMeasureScoring.Labels)]
    [VectorType]
    public float[] Labels { get; set; } = [];

    /// <summary>The fitted state (base64 of the featurizer's model format).</summary>
    [ColumnName(SignedMeasureScoring.State)]
    public string State { get; set; } = "";

    /// <summary>The row as the featurizers read it.</summary>
    public TopologyRow ToRow() => new(Values, (int)Nodes, Labels);
}

/// <summary>The output row of <see cref="SignedMeasureMapping"/>.</summary>
internal sealed class SignedMeasureRowFeatures
{
    /// <summary>The row's features.</summary>
    [ColumnName(SignedMeasureScoring.Raw)]
    [VectorType]
    public float[] Features { get; set; } = [];
}

/// <summary>
/// Signed-measure features of one row as an ML.NET custom mapping; the fitted state (options and grids) comes from the
/// row's constant state column, decoded once per process.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class SignedMeasureMapping : CustomMappingFactory<SignedMeasureRow, SignedMeasureRowFeatures>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Topology.SignedMeasure.v1";

    private static readonly ConcurrentDictionary<string, SignedMeasureFeaturizer> s_states = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public override Action<SignedMeasureRow, SignedMeasureRowFeatures> GetMapping() => (input, output) =>
    {
        output.Features = TopologyBatch.FeaturizeRow(Decode(input.State), new TopologyRow(input.Values, (int)input.Nodes), position: -1);
    };

    /// <summary>The featurizer of a state column's value, decoded once per process.</summary>
    internal static SignedMeasureFeaturizer Decode(string state) => FittedStateColumn.Decode(s_states, state, Read, ContractName);

    private static SignedMeasureFeaturizer Read(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return SignedMeasureModelFormat.Read(stream);
    }
}

/// <summary>
/// Signed-measure features of one graph whose vertex function reads node labels (the electronegativity presets) as an
/// ML.NET custom mapping: <see cref="SignedMeasureMapping"/> with the node-label column.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class SignedMeasureLabeledMapping : CustomMappingFactory<SignedMeasureLabeledRow, SignedMeasureRowFeatures>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Topology.SignedMeasure.Labeled.v1";

    /// <inheritdoc />
    public override Action<SignedMeasureLabeledRow, SignedMeasureRowFeatures> GetMapping() => (input, output) =>
        output.Features = TopologyBatch.FeaturizeRow(SignedMeasureMapping.Decode(input.State), input.ToRow(), position: -1);
}

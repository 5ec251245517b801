using System.Collections.Concurrent;
using Microsoft.ML.Transforms;
using Pipelines.Transforms.MLNet;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// MMA features of one row as an ML.NET custom mapping; the fitted state (options and box) comes from the row's constant
/// state column, decoded once per process.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class MmaMapping : CustomMappingFactory<SignedMeasureRow, SignedMeasureRowFeatures>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Topology.Mma.v1";

    private static readonly ConcurrentDictionary<string, MmaFeaturizer> s_states = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public override Action<SignedMeasureRow, SignedMeasureRowFeatures> GetMapping() => (input, output) =>
    {
        output.Features = TopologyBatch.FeaturizeRow(Decode(input.State), new TopologyRow(input.Values, (int)input.Nodes), position: -1);
    };

    /// <summary>The featurizer of a state column's value, decoded once per process.</summary>
    internal static MmaFeaturizer Decode(string state) => FittedStateColumn.Decode(s_states, state, Read, ContractName);

    private static MmaFeaturizer Read(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return MmaModelFormat.Read(stream);
    }
}

/// <summary>MMA features of one graph whose vertex function reads node labels, as an ML.NET custom mapping: <see cref="MmaMapping"/> with the node-label column.</summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class MmaLabeledMapping : CustomMappingFactory<SignedMeasureLabeledRow, SignedMeasureRowFeatures>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Topology.Mma.Labeled.v1";

    /// <inheritdoc />
    public override Action<SignedMeasureLabeledRow, SignedMeasureRowFeatures> GetMapping() => (input, output) =>
        output.Features = TopologyBatch.FeaturizeRow(MmaMapping.Decode(input.State), input.ToRow(), position: -1);
}

/// <summary>A diagram representation of one row as an ML.NET custom mapping; the fitted ranges come from the state column.</summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class DiagramRepresentationMapping : CustomMappingFactory<SignedMeasureRow, SignedMeasureRowFeatures>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Topology.DiagramRepresentation.v1";

    private static readonly ConcurrentDictionary<string, DiagramRepresentationFeaturizer> s_states = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public override Action<SignedMeasureRow, SignedMeasureRowFeatures> GetMapping() => (input, output) =>
    {
        DiagramRepresentationFeaturizer featurizer = FittedStateColumn.Decode(s_states, input.State, Read, ContractName);
        output.Features = TopologyBatch.FeaturizeRow(featurizer, new TopologyRow(input.Values, (int)input.Nodes), position: -1);
    };

    private static DiagramRepresentationFeaturizer Read(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return DiagramRepresentationModelFormat.Read(stream);
    }
}

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
        MmaFeaturizer featurizer = FittedStateColumn.Decode(s_states, input.State, Read, ContractName);
        output.Features = TopologyBatch.FeaturizeRow(featurizer, new TopologyRow(input.Values, (int)input.Nodes), position: -1);
    };

    private static MmaFeaturizer Read(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return MmaModelFormat.Read(stream);
    }
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

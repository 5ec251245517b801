using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Transforms;
using Pipelines.Transforms.MLNet;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// The ML.NET chain an <see cref="MmaTransformer"/> saves as and scores single rows through: the signed-measure chain
/// (<see cref="SignedMeasureScoring"/>) with <see cref="MmaModelFormat"/> bytes as the fitted state and
/// <see cref="MmaMapping"/> as the custom mapping.
/// </summary>
internal static class MmaScoring
{
    /// <summary>Builds the chain of <paramref name="featurizer"/>.</summary>
    public static ITransformer Build(MmaFeaturizer featurizer)
    {
        using var bytes = new MemoryStream();
        MmaModelFormat.Write(bytes, featurizer);
        return SignedMeasureScoring.Build(featurizer, bytes.ToArray(), context => context.Transforms.CustomMapping(new MmaMapping().GetMapping(), MmaMapping.ContractName));
    }
}

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

/// <summary>
/// The ML.NET chain a <see cref="DiagramRepresentationTransformer"/> saves as and scores single rows through: the
/// signed-measure chain (<see cref="SignedMeasureScoring"/>) with <see cref="DiagramRepresentationModelFormat"/> bytes as
/// the fitted state and <see cref="DiagramRepresentationMapping"/> as the custom mapping.
/// </summary>
internal static class DiagramRepresentationScoring
{
    /// <summary>Builds the chain of <paramref name="featurizer"/>.</summary>
    public static ITransformer Build(DiagramRepresentationFeaturizer featurizer)
    {
        using var bytes = new MemoryStream();
        DiagramRepresentationModelFormat.Write(bytes, featurizer);
        return SignedMeasureScoring.Build(featurizer, bytes.ToArray(), context => context.Transforms.CustomMapping(new DiagramRepresentationMapping().GetMapping(), DiagramRepresentationMapping.ContractName));
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

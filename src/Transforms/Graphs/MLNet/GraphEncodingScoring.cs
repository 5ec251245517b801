using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Pipelines.Transforms.Graphs.Spe;
using Pipelines.Transforms.MLNet;

namespace Pipelines.Transforms.Graphs.MLNet;

/// <summary>
/// The ML.NET chain a <see cref="GraphEncodingTransformer"/> saves as and scores rows through (<c>PredictionEngine</c>):
/// copy of the graph column → node count (the scalar the state constant hangs off) → the options as a constant column
/// (<see cref="FittedStateColumn"/>: <see cref="GraphEncodingState"/> JSON, base64) → the <see cref="GraphEncodingMapping"/>
/// custom mapping → <see cref="KnownSizeVector"/> (pooled readouts) → copy to the output column.
/// </summary>
internal static class GraphEncodingScoring
{
    /// <summary>The node count of the row's graph, as Single.</summary>
    public const string NodeCount = "PipelinesGraphNodeCount";

    /// <summary>The encoding state, base64 (a constant column).</summary>
    public const string State = "PipelinesGraphEncodingState";

    /// <summary>The mapping's output (variable-length).</summary>
    public const string Raw = "PipelinesGraphEncodingRaw";

    /// <summary>The known-size pooled encoding.</summary>
    public const string Pooled = "PipelinesGraphEncodingPooled";

    internal static readonly JsonSerializerOptions s_json = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Builds the chain of <paramref name="options"/>, fitted on an empty view of the graph column.</summary>
    public static ITransformer Build(GraphEncodingOptions options)
    {
        GraphDataViewType.Register();
        var context = new MLContext(seed: 0);
        using var files = new OnnxModelFiles();
        byte[] state = JsonSerializer.SerializeToUtf8Bytes(GraphEncodingState.Of(options), s_json);
        IEstimator<ITransformer> chain = context.Transforms.CopyColumns(GraphScoringColumns.Graph, options.InputColumnName)
            .Append(context.Transforms.CustomMapping(new GraphNodeCountMapping().GetMapping(), GraphNodeCountMapping.ContractName))
            .AppendState(context, State, NodeCount, state)
            .Append(context.Transforms.CustomMapping(new GraphEncodingMapping().GetMapping(), GraphEncodingMapping.ContractName));
        var temporary = new List<string> { GraphScoringColumns.Graph, NodeCount, State, Raw };
        string result = Raw;
        if (options.Readout != GraphEncodingReadout.Nodes)
        {
            chain = chain.AppendKnownSize(context, files, Pooled, Raw, options.Encoding.Width);
            temporary.Add(Pooled);
            result = Pooled;
        }

        chain = chain.Append(context.Transforms.CopyColumns(options.OutputColumnName, result))
            .Append(context.Transforms.DropColumns([.. temporary]));
        return OnnxModelFiles.FitAndReload(context, chain, new EmptyDataView(EmptyDataView.SchemaOf((options.InputColumnName, GraphDataViewType.Instance))));
    }
}

/// <summary>
/// What a saved graph encoding carries: the encoding, its readout and, for SPE, φ/ρ (options and tensors). JSON with
/// enum names; the version is the mapping's contract name.
/// </summary>
/// <param name="Encoding">LapPE, RWSE or SPE.</param>
/// <param name="Readout">Mean, sum or per-node.</param>
/// <param name="SpeOptions">The options φ/ρ were made for (SPE only).</param>
/// <param name="SpeTensors">φ/ρ tensors by name (SPE only).</param>
internal sealed record GraphEncodingState(GraphEncoding Encoding, GraphEncodingReadout Readout, SpeOptions? SpeOptions, IReadOnlyList<ParameterTensor>? SpeTensors)
{
    public static GraphEncodingState Of(GraphEncodingOptions o) =>
        new(o.Encoding, o.Readout, o.SpeParameters?.Options, o.SpeParameters?.Tensors);

    /// <summary>The options this state restores (column names are the chain's own).</summary>
    public GraphEncodingOptions ToOptions()
    {
        SpeParameters? spe = null;
        if (SpeOptions is not null)
        {
            spe = SpeParameters.Initialize(SpeOptions);
            foreach (ParameterTensor t in SpeTensors ?? [])
            {
                spe.Set(t.Name, t.Data);
            }
        }

        return new GraphEncodingOptions(GraphScoringColumns.Graph, GraphEncodingScoring.Raw, Encoding, Readout, spe);
    }
}

/// <summary>The node count of one graph.</summary>
internal sealed class GraphNodeCount
{
    /// <summary>Nodes.</summary>
    [ColumnName(GraphEncodingScoring.NodeCount)]
    public float NodeCount { get; set; }
}

/// <summary>Stateless: a graph's node count, the scalar column the state constant hangs off.</summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class GraphNodeCountMapping : CustomMappingFactory<GraphTensorInput, GraphNodeCount>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Graphs.NodeCount.v1";

    /// <inheritdoc />
    public override Action<GraphTensorInput, GraphNodeCount> GetMapping()
    {
        GraphDataViewType.Register();
        return (input, output) => output.NodeCount = GraphStructureMapping.Require(input.Graph).NodeCount;
    }
}

/// <summary>The input row of <see cref="GraphEncodingMapping"/>.</summary>
internal sealed class GraphEncodingRow
{
    static GraphEncodingRow() => GraphDataViewType.Register();

    /// <summary>The graph.</summary>
    [ColumnName(GraphScoringColumns.Graph)]
    public Graph? Graph { get; set; }

    /// <summary>The encoding state (base64 of <see cref="GraphEncodingState"/> JSON).</summary>
    [ColumnName(GraphEncodingScoring.State)]
    public string State { get; set; } = "";
}

/// <summary>The output row of <see cref="GraphEncodingMapping"/>.</summary>
internal sealed class GraphEncodingValue
{
    /// <summary>The encoding (pooled, or all nodes row-major).</summary>
    [ColumnName(GraphEncodingScoring.Raw)]
    [VectorType]
    public float[] Encoding { get; set; } = [];
}

/// <summary>
/// A graph's LapPE/RWSE/SPE encoding as an ML.NET custom mapping (<see cref="GraphEncodingTransformer.Encode"/>); the
/// options come from the row's constant state column, decoded once per process.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class GraphEncodingMapping : CustomMappingFactory<GraphEncodingRow, GraphEncodingValue>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Graphs.Encoding.v1";

    private static readonly ConcurrentDictionary<string, GraphEncodingTransformer> s_states = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public override Action<GraphEncodingRow, GraphEncodingValue> GetMapping()
    {
        GraphDataViewType.Register();
        return (input, output) =>
        {
            GraphEncodingTransformer encoder = FittedStateColumn.Decode(s_states, input.State, Read, ContractName);
            output.Encoding = encoder.Encode(GraphStructureMapping.Require(input.Graph));
        };
    }

    private static GraphEncodingTransformer Read(byte[] bytes)
    {
        GraphEncodingState state;
        try
        {
            state = JsonSerializer.Deserialize<GraphEncodingState>(bytes, GraphEncodingScoring.s_json)
                ?? throw new InvalidDataException($"Custom mapping '{ContractName}': the saved state is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Custom mapping '{ContractName}': the saved state is not a graph encoding ({e.Message}).", e);
        }

        return new GraphEncodingTransformer(state.ToOptions());
    }
}

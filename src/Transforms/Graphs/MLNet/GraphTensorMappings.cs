using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Pipelines.Transforms.Graphs.MLNet;

/// <summary>Column names of the graph scoring chain (all prefixed so they do not collide with user columns).</summary>
internal static class GraphScoringColumns
{
    /// <summary>The copy of the user's graph column that the row mapping reads.</summary>
    public const string Graph = "PipelinesGraph";

    /// <summary>Node type indices, <c>n</c> floats.</summary>
    public const string NodeTypes = "PipelinesNodeTypes";

    /// <summary>Node attributes, row-major <c>(n, a)</c>.</summary>
    public const string NodeAttributes = "PipelinesNodeAttributes";

    /// <summary>Edge type + 1 per node pair, row-major <c>(n, n)</c>.</summary>
    public const string EdgeTypes = "PipelinesEdgeTypes";

    /// <summary>Connected-component index per node.</summary>
    public const string Components = "PipelinesComponents";

    /// <summary>All eigenvalues of the normalised Laplacian, ascending.</summary>
    public const string Eigenvalues = "PipelinesEigenvalues";

    /// <summary>All eigenvectors, row-major <c>(n, n)</c>.</summary>
    public const string Eigenvectors = "PipelinesEigenvectors";

    /// <summary>ONNX output: the regression value or binary logit margin, <c>(1, 1)</c>.</summary>
    public const string ScoreVector = "PipelinesScoreVector";

    /// <summary>ONNX output: the positive-class probability, <c>(1, 1)</c>.</summary>
    public const string ProbabilityVector = "PipelinesProbabilityVector";

    /// <summary>ONNX output: the arg-max class index + 1 (a 1-based key), <c>(1)</c>.</summary>
    public const string PredictedKeyVector = "PipelinesPredictedKeyVector";

    /// <summary>The 1-based predicted class as a scalar, before it becomes the key-typed <c>PredictedLabel</c>.</summary>
    public const string PredictedIndex = "PipelinesPredictedIndex";
}

/// <summary>The input row of the graph tensor mappings.</summary>
internal sealed class GraphTensorInput
{
    static GraphTensorInput() => GraphDataViewType.Register();

    /// <summary>The graph (a copy of the estimator's graph column).</summary>
    [ColumnName(GraphScoringColumns.Graph)]
    public Graph? Graph { get; set; }
}

/// <summary>The structural tensors of one graph (see <see cref="GraphScoringColumns"/>).</summary>
internal class GraphStructureTensors
{
    /// <summary>Node type indices.</summary>
    [ColumnName(GraphScoringColumns.NodeTypes)]
    public float[] NodeTypes { get; set; } = [];

    /// <summary>Node attributes, row-major <c>(n, a)</c>.</summary>
    [ColumnName(GraphScoringColumns.NodeAttributes)]
    public float[] NodeAttributes { get; set; } = [];

    /// <summary>Edge type + 1 per node pair.</summary>
    [ColumnName(GraphScoringColumns.EdgeTypes)]
    public float[] EdgeTypes { get; set; } = [];

    /// <summary>Connected-component index per node.</summary>
    [ColumnName(GraphScoringColumns.Components)]
    public float[] Components { get; set; } = [];

    internal void Fill(GraphRowTensors t)
    {
        NodeTypes = t.NodeTypes;
        NodeAttributes = t.NodeAttributes;
        EdgeTypes = t.EdgeTypes;
        Components = t.Components;
    }
}

/// <summary>The structural tensors plus the full spectrum of one graph.</summary>
internal sealed class GraphSpectralTensors : GraphStructureTensors
{
    /// <summary>All eigenvalues, ascending.</summary>
    [ColumnName(GraphScoringColumns.Eigenvalues)]
    public float[] Eigenvalues { get; set; } = [];

    /// <summary>All eigenvectors, row-major <c>(n, n)</c>.</summary>
    [ColumnName(GraphScoringColumns.Eigenvectors)]
    public float[] Eigenvectors { get; set; } = [];
}

/// <summary>
/// Graph → structural tensors as an ML.NET custom mapping. Stateless, so <c>mlContext.Model.Load</c> restores it from
/// its contract name alone (the assembly must be loaded, e.g. by touching any Pipelines type first).
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class GraphStructureMapping : CustomMappingFactory<GraphTensorInput, GraphStructureTensors>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Graphs.StructureTensors.v1";

    /// <inheritdoc />
    public override Action<GraphTensorInput, GraphStructureTensors> GetMapping()
    {
        GraphDataViewType.Register();
        return (input, output) => output.Fill(GraphRowTensors.Compute(Require(input.Graph), withSpectrum: false));
    }

    internal static Graph Require(Graph? graph) =>
        graph ?? throw new InvalidDataException($"Column '{GraphScoringColumns.Graph}' holds a missing graph.");
}

/// <summary>
/// Graph → structural tensors and the full Laplacian spectrum (dense float64 solver, LapPE's canonical signs) as an
/// ML.NET custom mapping; the eigenpairs of the graph-model chain's preprocessing step.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class GraphSpectrumMapping : CustomMappingFactory<GraphTensorInput, GraphSpectralTensors>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Graphs.SpectralTensors.v1";

    /// <inheritdoc />
    public override Action<GraphTensorInput, GraphSpectralTensors> GetMapping()
    {
        GraphDataViewType.Register();
        return (input, output) =>
        {
            GraphRowTensors t = GraphRowTensors.Compute(GraphStructureMapping.Require(input.Graph), withSpectrum: true);
            output.Fill(t);
            output.Eigenvalues = t.Eigenvalues;
            output.Eigenvectors = t.Eigenvectors;
        };
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace Pipelines.Trainers.Graphs.MLNet;

/// <summary>
/// A trained GINE graph model as an ML.NET transformer: it appends <c>Score</c> (regression value, binary logit margin,
/// or class probabilities), and for classification <c>Probability</c> (binary) and <c>PredictedLabel</c>. It is an
/// ML.NET chain — graph copy, the stateless graph-tensor mapping (eigenpairs), <c>ApplyOnnxModel</c> over the learned
/// part, output unwrapping — so <c>mlContext.Model.Save</c> writes that chain and <c>mlContext.Model.Load</c> returns it
/// (an ML.NET <c>TransformerChain</c> scoring identically; <see cref="Model"/> is not part of the zip).
/// </summary>
/// <remarks>
/// Dispose it when done: ML.NET's <c>ApplyOnnxModel</c> step holds an ONNX Runtime session and a temporary copy of the
/// graph, which it deletes on <see cref="Dispose"/> (a <c>PredictionEngine</c> created over the transformer disposes it
/// with the engine, ML.NET's default).
/// </remarks>
public sealed class GineTransformer : ITransformer, IDisposable
{
    private readonly ITransformer _chain;

    internal GineTransformer(GraphModel model, ITransformer chain, GraphPredictionKind kind, IReadOnlyList<EpochReport> reports)
    {
        Model = model;
        _chain = chain;
        Kind = kind;
        Reports = reports;
    }

    /// <summary>The trained model: definition, GINE and φ/ρ parameters (<see cref="GraphModel.Save"/> writes it as ONNX).</summary>
    public GraphModel Model { get; }

    /// <summary>What the transformer predicts.</summary>
    public GraphPredictionKind Kind { get; }

    /// <summary>One report per training epoch.</summary>
    public IReadOnlyList<EpochReport> Reports { get; }

    /// <summary>The ML.NET chain that does the scoring.</summary>
    public ITransformer Chain => _chain;

    /// <inheritdoc />
    public bool IsRowToRowMapper => _chain.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _chain.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _chain.GetRowToRowMapper(inputSchema);

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => _chain.Transform(input);

    /// <summary>Saves the scoring chain (what <c>mlContext.Model.Load</c> restores).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => _chain.Save(ctx);

    /// <summary>Disposes the scoring chain (its ONNX session and temporary model file).</summary>
    public void Dispose() => (_chain as IDisposable)?.Dispose();
}

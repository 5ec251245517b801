using Microsoft.ML;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.MLNet;
using Pipelines.Transforms.Graphs.Spe;
using Pipelines.Transforms.MLNet;

namespace Pipelines.Trainers.Graphs.MLNet;

/// <summary>
/// Trains GINE with a positional encoding (LapPE, RWSE or SPE with learned φ/ρ) on a graph column. <see cref="Fit"/>
/// computes each graph's eigenpairs (preprocessing), trains end to end with <see cref="GraphTrainer"/> (ONNX Runtime,
/// reverse-mode gradient graph) and returns a <see cref="GineTransformer"/>: an ML.NET chain of a stateless row mapping
/// (graph → tensors, eigenpairs included) and <c>ApplyOnnxModel</c> over the learned part, which
/// <c>mlContext.Model.Save</c>/<c>Load</c> carry.
/// </summary>
/// <remarks>
/// Estimator characteristics: needs training; input a <c>Graph</c> column and a label column (Single, Boolean or key);
/// output <c>Score</c> (+ <c>Probability</c>, <c>PredictedLabel</c>); the learned part is plain ONNX.
/// Reference: Huang et al., "On the Stability of Expressive Positional Encodings for Graphs", ICLR 2024 (SPE);
/// Hu et al., "Strategies for Pre-training Graph Neural Networks", ICLR 2020 (GINE).
/// </remarks>
public sealed class GineEstimator : IEstimator<GineTransformer>
{
    private readonly MLContext _context;
    private readonly GineTrainerOptions _options;
    private readonly GraphPredictionKind _kind;

    internal GineEstimator(MLContext context, GineTrainerOptions options, GraphPredictionKind kind)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown prediction kind.");
        }

        GraphDataViewType.Register();
        _context = context;
        _options = options;
        _kind = kind;
    }

    /// <summary>The options.</summary>
    public GineTrainerOptions Options => _options;

    /// <inheritdoc />
    public GineTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GraphLabelReader.Check(input.Schema, _options, _kind);
        (List<Graph> graphs, int classes) = GraphLabelReader.Read(input, _options, _kind);
        if (graphs.Count == 0)
        {
            throw new ArgumentException($"The training data has no rows (column '{_options.GraphColumnName}').", nameof(input));
        }

        GraphModelDefinition definition = Definition(InferSchema(graphs, classes));
        var reports = new List<EpochReport>();
        var progress = new ForwardingProgress(reports, _options.Progress);
        PrecomputedEncoding[] encodings = PrecomputedEncoding.ComputeMany(graphs, definition.Encoding);
        GraphModel model = GraphTrainer.Train(definition, new GraphSplit(graphs, encodings), null, _options.TrainerOptions, progress);
        using var files = new OnnxModelFiles();
        ITransformer chain = OnnxModelFiles.FitAndReload(_context, ScoringEstimator(model, files), input);
        return new GineTransformer(model, chain, _kind, reports);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        GraphLabelReader.Check(inputSchema, _options, _kind);

        // SchemaShape.Column cannot be built outside ML.NET: ask the same chain, built on an untrained model (a shape
        // carries no vector sizes, so the class count is immaterial here).
        int classes = _kind == GraphPredictionKind.Regression ? 1 : 2;
        GraphModelDefinition def = Definition(new GraphSchema(Math.Max(1, _options.NodeTypeCount), Math.Max(1, _options.EdgeTypeCount), 0, classes));
        SpeParameters? spe = def.Encoding is SpeEncoding s ? SpeParameters.Initialize(s.SpeOptions) : null;
        var untrained = new GraphModel(def, GraphModelBuilder.InitializeBackbone(def), spe);
        using var files = new OnnxModelFiles();
        return ScoringEstimator(untrained, files).GetOutputSchema(inputSchema);
    }

    /// <summary>The ML.NET chain that scores <paramref name="model"/>.</summary>
    internal IEstimator<ITransformer> ScoringEstimator(GraphModel model, OnnxModelFiles files)
    {
        OnnxModel scoring = GraphScoringModel.Build(model, _kind);
        string modelFile = files.Add(OnnxModelIO.ToBytes(scoring));
        var temporary = new List<string> { GraphScoringColumns.Graph, GraphScoringColumns.NodeTypes, GraphScoringColumns.NodeAttributes, GraphScoringColumns.EdgeTypes, GraphScoringColumns.Components };
        IEstimator<ITransformer> chain = _context.Transforms.CopyColumns(GraphScoringColumns.Graph, _options.GraphColumnName);
        if (GraphScoringModel.NeedsSpectrum(model.Definition.Encoding))
        {
            chain = chain.Append(_context.Transforms.CustomMapping(new GraphSpectrumMapping().GetMapping(), GraphSpectrumMapping.ContractName));
            temporary.AddRange([GraphScoringColumns.Eigenvalues, GraphScoringColumns.Eigenvectors]);
        }
        else
        {
            chain = chain.Append(_context.Transforms.CustomMapping(new GraphStructureMapping().GetMapping(), GraphStructureMapping.ContractName));
        }

        string[] outputs = GraphScoringModel.Outputs(_kind);
        temporary.AddRange(outputs);
        chain = chain.Append(_context.Transforms.ApplyOnnxModel(outputs, GraphScoringModel.Inputs(model.Definition), modelFile));
        switch (_kind)
        {
            case GraphPredictionKind.Regression:
                chain = chain.Append(_context.Transforms.CustomMapping(new GraphRegressionScoreMapping().GetMapping(), GraphRegressionScoreMapping.ContractName));
                break;
            case GraphPredictionKind.BinaryClassification:
                chain = chain.Append(_context.Transforms.CustomMapping(new GraphBinaryScoreMapping().GetMapping(), GraphBinaryScoreMapping.ContractName));
                break;
            default:
                chain = chain.Append(_context.Transforms.CustomMapping(new GraphPredictedIndexMapping().GetMapping(), GraphPredictedIndexMapping.ContractName))
                    .Append(_context.Transforms.Conversion.MapValueToKey(GineCatalog.PredictedLabelColumn, GineCatalog.PredictedIndexColumn, keyData: KeyData(model.Definition.Schema.OutputCount)))
                    .Append(_context.Transforms.CopyColumns(GineCatalog.ScoreColumn, GraphScoringColumns.ScoreVector));
                temporary.Add(GineCatalog.PredictedIndexColumn);
                break;
        }

        return chain.Append(_context.Transforms.DropColumns([.. temporary]));
    }

    private IDataView KeyData(int classes) =>
        _context.Data.LoadFromEnumerable(Enumerable.Range(1, classes).Select(i => new GraphPredictedIndex { PredictedIndex = (uint)i }));

    private GraphModelDefinition Definition(GraphSchema schema)
    {
        GraphLoss loss = _kind == GraphPredictionKind.Regression ? _options.RegressionLoss : GraphLoss.CrossEntropy;
        return new GraphModelDefinition(schema, _options.Backbone with { Seed = _options.Seed }, _options.ScoringEncoding, loss);
    }

    private GraphSchema InferSchema(List<Graph> graphs, int outputs)
    {
        int nodeTypes = _options.NodeTypeCount > 0 ? _options.NodeTypeCount : 1 + graphs.Max(g => g.NodeTypes is { Length: > 0 } t ? t.Max() : 0);
        int edgeTypes = _options.EdgeTypeCount > 0 ? _options.EdgeTypeCount : 1 + graphs.Max(g => g.EdgeTypes is { Length: > 0 } t ? t.Max() : 0);
        int attributes = graphs[0].NodeAttributeWidth;
        Graph? odd = graphs.FirstOrDefault(g => g.NodeAttributeWidth != attributes && g.NodeCount > 0);
        if (odd is not null)
        {
            throw new InvalidDataException($"Graph '{odd.Id ?? "(no id)"}' has {odd.NodeAttributeWidth} attributes per node, the first graph {attributes}; all graphs need the same width.");
        }

        return new GraphSchema(nodeTypes, edgeTypes, attributes, outputs);
    }

    private sealed class ForwardingProgress(List<EpochReport> sink, IProgress<EpochReport>? next) : IProgress<EpochReport>
    {
        public void Report(EpochReport value)
        {
            sink.Add(value);
            next?.Report(value);
        }
    }
}

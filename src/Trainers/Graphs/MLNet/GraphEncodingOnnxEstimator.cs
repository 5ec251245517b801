using Microsoft.ML;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.MLNet;
using Pipelines.Transforms.Graphs.Spe;
using Pipelines.Transforms.MLNet;

namespace Pipelines.Trainers.Graphs.MLNet;

/// <summary>
/// A fixed LapPE, RWSE or SPE (φ/ρ given, e.g. trained) encoding of a graph column as an ONNX-backed ML.NET chain — the
/// stateless graph-tensor mapping (eigenpairs), then <c>ApplyOnnxModel</c> over the encoding and its readout — so the
/// encoding is computed by ONNX Runtime and exports with the model (<see cref="GraphEncodingEstimator"/> computes it in
/// managed code; both survive <c>mlContext.Model.Save</c>/<c>Load</c>).
/// Output: a float vector of the encoding width (mean or sum over nodes), or all node encodings <c>(n, width)</c>.
/// </summary>
/// <remarks>The eigenpairs come from the dense float64 solver; eigengap truncation is not supported.</remarks>
public sealed class GraphEncodingOnnxEstimator : IEstimator<ITransformer>
{
    /// <summary>The ONNX output before it is copied to the requested column.</summary>
    internal const string EncodingOutput = "PipelinesEncoding";

    private readonly MLContext _context;
    private readonly GraphEncodingOptions _options;

    internal GraphEncodingOnnxEstimator(MLContext context, GraphEncodingOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        options.Encoding.Validate();
        if (options.Encoding is NoEncoding)
        {
            throw new ArgumentException("GraphEncodingOptions.Encoding is NoEncoding: there is nothing to compute.", nameof(options));
        }

        if (options.Encoding is SpeEncoding && options.SpeParameters is null)
        {
            throw new ArgumentException("An SPE encoding needs SpeParameters (φ and ρ), e.g. from a trained GraphModel.", nameof(options));
        }

        GraphDataViewType.Register();
        _context = context;
        _options = options;
    }

    /// <summary>The options.</summary>
    public GraphEncodingOptions Options => _options;

    /// <inheritdoc />
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GraphEncodingTransformer.CheckInput(input.Schema, _options.InputColumnName);
        using var files = new OnnxModelFiles();
        return OnnxModelFiles.FitAndReload(_context, Chain(files), input);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        GraphEncodingTransformer.CheckInput(inputSchema, _options.InputColumnName);
        using var files = new OnnxModelFiles();
        return Chain(files).GetOutputSchema(inputSchema);
    }

    private IEstimator<ITransformer> Chain(OnnxModelFiles files)
    {
        OnnxModel model = Build(_options.Encoding, _options.SpeParameters, _options.Readout);
        string modelFile = files.Add(OnnxModelIO.ToBytes(model));
        string[] inputs = GraphScoringModel.Inputs(null, _options.Encoding);
        var temporary = new List<string> { GraphScoringColumns.Graph, GraphScoringColumns.NodeTypes, GraphScoringColumns.NodeAttributes, GraphScoringColumns.EdgeTypes, GraphScoringColumns.Components, EncodingOutput };
        IEstimator<ITransformer> chain = _context.Transforms.CopyColumns(GraphScoringColumns.Graph, _options.InputColumnName);
        if (GraphScoringModel.NeedsSpectrum(_options.Encoding))
        {
            chain = chain.Append(_context.Transforms.CustomMapping(new GraphSpectrumMapping().GetMapping(), GraphSpectrumMapping.ContractName));
            temporary.AddRange([GraphScoringColumns.Eigenvalues, GraphScoringColumns.Eigenvectors]);
        }
        else
        {
            chain = chain.Append(_context.Transforms.CustomMapping(new GraphStructureMapping().GetMapping(), GraphStructureMapping.ContractName));
        }

        return chain.Append(_context.Transforms.ApplyOnnxModel([EncodingOutput], inputs, modelFile))
            .Append(_context.Transforms.CopyColumns(_options.OutputColumnName, EncodingOutput))
            .Append(_context.Transforms.DropColumns([.. temporary]));
    }

    /// <summary>The encoding model for one graph: row inputs → <c>(1, width)</c> pooled, or <c>(1, n·width)</c> per node.</summary>
    internal static OnnxModel Build(GraphEncoding encoding, SpeParameters? spe, GraphEncodingReadout readout)
    {
        const TensorElementType F = TensorElementType.Float;
        var b = new GraphBuilder("graph_encoding");
        foreach (string input in GraphScoringModel.Inputs(null, encoding))
        {
            b.Input(input, F, "batch", input + "_length");
        }

        var produced = new Dictionary<string, string>(StringComparer.Ordinal);
        GraphScoringModel.Prelude(b, null, encoding, produced);
        string pe;
        if (encoding is SpeEncoding)
        {
            foreach (string name in new[] { SpeTensorNames.Eigenvalues, SpeTensorNames.EigenvalueMask, SpeTensorNames.Eigenvectors, SpeTensorNames.Adjacency, SpeTensorNames.NodeMask, SpeTensorNames.ColumnMask })
            {
                b.NodeTo("Identity", [produced[name]], [name]);
            }

            pe = SpeGraph.Append(b, spe!, F, out _); // (1,n,p)
        }
        else
        {
            pe = produced[GraphTensorNames.FixedEncoding]; // (1,n,w)
        }

        int w = encoding.Width;
        string output = readout switch
        {
            GraphEncodingReadout.Mean => b.Op("ReduceMean", [pe, b.Int64s("axis_1", 1)], OnnxAttribute.Int("keepdims", 0)),
            GraphEncodingReadout.Sum => b.Op("ReduceSum", [pe, b.Int64s("axis_1", 1)], OnnxAttribute.Int("keepdims", 0)),
            _ => b.Op("Reshape", pe, b.Int64s("flat", 1, -1)),
        };
        b.Output(output, EncodingOutput, readout == GraphEncodingReadout.Nodes ? TensorType.Of(F, 1, "values") : TensorType.Of(F, 1, w));
        OnnxModel model = b.ToModel();
        model.DocString = $"Graph encoding {encoding.Name} ({readout}), Pipelines.";
        return model;
    }
}

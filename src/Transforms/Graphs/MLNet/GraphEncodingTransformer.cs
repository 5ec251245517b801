using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Transforms.MLNet;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Transforms.Graphs.MLNet;

/// <summary>How node encodings become the output column.</summary>
public enum GraphEncodingReadout
{
    /// <summary>Mean over nodes: a fixed-size vector of the encoding width, usable by any ML.NET trainer.</summary>
    Mean,

    /// <summary>Sum over nodes (fixed size).</summary>
    Sum,

    /// <summary>All node encodings, row-major <c>(n, width)</c>, as a variable-size vector.</summary>
    Nodes,
}

/// <summary>Options of the fixed-encoding transform.</summary>
/// <param name="InputColumnName">The graph column (type <see cref="GraphDataViewType"/>).</param>
/// <param name="OutputColumnName">The output float-vector column.</param>
/// <param name="Encoding">LapPE, RWSE or SPE (SPE needs <paramref name="SpeParameters"/>, e.g. trained φ/ρ).</param>
/// <param name="Readout">Mean/sum pooling or all nodes.</param>
/// <param name="SpeParameters">φ/ρ parameters for <see cref="SpeEncoding"/>.</param>
public sealed record GraphEncodingOptions(
    string InputColumnName,
    string OutputColumnName,
    GraphEncoding Encoding,
    GraphEncodingReadout Readout = GraphEncodingReadout.Mean,
    SpeParameters? SpeParameters = null);

/// <summary>Estimator of <see cref="GraphEncodingTransformer"/> (stateless: fitting only validates the schema).</summary>
public sealed class GraphEncodingEstimator : IEstimator<GraphEncodingTransformer>
{
    private readonly GraphEncodingOptions _options;

    internal GraphEncodingEstimator(GraphEncodingOptions options)
    {
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

        _options = options;
    }

    /// <inheritdoc />
    public GraphEncodingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GraphEncodingTransformer.CheckInput(input.Schema, _options.InputColumnName);
        return new GraphEncodingTransformer(_options);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        GraphEncodingTransformer.CheckInput(inputSchema, _options.InputColumnName);
        return SchemaShapes.Append(inputSchema, SchemaShapes.Column(_options.OutputColumnName, GraphEncodingTransformer.OutputType(_options)));
    }
}

/// <summary>
/// Appends a float-vector column with each graph's LapPE, RWSE or SPE (eval mode), pooled or per node. Spectra are
/// computed per row and cached by canonical graph hash.
/// </summary>
/// <remarks>
/// <c>mlContext.Model.Save</c> writes it as a chain of ML.NET-persisted steps (the options, and SPE's φ/ρ, ride in a
/// constant column read by a custom mapping; see <c>docs/formats/fitted-state-chains.md</c>), so
/// <c>mlContext.Model.Load</c> restores it in a fresh process with identical values, and <c>PredictionEngine</c> scores
/// single rows through the same chain. Only Pipelines.Transforms is needed to load it.
/// </remarks>
public sealed class GraphEncodingTransformer : ITransformer, IDisposable
{
    private readonly SpectrumCache _cache = new();
    private readonly SpeEncoder? _spe;
    private readonly Lazy<ITransformer> _scoring;

    internal GraphEncodingTransformer(GraphEncodingOptions options)
    {
        Options = options;
        _scoring = new Lazy<ITransformer>(() => GraphEncodingScoring.Build(options));
        _spe = options.Encoding is SpeEncoding && options.SpeParameters is not null
            ? new SpeEncoder(options.SpeParameters, TensorElementType.Float)
            : null;
    }

    /// <summary>The options.</summary>
    public GraphEncodingOptions Options { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <summary>Width of the encoding per node.</summary>
    public int Width => Options.Encoding.Width;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckInput(inputSchema, Options.InputColumnName);
        var b = new DataViewSchema.Builder();
        b.AddColumns(inputSchema.Where(c => c.Name != Options.OutputColumnName));
        b.AddColumn(Options.OutputColumnName, OutputType(Options));
        return b.ToSchema();
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new AppendedColumnDataView(input, GetOutputSchema(input.Schema), Options.InputColumnName, Options.OutputColumnName, Encode);
    }

    /// <inheritdoc />
    /// <remarks>Row by row through the saved chain (see the class remarks).</remarks>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckInput(inputSchema, Options.InputColumnName);
        return _scoring.Value.GetRowToRowMapper(inputSchema);
    }

    /// <summary>Saves the scoring chain (see the class remarks); <c>mlContext.Model.Load</c> restores it.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => _scoring.Value.Save(ctx);

    /// <summary>Encodes one graph (the output column's value).</summary>
    public float[] Encode(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        GraphStructure g = graph.ToStructure();
        int w = Width;
        float[] nodes;
        if (Options.Encoding is SpeEncoding spe)
        {
            Spectrum s = _cache.GetOrCompute(g, spe.SpectrumOptions);
            double[] pe;
            lock (_spe!)
            {
                pe = _spe.Encode([g], [s], spe.K)[0];
            }

            nodes = Array.ConvertAll(pe, x => (float)x);
        }
        else
        {
            nodes = PrecomputedEncoding.Compute(g, Options.Encoding, _cache).Fixed!;
        }

        if (Options.Readout == GraphEncodingReadout.Nodes)
        {
            return nodes;
        }

        var pooled = new float[w];
        for (int i = 0; i < graph.NodeCount; i++)
        {
            for (int c = 0; c < w; c++)
            {
                pooled[c] += nodes[(i * w) + c];
            }
        }

        if (Options.Readout == GraphEncodingReadout.Mean && graph.NodeCount > 0)
        {
            for (int c = 0; c < w; c++)
            {
                pooled[c] /= graph.NodeCount;
            }
        }

        return pooled;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _spe?.Dispose();
        if (_scoring.IsValueCreated)
        {
            (_scoring.Value as IDisposable)?.Dispose(); // its known-size ApplyOnnxModel step and temporary model file
        }
    }

    internal static void CheckInput(DataViewSchema schema, string name)
    {
        DataViewSchema.Column? col = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Input column '{name}' not found; columns are [{string.Join(", ", schema.Select(c => c.Name))}].");
        if (col.Value.Type is not GraphDataViewType)
        {
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' has type {col.Value.Type}, expected Graph (GraphDataViewType).");
        }
    }

    /// <summary>The same check on a schema shape (no data).</summary>
    internal static void CheckInput(SchemaShape shape, string name)
    {
        SchemaShape.Column col = SchemaShapes.Require(shape, name);
        if (col.ItemType is not GraphDataViewType)
        {
            throw new ArgumentOutOfRangeException(nameof(shape), $"Column '{name}' has type {col.ItemType}, expected Graph.");
        }
    }

    internal static VectorDataViewType OutputType(GraphEncodingOptions o) =>
        o.Readout == GraphEncodingReadout.Nodes ? new VectorDataViewType(NumberDataViewType.Single) : new VectorDataViewType(NumberDataViewType.Single, o.Encoding.Width);
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.MLNet;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// ML.NET estimator that initialises LoRA adapters on an ONNX model (see <see cref="LowRankInitializer"/>) and scores
/// with the adapted model. <see cref="Fit"/> returns a <see cref="LowRankAdapterTransformer"/> backed by ML.NET's
/// ONNX transformer over the adapted model's bytes, so <c>mlContext.Model.Save</c> stores the adapted graph and
/// <c>Load</c> gives back a transformer that scores identically.
/// </summary>
/// <remarks>
/// | Estimator characteristic | |
/// |---|---|
/// | Needs data to fit? | No (weight-driven methods); EVA reads calibration rows from the fitted data (or its options) |
/// | Input columns | the ONNX inputs, by name |
/// | Output columns | the ONNX outputs, by name (vectors keep ML.NET's leading batch dimension 1) |
/// | Exportable to ONNX | it is ONNX |
/// </remarks>
public sealed class LowRankAdapterEstimator : IEstimator<LowRankAdapterTransformer>
{
    private readonly TransformsCatalog _catalog;
    private readonly LowRankAdapterOptions _options;

    internal LowRankAdapterEstimator(TransformsCatalog catalog, LowRankAdapterOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        (options.Initialization.Method == LowRankMethod.Eva && options.Initialization.Eva is null
            ? options.Initialization with { Eva = new EvaOptions { Batches = [] } }
            : options.Initialization).Validate();
        if (options.InputColumnNames.Count == 0 || options.OutputColumnNames.Count == 0)
        {
            throw new ArgumentException("At least one input and one output column name are needed.", nameof(options));
        }

        _catalog = catalog;
        _options = options;
    }

    /// <summary>Initialises the adapters and wraps the adapted model.</summary>
    public LowRankAdapterTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        LowRankOptions init = _options.Initialization;
        List<TensorBatch>? calibration = null;
        if (init.Method == LowRankMethod.Eva && init.Eva is null)
        {
            // EVA calibration rows come from the data being fitted.
            calibration = CalibrationReader.Read(input, _options.InputColumnNames, _options.CalibrationBatchSize);
            init = init with { Eva = new EvaOptions { Batches = calibration } };
        }

        AdaptedModel adapted;
        try
        {
            adapted = LowRankInitializer.Initialize(_options.LoadModel(), init);
        }
        finally
        {
            calibration?.ForEach(b => b.Dispose());
        }

        using var files = new OnnxModelFiles();
        ITransformer inner = OnnxModelFiles.FitAndReload(new MLContext(seed: 0), Scorer(files.Add(OnnxModelIO.ToBytes(adapted.Model))), input);
        return new LowRankAdapterTransformer(inner, adapted);
    }

    /// <summary>The output schema: the base model's outputs appended to the input (the adapters do not change them).</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        using var files = new OnnxModelFiles();
        return Scorer(files.Add(OnnxModelIO.ToBytes(_options.LoadModel()))).GetOutputSchema(inputSchema);
    }

    private IEstimator<ITransformer> Scorer(string modelFile) => _options.ShapeDictionary is null
        ? _catalog.ApplyOnnxModel(_options.OutputColumnNames.ToArray(), _options.InputColumnNames.ToArray(), modelFile)
        : _catalog.ApplyOnnxModel(_options.OutputColumnNames.ToArray(), _options.InputColumnNames.ToArray(), modelFile, _options.ShapeDictionary, gpuDeviceId: null, fallbackToCpu: false);
}

/// <summary>
/// Scores with the adapted ONNX model and exposes the adapter artifacts. Saving stores the inner ONNX transformer
/// (ML.NET cannot load third-party transformer types), so a loaded model is ML.NET's ONNX transformer with the
/// adapted graph inside: same outputs, the artifacts stay with this object (save them with <see cref="AdapterSet.Save"/>).
/// Dispose it when done: the ONNX transformer holds an ONNX Runtime session and a temporary copy of the adapted graph,
/// which it deletes on <see cref="Dispose"/> (a <c>PredictionEngine</c> created over it disposes it with the engine).
/// </summary>
public sealed class LowRankAdapterTransformer : ITransformer, IDisposable
{
    internal LowRankAdapterTransformer(ITransformer inner, AdaptedModel adapted)
    {
        Inner = inner;
        Adapted = adapted;
    }

    /// <summary>ML.NET's ONNX transformer over the adapted model (a one-step chain, loaded back from memory so that its disposal deletes its temporary copy of the graph; see <see cref="OnnxModelFiles"/>).</summary>
    public ITransformer Inner { get; }

    /// <summary>The adapted model, adapters and report.</summary>
    public AdaptedModel Adapted { get; }

    /// <summary>The adapter artifacts.</summary>
    public AdapterSet Adapters => Adapted.Adapters;

    /// <summary>Per-layer figures of the initialisation.</summary>
    public InitializationReport Report => Adapted.Report;

    /// <inheritdoc />
    public bool IsRowToRowMapper => Inner.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Inner.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => Inner.GetRowToRowMapper(inputSchema);

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => Inner.Transform(input);

    /// <inheritdoc />
    void ICanSaveModel.Save(ModelSaveContext ctx) => Inner.Save(ctx);

    /// <summary>Disposes <see cref="Inner"/> (its ONNX session and temporary model file).</summary>
    public void Dispose() => (Inner as IDisposable)?.Dispose();
}

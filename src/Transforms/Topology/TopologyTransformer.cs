using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Onnx;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// What the fitted topology transformers share (<see cref="SignedMeasureTransformer"/>, <see cref="MmaTransformer"/>,
/// <see cref="DiagramRepresentationTransformer"/>): a fixed-length <c>float</c> vector column computed per row in
/// parallel batches, single rows directly, and two ways to persist the fitted state — the transformer's own versioned
/// file (<see cref="Save(string)"/>, read back by the derived type's <c>Load</c>) and <c>mlContext.Model.Save</c>, which
/// writes a chain of ML.NET-persisted steps with the same bytes in a constant column read by a custom mapping
/// (<c>docs/formats/fitted-state-chains.md</c>), so <c>mlContext.Model.Load</c> restores it in a fresh process and
/// <c>PredictionEngine</c> scores through it. Both give identical features.
/// </summary>
/// <remarks>
/// The chain (built on first use by <see cref="GetRowToRowMapper"/> or <c>mlContext.Model.Save</c>) holds an ONNX Runtime
/// session and a temporary model file of ML.NET's <c>ApplyOnnxModel</c> step; <see cref="Dispose()"/> releases both (a
/// <c>PredictionEngine</c> created over the transformer does so with the engine, ML.NET's default), and a later use
/// builds the chain again.
/// </remarks>
public abstract class TopologyTransformer : ITransformer, IDisposable
{
    private readonly object _scoringGate = new();
    private ITransformer? _scoring;

    private protected TopologyTransformer(ITopologyRowMapper mapper)
    {
        Mapper = mapper;
    }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <summary>Gets the length of the output vector.</summary>
    public int OutputLength => Mapper.OutputLength;

    internal ITopologyRowMapper Mapper { get; }

    /// <summary>Gets how many rows a <see cref="Transform"/> view keeps computed features for (0: none).</summary>
    private protected virtual int CacheRows => 0;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return TopologyDataView.BuildSchema(inputSchema, Mapper);
    }

    /// <inheritdoc/>
    /// <remarks>Row by row through the saved chain (see the class remarks); <see cref="Transform"/> is faster over many rows.</remarks>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        TopologyDataView.CheckInput(inputSchema, Mapper);
        return Scoring().GetRowToRowMapper(inputSchema);
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new TopologyDataView(input, Mapper, CacheRows);
    }

    /// <summary>Features of one row, computed directly (no data view).</summary>
    /// <param name="values">Point coordinates, series values, flattened edge list, or diagram pairs.</param>
    /// <param name="nodeCount">Node count (graphs).</param>
    /// <param name="nodeLabels">One label per node (graphs with a label-based vertex function such as the electronegativity).</param>
    /// <returns>The feature vector.</returns>
    public float[] Featurize(ReadOnlySpan<float> values, int nodeCount = 0, float[]? nodeLabels = null)
    {
        var f = new float[Mapper.OutputLength];
        Mapper.Featurize(new TopologyRow(values.ToArray(), nodeCount, nodeLabels), f);
        return f;
    }

    /// <summary>
    /// Features of many in-memory rows, computed in parallel batches (as <see cref="Transform"/> does); after each batch
    /// <paramref name="progress"/> receives how many rows are done, the last report being every row.
    /// </summary>
    /// <param name="rows">The rows.</param>
    /// <param name="progress">Receives the rows done so far, once per batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>One feature vector per row, in row order.</returns>
    /// <exception cref="InvalidOperationException">A row cannot be featurised (its index named; the first such row in row order).</exception>
    public float[][] FeaturizeMany(IReadOnlyList<TopologySample> rows, IProgress<FeaturizationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var features = new float[rows.Count][];
        for (int start = 0; start < rows.Count; start += TopologyBatch.Size)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int end = Math.Min(rows.Count, start + TopologyBatch.Size);
            var batch = new TopologyRow[end - start];
            for (int i = start; i < end; i++)
            {
                batch[i - start] = new TopologyRow(rows[i].Values, rows[i].NodeCount, rows[i].NodeLabels);
            }

            TopologyBatch.Featurize(Mapper, batch, start).CopyTo(features, start);
            progress?.Report(new FeaturizationProgress(end, rows.Count));
        }

        return features;
    }

    /// <summary>Saves the scoring chain (see the class remarks); <c>mlContext.Model.Load</c> restores it.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => Scoring().Save(ctx);

    /// <summary>Releases the scoring chain, if built (its ONNX session and temporary model file); a later use builds it again.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the scoring chain (see <see cref="Dispose()"/>).</summary>
    /// <param name="disposing">False from a finalizer: nothing to release then (the chain is managed).</param>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        lock (_scoringGate)
        {
            (_scoring as IDisposable)?.Dispose();
            _scoring = null;
        }
    }

    /// <summary>Writes the fitted transformer atomically in its own versioned format.</summary>
    /// <param name="path">Destination file.</param>
    public void Save(string path) => AtomicFile.Write(path, Save);

    /// <summary>Writes the fitted transformer to a stream in its own versioned format.</summary>
    /// <param name="stream">Destination.</param>
    public abstract void Save(Stream stream);

    private ITransformer Scoring()
    {
        lock (_scoringGate)
        {
            if (_scoring is null)
            {
                using var state = new MemoryStream();
                Save(state);
                _scoring = SignedMeasureScoring.Build(Mapper, state.ToArray(), Mapping);
            }

            return _scoring;
        }
    }

    /// <summary>The custom mapping (under the transformer's own contract name) the saved chain computes features with.</summary>
    private protected abstract IEstimator<ITransformer> Mapping(MLContext context);
}

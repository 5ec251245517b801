using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Onnx;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Fitted signed-measure featurizer: adds a fixed-length <c>float</c> vector column computed per row from a point
/// cloud, time series or graph (bifiltration → Hilbert/Euler signed measure on the frozen grid → vectorization).
/// </summary>
/// <remarks>
/// <para>
/// <c>mlContext.Model.Save</c> writes this transformer as a chain of ML.NET-persisted steps (the fitted grids ride in a
/// constant column read by a custom mapping; see <c>docs/formats/fitted-state-chains.md</c>), so <c>mlContext.Model.Load</c>
/// restores it in a fresh process, and <c>PredictionEngine</c> scores single rows through the same chain. The loaded
/// transformer is ML.NET's chain, not this type; for this type back, use <see cref="Save(string)"/> /
/// <see cref="Load(string)"/> (versioned own format, <see cref="SignedMeasureModelFormat"/>). Both give identical features.
/// </para>
/// <para>
/// <see cref="Transform"/> computes each row once: features are cached by ML.NET row id for the first
/// <see cref="SignedMeasureOptions.FeatureCacheRows"/> rows of the view it returns, and the first shuffled pass fills
/// that cache in parallel batches, so an iterative trainer (SDCA, L-BFGS) does not recompute the persistent homology
/// on every epoch. For more rows than that, append <c>AppendCacheCheckpoint</c> after the estimator.
/// </para>
/// </remarks>
public sealed class SignedMeasureTransformer : ITransformer
{
    private readonly Lazy<ITransformer> _scoring;

    internal SignedMeasureTransformer(SignedMeasureFeaturizer featurizer)
    {
        Featurizer = featurizer;
        _scoring = new Lazy<ITransformer>(() => SignedMeasureScoring.Build(featurizer));
    }

    /// <summary>Gets the options the transformer was fitted with.</summary>
    public SignedMeasureOptions Options => Featurizer.Options;

    /// <summary>Gets the fitted grid of the first parameter (Rips scale or first vertex function).</summary>
    public FiltrationGrid FirstGrid => Featurizer.Grid1;

    /// <summary>Gets the fitted grid of the second parameter (codensity or second vertex function).</summary>
    public FiltrationGrid SecondGrid => Featurizer.Grid2;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    internal SignedMeasureFeaturizer Featurizer { get; }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return TopologyDataView.BuildSchema(inputSchema, Featurizer);
    }

    /// <inheritdoc/>
    /// <remarks>Row by row through the saved chain (see the class remarks); <see cref="Transform"/> is faster over many rows.</remarks>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        TopologyDataView.CheckInput(inputSchema, Featurizer);
        return _scoring.Value.GetRowToRowMapper(inputSchema);
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new TopologyDataView(input, Featurizer, Options.FeatureCacheRows);
    }

    /// <summary>Features of one row, computed directly (no data view).</summary>
    /// <param name="values">Point coordinates, series values or flattened edge list.</param>
    /// <param name="nodeCount">Node count (graphs).</param>
    /// <returns>The feature vector.</returns>
    public float[] Featurize(ReadOnlySpan<float> values, int nodeCount = 0)
    {
        var f = new float[Featurizer.OutputLength];
        Featurizer.Featurize(new TopologyRow(values.ToArray(), nodeCount), f);
        return f;
    }

    /// <summary>
    /// The signed measures one row's features are computed from, on the fitted grids <see cref="FirstGrid"/> ×
    /// <see cref="SecondGrid"/> (shape (FirstGrid.Count, SecondGrid.Count) each): one per homology degree
    /// 0…<see cref="SignedMeasureOptions.MaxDegree"/> for <see cref="SignedMeasureInvariant.Hilbert"/>, a single one for
    /// <see cref="SignedMeasureInvariant.Euler"/>.
    /// </summary>
    /// <param name="values">Point coordinates, series values or flattened edge list.</param>
    /// <param name="nodeCount">Node count (graphs).</param>
    /// <returns>The measures, lowest degree first.</returns>
    public IReadOnlyList<SignedMeasure> Measures(ReadOnlySpan<float> values, int nodeCount = 0) =>
        Featurizer.Measures(new TopologyRow(values.ToArray(), nodeCount));

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
                batch[i - start] = new TopologyRow(rows[i].Values, rows[i].NodeCount);
            }

            TopologyBatch.Featurize(Featurizer, batch, start).CopyTo(features, start);
            progress?.Report(new FeaturizationProgress(end, rows.Count));
        }

        return features;
    }

    /// <summary>
    /// Fits a transformer on in-memory rows without a data view: the grids are fitted on the first
    /// <see cref="SignedMeasureOptions.MaxFitRows"/> rows, as <see cref="SignedMeasureEstimator.Fit"/> does.
    /// </summary>
    /// <param name="options">The options.</param>
    /// <param name="rows">The rows.</param>
    /// <returns>The fitted transformer.</returns>
    public static SignedMeasureTransformer Fit(SignedMeasureOptions options, IReadOnlyList<TopologySample> rows)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rows);
        options.Validate();
        return new(SignedMeasureFeaturizer.Fit(options, rows.Take(options.MaxFitRows).Select(r => new TopologyRow(r.Values, r.NodeCount))));
    }

    /// <summary>Saves the scoring chain (see the class remarks); <c>mlContext.Model.Load</c> restores it.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => _scoring.Value.Save(ctx);

    /// <summary>Writes the fitted transformer atomically (versioned format, see <see cref="SignedMeasureModelFormat"/>).</summary>
    /// <param name="path">Destination file.</param>
    public void Save(string path) => AtomicFile.Write(path, s => SignedMeasureModelFormat.Write(s, Featurizer));

    /// <summary>Writes the fitted transformer to a stream.</summary>
    /// <param name="stream">Destination.</param>
    public void Save(Stream stream) => SignedMeasureModelFormat.Write(stream, Featurizer);

    /// <summary>Loads a transformer written by <see cref="Save(string)"/>.</summary>
    /// <param name="path">File.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="InvalidDataException">Not a transformer file, or an unreadable version.</exception>
    public static SignedMeasureTransformer Load(string path)
    {
        using FileStream s = File.OpenRead(path);
        return Load(s);
    }

    /// <summary>Loads a transformer from a stream.</summary>
    /// <param name="stream">Source.</param>
    /// <returns>The transformer.</returns>
    public static SignedMeasureTransformer Load(Stream stream) => new(SignedMeasureModelFormat.Read(stream));
}

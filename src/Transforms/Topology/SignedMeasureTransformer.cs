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
/// ML.NET cannot persist third-party transformers (its loader registry is internal), so <c>mlContext.Model.Save</c>
/// refuses this one; use <see cref="Save(string)"/> / <see cref="Load(string)"/> (versioned own format,
/// <see cref="SignedMeasureModelFormat"/>), which round-trips to identical features.
/// </remarks>
public sealed class SignedMeasureTransformer : ITransformer
{
    internal SignedMeasureTransformer(SignedMeasureFeaturizer featurizer) => Featurizer = featurizer;

    /// <summary>Gets the options the transformer was fitted with.</summary>
    public SignedMeasureOptions Options => Featurizer.Options;

    /// <summary>Gets the fitted grid of the first parameter (Rips scale or first vertex function).</summary>
    public FiltrationGrid FirstGrid => Featurizer.Grid1;

    /// <summary>Gets the fitted grid of the second parameter (codensity or second vertex function).</summary>
    public FiltrationGrid SecondGrid => Featurizer.Grid2;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => false;

    internal SignedMeasureFeaturizer Featurizer { get; }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return TopologyDataView.BuildSchema(inputSchema, Featurizer);
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new NotSupportedException("SignedMeasureTransformer computes features in parallel batches over a data view; use Transform (PredictionEngine is not supported).");

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new TopologyDataView(input, Featurizer);
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

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("ML.NET cannot load third-party transformers; save this one with SignedMeasureTransformer.Save(path) and reload it with SignedMeasureTransformer.Load(path).");

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

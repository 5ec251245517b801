using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Numerics.Topology;
using Pipelines.Onnx;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Fitted MMA featurizer: adds a fixed-length <c>float</c> vector column computed per row from a point cloud, time
/// series or graph (bifiltration mapped onto the unit square by the frozen box → module approximation with precision δ
/// → kernel image or landscapes per homology degree).
/// </summary>
/// <remarks>
/// <c>mlContext.Model.Save</c> writes this transformer as the chain of ML.NET-persisted steps the signed-measure
/// transformer uses (the fitted box rides in a constant column read by a custom mapping;
/// <c>docs/formats/fitted-state-chains.md</c>), so <c>mlContext.Model.Load</c> restores it in a fresh process and
/// <c>PredictionEngine</c> scores single rows through it. For this type back, use <see cref="Save(string)"/> /
/// <see cref="Load(string)"/> (versioned own format, docs/formats/mma-transformer.md). Both give identical features.
/// </remarks>
public sealed class MmaTransformer : ITransformer
{
    private readonly Lazy<ITransformer> _scoring;

    internal MmaTransformer(MmaFeaturizer featurizer)
    {
        Featurizer = featurizer;
        _scoring = new Lazy<ITransformer>(() => MmaScoring.Build(featurizer));
    }

    /// <summary>Gets the options the transformer was fitted with.</summary>
    public MmaOptions Options => Featurizer.Options;

    /// <summary>Gets the fitted box (filtration units) that maps every row onto the unit square.</summary>
    public MeasureBox Box => Featurizer.Box;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    internal MmaFeaturizer Featurizer { get; }

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
        return new TopologyDataView(input, Featurizer);
    }

    /// <summary>The MMA decomposition of one row in unit-square coordinates of <see cref="Box"/> (for inspection).</summary>
    /// <param name="values">Point coordinates, series values or flattened edge list.</param>
    /// <param name="nodeCount">Node count (graphs).</param>
    /// <returns>The summands per degree, with the δ used.</returns>
    public MmaModule Decompose(ReadOnlySpan<float> values, int nodeCount = 0) => Featurizer.Decompose(new TopologyRow(values.ToArray(), nodeCount));

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

    /// <summary>Features of many in-memory rows, computed in parallel batches; <paramref name="progress"/> is told after each batch.</summary>
    /// <param name="rows">The rows.</param>
    /// <param name="progress">Receives the rows done so far, once per batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>One feature vector per row, in row order.</returns>
    /// <exception cref="InvalidOperationException">A row cannot be featurised (the first such row in row order is named).</exception>
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

    /// <summary>Fits a transformer on in-memory rows (the box on the first <see cref="MmaOptions.MaxFitRows"/> rows).</summary>
    /// <param name="options">The options.</param>
    /// <param name="rows">The rows.</param>
    /// <returns>The fitted transformer.</returns>
    public static MmaTransformer Fit(MmaOptions options, IReadOnlyList<TopologySample> rows)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rows);
        options.Validate();
        return new(MmaFeaturizer.Fit(options, rows.Take(options.MaxFitRows).Select(r => new TopologyRow(r.Values, r.NodeCount))));
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => _scoring.Value.Save(ctx);

    /// <summary>Writes the fitted transformer atomically (versioned format, docs/formats/mma-transformer.md).</summary>
    /// <param name="path">Destination file.</param>
    public void Save(string path) => AtomicFile.Write(path, s => MmaModelFormat.Write(s, Featurizer));

    /// <summary>Writes the fitted transformer to a stream.</summary>
    /// <param name="stream">Destination.</param>
    public void Save(Stream stream) => MmaModelFormat.Write(stream, Featurizer);

    /// <summary>Loads a transformer written by <see cref="Save(string)"/>.</summary>
    /// <param name="path">File.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="DataFormatException">Not an MMA transformer file, or an unreadable version.</exception>
    public static MmaTransformer Load(string path)
    {
        using FileStream s = File.OpenRead(path);
        return Load(s);
    }

    /// <summary>Loads a transformer from a stream.</summary>
    /// <param name="stream">Source.</param>
    /// <returns>The transformer.</returns>
    public static MmaTransformer Load(Stream stream) => new(MmaModelFormat.Read(stream));
}

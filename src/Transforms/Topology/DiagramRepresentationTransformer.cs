using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Onnx;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Fitted one-parameter diagram representation: adds a fixed-length <c>float</c> vector column computed per row from
/// a persistence diagram ((birth, death) pairs) on the frozen <see cref="Range"/>.
/// </summary>
/// <remarks>
/// Like <see cref="SignedMeasureTransformer"/>, <c>mlContext.Model.Save</c> writes it as a chain of ML.NET-persisted steps
/// (the fitted ranges ride in a constant column read by a custom mapping; <c>docs/formats/fitted-state-chains.md</c>), so
/// <c>mlContext.Model.Load</c> restores it and <c>PredictionEngine</c> scores single rows; <see cref="Save(string)"/> /
/// <see cref="Load(string)"/> write and read the versioned own format (<see cref="DiagramRepresentationModelFormat"/>).
/// </remarks>
public sealed class DiagramRepresentationTransformer : ITransformer
{
    private readonly Lazy<ITransformer> _scoring;

    internal DiagramRepresentationTransformer(DiagramRepresentationFeaturizer featurizer)
    {
        Featurizer = featurizer;
        _scoring = new Lazy<ITransformer>(() => DiagramRepresentationScoring.Build(featurizer));
    }

    /// <summary>Gets the options the transformer was fitted with.</summary>
    public DiagramRepresentationOptions Options => Featurizer.Options;

    /// <summary>Gets the fitted ranges.</summary>
    public DiagramRange Range => Featurizer.Range;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    internal DiagramRepresentationFeaturizer Featurizer { get; }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return TopologyDataView.BuildSchema(inputSchema, Featurizer);
    }

    /// <inheritdoc/>
    /// <remarks>Row by row through the saved chain; <see cref="Transform"/> is faster over many rows.</remarks>
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

    /// <summary>The representation of one diagram, computed directly.</summary>
    /// <param name="diagram">[b₀, d₀, b₁, d₁, …], death +∞ for essential classes.</param>
    /// <returns>The feature vector.</returns>
    public float[] Featurize(ReadOnlySpan<float> diagram)
    {
        var f = new float[Featurizer.OutputLength];
        Featurizer.Featurize(new TopologyRow(diagram.ToArray(), 0), f);
        return f;
    }

    /// <summary>Fits on in-memory diagrams without a data view (as <see cref="DiagramRepresentationEstimator.Fit"/> does).</summary>
    /// <param name="options">The options.</param>
    /// <param name="diagrams">Diagrams as [b₀, d₀, b₁, d₁, …].</param>
    /// <returns>The fitted transformer.</returns>
    public static DiagramRepresentationTransformer Fit(DiagramRepresentationOptions options, IEnumerable<float[]> diagrams)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(diagrams);
        options.Validate();
        return new(DiagramRepresentationFeaturizer.Fit(options, diagrams.Take(options.MaxFitRows).Select(d => new TopologyRow(d, 0))));
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => _scoring.Value.Save(ctx);

    /// <summary>Writes the fitted transformer atomically (versioned format, see <see cref="DiagramRepresentationModelFormat"/>).</summary>
    /// <param name="path">Destination file.</param>
    public void Save(string path) => AtomicFile.Write(path, s => DiagramRepresentationModelFormat.Write(s, Featurizer));

    /// <summary>Loads a transformer written by <see cref="Save(string)"/>.</summary>
    /// <param name="path">File.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="DataFormatException">Not a transformer file, or an unreadable version.</exception>
    public static DiagramRepresentationTransformer Load(string path)
    {
        using FileStream s = File.OpenRead(path);
        return new(DiagramRepresentationModelFormat.Read(s));
    }
}

using Microsoft.ML;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Fitted one-parameter diagram representation: adds a fixed-length <c>float</c> vector column computed per row from
/// a persistence diagram ((birth, death) pairs) on the frozen <see cref="Range"/>.
/// </summary>
/// <remarks>
/// Like <see cref="SignedMeasureTransformer"/>, <c>mlContext.Model.Save</c> writes it as a chain of ML.NET-persisted steps
/// (the fitted ranges ride in a constant column read by a custom mapping; <c>docs/formats/fitted-state-chains.md</c>), so
/// <c>mlContext.Model.Load</c> restores it and <c>PredictionEngine</c> scores single rows; <see cref="TopologyTransformer.Save(string)"/> /
/// <see cref="Load(string)"/> write and read the versioned own format (<see cref="DiagramRepresentationModelFormat"/>).
/// </remarks>
public sealed class DiagramRepresentationTransformer : TopologyTransformer
{
    internal DiagramRepresentationTransformer(DiagramRepresentationFeaturizer featurizer)
        : base(featurizer) => Featurizer = featurizer;

    /// <summary>Gets the options the transformer was fitted with.</summary>
    public DiagramRepresentationOptions Options => Featurizer.Options;

    /// <summary>Gets the fitted ranges.</summary>
    public DiagramRange Range => Featurizer.Range;

    internal DiagramRepresentationFeaturizer Featurizer { get; }

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

    /// <inheritdoc/>
    public override void Save(Stream stream) => DiagramRepresentationModelFormat.Write(stream, Featurizer);

    /// <summary>Loads a transformer written by <see cref="TopologyTransformer.Save(string)"/>.</summary>
    /// <param name="path">File.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="DataFormatException">Not a transformer file, or an unreadable version.</exception>
    public static DiagramRepresentationTransformer Load(string path)
    {
        using FileStream s = File.OpenRead(path);
        return new(DiagramRepresentationModelFormat.Read(s));
    }

    private protected override IEstimator<ITransformer> Mapping(MLContext context) =>
        context.Transforms.CustomMapping(new DiagramRepresentationMapping().GetMapping(), DiagramRepresentationMapping.ContractName);
}

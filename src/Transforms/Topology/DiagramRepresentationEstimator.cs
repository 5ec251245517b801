using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Transforms.MLNet;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Estimator of <see cref="DiagramRepresentationTransformer"/>: <c>Fit</c> reads up to
/// <see cref="DiagramRepresentationOptions.MaxFitRows"/> diagrams and freezes the sampling ranges (GUDHI's <c>fit</c>).
/// </summary>
/// <remarks>
/// Reference: GUDHI <c>gudhi.representations</c> (PersistenceImage, Landscape, BettiCurve, Silhouette, Entropy).
/// Estimator characteristics: needs training (range fitting) = yes; input = variable-length vector of Single
/// ((birth, death) pairs); output = known-size vector of Single; ONNX export = no.
/// </remarks>
public sealed class DiagramRepresentationEstimator : IEstimator<DiagramRepresentationTransformer>
{
    private readonly DiagramRepresentationOptions _options;

    internal DiagramRepresentationEstimator(DiagramRepresentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    private string InputColumn => _options.InputColumnName ?? _options.OutputColumnName;

    /// <inheritdoc/>
    public DiagramRepresentationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var probe = new DiagramRepresentationFeaturizer(_options, default);
        TopologyDataView.CheckInput(input.Schema, probe);
        return new DiagramRepresentationTransformer(DiagramRepresentationFeaturizer.Fit(_options, TopologyDataView.ReadRows(input, probe, _options.MaxFitRows)));
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column col = SchemaShapes.Require(inputSchema, InputColumn);
        if (col.Kind == SchemaShape.Column.VectorKind.Scalar || col.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{InputColumn}': expected a vector of Single ((birth, death) pairs), got {col.Kind} of {col.ItemType}.");
        }

        return SchemaShapes.Append(inputSchema, SchemaShapes.FloatVector(_options.OutputColumnName));
    }
}

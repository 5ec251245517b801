using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Transforms.MLNet;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Estimator of <see cref="SignedMeasureTransformer"/>: <c>Fit</c> reads up to <see cref="SignedMeasureOptions.MaxFitRows"/>
/// rows, computes their filtration values and freezes the two grids.
/// </summary>
/// <remarks>
/// Loiseaux, Scoccola, Carrière, Botnan, Oudot, "Stable vectorization of multiparameter persistent homology using
/// signed barcodes as measures", NeurIPS 2023. Estimator characteristics: needs training (grid fitting) = yes;
/// input = variable-length vector of Single (+ node count for graphs); output = known-size vector of Single; ONNX
/// export = no.
/// </remarks>
public sealed class SignedMeasureEstimator : IEstimator<SignedMeasureTransformer>
{
    private readonly SignedMeasureOptions _options;

    internal SignedMeasureEstimator(SignedMeasureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    private string InputColumn => _options.InputColumnName ?? _options.OutputColumnName;

    /// <inheritdoc/>
    public SignedMeasureTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var probe = new SignedMeasureFeaturizer(_options, new Numerics.Topology.FiltrationGrid([0f]), new Numerics.Topology.FiltrationGrid([0f]));
        TopologyDataView.CheckInput(input.Schema, probe);
        return new SignedMeasureTransformer(SignedMeasureFeaturizer.Fit(_options, TopologyDataView.ReadRows(input, probe, _options.MaxFitRows)));
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column col = SchemaShapes.Require(inputSchema, InputColumn);
        if (col.Kind == SchemaShape.Column.VectorKind.Scalar || col.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{InputColumn}': expected a vector of Single, got {col.Kind} of {col.ItemType}.");
        }

        if ((_options.Input as GraphInput)?.NodeCountColumnName is { } nodeCount)
        {
            SchemaShape.Column count = inputSchema.FirstOrDefault(c => c.Name == nodeCount);
            if (count.Name is null)
            {
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Node-count column '{nodeCount}' not found.");
            }

            if (count.Kind != SchemaShape.Column.VectorKind.Scalar || (count.ItemType != NumberDataViewType.Single && count.ItemType != NumberDataViewType.Int32))
            {
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{nodeCount}': expected Single or Int32, got {count.Kind} of {count.ItemType}.");
            }
        }

        if ((_options.Input as GraphInput)?.NodeLabelColumnName is { } labels)
        {
            SchemaShape.Column l = inputSchema.FirstOrDefault(c => c.Name == labels);
            if (l.Name is null || l.Kind == SchemaShape.Column.VectorKind.Scalar || l.ItemType != NumberDataViewType.Single)
            {
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Node-label column '{labels}' not found or not a vector of Single (one label per node).");
            }
        }

        return SchemaShapes.Append(inputSchema, SchemaShapes.FloatVector(_options.OutputColumnName));
    }
}

using Microsoft.ML;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Estimator of <see cref="MmaTransformer"/>: <c>Fit</c> reads up to <see cref="MmaOptions.MaxFitRows"/> rows,
/// computes their filtration values and freezes the box that maps every row onto the unit square.
/// </summary>
/// <remarks>
/// Loiseaux, Carrière, Blumberg, "A framework for fast and stable representations of multiparameter persistent
/// homology decompositions", NeurIPS 2023. Estimator characteristics: needs training (box fitting) = yes; input =
/// variable-length vector of Single (+ node count for graphs); output = known-size vector of Single; ONNX export = no.
/// </remarks>
public sealed class MmaEstimator : IEstimator<MmaTransformer>
{
    private readonly MmaOptions _options;

    internal MmaEstimator(MmaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <inheritdoc/>
    public MmaTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var probe = new MmaFeaturizer(_options, new Numerics.Topology.MeasureBox(0f, 1f, 0f, 1f));
        TopologyDataView.CheckInput(input.Schema, probe);
        return new MmaTransformer(MmaFeaturizer.Fit(_options, TopologyDataView.ReadRows(input, probe, _options.MaxFitRows)));
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        new SignedMeasureEstimator(_options.Bifiltration()).GetOutputSchema(inputSchema);
}

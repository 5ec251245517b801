namespace Pipelines.Export.QPissa;

/// <summary>
/// Quantization error of one weight with and without the adapters:
/// reduction = 1 − ‖W − (deq(Q(W_res)) + s·A·B)‖ / ‖W − deq(Q(W))‖ (nuclear norm as in the paper; Frobenius too).
/// </summary>
/// <param name="Weight">The initializer.</param>
/// <param name="Node">The MatMul node.</param>
/// <param name="Role">Its role (q, k, v, o, ffn-in, ffn-out).</param>
/// <param name="Layer">Its transformer layer.</param>
/// <param name="InFeatures">K.</param>
/// <param name="OutFeatures">N.</param>
/// <param name="BaselineNuclear">‖W − deq(Q(W))‖_*.</param>
/// <param name="QPissaNuclear">‖W − (deq(Q(W_res)) + s·A·B)‖_*.</param>
/// <param name="BaselineFrobenius">‖W − deq(Q(W))‖_F.</param>
/// <param name="QPissaFrobenius">‖W − (deq(Q(W_res)) + s·A·B)‖_F.</param>
public sealed record QPissaLayerReport(string Weight, string Node, string Role, int Layer, int InFeatures, int OutFeatures,
    double BaselineNuclear, double QPissaNuclear, double BaselineFrobenius, double QPissaFrobenius)
{
    /// <summary>1 − QPiSSA / baseline, nuclear norm.</summary>
    public double NuclearReduction => 1 - (QPissaNuclear / BaselineNuclear);

    /// <summary>1 − QPiSSA / baseline, Frobenius norm.</summary>
    public double FrobeniusReduction => 1 - (QPissaFrobenius / BaselineFrobenius);
}

/// <summary>
/// The QPiSSA model (each adapted <c>y = x·W</c> becomes <c>y = x·W_res + s·(x·A)·B</c> with <c>W_res</c> ready to be
/// quantized by the same quantizer, adapters in float) and the per-weight error report.
/// </summary>
/// <param name="Model">The adapted float model; pass it to <see cref="QPissaInitializer.Quantize"/> for the artifact.</param>
/// <param name="Layers">One report per adapted weight.</param>
/// <param name="AdapterInitializers">The <c>A</c> and <c>B</c> initializer names (kept float; trainable).</param>
public sealed record QPissaResult(OnnxModel Model, IReadOnlyList<QPissaLayerReport> Layers, IReadOnlySet<string> AdapterInitializers);

namespace Pipelines.Export.Quantization;

/// <summary>How 4-bit MatMul weights are rounded to codes.</summary>
public enum WeightRounding
{
    /// <summary>Each weight to its nearest code under its block's scale and zero point (no data needed).</summary>
    Nearest,

    /// <summary>
    /// GPTQ: row by row along K, each row's rounding error is compensated on the rows not yet quantized using the second moment
    /// of the layer's input, calibrated on sample inputs (<see cref="Calibration.InputHessians"/>). Embedding tables keep
    /// <see cref="Nearest"/> (a Gather has no input to weight by).
    /// </summary>
    Gptq,

    /// <summary>
    /// GPTQ without data: each MatMul whose input is a LayerNorm's output <c>x̂ ⊙ γ + β</c> uses the proxy Hessian
    /// <c>H = diag(γ²) + ββᵀ</c> (<see cref="Calibration.InputHessians.FromLayerNorms"/>), so the rows k of W that meet large
    /// |γ_k| or |β_k| (outlier features) are rounded with the most care and their error is spread over the others; MatMuls
    /// fed by anything else keep <see cref="Nearest"/>.
    /// </summary>
    GptqLayerNorm,

    /// <summary>
    /// GPTQ without data, the default: the second moments of every MatMul's input are measured on synthetic token sequences
    /// (<see cref="QuantizationOptions.SyntheticInputs"/>: ids from a Zipf law over vocabulary rank, no sample inputs), then each
    /// weight is rounded as <see cref="Gptq"/> does. On all-MiniLM-L6-v2 with the default int4 export it moves the mean cosine
    /// to the float model on SST-2 dev sentences from 0.987 (<see cref="Nearest"/>) to 0.991 (GPTQ over 128 real sentences:
    /// 0.992). Models that synthetic sequences cannot feed (<see cref="Calibration.SyntheticTokens.CanFill"/>: no <c>input_ids</c>
    /// read by an embedding table, or other inputs) keep <see cref="Nearest"/>, and the artifact's <c>pipelines.quantization</c>
    /// metadata says so; a vocabulary smaller than the synthetic ids is refused with the ids and the fix.
    /// </summary>
    GptqSynthetic,
}

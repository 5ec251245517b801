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
}

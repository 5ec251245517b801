namespace Pipelines.Export;

/// <summary>
/// What an exported model's weights (and possibly activations) become: the one format vocabulary of
/// <see cref="OnnxExporter"/>, <see cref="Quantization.ModelQuantizer"/> (the quantized formats) and the <c>export</c> command.
/// </summary>
public enum ExportFormat
{
    /// <summary>Float weights (adapters merged).</summary>
    None,

    /// <summary>float16 weights, float compute.</summary>
    Float16,

    /// <summary>
    /// int8 weights, uint8 activations quantized at run time: <c>DynamicQuantizeLinear</c> + <c>MatMulInteger</c>, then
    /// <c>Cast · a_scale · w_scale</c>. Weights per tensor or per output channel (symmetric, zero point 0).
    /// </summary>
    Int8Dynamic,

    /// <summary>
    /// Static QDQ: uint8 activations with ranges calibrated over sample inputs (<c>QuantizeLinear → DequantizeLinear</c>
    /// around each MatMul's input and output), int8 weights per output channel (ORT fuses this to <c>QLinearMatMul</c>);
    /// needs calibration inputs.
    /// </summary>
    Int8Qdq,

    /// <summary>4-bit block-wise weight-only: <c>com.microsoft::MatMulNBits</c> and, for embeddings, <c>GatherBlockQuantized</c>.</summary>
    Int4,

    /// <summary>4-bit block-wise weight-only in the standard domain: opset-21 INT4/UINT4 <c>DequantizeLinear</c> (axis, block_size) before MatMul/Gather.</summary>
    Int4Qdq,
}

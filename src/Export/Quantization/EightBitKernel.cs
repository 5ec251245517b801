namespace Pipelines.Export.Quantization;

/// <summary>How <see cref="EightBitWeights"/> are stored and run in an <see cref="ExportFormat.Int4"/> artifact.</summary>
public enum EightBitKernel
{
    /// <summary><c>MatMulNBits</c> with <c>bits = 8</c>: block-wise codes, scales and zero points, like the 4-bit weights.</summary>
    MatMulNBits,

    /// <summary>
    /// Dynamic int8 (<c>DynamicQuantizeLinear</c> + <c>MatMulInteger</c>, which ORT fuses into <c>DynamicQuantizeMatMul</c>):
    /// int8 weights with one scale per output column, activations quantized to uint8 per tensor at run time — the int8 GEMM
    /// kernel, not the 4-bit one.
    /// </summary>
    DynamicInt8,
}

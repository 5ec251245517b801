using Pipelines.Export.Quantization;

namespace Pipelines.Export.QPissa;

/// <summary><c>deq(Q(W))</c> for a MatMul weight <c>W[K, N]</c> with exactly the arithmetic of the format's MatMul quantizer.</summary>
internal static class WeightRoundTrip
{
    /// <summary>The dequantized weight, <c>[K, N]</c>.</summary>
    public static float[] Dequantize(ReadOnlySpan<float> w, int k, int n, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Format)
        {
            case ExportFormat.Int4:
            case ExportFormat.Int4Qdq:
                float[] columns = WeightMatrix.QuantizeColumns(w, k, n, options.BlockSize, 4, options.Symmetric, options.Search).Dequantize();
                return WeightMatrix.Transpose(columns, n, k);
            default:
                bool perChannel = options.Format == ExportFormat.Int8Qdq || options.PerChannel;
                (sbyte[] codes, float[] scales) = Int8Weights.Quantize(w, k, n, perChannel);
                var result = new float[codes.Length];
                for (int i = 0; i < codes.Length; i++)
                {
                    result[i] = codes[i] * scales[perChannel ? i % n : 0];
                }

                return result;
        }
    }
}

using Pipelines.Export.Calibration;

namespace Pipelines.Export.Quantization.Operators;

/// <summary>The 4-bit (or 8-bit) codes of a MatMul weight <c>W[K, N]</c>, by the options' <see cref="WeightRounding"/>.</summary>
internal static class Int4MatMulWeight
{
    public static BlockQuantizedRows Quantize(QuantizationContext context, OnnxNode node, OnnxTensor w, int bits = 4, int blockSize = 0)
    {
        QuantizationOptions o = context.Options;
        int bs = blockSize > 0 ? blockSize : o.BlockSize;
        int k = (int)w.Dims[0], n = (int)w.Dims[1];
        if (o.Rounding == WeightRounding.Gptq)
        {
            if (context.Hessians is null || !context.Hessians.TryGet(node.Inputs[0], out ReadOnlySpan<double> h, out int hk, out _))
            {
                throw new InvalidOperationException($"GPTQ: no input statistics for '{node.Inputs[0]}' (input of MatMul '{node.Name}'); collect them with InputHessians.Collect on this model.");
            }

            if (hk != k)
            {
                throw new InvalidOperationException($"GPTQ: the statistics of '{node.Inputs[0]}' are {hk}×{hk} but MatMul '{node.Name}' has K = {k}.");
            }

            return Gptq.QuantizeColumns(w.AsSpan<float>(), k, n, h, bs, bits, o.Symmetric, o.Search, o.GptqDamping);
        }

        // The data-free statistics (MatMuls they do not cover keep nearest rounding).
        InputHessians? dataFree = o.Rounding switch
        {
            WeightRounding.GptqSynthetic => context.SyntheticHessians,
            WeightRounding.GptqLayerNorm => context.LayerNormHessians,
            _ => null,
        };
        if (dataFree is not null && dataFree.TryGet(node.Inputs[0], out ReadOnlySpan<double> proxy, out int pk, out _) && pk == k)
        {
            return Gptq.QuantizeColumns(w.AsSpan<float>(), k, n, proxy, bs, bits, o.Symmetric, o.Search, o.GptqDamping);
        }

        return WeightMatrix.QuantizeColumns(w.AsSpan<float>(), k, n, bs, bits, o.Symmetric, o.Search, default, o.Hqq);
    }
}

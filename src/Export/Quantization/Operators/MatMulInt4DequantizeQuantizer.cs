namespace Pipelines.Export.Quantization.Operators;

/// <summary>
/// <c>Y = A·W</c> → <c>Y = A·DequantizeLinear(Wq, scales[, zp], axis=0, block_size)</c> in the standard domain (opset 21):
/// <c>Wq</c> INT4 <c>[K, N]</c> (symmetric: code − 8, no zero point) or UINT4 with UINT4 zero points, scales <c>[ceil(K/block), N]</c>.
/// The same block-wise codes as <see cref="MatMulNBitsQuantizer"/>, stored in the portable layout.
/// </summary>
internal sealed class MatMulInt4DequantizeQuantizer : IOperatorQuantizer
{
    /// <inheritdoc />
    public string OpType => "MatMul";

    /// <inheritdoc />
    public string? WhyNot(QuantizationContext context, OnnxNode node) => MatMulWeightCheck.WhyNot(context, node, 16);

    /// <inheritdoc />
    public IReadOnlyList<OnnxNode> Quantize(QuantizationContext context, OnnxNode node)
    {
        QuantizationOptions o = context.Options;
        OnnxTensor w = context.ConstantInput(node, 1)!;
        int k = (int)w.Dims[0], n = (int)w.Dims[1];
        BlockQuantizedRows q = Int4MatMulWeight.Quantize(context, node, w);
        int blocks = q.BlocksPerRow;

        // Back to the [K, N] layout: codes[k, n] and per-block parameters [block, n].
        var codes = new byte[k * n];
        var scales = new float[blocks * n];
        var zeros = new byte[blocks * n];
        for (int c = 0; c < n; c++)
        {
            for (int r = 0; r < k; r++)
            {
                byte code = q.Codes[(c * k) + r];
                codes[(r * n) + c] = o.Symmetric ? Int4Packing.ToSignedNibble(code) : code;
            }

            for (int b = 0; b < blocks; b++)
            {
                scales[(b * n) + c] = q.Scales[(c * blocks) + b];
                zeros[(b * n) + c] = q.ZeroPoints[(c * blocks) + b];
            }
        }

        TensorElementType type = o.Symmetric ? TensorElementType.Int4 : TensorElementType.UInt4;
        var inputs = new List<string>
        {
            context.AddInitializer(new OnnxTensor(w.Name + "_q4", type, [k, n], Int4Packing.Pack(codes))),
            context.AddInitializer(OnnxTensor.FromFloats(w.Name + "_scales", scales, blocks, n)),
        };
        if (!o.Symmetric)
        {
            inputs.Add(context.AddInitializer(new OnnxTensor(w.Name + "_zp", type, [blocks, n], Int4Packing.Pack(zeros))));
        }

        string deq = context.UniqueName(w.Name + "_dq");
        return
        [
            context.Node("DequantizeLinear", inputs, [deq], "", OnnxAttribute.Int("axis", 0), OnnxAttribute.Int("block_size", o.BlockSize)),
            context.Node("MatMul", [node.Inputs[0], deq], node.Outputs),
        ];
    }
}

namespace Pipelines.Export.Quantization.Operators;

/// <summary>
/// <c>Y = A·W</c> → <c>com.microsoft::MatMulNBits(A, B, scales[, zero_points])</c>, W quantized to 4 bits block-wise along K
/// per output column. Layout (verified on ORT 1.31 CPU): <c>B</c> uint8 <c>[N, k_blocks, block/2]</c> (low nibble first),
/// <c>scales</c> <c>[N·k_blocks]</c>, <c>zero_points</c> uint8 <c>[N·ceil(k_blocks/2)]</c> (absent → 8). Weights selected by
/// <see cref="QuantizationOptions.EightBit"/> get <c>bits = 8</c>: <c>B</c> <c>[N, k_blocks, block]</c>, <c>zero_points</c> <c>[N·k_blocks]</c> (absent → 128),
/// or, with <see cref="EightBitKernel.DynamicInt8"/>, the int8-dynamic form of <see cref="MatMulIntegerQuantizer"/>.
/// </summary>
internal sealed class MatMulNBitsQuantizer : IOperatorQuantizer
{
    private static readonly MatMulIntegerQuantizer s_dynamicInt8 = new();

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
        int bits = context.EightBitWeights.Contains(w.Name) ? 8 : 4;
        if (bits == 8 && o.EightBit.Kernel == EightBitKernel.DynamicInt8)
        {
            return s_dynamicInt8.Quantize(context, node);
        }

        int blockSize = bits == 8 ? o.EightBit.BlockSizeFor(k) : o.BlockSize;
        BlockQuantizedRows q = Int4MatMulWeight.Quantize(context, node, w, bits, blockSize);
        int blocks = q.BlocksPerRow;
        byte[] zp = q.PackZeroPointsPerRow();
        var inputs = new List<string>
        {
            node.Inputs[0],
            context.AddInitializer(new OnnxTensor(w.Name + (bits == 8 ? "_q8" : "_q4"), TensorElementType.UInt8, [n, blocks, blockSize * bits / 8], q.PackCodesPerBlock())),
            context.AddInitializer(OnnxTensor.FromFloats(w.Name + "_scales", q.Scales, (long)n * blocks)),
        };
        if (!o.Symmetric)
        {
            inputs.Add(context.AddInitializer(new OnnxTensor(w.Name + "_zp", TensorElementType.UInt8, [zp.Length], zp)));
        }

        var attributes = new List<OnnxAttribute>
        {
            OnnxAttribute.Int("K", k),
            OnnxAttribute.Int("N", n),
            OnnxAttribute.Int("bits", bits),
            OnnxAttribute.Int("block_size", blockSize),
        };
        if (o.AccuracyLevel > 0)
        {
            attributes.Add(OnnxAttribute.Int("accuracy_level", o.AccuracyLevel));
        }

        return [context.Node("MatMulNBits", inputs, node.Outputs, OnnxModel.MicrosoftDomain, [.. attributes])];
    }
}

namespace Pipelines.Export.Quantization.Operators;

/// <summary>
/// <c>Y = Gather(E, ids)</c> over an embedding table <c>E[V, D]</c> → <c>com.microsoft::GatherBlockQuantized</c>: each row
/// quantized to 4 bits in blocks along D; data uint8 <c>[V, D/2]</c> (low nibble first), scales <c>[V, D/block]</c>,
/// zero points uint8 <c>[V, ceil(D/block/2)]</c> (absent → 8); attributes gather_axis 0, quantize_axis 1, bits 4.
/// </summary>
internal sealed class GatherBlockQuantizedQuantizer : IOperatorQuantizer
{
    /// <inheritdoc />
    public string OpType => "Gather";

    /// <inheritdoc />
    public string? WhyNot(QuantizationContext context, OnnxNode node) => GatherTableCheck.WhyNot(context, node, context.ConstantInput(node, 0) is { Dims.Length: 2 } t ? context.Options.TableBlockSizeFor(t.Dims[1]) : 0);

    /// <inheritdoc />
    public IReadOnlyList<OnnxNode> Quantize(QuantizationContext context, OnnxNode node)
    {
        QuantizationOptions o = context.Options;
        OnnxTensor e = context.ConstantInput(node, 0)!;
        int v = (int)e.Dims[0], d = (int)e.Dims[1];
        int blockSize = o.TableBlockSizeFor(d);
        BlockQuantizedRows q = BlockQuantizer.Quantize(e.AsSpan<float>(), v, d, blockSize, 4, o.Symmetric, o.Search, default, o.Hqq);
        int blocks = q.BlocksPerRow;
        var inputs = new List<string>
        {
            context.AddInitializer(new OnnxTensor(e.Name + "_q4", TensorElementType.UInt8, [v, d / 2], q.PackCodesPerBlock())),
            node.Inputs[1],
            context.AddInitializer(OnnxTensor.FromFloats(e.Name + "_scales", q.Scales, v, blocks)),
        };
        if (!o.Symmetric)
        {
            inputs.Add(context.AddInitializer(new OnnxTensor(e.Name + "_zp", TensorElementType.UInt8, [v, (blocks + 1) / 2], q.PackZeroPointsPerRow())));
        }

        return
        [
            context.Node("GatherBlockQuantized", inputs, node.Outputs, OnnxModel.MicrosoftDomain,
                OnnxAttribute.Int("gather_axis", 0), OnnxAttribute.Int("quantize_axis", 1),
                OnnxAttribute.Int("block_size", blockSize), OnnxAttribute.Int("bits", 4)),
        ];
    }
}

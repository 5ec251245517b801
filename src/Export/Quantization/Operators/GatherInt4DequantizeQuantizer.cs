namespace Pipelines.Export.Quantization.Operators;

/// <summary>
/// <c>Y = Gather(E, ids)</c> → <c>Y = Gather(DequantizeLinear(Eq, scales[, zp], axis=1, block_size), ids)</c> in the standard
/// domain (opset 21), <c>Eq</c> INT4 (symmetric, code − 8) or UINT4 <c>[V, D]</c>, scales <c>[V, D/block]</c>. Portable, but
/// ORT dequantizes the whole table on every run (it does not constant-fold DequantizeLinear).
/// </summary>
internal sealed class GatherInt4DequantizeQuantizer : IOperatorQuantizer
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
        byte[] codes = o.Symmetric ? q.Codes.Select(Int4Packing.ToSignedNibble).ToArray() : q.Codes;
        TensorElementType type = o.Symmetric ? TensorElementType.Int4 : TensorElementType.UInt4;
        var inputs = new List<string>
        {
            context.AddInitializer(new OnnxTensor(e.Name + "_q4", type, [v, d], Int4Packing.Pack(codes))),
            context.AddInitializer(OnnxTensor.FromFloats(e.Name + "_scales", q.Scales, v, q.BlocksPerRow)),
        };
        if (!o.Symmetric)
        {
            inputs.Add(context.AddInitializer(new OnnxTensor(e.Name + "_zp", type, [v, q.BlocksPerRow], Int4Packing.Pack(q.ZeroPoints))));
        }

        string deq = context.UniqueName(e.Name + "_dq");
        return
        [
            context.Node("DequantizeLinear", inputs, [deq], "", OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("block_size", blockSize)),
            context.Node("Gather", [deq, node.Inputs[1]], node.Outputs, "", OnnxAttribute.Int("axis", 0)),
        ];
    }
}

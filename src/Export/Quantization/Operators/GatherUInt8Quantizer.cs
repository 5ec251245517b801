namespace Pipelines.Export.Quantization.Operators;

/// <summary>
/// <c>Y = Gather(E, ids)</c> → <c>Y = DequantizeLinear(Gather(Eq, ids), scale, zp)</c>: the table quantized to uint8 per
/// tensor (affine over its range), rows gathered before dequantizing so only the gathered rows are converted.
/// </summary>
internal sealed class GatherUInt8Quantizer : IOperatorQuantizer
{
    /// <inheritdoc />
    public string OpType => "Gather";

    /// <inheritdoc />
    public string? WhyNot(QuantizationContext context, OnnxNode node) => GatherTableCheck.WhyNot(context, node, 0);

    /// <inheritdoc />
    public IReadOnlyList<OnnxNode> Quantize(QuantizationContext context, OnnxNode node)
    {
        OnnxTensor e = context.ConstantInput(node, 0)!;
        ReadOnlySpan<float> values = e.AsSpan<float>();
        float min = 0, max = 0;
        foreach (float x in values)
        {
            min = MathF.Min(min, x);
            max = MathF.Max(max, x);
        }

        (float scale, byte zp) = Int8Weights.AffineUInt8(min, max);
        var codes = new byte[values.Length];
        for (int i = 0; i < codes.Length; i++)
        {
            codes[i] = (byte)Math.Clamp((int)MathF.Round(values[i] / scale, MidpointRounding.ToEven) + zp, 0, 255);
        }

        string table = context.AddInitializer(new OnnxTensor(e.Name + "_u8", TensorElementType.UInt8, [.. e.Dims], codes));
        string s = context.AddInitializer(OnnxTensor.FromFloats(e.Name + "_scale", [scale]));
        string z = context.AddInitializer(new OnnxTensor(e.Name + "_zp", TensorElementType.UInt8, [], [zp]));
        string gathered = context.UniqueName(node.Outputs[0] + "_u8");
        return
        [
            context.Node("Gather", [table, node.Inputs[1]], [gathered], "", OnnxAttribute.Int("axis", 0)),
            context.Node("DequantizeLinear", [gathered, s, z], node.Outputs),
        ];
    }
}

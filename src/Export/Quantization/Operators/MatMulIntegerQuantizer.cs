namespace Pipelines.Export.Quantization.Operators;

/// <summary>
/// <c>Y = A·W</c> → dynamic int8: <c>(Aq, a_scale, a_zp) = DynamicQuantizeLinear(A)</c>,
/// <c>Y = Cast(MatMulInteger(Aq, Wq, a_zp)) · (a_scale · w_scale)</c>, with <c>Wq</c> int8 symmetric per tensor or per output
/// channel (<see cref="QuantizationOptions.PerChannel"/>).
/// </summary>
internal sealed class MatMulIntegerQuantizer : IOperatorQuantizer
{
    /// <inheritdoc />
    public string OpType => "MatMul";

    /// <inheritdoc />
    public string? WhyNot(QuantizationContext context, OnnxNode node) => MatMulWeightCheck.WhyNot(context, node);

    /// <inheritdoc />
    public IReadOnlyList<OnnxNode> Quantize(QuantizationContext context, OnnxNode node)
    {
        OnnxTensor w = context.ConstantInput(node, 1)!;
        int k = (int)w.Dims[0], n = (int)w.Dims[1];
        (sbyte[] codes, float[] scales) = Int8Weights.Quantize(w.AsSpan<float>(), k, n, context.Options.PerChannel);
        string wq = context.AddInitializer(OnnxTensor.Create<sbyte>(w.Name + "_i8", TensorElementType.Int8, codes, k, n));
        string ws = context.AddInitializer(scales.Length == 1
            ? OnnxTensor.FromFloats(w.Name + "_scale", scales)
            : OnnxTensor.FromFloats(w.Name + "_scale", scales, n));

        var emitted = new List<OnnxNode>();
        string a = node.Inputs[0];
        string[] aq = context.Shared("dql:" + a, emitted, list =>
        {
            string q = context.UniqueName(a + "_u8"), s = context.UniqueName(a + "_scale"), z = context.UniqueName(a + "_zp");
            list.Add(context.Node("DynamicQuantizeLinear", [a], [q, s, z]));
            return string.Join('\n', q, s, z);
        }).Split('\n');

        string yi = context.UniqueName(node.Outputs[0] + "_i32");
        string yf = context.UniqueName(node.Outputs[0] + "_f");
        string scale = context.UniqueName(node.Outputs[0] + "_scale");
        emitted.Add(context.Node("MatMulInteger", [aq[0], wq, aq[2]], [yi]));
        emitted.Add(context.Node("Cast", [yi], [yf], "", OnnxAttribute.Int("to", (long)TensorElementType.Float)));
        emitted.Add(context.Node("Mul", [aq[1], ws], [scale]));
        emitted.Add(context.Node("Mul", [yf, scale], node.Outputs));
        return emitted;
    }
}

using Pipelines.Export.Calibration;

namespace Pipelines.Export.Quantization.Operators;

/// <summary>
/// <c>Y = A·W</c> → static QDQ: <c>A' = DQ(Q(A; s_a, z_a))</c>, <c>W' = DQ(Wq; s_w[N], axis=1)</c>, <c>Y' = A'·W'</c>,
/// <c>Y = DQ(Q(Y'; s_y, z_y))</c>; uint8 activations with calibrated ranges, int8 symmetric weights per output channel.
/// ORT fuses the pattern into <c>QLinearMatMul</c>.
/// </summary>
internal sealed class MatMulQdqQuantizer : IOperatorQuantizer
{
    /// <inheritdoc />
    public string OpType => "MatMul";

    /// <inheritdoc />
    public string? WhyNot(QuantizationContext context, OnnxNode node)
    {
        if (MatMulWeightCheck.WhyNot(context, node) is string reason)
        {
            return reason;
        }

        if (context.Ranges is null)
        {
            return "no calibrated activation ranges (int8-qdq needs calibration inputs)";
        }

        return !context.Ranges.TryGet(node.Inputs[0], out _) ? $"activation '{node.Inputs[0]}' has no calibrated range"
            : !context.Ranges.TryGet(node.Outputs[0], out _) ? $"output '{node.Outputs[0]}' has no calibrated range"
            : null;
    }

    /// <inheritdoc />
    public IReadOnlyList<OnnxNode> Quantize(QuantizationContext context, OnnxNode node)
    {
        OnnxTensor w = context.ConstantInput(node, 1)!;
        int k = (int)w.Dims[0], n = (int)w.Dims[1];
        (sbyte[] codes, float[] scales) = Int8Weights.Quantize(w.AsSpan<float>(), k, n, perChannel: true);
        string wq = context.AddInitializer(OnnxTensor.Create<sbyte>(w.Name + "_i8", TensorElementType.Int8, codes, k, n));
        string ws = context.AddInitializer(OnnxTensor.FromFloats(w.Name + "_scale", scales, n));
        string wz = context.AddInitializer(OnnxTensor.Create<sbyte>(w.Name + "_zp", TensorElementType.Int8, new sbyte[n], n));

        var emitted = new List<OnnxNode>();
        string a = node.Inputs[0];
        string aq = context.Shared("q:" + a, emitted, list => EmitQuantize(context, list, a));
        string adq = context.UniqueName(a + "_dq");
        (string sa, string za) = Parameters(context, a);
        emitted.Add(context.Node("DequantizeLinear", [aq, sa, za], [adq]));
        string wdq = context.UniqueName(w.Name + "_dq");
        emitted.Add(context.Node("DequantizeLinear", [wq, ws, wz], [wdq], "", OnnxAttribute.Int("axis", 1)));
        string y = context.UniqueName(node.Outputs[0] + "_f");
        emitted.Add(context.Node("MatMul", [adq, wdq], [y]));
        string yq = EmitQuantize(context, emitted, y, node.Outputs[0]);
        (string sy, string zy) = Parameters(context, node.Outputs[0]);
        emitted.Add(context.Node("DequantizeLinear", [yq, sy, zy], node.Outputs));
        return emitted;
    }

    private static string EmitQuantize(QuantizationContext context, List<OnnxNode> list, string value, string? rangeOf = null)
    {
        (string s, string z) = Parameters(context, rangeOf ?? value);
        string q = context.UniqueName(value + "_u8");
        list.Add(context.Node("QuantizeLinear", [value, s, z], [q]));
        return q;
    }

    private static (string Scale, string ZeroPoint) Parameters(QuantizationContext context, string value)
    {
        var emitted = new List<OnnxNode>();
        string names = context.Shared("qp:" + value, emitted, _ =>
        {
            context.Ranges!.TryGet(value, out ActivationRange r);
            (float scale, byte zp) = Int8Weights.AffineUInt8(r.Min, r.Max);
            string s = context.AddInitializer(OnnxTensor.FromFloats(value + "_scale", [scale]));
            string z = context.AddInitializer(new OnnxTensor(value + "_zp", TensorElementType.UInt8, [], [zp]));
            return s + "\n" + z;
        });
        string[] parts = names.Split('\n');
        return (parts[0], parts[1]);
    }
}

namespace Pipelines.Export.Quantization;

/// <summary>
/// Raises a model's standard-domain opset (13 or later) to 21, which the block-wise INT4 <c>DequantizeLinear</c> needs.
/// Between 13 and 21 the only semantic change for common ops is that the <c>Reduce*</c> ops (opset 18) take <c>axes</c> as
/// an input instead of an attribute; that is rewritten. Ops known to be unchanged pass; any other op is refused by name.
/// </summary>
internal static class OpsetUpgrade
{
    private static readonly HashSet<string> s_reduceOps = new(StringComparer.Ordinal)
    {
        "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
    };

    private static readonly HashSet<string> s_unchanged = new(StringComparer.Ordinal)
    {
        "Abs", "Add", "And", "ArgMax", "ArgMin", "Cast", "Ceil", "Clip", "Concat", "Constant", "ConstantOfShape", "CumSum", "DequantizeLinear",
        "Div", "DynamicQuantizeLinear", "Equal", "Erf", "Exp", "Expand", "Flatten", "Floor", "Gather", "GatherElements", "Gemm", "Greater",
        "GreaterOrEqual", "Identity", "LayerNormalization", "Less", "LessOrEqual", "Log", "LogSoftmax", "MatMul", "MatMulInteger", "Max", "Min",
        "Mul", "Neg", "Not", "Or", "Pad", "Pow", "QuantizeLinear", "Range", "Reciprocal", "ReduceSum", "Relu", "Reshape", "Shape", "Sigmoid",
        "Sign", "Slice", "Softmax", "Split", "Sqrt", "Squeeze", "Sub", "Tanh", "Tile", "TopK", "Transpose", "Unsqueeze", "Where",
    };

    /// <summary>Upgrades <paramref name="model"/> in place when its standard opset is below <paramref name="target"/> (≤ 21).</summary>
    /// <exception cref="NotSupportedException">The opset is below 13 or a node's op is not known to be unchanged; the message names the node.</exception>
    public static void To(OnnxModel model, long target = 21)
    {
        ArgumentNullException.ThrowIfNull(model);
        long current = model.OpsetVersion() ?? throw new NotSupportedException("The model imports no standard opset.");
        if (current >= target)
        {
            return;
        }

        if (current < 13)
        {
            throw new NotSupportedException($"Upgrading opset {current} models is not supported (13 or later is needed to reach opset {target}).");
        }

        var builder = new GraphBuilder(model.Graph);
        foreach (OnnxNode node in model.Graph.Nodes)
        {
            if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
            {
                continue;
            }

            if (s_reduceOps.Contains(node.OpType))
            {
                if (current < 18 && target >= 18 && node.IntsAttribute("axes") is long[] axes)
                {
                    node.Attributes.RemoveAll(a => a.Name == "axes");
                    string axesName = builder.Int64s(node.Name + "_axes", axes);
                    node.Inputs.Add(axesName);
                }
            }
            else if (!s_unchanged.Contains(node.OpType))
            {
                throw new NotSupportedException(
                    $"Cannot raise the model from opset {current} to {target}: {node.Describe()} is not known to keep its meaning across those versions.");
            }
        }

        model.OpsetImports.RemoveAll(o => o.Domain.Length == 0 || o.Domain == "ai.onnx");
        model.OpsetImports.Insert(0, new OpsetImport(OnnxModel.StandardDomain, target));
        model.IrVersion = Math.Max(model.IrVersion, 10);
    }
}

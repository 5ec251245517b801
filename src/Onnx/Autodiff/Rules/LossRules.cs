namespace Pipelines.Onnx.Autodiff;

/// <summary>SoftmaxCrossEntropyLoss (reductions mean, sum, none; class weights; ignore_index).</summary>
internal static class LossRules
{
    public static void Register(Dictionary<string, GradientRule> rules) => rules["SoftmaxCrossEntropyLoss"] = SoftmaxCrossEntropy;

    // scores [N, C, d…], labels [N, d…], w_i = weight[label_i]·[label_i ≠ ignore]:
    //   loss_i = −w_i · log softmax(scores_i)[label_i]; mean divides by Σ w_i.
    //   d scores = (softmax(scores) − onehot(labels)) ⊙ w ⊙ ĝ, ĝ = g / Σw (mean), g (sum), g_i (none);
    //   plus the log_prob output's own gradient, g_lp − softmax ⊙ Σ_C g_lp.
    private static void SoftmaxCrossEntropy(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        TensorElementType type = s.ElementType;
        OnnxAttribute toType = OnnxAttribute.Int("to", (long)type);
        if (s.Needs(2))
        {
            throw s.Unsupported("gradients with respect to the class weights are not supported; keep them constant.");
        }

        string scores = s.Input(0);
        string labels = s.Input(1);
        string logp = e.Op("LogSoftmax", [scores], OnnxAttribute.Int("axis", 1));
        string p = e.Op("Exp", logp);
        string? result = null;

        if (s.OutputGrad(0) is { } g)
        {
            string reduction = s.Node.Attribute("reduction")?.StringValue ?? "mean";
            int labelRank = e.RankOf(labels, s.Node);

            // class index grid [1, C, 1, …] compared with labels [N, 1, d…]
            string classes = e.Op("Gather", [e.Shape(scores), e.Int64Scalar(1)]);
            string range = e.Op("Range", e.Int64Scalar(0), classes, e.Int64Scalar(1));
            long[] gridShape = [1, -1, .. Enumerable.Repeat(1L, labelRank - 1)];
            string grid = e.Reshape(range, e.Int64s(gridShape));
            string labels64 = e.TypeOf(labels)?.ElementType == TensorElementType.Int64 ? labels : e.Op("Cast", [labels], OnnxAttribute.Int("to", (long)TensorElementType.Int64));
            string onehot = e.Op("Cast", [e.Op("Equal", e.Unsqueeze(labels64, 1), grid)], toType);

            string weight;
            if (s.Node.Attribute("ignore_index") is { Kind: AttributeKind.Int } ignore)
            {
                string keep = e.Op("Not", e.Op("Equal", labels64, e.Int64Scalar(ignore.I)));
                string safe = e.Op("Where", keep, labels64, e.Int64Scalar(0));
                weight = s.HasInput(2)
                    ? e.Op("Mul", e.Op("Gather", s.Input(2), safe), e.Op("Cast", [keep], toType))
                    : e.Op("Cast", [keep], toType);
            }
            else
            {
                weight = s.HasInput(2) ? e.Op("Gather", s.Input(2), labels64) : e.Op("Cast", [e.Op("Equal", labels64, labels64)], toType);
            }

            string scale = reduction switch
            {
                "mean" => e.Op("Mul", weight, e.Op("Div", g, e.Op("ReduceSum", [weight], OnnxAttribute.Int("keepdims", 0)))),
                "sum" or "none" => e.Op("Mul", weight, g),
                _ => throw s.Unsupported($"unknown reduction='{reduction}'."),
            };

            result = e.Op("Mul", e.Op("Sub", p, onehot), e.Unsqueeze(scale, 1));
        }

        if (s.OutputGrad(1) is { } glp)
        {
            string lpGrad = e.Op("Sub", glp, e.Op("Mul", p, e.ReduceSum(glp, [1], keepDims: true)));
            result = result is null ? lpGrad : e.Op("Add", result, lpGrad);
        }

        if (result is not null)
        {
            s.SetGrad(0, result);
        }
    }
}

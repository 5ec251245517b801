using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// Mean StableMax cross-entropy (Prieto et al., 2025, "Grokking at the Edge of Numerical Stability") of
/// <paramref name="Logits"/> [N, C] against int64 class labels [N]: s(x) = x + 1 for x ≥ 0 and 1 / (1 − x) for x &lt; 0,
/// StableMax(x)ᵢ = s(xᵢ) / Σⱼ s(xⱼ), loss = −mean log StableMax(x)[label]. s grows linearly instead of exponentially, so
/// the probability of the correct class does not round to exactly 1 (softmax collapse) while the logits grow. Built from
/// differentiable ONNX ops (Less, Where, Div, ReduceSum, Log, GatherElements); computed in float64 as the paper does
/// when <paramref name="Float64"/> is set, the loss cast back to the logits' type.
/// </summary>
/// <param name="Logits">The forward value holding unnormalised class scores [N, C].</param>
/// <param name="LabelsInput">The name of the new batch input holding the labels [N].</param>
/// <param name="Float64">Compute s, the normaliser and the log in float64.</param>
public sealed record StableMaxCrossEntropyLoss(string Logits, string LabelsInput = "labels", bool Float64 = true) : LossFunction
{
    internal override string Append(GraphBuilder builder, IReadOnlyDictionary<string, TensorType> types)
    {
        TensorType logits = TypeOf(types, Logits);
        if (logits.Rank != 2)
        {
            throw new ArgumentException($"StableMax cross-entropy needs logits of rank 2 [N, C]; '{Logits}' is {logits}.");
        }

        GraphBuilder b = builder;
        string labels = b.Input(LabelsInput, TensorElementType.Int64, logits.Shape![0]);
        TensorElementType work = Float64 ? TensorElementType.Double : logits.ElementType;
        string x = Float64 && logits.ElementType != TensorElementType.Double
            ? b.Op("Cast", [Logits], OnnxAttribute.Int("to", (long)TensorElementType.Double))
            : Logits;
        string zero = b.Scalar(0, work, "stablemax_zero");
        string one = b.Scalar(1, work, "stablemax_one");
        string negative = b.Op("Less", x, zero);

        // the x < 0 branch sees min(x, 0) so that 1 / (1 − x) never divides by zero where the other branch is taken
        string xNeg = b.Op("Where", negative, x, zero);
        string s = b.Op("Where", negative, b.Op("Div", one, b.Op("Sub", one, xNeg)), b.Op("Add", x, one));
        string total = b.Op("ReduceSum", [s, b.Int64s("stablemax_axis", 1)], OnnxAttribute.Int("keepdims", 1));
        string logP = b.Op("Sub", b.Op("Log", s), b.Op("Log", total));                       // [N, C]
        string index = b.Op("Unsqueeze", labels, b.Int64s("stablemax_axis", 1));             // [N, 1]
        string picked = b.Op("GatherElements", [logP, index], OnnxAttribute.Int("axis", 1)); // [N, 1]
        string mean = b.Op("ReduceMean", [picked], OnnxAttribute.Int("keepdims", 0));
        string loss = b.Op("Neg", mean);
        return work == logits.ElementType
            ? b.Node("Identity", [loss], 1, name: "loss")[0]
            : b.Node("Cast", [loss], 1, [OnnxAttribute.Int("to", (long)logits.ElementType)], name: "loss")[0];
    }
}

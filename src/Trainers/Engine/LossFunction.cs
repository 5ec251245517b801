using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>The loss a training graph minimises, appended to the forward graph. Labels and targets become batch inputs.</summary>
public abstract record LossFunction
{
    private protected LossFunction()
    {
    }

    /// <summary>Whether <see cref="Append"/> adds nodes or inputs (false when the forward graph already computes the loss).</summary>
    internal virtual bool AddsNodes => true;

    /// <summary>Appends the loss nodes and returns the name of the scalar loss value.</summary>
    internal abstract string Append(GraphBuilder builder, IReadOnlyDictionary<string, TensorType> types);

    private protected static TensorType TypeOf(IReadOnlyDictionary<string, TensorType> types, string value) =>
        types.TryGetValue(value, out TensorType? t) && t.Shape is not null
            ? t
            : throw new ArgumentException($"The type and rank of '{value}' are unknown; declare it as a typed graph output.");
}

/// <summary>
/// Mean softmax cross-entropy of <paramref name="Logits"/> [N, C, d…] against int64 class labels [N, d…]
/// (<c>SoftmaxCrossEntropyLoss</c>, reduction mean).
/// </summary>
/// <param name="Logits">The forward value holding unnormalised class scores.</param>
/// <param name="LabelsInput">The name of the new batch input holding the labels.</param>
public sealed record CrossEntropyLoss(string Logits, string LabelsInput = "labels") : LossFunction
{
    internal override string Append(GraphBuilder builder, IReadOnlyDictionary<string, TensorType> types)
    {
        TensorType logits = TypeOf(types, Logits);
        if (logits.Rank < 2)
        {
            throw new ArgumentException($"Cross-entropy needs logits of rank ≥ 2 [N, C, …]; '{Logits}' is {logits}.");
        }

        Dim[] labelDims = [logits.Shape![0], .. logits.Shape.Skip(2)];
        string labels = builder.Input(LabelsInput, TensorElementType.Int64, labelDims);
        return builder.Node("SoftmaxCrossEntropyLoss", [Logits, labels], 1, [OnnxAttribute.String("reduction", "mean")], name: "loss")[0];
    }
}

/// <summary>Mean squared error between <paramref name="Predictions"/> and a target input of the same type.</summary>
/// <param name="Predictions">The forward value to fit.</param>
/// <param name="TargetInput">The name of the new batch input holding the targets.</param>
public sealed record MeanSquaredErrorLoss(string Predictions, string TargetInput = "target") : LossFunction
{
    internal override string Append(GraphBuilder builder, IReadOnlyDictionary<string, TensorType> types) =>
        ElementwiseLoss.Append(builder, types, Predictions, TargetInput, square: true);
}

/// <summary>Mean absolute error between <paramref name="Predictions"/> and a target input of the same type.</summary>
/// <param name="Predictions">The forward value to fit.</param>
/// <param name="TargetInput">The name of the new batch input holding the targets.</param>
public sealed record L1Loss(string Predictions, string TargetInput = "target") : LossFunction
{
    internal override string Append(GraphBuilder builder, IReadOnlyDictionary<string, TensorType> types) =>
        ElementwiseLoss.Append(builder, types, Predictions, TargetInput, square: false);
}

/// <summary>A scalar value the forward graph already computes.</summary>
/// <param name="Output">The scalar loss value.</param>
public sealed record ScalarOutputLoss(string Output) : LossFunction
{
    internal override bool AddsNodes => false;

    internal override string Append(GraphBuilder builder, IReadOnlyDictionary<string, TensorType> types) => Output;
}

internal static class ElementwiseLoss
{
    public static string Append(GraphBuilder b, IReadOnlyDictionary<string, TensorType> types, string predictions, string targetInput, bool square)
    {
        TensorType t = types.TryGetValue(predictions, out TensorType? p) && p.Shape is not null
            ? p
            : throw new ArgumentException($"The type and rank of '{predictions}' are unknown; declare it as a typed graph output.");
        string target = b.Input(targetInput, t.ElementType, [.. t.Shape!]);
        string diff = b.Op("Sub", predictions, target);
        string e = square ? b.Op("Mul", diff, diff) : b.Op("Abs", diff);
        return b.Node("ReduceMean", [e], 1, [OnnxAttribute.Int("keepdims", 0)], name: "loss")[0];
    }
}

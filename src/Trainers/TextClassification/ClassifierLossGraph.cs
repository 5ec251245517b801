using Pipelines.Onnx;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// Appends the training objective to a classifier graph (<see cref="ClassifierGraph"/>): an int64 input
/// <see cref="LabelsInput"/> <c>[Batch]</c> and <c>loss = SoftmaxCrossEntropyLoss(logits, labels[, w], reduction=mean)</c>,
/// i.e. <c>Σ_i w_{y_i}·(−log softmax(z_i)[y_i]) / Σ_i w_{y_i}</c>.
/// </summary>
internal static class ClassifierLossGraph
{
    /// <summary>The labels input.</summary>
    public const string LabelsInput = "labels";

    /// <summary>The scalar loss value.</summary>
    public const string LossOutput = "loss";

    /// <summary>Returns a copy of <paramref name="classifier"/> whose outputs are the loss and the logits.</summary>
    /// <param name="classifier">A classifier with a <see cref="ClassifierGraph.LogitsOutput"/> output.</param>
    /// <param name="classWeights">Per-class weights w, or null.</param>
    public static OnnxModel Add(OnnxModel classifier, IReadOnlyList<float>? classWeights = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        if (!classifier.Graph.Outputs.Any(o => o.Name == ClassifierGraph.LogitsOutput))
        {
            throw new ArgumentException($"The classifier has no '{ClassifierGraph.LogitsOutput}' output.", nameof(classifier));
        }

        OnnxModel model = classifier.Clone();
        var b = new GraphBuilder(model.Graph);
        string labels = b.Input(LabelsInput, TensorElementType.Int64, "batch");
        List<string> inputs = [ClassifierGraph.LogitsOutput, labels];
        if (classWeights is not null)
        {
            inputs.Add(b.Initializer(OnnxTensor.FromFloats("class_weights", classWeights.ToArray(), classWeights.Count)));
        }

        model.Graph.Outputs.Clear();
        b.NodeTo("SoftmaxCrossEntropyLoss", inputs, [LossOutput], [OnnxAttribute.String("reduction", "mean")]);
        b.Output(LossOutput, type: new TensorType(TensorElementType.Float, []));
        b.Output(ClassifierGraph.LogitsOutput);
        return model;
    }
}

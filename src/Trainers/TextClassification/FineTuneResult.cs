using Pipelines.Onnx;

namespace Pipelines.Trainers.TextClassification;

/// <summary>The outcome of a fine-tuning run.</summary>
/// <param name="Classifier">The trained classifier as plain inference ONNX (outputs logits, probabilities, pooled).</param>
/// <param name="Losses">Training loss of every step, from step 1 (resumed runs include the steps before the resume).</param>
/// <param name="TrainableParameters">Number of trained scalars (adapters + head, or everything for full fine-tuning).</param>
/// <param name="InitializationSeconds">Adapter initialisation time (0 when resumed from a checkpoint).</param>
/// <param name="TrainingSeconds">Wall time of building the train step (graph and session) and running its steps in this call.</param>
/// <param name="Validation">Validation metrics, when a validation set was given.</param>
public sealed record FineTuneResult(
    OnnxModel Classifier,
    IReadOnlyList<float> Losses,
    long TrainableParameters,
    double InitializationSeconds,
    double TrainingSeconds,
    ClassificationMetrics? Validation)
{
    /// <summary>
    /// Bytes of optimizer state the train step keeps per ping-pong set (Adam moments, or the 8-bit codes and block
    /// scales of <see cref="OptimizerKind.AdamW8Bit"/>): <see cref="TrainingGraph.OptimizerStateBytes"/>.
    /// </summary>
    public long OptimizerStateBytes { get; init; }
}

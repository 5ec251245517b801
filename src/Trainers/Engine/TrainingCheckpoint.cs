using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>The content of a checkpoint: step (= schedule position and data position), data-order seed, state tensors, notes.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="Seed">The data-order seed (the RNG state: batches are a pure function of seed and step).</param>
/// <param name="State">Parameters and optimizer slots by their train-step input names.</param>
/// <param name="Metadata">Free-form notes (the schedule's description).</param>
public sealed record TrainingCheckpoint(long Step, long Seed, IReadOnlyList<OnnxTensor> State, IReadOnlyDictionary<string, string> Metadata);

using Pipelines.Onnx.Runtime;

namespace Pipelines.Transforms.LowRank;

/// <summary>EVA settings (Paischer et al. 2024; peft <c>EvaConfig</c>).</summary>
public sealed record EvaOptions
{
    /// <summary>
    /// The calibration batches (the model's runtime inputs, e.g. int64 <c>input_ids</c> <c>[batch, sequence]</c>), cycled
    /// until every target converges or <see cref="MaxPasses"/> is reached. Rows whose int64 <c>attention_mask</c> entry is 0
    /// are padding and left out, as peft's EVA does. The caller owns (and disposes) the batches.
    /// </summary>
    public required IReadOnlyList<TensorBatch> Batches { get; init; }

    /// <summary>ρ: components kept per target = round(ρ·r), the pool for rank redistribution (peft default 2).</summary>
    public double Rho { get; init; } = 2.0;

    /// <summary>τ: a component has converged when the cosine similarity of consecutive estimates reaches this (0.99).</summary>
    public double Tau { get; init; } = 0.99;

    /// <summary>Most passes over the batches.</summary>
    public int MaxPasses { get; init; } = 4;

    /// <summary>Scale α with the new rank (α_new = α·r_new/r) so s stays constant (peft <c>adjust_scaling_factors</c>).</summary>
    public bool AdjustScaling { get; init; } = true;
}

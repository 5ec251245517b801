using Pipelines.Onnx.Runtime;

namespace Pipelines.Transforms.LowRank;

/// <summary>CorDA settings (Yang et al. 2024, "CorDA: context-oriented decomposition adaptation"; peft <c>CordaConfig</c>).</summary>
public sealed record CordaOptions
{
    /// <summary>Default values, read by the API and the <c>lora init</c> command alike.</summary>
    public static class Defaults
    {
        /// <summary>Initial damping δ: C' = C + δ·mean(diag C)·I (peft starts at 0.01).</summary>
        public const double Damping = 0.01;
    }

    /// <summary>
    /// The calibration batches (the model's runtime inputs); every target's input rows X (tokens×in, padding rows left
    /// out as for EVA) are accumulated into C = XᵀX / rows. The caller owns (and disposes) the batches.
    /// </summary>
    public required IReadOnlyList<TensorBatch> Batches { get; init; }

    /// <summary>Initial damping δ, doubled until C' = C + δ·mean(diag C)·I factors as positive definite.</summary>
    public double Damping { get; init; } = Defaults.Damping;
}

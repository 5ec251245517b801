using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// LoftQ settings (Li et al. 2023, "LoftQ: LoRA-fine-tuning-aware quantization"; peft <c>LoftQConfig</c>). The quantizer
/// is supplied by the caller — the export's own block-wise int4 round trip in <c>lora init</c>
/// (<c>Pipelines.Export.QPissa.WeightRoundTrip</c>), which this layer cannot reference — so the adapters absorb the error
/// of exactly the quantizer the artifact uses.
/// </summary>
public sealed record LoftQOptions
{
    /// <summary>Default values, read by the API and the <c>lora init</c> command alike.</summary>
    public static class Defaults
    {
        /// <summary>Alternations T (peft's <c>loftq_iter</c> defaults to 1; the LoftQ paper uses up to 5).</summary>
        public const int Iterations = 5;

        /// <summary>Bits of the quantizer, recorded as peft's <c>loftq_bits</c>.</summary>
        public const int Bits = 4;
    }

    /// <summary>
    /// deq(Q(·)) of a weight in ONNX layout, in×out (<c>y = x·W</c>); returns a new matrix of the same shape and must be
    /// deterministic and thread-safe (targets run in parallel).
    /// </summary>
    public required Func<Matrix, Matrix> RoundTrip { get; init; }

    /// <summary>Alternations T of quantize and rank-r SVD.</summary>
    public int Iterations { get; init; } = Defaults.Iterations;

    /// <summary>Bits of <see cref="RoundTrip"/> (written to the config as <c>loftq_bits</c>; the quantizer decides).</summary>
    public int Bits { get; init; } = Defaults.Bits;
}

namespace Pipelines.Trainers;

/// <summary>How <see cref="TrainingGraphBuilder"/> turns a forward model into a train step.</summary>
public sealed record TrainingGraphOptions
{
    /// <summary>Default values of the options.</summary>
    public static class Defaults
    {
        /// <summary>Float32 frozen-weight MatMuls.</summary>
        public const FrozenWeightPrecision FrozenWeights = FrozenWeightPrecision.Float32;

        /// <summary>Input-gradient products read frozen weights through <c>transB</c>.</summary>
        public const bool FuseFrozenTransposes = true;

        /// <summary>Every activation kept for the backward pass.</summary>
        public const ActivationCheckpointing ActivationCheckpointing = Trainers.ActivationCheckpointing.None;

        /// <summary>One optimizer update per group of parameters with the same rate multiplier and decay (parameters of up to 65,536 elements; larger ones update alone).</summary>
        public const bool FlatOptimizerUpdate = true;
    }

    /// <summary>The loss to minimise.</summary>
    public required LossFunction Loss { get; init; }

    /// <summary>Names of the Float/Double initializers to train.</summary>
    public required IReadOnlyList<string> Trainables { get; init; }

    /// <summary>The optimizer (default AdamW with β = (0.9, 0.999), ε = 1e-8, no weight decay).</summary>
    public Optimizer Optimizer { get; init; } = new AdamWOptimizer();

    /// <summary>When set, gradients are scaled by min(1, c / ‖g‖₂) over all parameters together before the update.</summary>
    public double? ClipGlobalNorm { get; init; }

    /// <summary>
    /// Per-parameter learning-rate multipliers: parameter p is updated with rate mₚ·lr (decoupled weight decay included),
    /// as PyTorch parameter groups with their own rate, e.g. a classification head trained at 5× the adapters' rate.
    /// Parameters not listed use mₚ = 1. Every key must be a trainable; every value positive and finite.
    /// </summary>
    public IReadOnlyDictionary<string, double> LearningRateMultipliers { get; init; } = new Dictionary<string, double>();

    /// <summary>
    /// The parameters the optimizer's weight decay applies to; null applies it to every trainable. The usual choice
    /// excludes biases and norm gains (the tensors of rank &lt; 2).
    /// </summary>
    public IReadOnlyCollection<string>? WeightDecayParameters { get; init; }

    /// <summary>
    /// Forward values the train step also returns, computed with the parameters before the update (e.g. the logits, for a
    /// batch accuracy); read them with <see cref="Trainer.GetOutput"/> after a step. Their shapes may vary per step.
    /// </summary>
    public IReadOnlyList<string> ExtraOutputs { get; init; } = [];

    /// <summary>
    /// Non-trained buffers the forward pass updates (e.g. BatchNorm running statistics): initializer name → the forward
    /// value holding its next value, computed with the parameters before the update. Each becomes a
    /// <see cref="StateKind.RunningStatistic"/> state tensor: carried between steps, saved in checkpoints, read by the eval
    /// and exported models. A key must be a Float/Double initializer that is not trainable.
    /// </summary>
    public IReadOnlyDictionary<string, string> RunningStatistics { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The arithmetic of the MatMuls with frozen weight matrices in the train step (forward and input-gradient products):
    /// float32 (default) or int8 weights with dynamically quantized activations (<see cref="FrozenWeightPrecision.Int8"/>).
    /// </summary>
    public FrozenWeightPrecision FrozenWeights { get; init; } = Defaults.FrozenWeights;

    /// <summary>
    /// The input-gradient products of frozen float matrices, <c>dX = G·Wᵀ</c>, read <c>W</c> through
    /// <c>com.microsoft::FusedMatMul</c>'s <c>transB</c> instead of a <c>Transpose(W)</c> that ONNX Runtime folds into a
    /// second copy of the frozen weights at session creation (default on: about one model's size less resident memory,
    /// same sums).
    /// </summary>
    public bool FuseFrozenTransposes { get; init; } = Defaults.FuseFrozenTransposes;

    /// <summary>
    /// Which activations the backward pass reads from the forward pass and which it recomputes
    /// (<see cref="Trainers.ActivationCheckpointing.TransformerBlocks"/>: each block's forward again inside the backward,
    /// less activation memory for about one more forward pass of time, same gradients).
    /// </summary>
    public ActivationCheckpointing ActivationCheckpointing { get; init; } = Defaults.ActivationCheckpointing;

    /// <summary>
    /// AdamW, SGD and 8-bit AdamW update all parameters that share a learning-rate multiplier and weight decay in one
    /// chain of kernels over their concatenation (p, g, m, v as flat buffers [Σnᵢ], for 8-bit AdamW each tensor padded to
    /// whole blocks; split back afterwards) instead of one chain per parameter: about 3 cheap kernels per parameter
    /// instead of about 18 for AdamW, the same bits (default on). Off runs the same update per parameter, for A/B
    /// measurements; the state layout is the same either way. Stable-SPAM always updates per parameter (its clipping
    /// and normalisation reduce over each tensor), and so does any parameter of more than 65,536 elements (a full
    /// fine-tuning weight matrix): concatenating it would copy megabytes per step to save a few kernel launches.
    /// </summary>
    public bool FlatOptimizerUpdate { get; init; } = Defaults.FlatOptimizerUpdate;
}

using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Trainers.TextClassification;

/// <summary>Options of adapter (or full) fine-tuning of a text encoder with a pooled linear classification head.</summary>
public sealed record FineTuneOptions
{
    /// <summary>
    /// Default values, read by the API and the <c>lora train</c> command alike. The learning rates are the ones the
    /// SST-2 comparison (<c>docs/results/finetune-sst2.md</c>) ran: 5e-4 for adapters, 5e-5 for full fine-tuning, 1e-3
    /// for the head.
    /// </summary>
    public static class Defaults
    {
        /// <summary>The method.</summary>
        public const LowRankMethod Method = LowRankMethod.Pissa;

        /// <summary>Adapter rank r.</summary>
        public const int Rank = 8;

        /// <summary>Peak learning rate of the adapters.</summary>
        public const float LearningRate = 5e-4f;

        /// <summary>Peak learning rate for <see cref="LowRankMethod.Full"/> (every weight), used by <see cref="For"/>.</summary>
        public const float FullLearningRate = 5e-5f;

        /// <summary>Peak learning rate of the classification head.</summary>
        public const float HeadLearningRate = 1e-3f;

        /// <summary>Passes over the training set.</summary>
        public const int Epochs = 1;

        /// <summary>Sentences per step.</summary>
        public const int BatchSize = 32;

        /// <summary>Maximum tokens per sentence, special tokens included.</summary>
        public const int MaxLength = 64;

        /// <summary>The schedule.</summary>
        public const FineTuneSchedule Schedule = FineTuneSchedule.Linear;

        /// <summary>Write a checkpoint every this many steps (and at the end).</summary>
        public const int CheckpointEvery = 50;

        /// <summary>Also write a checkpoint once this many seconds have passed since the last one (the CLI's default).</summary>
        public const int CheckpointSeconds = 60;

        /// <summary>The optimizer.</summary>
        public const OptimizerKind Optimizer = OptimizerKind.AdamW;

        /// <summary>Softmax cross-entropy.</summary>
        public const ClassificationLoss Loss = ClassificationLoss.Softmax;

        /// <summary>⊥Grad off.</summary>
        public const bool OrthogonalGradient = OptimizerDefaults.OrthogonalGradient;

        /// <summary>Parameters and optimizer state in device memory on a GPU, in pinned host arrays on the CPU.</summary>
        public const StateMemory StateMemory = TrainerOptions.Defaults.StateMemory;

        /// <summary>Float32 MatMuls on the frozen encoder weights.</summary>
        public const FrozenWeightPrecision FrozenPrecision = TrainingGraphOptions.Defaults.FrozenWeights;

        /// <summary>Every activation kept for the backward pass (no recomputation).</summary>
        public const ActivationCheckpointing ActivationCheckpointing = TrainingGraphOptions.Defaults.ActivationCheckpointing;

        /// <summary>The default peak learning rate for <paramref name="method"/>.</summary>
        /// <param name="method">The method.</param>
        public static float For(LowRankMethod method) => method == LowRankMethod.Full ? FullLearningRate : LearningRate;
    }

    /// <summary>The method.</summary>
    public LowRankMethod Method { get; init; } = Defaults.Method;

    /// <summary>Adapter rank r.</summary>
    public int Rank { get; init; } = Defaults.Rank;

    /// <summary>Adapter α (s = α/r); null means α = r (s = 1, as the PiSSA paper).</summary>
    public float? Alpha { get; init; }

    /// <summary>Which linear weights get adapters.</summary>
    public TargetSelector Targets { get; init; } = TargetSelector.AllLinear;

    /// <summary>Peak learning rate of the adapters (or of every weight for <see cref="LowRankMethod.Full"/>).</summary>
    public float LearningRate { get; init; } = Defaults.LearningRate;

    /// <summary>Peak learning rate of the classification head; null uses <see cref="LearningRate"/>.</summary>
    public float? HeadLearningRate { get; init; } = Defaults.HeadLearningRate;

    /// <summary>The optimizer (β₁, β₂, ε below apply to each kind).</summary>
    public OptimizerKind Optimizer { get; init; } = Defaults.Optimizer;

    /// <summary>The training loss; <see cref="ClassificationLoss.StableMax"/> takes no <see cref="ClassWeights"/> (validation loss stays softmax CE).</summary>
    public ClassificationLoss Loss { get; init; } = Defaults.Loss;

    /// <summary>⊥Grad: remove each weight's gradient component along the weight (<see cref="Trainers.Optimizer.OrthogonalGradient"/>).</summary>
    public bool OrthogonalGradient { get; init; } = Defaults.OrthogonalGradient;

    /// <summary>
    /// The arithmetic of the frozen encoder weights' MatMuls in the train step (<see cref="TrainingGraphOptions.FrozenWeights"/>):
    /// float32, or int8 weights with dynamically quantized activations. The trained model is exported with float weights.
    /// </summary>
    public FrozenWeightPrecision FrozenPrecision { get; init; } = Defaults.FrozenPrecision;

    /// <summary>AdamW decoupled weight decay (applied to matrices, not to vectors).</summary>
    public float WeightDecay { get; init; }

    /// <summary>AdamW β1.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>AdamW β2.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>AdamW ε.</summary>
    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>The schedule.</summary>
    public FineTuneSchedule Schedule { get; init; } = Defaults.Schedule;

    /// <summary>Fraction of the steps used for linear warm-up.</summary>
    public float WarmupRatio { get; init; }

    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = Defaults.Epochs;

    /// <summary>Stop after this many optimizer steps (also sets the schedule's length); null runs all epochs.</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Sentences per step.</summary>
    public int BatchSize { get; init; } = Defaults.BatchSize;

    /// <summary>Maximum tokens per sentence, special tokens included.</summary>
    public int MaxLength { get; init; } = Defaults.MaxLength;

    /// <summary>Seed of head init, adapter init, shuffling and calibration sampling.</summary>
    public int Seed { get; init; }

    /// <summary>The pooling.</summary>
    public PoolingMode Pooling { get; init; } = PoolingMode.Mean;

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; init; } = 2;

    /// <summary>Per-class loss weights (length <see cref="ClassCount"/>), or null for unweighted cross-entropy.</summary>
    public IReadOnlyList<float>? ClassWeights { get; init; }

    /// <summary>Calibration batches for LoRA-GA gradient averaging and EVA activation statistics.</summary>
    public int CalibrationBatches { get; init; } = 8;

    /// <summary>LoRA-GA's γ of the <c>stable</c> scale m^{1/4}/√γ.</summary>
    public float LoraGaGamma { get; init; } = 16;

    /// <summary>Folder for resumable checkpoints (initial model + state); null disables checkpoints.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Write a checkpoint every this many steps (and at the end).</summary>
    public int CheckpointEvery { get; init; } = Defaults.CheckpointEvery;

    /// <summary>Also write a checkpoint once this long has passed since the last one; null: by steps only.</summary>
    public TimeSpan? CheckpointInterval { get; init; }

    /// <summary>The execution device of the training and evaluation sessions.</summary>
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Cpu;

    /// <summary>ORT intra-op threads (0 = ORT default).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Where the train step keeps parameters, optimizer state and its ping-pong outputs (<see cref="TrainerOptions.StateMemory"/>):
    /// by default device memory on a GPU, pinned host arrays on the CPU. Does not change the arithmetic (a checkpoint
    /// written under one placement resumes under the other).
    /// </summary>
    public StateMemory StateMemory { get; init; } = Defaults.StateMemory;

    /// <summary>
    /// DoRA adapters (peft's <c>use_dora</c>, <see cref="LowRankOptions.Dora"/>): a trainable magnitude per output unit
    /// on top of the method's low-rank direction update. Not with <see cref="LowRankMethod.Full"/> or LoRA-GA.
    /// </summary>
    public bool Dora { get; init; } = LowRankOptions.Defaults.Dora;

    /// <summary>rsLoRA scaling s = α/√r (<see cref="LowRankOptions.RsLora"/>).</summary>
    public bool RsLora { get; init; }

    /// <summary>Per-layer rank allocation by the spectrum of W (<see cref="LowRankOptions.Redistribution"/>); null keeps every rank at <see cref="Rank"/>.</summary>
    public RankRedistribution? Redistribution { get; init; }

    /// <summary>
    /// Activation checkpointing (<see cref="TrainingGraphOptions.ActivationCheckpointing"/>): with
    /// <see cref="Trainers.ActivationCheckpointing.TransformerBlocks"/> each encoder block's forward runs again in the
    /// backward pass instead of keeping its activations: less peak memory at large batches, about one more forward pass
    /// of time per step, the same gradients.
    /// </summary>
    public ActivationCheckpointing ActivationCheckpointing { get; init; } = Defaults.ActivationCheckpointing;

    /// <summary>The adapter α actually used.</summary>
    public float EffectiveAlpha => Alpha ?? Rank;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Rank, 1, nameof(Rank));
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLength, 3, nameof(MaxLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(ClassCount, 2, nameof(ClassCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(CalibrationBatches, 1, nameof(CalibrationBatches));
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointEvery, 1, nameof(CheckpointEvery));
        if (Loss == ClassificationLoss.StableMax && ClassWeights is not null)
        {
            throw new ArgumentException("StableMax cross-entropy takes no class weights.", nameof(ClassWeights));
        }

        if (CheckpointInterval is { } interval && interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointInterval), interval, "CheckpointInterval must be positive.");
        }

        if (MaxSteps is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "MaxSteps must be at least 1.");
        }

        if (!(LearningRate > 0) || HeadLearningRate is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Learning rates must be positive.");
        }

        if (WarmupRatio is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WarmupRatio), WarmupRatio, "WarmupRatio must be in [0, 1).");
        }

        if (Dora && Method is LowRankMethod.Full or LowRankMethod.LoraGa)
        {
            throw new ArgumentException($"DoRA needs low-rank adapters initialised before training; {Method} is not supported with it.", nameof(Dora));
        }

        if (Redistribution is not null && Method is LowRankMethod.Full or LowRankMethod.LoraGa)
        {
            throw new ArgumentException($"Rank redistribution moves the ranks of adapters initialised before training; {Method} is not supported with it.", nameof(Redistribution));
        }

        if (ClassWeights is not null && (ClassWeights.Count != ClassCount || ClassWeights.Any(w => !(w >= 0))))
        {
            throw new ArgumentException($"ClassWeights needs {ClassCount} non-negative values, got [{string.Join(", ", ClassWeights)}].", nameof(ClassWeights));
        }
    }
}

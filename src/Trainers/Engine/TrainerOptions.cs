using Pipelines.Onnx.Runtime;

namespace Pipelines.Trainers;

/// <summary>How a <see cref="Trainer"/> runs.</summary>
public sealed record TrainerOptions
{
    /// <summary>Default values, read by the fine-tuning options and the CLI alike.</summary>
    public static class Defaults
    {
        /// <summary>Device memory on a GPU, pinned host arrays on the CPU.</summary>
        public const StateMemory StateMemory = Trainers.StateMemory.Auto;
    }

    /// <summary>The learning-rate schedule (default constant 1e-3).</summary>
    public LearningRateSchedule Schedule { get; init; } = new ConstantSchedule(1e-3);

    /// <summary>Pinned fixed-shape batch buffers (default) or per-step caller values of varying shapes.</summary>
    public BatchInputMode BatchInputs { get; init; } = BatchInputMode.PinnedBuffers;

    /// <summary>Fixed shapes of the batch inputs. Inputs not listed take their declared shape with a symbolic first dim set to <see cref="BatchSize"/>.</summary>
    public IReadOnlyDictionary<string, long[]> BatchShapes { get; init; } = new Dictionary<string, long[]>();

    /// <summary>The batch size used for a symbolic leading dim of inputs not in <see cref="BatchShapes"/>.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The seed of the data order (saved in checkpoints).</summary>
    public long Seed { get; init; }

    /// <summary>Session device, threads and optimisation level (CPU by default).</summary>
    public SessionSettings Session { get; init; } = SessionSettings.Default;

    /// <summary>
    /// Where parameters, optimizer state and the ping-pong outputs live (<see cref="Trainers.StateMemory"/>): by default in
    /// the device memory of a GPU session, in pinned host arrays on the CPU.
    /// </summary>
    public StateMemory StateMemory { get; init; } = Defaults.StateMemory;

    /// <summary>
    /// Returns the unused part of ORT's CPU arena to the system after every step (run option
    /// <c>memory.enable_memory_arena_shrinkage</c>): a lower resident size between steps, at the cost of reallocating.
    /// </summary>
    public bool ShrinkArenaAfterStep { get; init; }

    /// <summary>Steps between progress reports in <see cref="Trainer.Fit"/>.</summary>
    public int ProgressInterval { get; init; } = 10;
}

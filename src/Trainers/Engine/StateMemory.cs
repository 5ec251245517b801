namespace Pipelines.Trainers;

/// <summary>
/// Where a <see cref="Trainer"/> keeps the parameters, the optimizer state and the ping-pong outputs of the train step
/// (<see cref="TrainerOptions.StateMemory"/>; CLI <c>--device DEVICE+resident</c> or <c>DEVICE+host</c>).
/// </summary>
public enum StateMemory
{
    /// <summary><see cref="Device"/> when the train session runs on a GPU, <see cref="Host"/> on the CPU.</summary>
    Auto,

    /// <summary>
    /// Pinned managed arrays wrapped without copies. On the CPU this is the fastest; on a GPU every step would copy all
    /// parameters and optimizer state to the device and back.
    /// </summary>
    Host,

    /// <summary>
    /// Allocated by ONNX Runtime's allocator of the train session for the session's device
    /// (<see cref="Onnx.Runtime.DeviceMemory"/>: CUDA device memory on <c>cuda:N</c>, the CPU allocator on the CPU) and
    /// bound with IOBinding; host copies only for checkpoints, <see cref="Trainer.GetState{T}"/>/<see cref="Trainer.SetState{T}"/>
    /// and export. Same arithmetic as <see cref="Host"/>: on the CPU both give bit-identical runs.
    /// </summary>
    Device,
}

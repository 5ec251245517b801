namespace Pipelines.Trainers;

/// <summary>How a <see cref="Trainer"/> receives the batch inputs of each step.</summary>
public enum BatchInputMode
{
    /// <summary>
    /// Fixed-shape pinned buffers allocated once (<see cref="Trainer.Batch"/>), written in place before
    /// <see cref="Trainer.TrainStep()"/>; shapes come from <see cref="TrainerOptions.BatchShapes"/>/<see cref="TrainerOptions.BatchSize"/>.
    /// </summary>
    PinnedBuffers,

    /// <summary>
    /// No batch buffers: each <see cref="Trainer.TrainStep(IReadOnlyDictionary{string, Microsoft.ML.OnnxRuntime.OrtValue})"/>
    /// binds the caller's values, whose shapes may change from step to step (dynamic padding, variable graph sizes).
    /// </summary>
    PerStepValues,
}

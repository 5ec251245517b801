namespace Pipelines.Trainers;

/// <summary>The classification losses a trainer's options can name (the CLI's <c>--loss</c>).</summary>
public enum ClassificationLoss
{
    /// <summary>Softmax cross-entropy (<see cref="CrossEntropyLoss"/>; CLI <c>softmax</c>).</summary>
    Softmax,

    /// <summary>StableMax cross-entropy (<see cref="StableMaxCrossEntropyLoss"/>; CLI <c>stablemax</c>).</summary>
    StableMax,
}

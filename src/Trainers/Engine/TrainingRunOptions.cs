namespace Pipelines.Trainers;

/// <summary>Options of a <see cref="TrainingRun"/>.</summary>
public sealed record TrainingRunOptions
{
    /// <summary>Gets the steps of the whole run (the schedule's length).</summary>
    public required long TotalSteps { get; init; }

    /// <summary>Gets the steps of one epoch; epoch <c>e</c> (1-based) ends after step <c>e · StepsPerEpoch</c>.</summary>
    public required int StepsPerEpoch { get; init; }

    /// <summary>Gets the folder of the run checkpoint (<see cref="RunCheckpoint"/>), or null for none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Gets the interval in steps of mid-epoch checkpoints (0: only at epoch ends and at the end).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>
    /// Gets the interval in wall-clock time of mid-epoch checkpoints, or null for none: a checkpoint is written after the
    /// first step that ends at least this long after the previous checkpoint (or the start of the run), so a kill loses
    /// at most this interval plus one step. Combines with <see cref="CheckpointEvery"/> (either one triggers).
    /// </summary>
    public TimeSpan? CheckpointInterval { get; init; }

    /// <summary>Gets the clock of <see cref="CheckpointInterval"/> (tests pass a fake one).</summary>
    internal TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Gets a text identifying everything that determines the run (options, data fingerprint): a checkpoint written
    /// under another configuration is refused, naming both.
    /// </summary>
    public string Configuration { get; init; } = "";

    /// <summary>Gets whether to keep the parameters of the best epoch (by <see cref="ITrainingTask.Evaluate"/>) and return them.</summary>
    public bool KeepBestEpoch { get; init; }

    /// <summary>Gets whether a larger validation metric is better (accuracy) rather than a smaller one (MAE).</summary>
    public bool HigherIsBetter { get; init; }

    /// <summary>
    /// Gets the early-stopping patience in epochs (0: off): the run ends once this many epochs have passed since the best
    /// epoch by <see cref="ITrainingTask.Evaluate"/> (a task without validation data never stops early). With
    /// <see cref="KeepBestEpoch"/> the best epoch's parameters are returned, as at the end of a full run; a resumed run
    /// that had already stopped does not train further.
    /// </summary>
    public int Patience { get; init; }

    /// <summary>
    /// Gets the reduce-on-plateau rule, or null for none: the schedule's rate is multiplied by the rule's factor each time
    /// its patience runs out without a better validation metric, and the run ends once the multiplier falls below its
    /// minimum (<see cref="TrainingRunResult.StoppedEarly"/>). Combines with <see cref="Patience"/> (either one ends the run).
    /// </summary>
    public PlateauReduction? Plateau { get; init; }

    /// <summary>Gets the names of the trained parameters whose values the best epoch keeps.</summary>
    public IReadOnlyList<string> Parameters { get; init; } = [];
}

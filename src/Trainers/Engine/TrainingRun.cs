using System.Diagnostics;

namespace Pipelines.Trainers;

/// <summary>
/// The one training loop: owns step order, progress, cancellation, the divergence check, end-of-epoch evaluation,
/// best-epoch tracking and the crash-safe run checkpoint (<see cref="RunCheckpoint"/>) with its configuration
/// fingerprint. A task (<see cref="ITrainingTask"/>) supplies the batches and the evaluator; text fine-tuning and graph
/// training are two such tasks. A run interrupted anywhere resumes from its last checkpoint to the same bytes as an
/// uninterrupted run (same graph, options and device, on the CPU).
/// </summary>
public static class TrainingRun
{
    /// <summary>Runs (or resumes) until <see cref="TrainingRunOptions.TotalSteps"/>.</summary>
    /// <param name="trainer">The trainer (its train step, schedule and seed).</param>
    /// <param name="task">The batches and the evaluator.</param>
    /// <param name="options">Steps, epochs, checkpointing and model selection.</param>
    /// <param name="steps">Receives a report after every step.</param>
    /// <param name="epochs">Receives a report after every epoch (on resume, first the epochs already done).</param>
    /// <param name="cancellationToken">Stops between steps: the checkpoint (when there is a folder) is saved at the step reached, then <see cref="OperationCanceledException"/> names it.</param>
    /// <returns>Losses of every step, the epoch reports and, with <see cref="TrainingRunOptions.KeepBestEpoch"/>, the best epoch's parameters.</returns>
    /// <exception cref="PipelinesException">(<see cref="ErrorKind.Usage"/>) The loss became non-finite (the message names the step; the last checkpoint is kept), or the checkpoint folder belongs to another configuration.</exception>
    public static TrainingRunResult Run(
        Trainer trainer,
        ITrainingTask task,
        TrainingRunOptions options,
        IProgress<StepReport>? steps = null,
        IProgress<EpochReport>? epochs = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.StepsPerEpoch, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Patience, nameof(options));
        options.Plateau?.Validate();
        if (options.CheckpointInterval is { } interval && interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), interval, "CheckpointInterval must be positive.");
        }

        string? dir = options.CheckpointDirectory;
        RunState state = RunCheckpoint.Exists(dir) ? RunCheckpoint.Load(dir!, trainer, options) : RunState.Start(trainer, options);
        foreach (EpochReport done in state.Reports)
        {
            epochs?.Report(done);
        }

        long first = trainer.Step;
        var clock = Stopwatch.StartNew();
        var epochClock = Stopwatch.StartNew();
        long lastCheckpoint = options.Clock.GetTimestamp();
        long checkpointed = trainer.Step;
        bool stopped = (state.Reports.Count > 0 && PatienceRanOut(options, state, state.Reports[^1].Epoch)) | ApplyPlateau(trainer, options, state);
        while (trainer.Step < options.TotalSteps && !stopped)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // Between two steps the state is whole: save it, so a cancelled run loses nothing.
                if (dir is not null && trainer.Step > checkpointed)
                {
                    RunCheckpoint.Save(dir, trainer, options, state);
                }

                throw new OperationCanceledException(dir is null
                    ? $"Training stopped after step {trainer.Step} of {options.TotalSteps}."
                    : $"Training stopped after step {trainer.Step} of {options.TotalSteps}; the checkpoint in '{dir}' holds it, and the same command resumes from there.",
                    cancellationToken);
            }

            long step = trainer.Step;
            double lr = trainer.Options.Schedule.At(step) * trainer.LearningRateScale;
            StepOutcome outcome = task.TrainStep(trainer, step);
            if (!double.IsFinite(outcome.Loss))
            {
                throw new PipelinesException(ErrorKind.Usage,
                    $"Training diverged at step {step + 1}: loss {outcome.Loss} (learning rate {lr:g3}). Lower the learning rate{(dir is null ? "" : $"; the last good checkpoint in '{dir}' is kept")}.");
            }

            state.Losses.Add(outcome.Loss);
            state.Rows.Add(outcome.Rows);
            long done = step + 1;
            EpochReport? ended = null;
            if (done % options.StepsPerEpoch == 0)
            {
                ended = EndEpoch(trainer, task, options, state, (int)(done / options.StepsPerEpoch), epochClock.Elapsed.TotalSeconds);
                epochClock.Restart();
                stopped = PatienceRanOut(options, state, ended.Epoch) | ApplyPlateau(trainer, options, state);
            }

            if (dir is not null && (ended is not null || done == options.TotalSteps || (options.CheckpointEvery > 0 && done % options.CheckpointEvery == 0)
                || options.Clock.GetElapsedTime(lastCheckpoint) >= options.CheckpointInterval))
            {
                RunCheckpoint.Save(dir, trainer, options, state);
                lastCheckpoint = options.Clock.GetTimestamp();
                checkpointed = done;
            }

            double rate = (done - first) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            steps?.Report(new StepReport(done, options.TotalSteps, (int)(step / options.StepsPerEpoch), outcome, lr, rate,
                TimeSpan.FromSeconds((options.TotalSteps - done) / Math.Max(rate, 1e-9))));
            if (ended is not null)
            {
                epochs?.Report(ended);
            }
        }

        return new TrainingRunResult(state.Losses, state.Reports, state.BestEpoch, state.BestValues) { StoppedEarly = stopped };
    }

    // Early stopping: Patience epochs have ended since the best one.
    private static bool PatienceRanOut(TrainingRunOptions options, RunState state, int epoch) =>
        options.Patience > 0 && epoch - state.BestEpoch >= options.Patience;

    // Reduce-on-plateau: the multiplier follows from the epoch reports (so a resumed run gets it back); true once it has
    // fallen below the rule's minimum.
    private static bool ApplyPlateau(Trainer trainer, TrainingRunOptions options, RunState state)
    {
        if (options.Plateau is not { } plateau)
        {
            trainer.LearningRateScale = 1;
            return false;
        }

        (double scale, bool ended) = plateau.Replay(state.Reports);
        trainer.LearningRateScale = scale;
        return ended;
    }

    private static EpochReport EndEpoch(Trainer trainer, ITrainingTask task, TrainingRunOptions options, RunState state, int epoch, double seconds)
    {
        // The epoch's mean loss, weighted by rows, summed in step order (so a resumed run gives the same bits).
        // A trainer that was already past step 0 without a run checkpoint (restored by hand) contributes the steps this run saw.
        long from = (long)(epoch - 1) * options.StepsPerEpoch;
        double sum = 0;
        long rows = 0;
        for (long s = Math.Max(from, state.FirstStep); s < from + options.StepsPerEpoch; s++)
        {
            sum += state.Losses[(int)(s - state.FirstStep)] * state.Rows[(int)(s - state.FirstStep)];
            rows += state.Rows[(int)(s - state.FirstStep)];
        }

        double? metric = task.Evaluate(trainer, epoch);
        bool isBest = metric is not double m || (options.HigherIsBetter ? m > state.Best : m < state.Best);
        if (isBest)
        {
            state.Best = metric ?? state.Best;
            state.BestEpoch = epoch;
            if (options.KeepBestEpoch)
            {
                state.BestValues = [.. options.Parameters.Select(trainer.GetState<float>)];
            }
        }

        var report = new EpochReport(epoch, sum / rows, metric ?? double.NaN, seconds, isBest);
        state.Reports.Add(report);
        return report;
    }
}

/// <summary>What a <see cref="TrainingRun"/> leaves.</summary>
/// <param name="Losses">The loss of every step of the run (resumed steps included).</param>
/// <param name="Epochs">One report per completed epoch.</param>
/// <param name="BestEpoch">The best epoch (1-based; 0 before the first epoch ends).</param>
/// <param name="BestValues">The best epoch's parameter values (in <see cref="TrainingRunOptions.Parameters"/> order), or null when not kept.</param>
public sealed record TrainingRunResult(IReadOnlyList<double> Losses, IReadOnlyList<EpochReport> Epochs, int BestEpoch, IReadOnlyList<float[]>? BestValues)
{
    /// <summary>
    /// Gets whether the run ended before its last step because <see cref="TrainingRunOptions.Patience"/> ran out or the
    /// <see cref="TrainingRunOptions.Plateau"/> multiplier fell below its minimum.
    /// </summary>
    public bool StoppedEarly { get; init; }
}

/// <summary>The mutable state of a run between steps: what a checkpoint holds besides the trainer's tensors.</summary>
internal sealed class RunState
{
    /// <summary>The trainer's step when this state's lists start (0 for a run from scratch or from a run checkpoint).</summary>
    public long FirstStep { get; init; }

    public List<double> Losses { get; init; } = [];

    public List<int> Rows { get; init; } = [];

    public List<EpochReport> Reports { get; init; } = [];

    public double Best { get; set; }

    public int BestEpoch { get; set; }

    public float[][]? BestValues { get; set; }

    /// <summary>A fresh run: best is the worst value; the kept parameters are the initial ones.</summary>
    public static RunState Start(Trainer trainer, TrainingRunOptions options) => new()
    {
        FirstStep = trainer.Step,
        Best = options.HigherIsBetter ? double.NegativeInfinity : double.PositiveInfinity,
        BestValues = options.KeepBestEpoch ? [.. options.Parameters.Select(trainer.GetState<float>)] : null,
    };
}

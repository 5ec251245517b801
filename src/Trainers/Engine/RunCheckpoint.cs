using System.Globalization;
using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// The one run checkpoint folder of <see cref="TrainingRun"/> (<c>docs/formats/checkpoint.md</c>): <c>state.bin</c>, a
/// <see cref="CheckpointFile"/> of the trainer (parameters, optimizer state, step, seed) whose notes hold the run's
/// configuration, every step's loss and rows, the epoch reports and the best metric; and, when the best epoch is kept,
/// <c>best-&lt;epoch&gt;.bin</c> with its parameters, written before <c>state.bin</c> and pruned after it, so every
/// moment of a crash leaves a consistent pair.
/// </summary>
public static class RunCheckpoint
{
    /// <summary>The trainer checkpoint of the folder.</summary>
    public const string StateFile = "state.bin";

    /// <summary>The run-checkpoint format this build writes and reads.</summary>
    public const int FormatVersion = 1;

    private const string FormatKey = "pipelines.run.format";
    private const string ConfigurationKey = "pipelines.run.configuration";
    private const string LossesKey = "pipelines.run.losses";
    private const string RowsKey = "pipelines.run.rows";
    private const string ReportsKey = "pipelines.run.epochs";
    private const string BestKey = "pipelines.run.best";
    private const string BestEpochKey = "pipelines.run.best_epoch";
    private const string BestFileKey = "pipelines.run.best_file";

    /// <summary>True when <paramref name="directory"/> holds a run checkpoint.</summary>
    /// <param name="directory">The folder, or null.</param>
    public static bool Exists(string? directory) => directory is not null && File.Exists(Path.Combine(directory, StateFile));

    internal static void Save(string directory, Trainer trainer, TrainingRunOptions options, RunState state)
    {
        Directory.CreateDirectory(directory);
        var notes = new Dictionary<string, string>
        {
            [FormatKey] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            [ConfigurationKey] = options.Configuration,
            [LossesKey] = string.Join(' ', state.Losses.Select(l => l.ToString("R", CultureInfo.InvariantCulture))),
            [RowsKey] = string.Join(' ', state.Rows.Select(r => r.ToString(CultureInfo.InvariantCulture))),
            [ReportsKey] = string.Join('\n', state.Reports.Select(Format)),
            [BestKey] = state.Best.ToString("R", CultureInfo.InvariantCulture),
            [BestEpochKey] = state.BestEpoch.ToString(CultureInfo.InvariantCulture),
        };
        string? bestFile = null;
        if (state.BestValues is { } best)
        {
            bestFile = $"best-{state.BestEpoch}.bin";
            string bestPath = Path.Combine(directory, bestFile);
            if (!File.Exists(bestPath))
            {
                var tensors = options.Parameters.Select((n, i) => OnnxTensor.FromFloats(n, best[i], best[i].Length)).ToList();
                CheckpointFile.Save(new TrainingCheckpoint(state.BestEpoch, trainer.Options.Seed, tensors, new Dictionary<string, string>()), bestPath);
            }

            notes[BestFileKey] = bestFile;
        }

        trainer.SaveCheckpoint(Path.Combine(directory, StateFile), notes);
        if (bestFile is not null)
        {
            DeleteStaleBestFiles(directory, bestFile);
        }
    }

    internal static RunState Load(string directory, Trainer trainer, TrainingRunOptions options)
    {
        string path = Path.Combine(directory, StateFile);
        IReadOnlyDictionary<string, string> notes = trainer.LoadCheckpoint(path);
        if (!notes.TryGetValue(FormatKey, out string? format))
        {
            throw new PipelinesException(ErrorKind.Usage,
                $"'{path}' is a checkpoint of an earlier Pipelines build (before run checkpoints); it cannot be resumed by this one. Delete '{directory}' (or choose another folder) to start afresh.");
        }

        if (format != FormatVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new DataFormatException(path, $"run-checkpoint format {format}; this build reads {FormatVersion}.");
        }

        string Note(string key) => notes.TryGetValue(key, out string? v) ? v : throw new DataFormatException(path, $"the run checkpoint has no '{key}'.");
        string saved = Note(ConfigurationKey);
        if (saved != options.Configuration)
        {
            throw new PipelinesException(ErrorKind.Usage,
                $"'{path}' was written by a different training run; delete the folder or use another one to start afresh.\n  checkpoint: {saved}\n  this run:   {options.Configuration}");
        }

        var state = new RunState
        {
            Losses = Split(Note(LossesKey), ' ', s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)),
            Rows = Split(Note(RowsKey), ' ', s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture)),
            Reports = Split(Note(ReportsKey), '\n', Parse),
            Best = double.Parse(Note(BestKey), NumberStyles.Float, CultureInfo.InvariantCulture),
            BestEpoch = int.Parse(Note(BestEpochKey), NumberStyles.Integer, CultureInfo.InvariantCulture),
        };
        if (state.Losses.Count != trainer.Step || state.Rows.Count != trainer.Step || state.Reports.Count != trainer.Step / options.StepsPerEpoch)
        {
            throw new DataFormatException(path, $"the checkpoint is at step {trainer.Step} but holds {state.Losses.Count} losses, {state.Rows.Count} row counts and {state.Reports.Count} epoch reports.");
        }

        if (options.KeepBestEpoch)
        {
            string bestPath = Path.Combine(directory, Note(BestFileKey));
            var byName = CheckpointFile.Load(bestPath).State.ToDictionary(t => t.Name, StringComparer.Ordinal);
            state.BestValues = [.. options.Parameters.Select(n => byName.TryGetValue(n, out OnnxTensor? t)
                ? t.ToArray<float>()
                : throw new DataFormatException(bestPath, $"no tensor '{n}'."))];
            DeleteStaleBestFiles(directory, Path.GetFileName(bestPath));
        }

        return state;
    }

    private static List<T> Split<T>(string text, char separator, Func<string, T> parse) =>
        text.Length == 0 ? [] : [.. text.Split(separator).Select(parse)];

    private static void DeleteStaleBestFiles(string directory, string keep)
    {
        foreach (string f in Directory.EnumerateFiles(directory, "best-*.bin"))
        {
            if (!string.Equals(Path.GetFileName(f), keep, StringComparison.Ordinal))
            {
                File.Delete(f);
            }
        }
    }

    private static string Format(EpochReport r) => string.Create(
        CultureInfo.InvariantCulture, $"{r.Epoch} {r.TrainLoss:R} {r.ValidMetric:R} {r.Seconds:R} {(r.IsBest ? 1 : 0)}");

    private static EpochReport Parse(string line)
    {
        string[] f = line.Split(' ');
        return new EpochReport(
            int.Parse(f[0], CultureInfo.InvariantCulture),
            double.Parse(f[1], CultureInfo.InvariantCulture),
            double.Parse(f[2], CultureInfo.InvariantCulture),
            double.Parse(f[3], CultureInfo.InvariantCulture),
            f[4] == "1");
    }
}

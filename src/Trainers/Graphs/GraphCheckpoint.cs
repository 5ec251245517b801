using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs;

namespace Pipelines.Trainers.Graphs;

/// <summary>
/// A resumable graph-training folder, written after every epoch: <c>state.bin</c> (a training-engine checkpoint,
/// <see cref="CheckpointFile"/>: step, seed, every trainable tensor with its AdamW moments; its metadata holds the
/// completed epochs, the epoch reports, the run's configuration and the name of the best-epoch file) and
/// <c>best-&lt;epoch&gt;.bin</c> (the parameters of the best validation epoch so far). The best file is written first
/// under a new name, then <c>state.bin</c> atomically; only then are best files that <c>state.bin</c> no longer names
/// deleted, so a crash at any point leaves a consistent earlier checkpoint.
/// </summary>
internal static class GraphCheckpoint
{
    public const string StateFile = "state.bin";

    private const string EpochKey = "pipelines.graph.epoch";
    private const string ConfigKey = "pipelines.graph.config";
    private const string BestKey = "pipelines.graph.best";
    private const string BestFileKey = "pipelines.graph.bestFile";
    private const string ReportsKey = "pipelines.graph.reports";

    /// <summary>True when <paramref name="directory"/> holds a checkpoint.</summary>
    public static bool Exists(string? directory) => directory is not null && File.Exists(Path.Combine(directory, StateFile));

    /// <summary>
    /// The configuration a checkpoint must match to be resumed: model definition, optimisation settings (not the thread
    /// count or the folder), printed with the invariant culture, and the training graphs (count and a SHA-256 over
    /// their structure, types, attributes and targets, in order).
    /// </summary>
    public static string Configuration(GraphModelDefinition definition, GraphTrainerOptions options, IReadOnlyList<Graph> train)
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            return $"{definition} {options with { Threads = 0, CheckpointDirectory = null }} train={train.Count}:{Fingerprint(train)}";
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    /// <summary>Writes the state after <paramref name="state"/>.<see cref="GraphTrainingState.Epoch"/> completed epochs.</summary>
    public static void Save(string directory, Trainer trainer, string configuration, GraphTrainingState state, IReadOnlyList<string> names)
    {
        Directory.CreateDirectory(directory);
        string bestFile = $"best-{state.BestEpoch}.bin";
        string bestPath = Path.Combine(directory, bestFile);
        if (!File.Exists(bestPath))
        {
            var tensors = names.Select((n, i) => OnnxTensor.FromFloats(n, state.BestValues[i], state.BestValues[i].Length)).ToList();
            CheckpointFile.Save(new TrainingCheckpoint(state.BestEpoch, trainer.Options.Seed, tensors, new Dictionary<string, string>()), bestPath);
        }

        trainer.SaveCheckpoint(Path.Combine(directory, StateFile), new Dictionary<string, string>
        {
            [EpochKey] = state.Epoch.ToString(CultureInfo.InvariantCulture),
            [ConfigKey] = configuration,
            [BestKey] = state.Best.ToString("R", CultureInfo.InvariantCulture),
            [BestFileKey] = bestFile,
            [ReportsKey] = string.Join('\n', state.Reports.Select(Format)),
        });
        DeleteStaleBestFiles(directory, bestFile);
    }

    /// <summary>Restores <paramref name="trainer"/> and returns the training state saved with it.</summary>
    /// <exception cref="DataFormatException">The folder belongs to another run (configuration differs) or is inconsistent; the message names the file.</exception>
    public static GraphTrainingState Load(string directory, Trainer trainer, string configuration, IReadOnlyList<string> names)
    {
        string path = Path.Combine(directory, StateFile);
        IReadOnlyDictionary<string, string> notes = trainer.LoadCheckpoint(path);
        string Note(string key) => notes.TryGetValue(key, out string? v)
            ? v
            : throw new DataFormatException($"'{path}' is a training checkpoint without '{key}': not written by graph training.");
        string saved = Note(ConfigKey);
        if (saved != configuration)
        {
            throw new PipelinesException(ErrorKind.Usage, $"'{path}' was written by a different graph-training run; delete the folder or use another one to start afresh.\n  checkpoint: {saved}\n  this run:   {configuration}");
        }

        int epoch = int.Parse(Note(EpochKey), CultureInfo.InvariantCulture);
        string bestPath = Path.Combine(directory, Note(BestFileKey));
        TrainingCheckpoint best = CheckpointFile.Load(bestPath);
        var byName = best.State.ToDictionary(t => t.Name, StringComparer.Ordinal);
        float[][] values = names.Select(n => byName.TryGetValue(n, out OnnxTensor? t)
            ? t.ToArray<float>()
            : throw new DataFormatException($"'{bestPath}' has no tensor '{n}'.")).ToArray();
        string reports = Note(ReportsKey);
        List<EpochReport> history = reports.Length == 0 ? [] : [.. reports.Split('\n').Select(Parse)];
        if (history.Count != epoch)
        {
            throw new DataFormatException($"'{path}' is after epoch {epoch} but holds {history.Count} epoch reports.");
        }

        DeleteStaleBestFiles(directory, Path.GetFileName(bestPath));
        return new GraphTrainingState(epoch, double.Parse(Note(BestKey), CultureInfo.InvariantCulture), (int)best.Step, values, history);
    }

    private static string Fingerprint(IReadOnlyList<Graph> graphs)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Append<T>(T[]? a)
            where T : unmanaged
        {
            sha.AppendData(BitConverter.GetBytes(a?.Length ?? -1));
            sha.AppendData(MemoryMarshal.AsBytes(a.AsSpan()));
        }

        foreach (Graph g in graphs)
        {
            sha.AppendData(BitConverter.GetBytes(g.NodeCount));
            Append(g.EdgeSources);
            Append(g.EdgeTargets);
            Append(g.NodeTypes);
            Append(g.EdgeTypes);
            Append(g.NodeAttributes);
            Append(g.Targets ?? [g.Target]);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

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

/// <summary>Where graph training stands after <paramref name="Epoch"/> epochs.</summary>
/// <param name="Epoch">Completed epochs.</param>
/// <param name="Best">The best validation metric so far (±∞ before the first).</param>
/// <param name="BestEpoch">The epoch whose parameters <paramref name="BestValues"/> holds (0: the initialisation).</param>
/// <param name="BestValues">Parameters of the best epoch, in trainable order.</param>
/// <param name="Reports">One report per completed epoch.</param>
internal sealed record GraphTrainingState(int Epoch, double Best, int BestEpoch, float[][] BestValues, List<EpochReport> Reports);

using System.Globalization;
using Pipelines.Onnx;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// A resumable checkpoint folder: <c>initial.onnx</c> (the classifier after adapter initialisation, written once, so a
/// resume neither repeats nor depends on the initialisation) and <c>state.bin</c> (a training-engine checkpoint,
/// <see cref="CheckpointFile"/>: step, seed, every trainable tensor with its AdamW moments, and the loss history as
/// metadata). Both are written atomically; a crash leaves the previous checkpoint intact.
/// </summary>
public static class FineTuneCheckpoint
{
    /// <summary>The initial-model file name.</summary>
    public const string InitialModelFile = "initial.onnx";

    /// <summary>The state file name.</summary>
    public const string StateFile = "state.bin";

    private const string LossesKey = "pipelines.finetune.losses";

    /// <summary>True when <paramref name="directory"/> holds a complete checkpoint.</summary>
    public static bool Exists(string? directory) =>
        directory is not null && File.Exists(Path.Combine(directory, InitialModelFile)) && File.Exists(Path.Combine(directory, StateFile));

    /// <summary>Writes the initial model.</summary>
    public static void SaveInitialModel(string directory, OnnxModel classifier)
    {
        Directory.CreateDirectory(directory);
        OnnxModelIO.Save(classifier, Path.Combine(directory, InitialModelFile));
    }

    /// <summary>Writes the state of <paramref name="trainer"/> with the loss history of its steps.</summary>
    public static void SaveState(string directory, Trainer trainer, IReadOnlyList<float> losses)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(losses);
        Directory.CreateDirectory(directory);
        string history = string.Join(' ', losses.Select(l => l.ToString("R", CultureInfo.InvariantCulture)));
        trainer.SaveCheckpoint(Path.Combine(directory, StateFile), new Dictionary<string, string> { [LossesKey] = history });
    }

    /// <summary>Restores parameters, moments and step into <paramref name="trainer"/>; returns the loss history.</summary>
    /// <exception cref="DataFormatException">The file is not a checkpoint of this training graph; the message names the mismatch.</exception>
    public static List<float> LoadState(string directory, Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        string path = Path.Combine(directory, StateFile);
        IReadOnlyDictionary<string, string> notes = trainer.LoadCheckpoint(path);
        if (!notes.TryGetValue(LossesKey, out string? history))
        {
            throw new DataFormatException($"'{path}' is a training checkpoint without the fine-tuning loss history ('{LossesKey}').");
        }

        List<float> losses = history.Length == 0
            ? []
            : [.. history.Split(' ').Select(s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture))];
        if (losses.Count != trainer.Step)
        {
            throw new DataFormatException($"'{path}' is at step {trainer.Step} but holds {losses.Count} losses.");
        }

        return losses;
    }
}

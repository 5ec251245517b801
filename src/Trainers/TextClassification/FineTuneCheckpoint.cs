using Pipelines.Onnx;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// Fine-tuning's run checkpoint folder: the one <see cref="RunCheckpoint"/> folder of <see cref="TrainingRun"/>
/// (<c>state.bin</c>: step, seed, every trainable tensor with its AdamW moments, the loss history and the run's
/// configuration) plus <c>initial.onnx</c>, the classifier after adapter initialisation, written once so a resume
/// neither repeats nor depends on the initialisation. Both are written atomically; a crash leaves the previous checkpoint intact.
/// </summary>
public static class FineTuneCheckpoint
{
    /// <summary>The initial-model file name.</summary>
    public const string InitialModelFile = "initial.onnx";

    /// <summary>The state file name.</summary>
    public const string StateFile = RunCheckpoint.StateFile;

    /// <summary>True when <paramref name="directory"/> holds a complete checkpoint.</summary>
    public static bool Exists(string? directory) =>
        directory is not null && File.Exists(Path.Combine(directory, InitialModelFile)) && File.Exists(Path.Combine(directory, StateFile));

    /// <summary>Writes the initial model.</summary>
    public static void SaveInitialModel(string directory, OnnxModel classifier)
    {
        Directory.CreateDirectory(directory);
        OnnxModelIO.Save(classifier, Path.Combine(directory, InitialModelFile));
    }
}

using System.Runtime.InteropServices;
using System.Text;
using Pipelines.Onnx;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// A resumable checkpoint folder: <c>initial.onnx</c> (the classifier after adapter initialisation, written once, so a
/// resume neither repeats nor depends on the initialisation) and <c>state.bin</c> (step, loss history, every trainable
/// tensor with its AdamW moments). Both are written atomically; a crash leaves the previous checkpoint intact.
/// </summary>
public static class FineTuneCheckpoint
{
    /// <summary>The initial-model file name.</summary>
    public const string InitialModelFile = "initial.onnx";

    /// <summary>The state file name.</summary>
    public const string StateFile = "state.bin";

    private const int Magic = 0x4B435446; // "FTCK"
    private const int Version = 1;

    /// <summary>True when <paramref name="directory"/> holds a complete checkpoint.</summary>
    public static bool Exists(string? directory) =>
        directory is not null && File.Exists(Path.Combine(directory, InitialModelFile)) && File.Exists(Path.Combine(directory, StateFile));

    /// <summary>Writes the initial model.</summary>
    public static void SaveInitialModel(string directory, OnnxModel classifier)
    {
        Directory.CreateDirectory(directory);
        OnnxModelIO.Save(classifier, Path.Combine(directory, InitialModelFile));
    }

    /// <summary>Writes the training state.</summary>
    public static void SaveState(string directory, int step, IReadOnlyList<float> losses, IReadOnlyList<TrainableTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(tensors);
        Directory.CreateDirectory(directory);
        AtomicFile.Write(Path.Combine(directory, StateFile), stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(Version);
            w.Write(step);
            w.Write(losses.Count);
            foreach (float l in losses)
            {
                w.Write(l);
            }

            w.Write(tensors.Count);
            foreach (TrainableTensor t in tensors)
            {
                w.Write(t.Name);
                w.Write(t.Values.Length);
                w.Write(MemoryMarshal.AsBytes(t.Values.AsSpan()));
                w.Write(MemoryMarshal.AsBytes(t.FirstMoment.AsSpan()));
                w.Write(MemoryMarshal.AsBytes(t.SecondMoment.AsSpan()));
            }
        });
    }

    /// <summary>Restores values and moments into <paramref name="tensors"/>; returns the step and loss history.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of these tensors; the message names the mismatch.</exception>
    public static (int Step, List<float> Losses) LoadState(string directory, IReadOnlyList<TrainableTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        string path = Path.Combine(directory, StateFile);
        using FileStream stream = File.OpenRead(path);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        if (r.ReadInt32() != Magic || r.ReadInt32() != Version)
        {
            throw new InvalidDataException($"'{path}' is not a version-{Version} fine-tuning checkpoint.");
        }

        int step = r.ReadInt32();
        int lossCount = r.ReadInt32();
        var losses = new List<float>(lossCount);
        for (int i = 0; i < lossCount; i++)
        {
            losses.Add(r.ReadSingle());
        }

        int count = r.ReadInt32();
        if (count != tensors.Count)
        {
            throw new InvalidDataException($"'{path}' holds {count} trainable tensors; this run has {tensors.Count}.");
        }

        foreach (TrainableTensor t in tensors)
        {
            string name = r.ReadString();
            int length = r.ReadInt32();
            if (name != t.Name || length != t.Values.Length)
            {
                throw new InvalidDataException($"'{path}': expected tensor '{t.Name}' ({t.Values.Length}), found '{name}' ({length}).");
            }

            ReadExactly(r, t.Values);
            ReadExactly(r, t.FirstMoment);
            ReadExactly(r, t.SecondMoment);
        }

        return (step, losses);
    }

    private static void ReadExactly(BinaryReader r, float[] target) => r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(target.AsSpan()));
}

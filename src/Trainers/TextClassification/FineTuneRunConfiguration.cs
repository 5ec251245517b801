using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// What determines a fine-tuning run, as the text its checkpoints store (<see cref="TrainingRunOptions.Configuration"/>):
/// the options with the device, state memory, threads and checkpoint folder left out, the class weights, and a
/// fingerprint of the training rows. Printed by <see cref="RunConfiguration"/> over the frozen property lists below.
/// </summary>
internal static class FineTuneRunConfiguration
{
    /// <summary>
    /// The properties each record had when fine-tuning checkpoints were first written (the build that landed as ed904b4).
    /// Never add to these lists: a property added to a type since is printed only while it differs from its default.
    /// </summary>
    internal static readonly IReadOnlyDictionary<Type, string[]> Frozen = new Dictionary<Type, string[]>
    {
        [typeof(FineTuneOptions)] =
        [
            "Method", "Rank", "Alpha", "Targets", "LearningRate", "HeadLearningRate", "Optimizer", "Loss", "OrthogonalGradient",
            "FrozenPrecision", "WeightDecay", "Beta1", "Beta2", "Epsilon", "Schedule", "WarmupRatio", "Epochs", "MaxSteps",
            "BatchSize", "MaxLength", "Seed", "Pooling", "ClassCount", "ClassWeights", "CalibrationBatches", "LoraGaGamma",
            "CheckpointDirectory", "CheckpointEvery", "CheckpointInterval", "Device", "IntraOpThreads", "Dora", "RsLora",
            "EffectiveAlpha",
        ],
        [typeof(RankRedistribution)] = ["Rho", "AdjustScaling"],
    };

    /// <summary>The configuration text of a run with <paramref name="options"/> over <paramref name="train"/>.</summary>
    public static string Of(FineTuneOptions options, IReadOnlyList<LabeledSentence> train)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (LabeledSentence row in train)
        {
            sha.AppendData(BitConverter.GetBytes(row.Label));
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(row.Text + "\n"));
        }

        FineTuneOptions kept = options with { Device = ExecutionDevice.Cpu, IntraOpThreads = 0, StateMemory = FineTuneOptions.Defaults.StateMemory, CheckpointDirectory = null, CheckpointEvery = 1, CheckpointInterval = null, ClassWeights = null };
        string weights = options.ClassWeights is null ? "none" : string.Join(',', options.ClassWeights.Select(w => w.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        return $"{RunConfiguration.Describe(kept, Frozen)} class-weights={weights} train={train.Count}:{Convert.ToHexStringLower(sha.GetHashAndReset())[..16]}";
    }
}

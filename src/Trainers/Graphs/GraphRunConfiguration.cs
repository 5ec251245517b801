using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Pipelines.Numerics.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs;

/// <summary>
/// What determines a graph-training run, as the text its checkpoints store (<see cref="TrainingRunOptions.Configuration"/>):
/// the model definition, the trainer options with threads and checkpoint folder left out, and a fingerprint of the
/// training graphs. Printed by <see cref="RunConfiguration"/> over the frozen property lists below, in the invariant culture.
/// </summary>
internal static class GraphRunConfiguration
{
    /// <summary>
    /// The properties each record had when graph-training checkpoints of the build that landed as ed904b4 were written.
    /// Never add to these lists: a property added to a type since is printed only while it differs from its default.
    /// </summary>
    internal static readonly IReadOnlyDictionary<Type, string[]> Frozen = new Dictionary<Type, string[]>
    {
        [typeof(GraphModelDefinition)] = ["Schema", "Backbone", "Encoding", "Loss"],
        [typeof(GraphSchema)] = ["NodeTypeCount", "EdgeTypeCount", "NodeAttributeWidth", "OutputCount", "NodeFeatureWidth"],
        [typeof(GineOptions)] = ["HiddenSize", "Layers", "Pooling", "HeadHiddenSize", "Seed", "Init", "MessagePassing", "SpeLayout", "Normalization"],
        [typeof(NoEncoding)] = ["Width", "Name"],
        [typeof(LapPeEncoding)] = ["Width", "Name", "K", "Spectrum", "SpectrumOptions"],
        [typeof(RwseEncoding)] = ["Width", "Name", "Steps"],
        [typeof(SpeEncoding)] = ["Width", "Name", "K", "Options", "Spectrum", "SpeOptions", "SpectrumOptions"],
        [typeof(SpeOptions)] =
        [
            "EigenvalueFunctions", "PhiKind", "PhiHiddenSize", "PhiLayers", "RhoLayers", "RhoHiddenSize", "OutputSize", "ColumnScope",
            "Seed", "ColumnReduction", "Normalization",
        ],
        [typeof(SpectrumOptions)] = ["K", "Solver", "Truncation", "DegeneracyTolerance", "DenseNodeLimit", "FullNodeLimit"],
        [typeof(GraphTrainerOptions)] =
        [
            "Epochs", "BatchSize", "LearningRate", "WeightDecay", "WarmupSteps", "Seed", "Threads", "Batching", "CheckpointDirectory",
            "CheckpointInterval", "Patience",
        ],

        // Added after ed904b4 (a new type, printed only when GraphTrainerOptions.Plateau is set); frozen from its first build.
        [typeof(PlateauReduction)] = ["Factor", "Patience", "MinScale"],
    };

    /// <summary>The configuration text of a run of <paramref name="definition"/> with <paramref name="options"/> over <paramref name="train"/>.</summary>
    public static string Of(GraphModelDefinition definition, GraphTrainerOptions options, IReadOnlyList<Graph> train)
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            GraphTrainerOptions kept = options with { Threads = 0, CheckpointDirectory = null, CheckpointInterval = null };
            return $"{RunConfiguration.Describe(definition, Frozen)} {RunConfiguration.Describe(kept, Frozen)} train={train.Count}:{Fingerprint(train)}";
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
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
}

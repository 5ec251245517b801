using System.Reflection;
using Pipelines.Numerics.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.LowRank;
using Pipelines.Trainers.Graphs;
using Pipelines.Trainers.TextClassification;
using Xunit;

namespace Pipelines.Trainers.Tests.Engine;

/// <summary>
/// A checkpoint resumes only when its stored run configuration equals the one the current build computes. The expected
/// strings of the compatibility theories were printed by the build that landed as ed904b4 (records' <c>ToString</c>), so
/// they fail as soon as an option added since changes the text of a run that does not use it.
/// </summary>
public sealed class RunConfigurationTests
{
    private static readonly LabeledSentence[] s_rows = [new("a fine film", 1), new("a dull film", 0)];

    public static TheoryData<string, string> FineTuning => new()
    {
        { "lora", "FineTuneOptions { Method = Pissa, Rank = 8, Alpha = , Targets = all-linear, LearningRate = 0.0005, HeadLearningRate = 0.001, Optimizer = AdamW, Loss = Softmax, OrthogonalGradient = False, FrozenPrecision = Float32, WeightDecay = 0, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1E-08, Schedule = Linear, WarmupRatio = 0, Epochs = 1, MaxSteps = , BatchSize = 32, MaxLength = 64, Seed = 0, Pooling = Mean, ClassCount = 2, ClassWeights = , CalibrationBatches = 8, LoraGaGamma = 16, CheckpointDirectory = , CheckpointEvery = 1, CheckpointInterval = , Device = cpu, IntraOpThreads = 0, Dora = False, RsLora = False, EffectiveAlpha = 8 } class-weights=none train=2:35cf9b665d5badcf" },
        { "pissa-r4", "FineTuneOptions { Method = Pissa, Rank = 4, Alpha = , Targets = all-linear, LearningRate = 0.0002, HeadLearningRate = 0.001, Optimizer = AdamW, Loss = Softmax, OrthogonalGradient = False, FrozenPrecision = Float32, WeightDecay = 0, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1E-08, Schedule = Linear, WarmupRatio = 0.06, Epochs = 1, MaxSteps = , BatchSize = 32, MaxLength = 64, Seed = 3, Pooling = Mean, ClassCount = 2, ClassWeights = , CalibrationBatches = 8, LoraGaGamma = 16, CheckpointDirectory = , CheckpointEvery = 1, CheckpointInterval = , Device = cpu, IntraOpThreads = 0, Dora = False, RsLora = False, EffectiveAlpha = 4 } class-weights=none train=2:35cf9b665d5badcf" },
        { "full-adamw8", "FineTuneOptions { Method = Full, Rank = 8, Alpha = , Targets = all-linear, LearningRate = 0.0005, HeadLearningRate = 0.001, Optimizer = AdamW8Bit, Loss = Softmax, OrthogonalGradient = False, FrozenPrecision = Float32, WeightDecay = 0, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1E-08, Schedule = Linear, WarmupRatio = 0, Epochs = 1, MaxSteps = 10, BatchSize = 32, MaxLength = 64, Seed = 0, Pooling = Mean, ClassCount = 2, ClassWeights = , CalibrationBatches = 8, LoraGaGamma = 16, CheckpointDirectory = , CheckpointEvery = 1, CheckpointInterval = , Device = cpu, IntraOpThreads = 0, Dora = False, RsLora = False, EffectiveAlpha = 8 } class-weights=none train=2:35cf9b665d5badcf" },
    };

    public static TheoryData<string, string> Graphs => new()
    {
        { "spe", "GraphModelDefinition { Schema = GraphSchema { NodeTypeCount = 5, EdgeTypeCount = 2, NodeAttributeWidth = 0, OutputCount = 1, NodeFeatureWidth = 5 }, Backbone = GineOptions { HiddenSize = 64, Layers = 4, Pooling = Mean, HeadHiddenSize = 64, Seed = 1, Init = Xavier, MessagePassing = Sparse, SpeLayout = Padded, Normalization = None }, Encoding = SpeEncoding { Width = 16, Name = spe, K = 16, Options = SpeOptions { EigenvalueFunctions = 8, PhiKind = ElementwiseMlp, PhiHiddenSize = 16, PhiLayers = 3, RhoLayers = 2, RhoHiddenSize = 16, OutputSize = 16, ColumnScope = AllColumns, Seed = 1, ColumnReduction = Sum, Normalization = None }, Spectrum = , SpeOptions = SpeOptions { EigenvalueFunctions = 8, PhiKind = ElementwiseMlp, PhiHiddenSize = 16, PhiLayers = 3, RhoLayers = 2, RhoHiddenSize = 16, OutputSize = 16, ColumnScope = AllColumns, Seed = 1, ColumnReduction = Sum, Normalization = None }, SpectrumOptions = SpectrumOptions { K = 16, Solver = Auto, Truncation = Full, DegeneracyTolerance = 1E-06, DenseNodeLimit = 256, FullNodeLimit = 128 } }, Loss = L1 } GraphTrainerOptions { Epochs = 50, BatchSize = 32, LearningRate = 0.001, WeightDecay = 3E-06, WarmupSteps = 20, Seed = 1, Threads = 0, Batching = Shuffled, CheckpointDirectory = , CheckpointInterval = , Patience = 0 } train=0:e3b0c44298fc1c14" },
        { "lap-eigengap", "GraphModelDefinition { Schema = GraphSchema { NodeTypeCount = 3, EdgeTypeCount = 1, NodeAttributeWidth = 2, OutputCount = 2, NodeFeatureWidth = 5 }, Backbone = GineOptions { HiddenSize = 32, Layers = 4, Pooling = Mean, HeadHiddenSize = 64, Seed = 1, Init = Virgo, MessagePassing = Sparse, SpeLayout = Padded, Normalization = None }, Encoding = LapPeEncoding { Width = 8, Name = lap, K = 8, Spectrum = SpectrumOptions { K = 8, Solver = Auto, Truncation = Eigengap, DegeneracyTolerance = 1E-06, DenseNodeLimit = 256, FullNodeLimit = 128 }, SpectrumOptions = SpectrumOptions { K = 8, Solver = Auto, Truncation = Eigengap, DegeneracyTolerance = 1E-06, DenseNodeLimit = 256, FullNodeLimit = 128 } }, Loss = CrossEntropy } GraphTrainerOptions { Epochs = 7, BatchSize = 32, LearningRate = 0.001, WeightDecay = 3E-06, WarmupSteps = 20, Seed = 1, Threads = 0, Batching = Shuffled, CheckpointDirectory = , CheckpointInterval = , Patience = 3 } train=0:e3b0c44298fc1c14" },
        { "rwse-sum", "GraphModelDefinition { Schema = GraphSchema { NodeTypeCount = 4, EdgeTypeCount = 1, NodeAttributeWidth = 0, OutputCount = 1, NodeFeatureWidth = 4 }, Backbone = GineOptions { HiddenSize = 64, Layers = 4, Pooling = Sum, HeadHiddenSize = 64, Seed = 1, Init = Xavier, MessagePassing = Sparse, SpeLayout = Padded, Normalization = None }, Encoding = RwseEncoding { Width = 12, Name = rwse, Steps = 12 }, Loss = Mse } GraphTrainerOptions { Epochs = 50, BatchSize = 32, LearningRate = 0.001, WeightDecay = 3E-06, WarmupSteps = 20, Seed = 1, Threads = 0, Batching = Shuffled, CheckpointDirectory = , CheckpointInterval = , Patience = 0 } train=0:e3b0c44298fc1c14" },
    };

    public static TheoryData<string> Records => ["lora", "pissa-r4", "full-adamw8", "spe", "lap-eigengap", "rwse-sum", "redistributed"];

    [Theory]
    [MemberData(nameof(FineTuning))]
    public void FineTuning_TextOfARunWithoutNewOptions_IsWhatTheLastReleaseWrote(string name, string written) =>
        Assert.Equal(written, FineTuneRunConfiguration.Of(FineTuneCase(name), s_rows));

    [Theory]
    [MemberData(nameof(Graphs))]
    public void Graph_TextOfARunWithoutNewOptions_IsWhatTheLastReleaseWrote(string name, string written)
    {
        (GraphModelDefinition definition, GraphTrainerOptions options) = GraphCase(name);
        Assert.Equal(written, GraphRunConfiguration.Of(definition, options, []));
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void WithEveryPropertyFrozen_TheTextIsTheRecordsToString(string name)
    {
        object[] values = name switch
        {
            "spe" or "lap-eigengap" or "rwse-sum" => [GraphCase(name).Item1, GraphCase(name).Item2],
            "redistributed" => [FineTuneCase("lora") with { Redistribution = new RankRedistribution { Rho = 3 }, StateMemory = StateMemory.Host }],
            _ => [FineTuneCase(name)],
        };
        foreach (object value in values)
        {
            Assert.Equal(value.ToString(), RunConfiguration.Describe(value, new Dictionary<Type, string[]>()));
        }
    }

    [Fact]
    public void APropertyAddedLater_IsPrintedOnlyWhileItDiffersFromItsDefault()
    {
        var frozen = new Dictionary<Type, string[]> { [typeof(Probe)] = ["A", "Inner"], [typeof(InnerProbe)] = [] };
        Assert.Equal("Probe { A = 1, Inner = InnerProbe { } }", RunConfiguration.Describe(new Probe(), frozen));
        Assert.Equal("Probe { A = 1, Inner = InnerProbe { }, Later = 6 }", RunConfiguration.Describe(new Probe { Later = 6 }, frozen));
        Assert.Equal("Probe { A = 2, Inner = InnerProbe { B = x } }", RunConfiguration.Describe(new Probe(2, new InnerProbe("x")), frozen));
        Assert.Equal(new Probe(2, new InnerProbe("x")) { Later = 6 }.ToString(), RunConfiguration.Describe(new Probe(2, new InnerProbe("x")) { Later = 6 }, new Dictionary<Type, string[]>()));
    }

    [Fact]
    public void FineTuning_SettingANewOption_ChangesTheText_AndStateMemoryNeverDoes()
    {
        string plain = FineTuneRunConfiguration.Of(FineTuneCase("lora"), s_rows);
        Assert.Equal(plain, FineTuneRunConfiguration.Of(FineTuneCase("lora") with { StateMemory = StateMemory.Host }, s_rows));
        string moved = FineTuneRunConfiguration.Of(FineTuneCase("lora") with { Redistribution = new RankRedistribution() }, s_rows);
        Assert.Contains("Redistribution = RankRedistribution { Rho = 2, AdjustScaling = True }", moved, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fine-tuning")]
    [InlineData("graphs")]
    public void EveryRecordReachableFromTheOptions_HasAFrozenList_OfPropertiesItHas(string task)
    {
        (IReadOnlyDictionary<Type, string[]> frozen, Type[] roots) = task == "graphs"
            ? (GraphRunConfiguration.Frozen, new[] { typeof(GraphModelDefinition), typeof(GraphTrainerOptions) })
            : (FineTuneRunConfiguration.Frozen, new[] { typeof(FineTuneOptions) });
        var seen = new HashSet<Type>();
        var pending = new Queue<Type>(roots);
        while (pending.TryDequeue(out Type? type))
        {
            foreach (Type t in ConcreteRecords(type).Where(seen.Add))
            {
                Assert.True(frozen.ContainsKey(t), $"{t.Name} is reachable from {task}'s options but has no frozen property list.");
                string[] printed = [.. RunConfiguration.PrintedProperties(t).Select(p => p.Name)];
                Assert.All(frozen[t], name => Assert.Contains(name, printed));
                foreach (PropertyInfo p in RunConfiguration.PrintedProperties(t))
                {
                    pending.Enqueue(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType);
                }
            }
        }

        Assert.Equal(frozen.Keys.OrderBy(t => t.Name), seen.OrderBy(t => t.Name));
    }

    private static IEnumerable<Type> ConcreteRecords(Type type) =>
        type.IsAbstract
            ? type.Assembly.GetTypes().Where(t => !t.IsAbstract && type.IsAssignableFrom(t) && RunConfiguration.IsPrintedRecord(t))
            : RunConfiguration.IsPrintedRecord(type) ? [type] : [];

    private static FineTuneOptions FineTuneCase(string name) => name switch
    {
        "lora" => new FineTuneOptions(),
        "pissa-r4" => new FineTuneOptions { Method = LowRankMethod.Pissa, Rank = 4, LearningRate = 2e-4f, Seed = 3, WarmupRatio = 0.06f },
        "full-adamw8" => new FineTuneOptions { Method = LowRankMethod.Full, Optimizer = OptimizerKind.AdamW8Bit, MaxSteps = 10 },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static (GraphModelDefinition, GraphTrainerOptions) GraphCase(string name) => name switch
    {
        "spe" => (new GraphModelDefinition(new GraphSchema(5, 2, 0, 1), new GineOptions(), GraphEncoding.Create(GraphEncodingKind.Spe, 16, 1), GraphLoss.L1), new GraphTrainerOptions()),
        "lap-eigengap" => (new GraphModelDefinition(new GraphSchema(3, 1, 2, 2), new GineOptions(HiddenSize: 32, Init: GnnInit.Virgo), GraphEncoding.Create(GraphEncodingKind.Lap, 8, 2, SpectrumTruncation.Eigengap), GraphLoss.CrossEntropy), new GraphTrainerOptions(Epochs: 7, Patience: 3)),
        "rwse-sum" => (new GraphModelDefinition(new GraphSchema(4, 1, 0, 1), new GineOptions(Pooling: GraphPooling.Sum), GraphEncoding.Create(GraphEncodingKind.Rwse, 12, 1), GraphLoss.Mse), new GraphTrainerOptions(Threads: 2, CheckpointDirectory: "/tmp/x")),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private sealed record InnerProbe(string? B = null);

    private sealed record Probe(int A = 1, InnerProbe? Inner = null)
    {
        public InnerProbe Inner { get; init; } = Inner ?? new InnerProbe();

        public int Later { get; init; } = 5;
    }
}

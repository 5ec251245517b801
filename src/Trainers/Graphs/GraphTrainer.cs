using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs;

/// <summary>Optimisation settings (defaults follow SPE's ZINC config: Adam lr 1e-3, wd 3e-6 off biases, warm-up then linear decay).</summary>
/// <param name="Epochs">Passes over the training set.</param>
/// <param name="BatchSize">Graphs per step.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="WeightDecay">Decoupled weight decay (matrices only).</param>
/// <param name="WarmupSteps">Linear warm-up steps; the rate then decays linearly to 0 at the last step (or, with <paramref name="Plateau"/>, stays at the peak until the validation metric flattens).</param>
/// <param name="Seed">Shuffling seed.</param>
/// <param name="Threads">ONNX Runtime intra-op threads (0 = default).</param>
/// <param name="Batching">How graphs are grouped into batches (<see cref="GraphBatching.SizeBucketed"/> pads far less).</param>
/// <param name="CheckpointDirectory">
/// When set, the training state is written there after every epoch, and a run started with the same configuration on a
/// folder that holds a checkpoint resumes after its last checkpoint (same batches, same result).
/// </param>
/// <param name="CheckpointInterval">
/// When set (with <paramref name="CheckpointDirectory"/>), the state is also written mid-epoch once this long has passed
/// since the last checkpoint, so a kill loses at most this interval (<see cref="TrainingRunOptions.CheckpointInterval"/>).
/// </param>
/// <param name="Patience">
/// Early stopping (0: off): training ends once this many epochs have passed without a better validation metric (MAE,
/// which is the validation loss of an L1 model, or accuracy); the best epoch's parameters are kept, as always.
/// </param>
/// <param name="Plateau">
/// Reduce-on-plateau instead of the linear decay (null: off): after warm-up the rate stays at <paramref name="LearningRate"/>
/// and is multiplied by the rule's factor each time its patience runs out without a better validation metric; training
/// ends when the multiplier falls below the rule's minimum, i.e. once the validation metric has flattened, with
/// <paramref name="Epochs"/> as the cap (the GNN benchmark protocol, <see cref="PlateauReduction"/>).
/// </param>
public sealed record GraphTrainerOptions(
    int Epochs = GraphTrainerOptions.Defaults.Epochs,
    int BatchSize = GraphTrainerOptions.Defaults.BatchSize,
    float LearningRate = GraphTrainerOptions.Defaults.LearningRate,
    float WeightDecay = GraphTrainerOptions.Defaults.WeightDecay,
    int WarmupSteps = GraphTrainerOptions.Defaults.WarmupSteps,
    int Seed = GraphTrainerOptions.Defaults.Seed,
    int Threads = 0,
    GraphBatching Batching = GraphTrainerOptions.Defaults.Batching,
    string? CheckpointDirectory = null,
    TimeSpan? CheckpointInterval = null,
    int Patience = GraphTrainerOptions.Defaults.Patience,
    PlateauReduction? Plateau = null)
{
    /// <summary>
    /// Default values, also those of <c>pipelines graph train</c>. Batch 32 and 20 warm-up steps are what the CLI and
    /// the GraphBench protocol (<c>benchmarks/GraphBench</c>) have always trained with.
    /// </summary>
    public static class Defaults
    {
        /// <summary>Passes over the training set.</summary>
        public const int Epochs = 50;

        /// <summary>Graphs per step.</summary>
        public const int BatchSize = 32;

        /// <summary>Peak learning rate.</summary>
        public const float LearningRate = 1e-3f;

        /// <summary>Decoupled weight decay.</summary>
        public const float WeightDecay = 3e-6f;

        /// <summary>Linear warm-up steps.</summary>
        public const int WarmupSteps = 20;

        /// <summary>Seed of the shuffling (and, in the CLI, of the split and initialisation).</summary>
        public const int Seed = 1;

        /// <summary>Batching mode.</summary>
        public const GraphBatching Batching = GraphBatching.Shuffled;

        /// <summary>The CLI's mid-epoch checkpoint interval in seconds (the library's default is none: epoch ends only).</summary>
        public const int CheckpointSeconds = 60;

        /// <summary>Early-stopping patience in epochs (0: off, every epoch runs).</summary>
        public const int Patience = 0;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for invalid settings.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LearningRate, nameof(LearningRate));
        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay, nameof(WeightDecay));
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupSteps, nameof(WarmupSteps));
        ArgumentOutOfRangeException.ThrowIfNegative(Patience, nameof(Patience));
        Plateau?.Validate();
        if (!Enum.IsDefined(Batching))
        {
            throw new ArgumentOutOfRangeException(nameof(Batching), Batching, "Unknown batching mode.");
        }

        if (CheckpointInterval is { } interval && interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointInterval), interval, "CheckpointInterval must be positive.");
        }
    }
}

/// <summary>A labelled split: graphs and their precomputed encodings.</summary>
/// <param name="Graphs">Graphs with targets.</param>
/// <param name="Encodings">One precomputed encoding per graph.</param>
public sealed record GraphSplit(IReadOnlyList<Graph> Graphs, IReadOnlyList<PrecomputedEncoding> Encodings);

/// <summary>
/// Trains GINE (+ SPE φ/ρ end to end) with ONNX Runtime through the training engine: one ONNX graph per step computes
/// the loss, its reverse-mode gradients (<see cref="Pipelines.Onnx.Autodiff.GradientBuilder"/>) and the AdamW update
/// (<see cref="TrainingGraphBuilder"/>, <see cref="Trainer"/>); batches of varying node counts are bound per step; the
/// parameters of the epoch with the best validation metric are returned (the reference's model selection).
/// </summary>
public static class GraphTrainer
{
    /// <summary>Trains a model.</summary>
    public static GraphModel Train(
        GraphModelDefinition definition,
        GraphSplit train,
        GraphSplit? valid,
        GraphTrainerOptions options,
        IProgress<EpochReport>? progress = null,
        IReadOnlyList<string>? nodeTypeKeys = null,
        CancellationToken cancellationToken = default) =>
        TrainKeepingBest(definition, train, valid, options, progress, nodeTypeKeys, cancellationToken).Model;

    /// <summary>Trains a model and says which epoch's parameters it keeps (the run's best epoch) and how many epochs ran (fewer than asked when it stopped early).</summary>
    internal static (GraphModel Model, int BestEpoch, int EpochsRun) TrainKeepingBest(
        GraphModelDefinition definition,
        GraphSplit train,
        GraphSplit? valid,
        GraphTrainerOptions options,
        IProgress<EpochReport>? progress,
        IReadOnlyList<string>? nodeTypeKeys,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        definition.Encoding.Validate();
        if (train.Graphs.Count == 0)
        {
            throw new ArgumentException("The training split is empty.", nameof(train));
        }

        ParameterStore backbone = GraphModelBuilder.InitializeBackbone(definition, train.Graphs);
        SpeParameters? spe = definition.Encoding is SpeEncoding se ? SpeParameters.Initialize(se.SpeOptions with { Seed = se.SpeOptions.Seed + definition.Backbone.Seed }) : null;
        var tensors = backbone.Tensors.Concat(spe?.Tensors ?? []).ToList();
        string[] names = tensors.Select(t => t.Name).ToArray();

        int n = train.Graphs.Count;
        int stepsPerEpoch = (n + options.BatchSize - 1) / options.BatchSize;
        int totalSteps = stepsPerEpoch * options.Epochs;
        var settings = new SessionSettings { IntraOpThreads = options.Threads };
        using var trainer = new Trainer(BuildTrainingGraph(definition, backbone, spe, tensors, options), new TrainerOptions
        {
            // linear warm-up over WarmupSteps, then linear decay to 0 at the last step; with a plateau rule, the peak rate
            // until the end (the run's plateau multiplier lowers it)
            Schedule = options.Plateau is null
                ? new WarmupStableDecaySchedule(options.LearningRate, options.WarmupSteps, 0, Math.Max(1, totalSteps - options.WarmupSteps))
                : new WarmupStableDecaySchedule(options.LearningRate, options.WarmupSteps, Math.Max(0, totalSteps - options.WarmupSteps), 1),
            BatchInputs = BatchInputMode.PerStepValues,
            Seed = options.Seed,
            Session = settings,
        });

        // The one training loop (TrainingRun): each step binds one padded batch of the epoch's order; at each epoch end
        // the validation metric picks the kept parameters; the run checkpoint resumes after the last completed epoch.
        var task = new GraphTrainingTask(definition, train, valid, options, backbone, spe, names, stepsPerEpoch, settings);
        TrainingRunResult run = TrainingRun.Run(trainer, task, new TrainingRunOptions
        {
            TotalSteps = totalSteps,
            StepsPerEpoch = stepsPerEpoch,
            CheckpointDirectory = options.CheckpointDirectory,
            CheckpointInterval = options.CheckpointInterval,
            Configuration = GraphRunConfiguration.Of(definition, options, train.Graphs),
            KeepBestEpoch = true,
            HigherIsBetter = definition.Loss == GraphLoss.CrossEntropy,
            Parameters = names,
            Patience = options.Patience,
            Plateau = options.Plateau,
        }, epochs: progress, cancellationToken: cancellationToken);

        Write([.. run.BestValues!], names, backbone, spe);
        return (new GraphModel(definition, backbone, spe, nodeTypeKeys), run.BestEpoch, run.Epochs.Count);
    }

    /// <summary>
    /// The engine's train step: the model's loss output, reverse-mode gradients and AdamW in one ONNX graph, with weight
    /// decay off the biases, BatchNorm tensors and other tensors of rank &lt; 2 (as the reference); BatchNorm running
    /// statistics are carried as running-statistic state (written back each step, checkpointed, kept with the best epoch).
    /// </summary>
    private static TrainingGraph BuildTrainingGraph(
        GraphModelDefinition definition, ParameterStore backbone, SpeParameters? spe, IReadOnlyList<ParameterTensor> tensors, GraphTrainerOptions options) =>
        TrainingGraphBuilder.Build(GraphModelBuilder.Build(definition, backbone, spe, withLoss: true), new TrainingGraphOptions
        {
            Loss = new ScalarOutputLoss(GraphTensorNames.Loss),
            Trainables = [.. tensors.Where(t => !BatchNormNames.IsRunningStatistic(t.Name)).Select(t => t.Name)],
            Optimizer = new AdamWOptimizer { WeightDecay = options.WeightDecay },
            WeightDecayParameters = [.. tensors.Where(t => t.Shape.Length >= 2 && !BatchNormNames.IsNormalizationTensor(t.Name)).Select(t => t.Name)],
            RunningStatistics = tensors.Where(t => BatchNormNames.IsRunningStatistic(t.Name)).ToDictionary(t => t.Name, t => BatchNormNames.UpdateOf(t.Name), StringComparer.Ordinal),
        }, takeOwnership: true);

    /// <summary>MAE (regression) or accuracy (classification) of <paramref name="model"/> on <paramref name="split"/>.</summary>
    public static double Evaluate(GraphModel model, GraphSplit split, SessionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        using var predictor = new GraphPredictor(model, settings);
        float[][] y = predictor.Predict(split.Graphs, split.Encodings);
        if (model.Definition.Loss == GraphLoss.CrossEntropy)
        {
            int correct = 0;
            for (int i = 0; i < y.Length; i++)
            {
                int arg = Array.IndexOf(y[i], y[i].Max());
                correct += arg == (int)split.Graphs[i].Target ? 1 : 0;
            }

            return correct / (double)y.Length;
        }

        int o = model.Definition.Schema.OutputCount;
        return o == 1
            ? y.Select((v, i) => Math.Abs(v[0] - split.Graphs[i].Target)).Average()
            : y.Select((v, i) => Enumerable.Range(0, o).Average(c => Math.Abs(v[c] - split.Graphs[i].Targets![c]))).Average();
    }

    internal static void Write(float[][] values, string[] names, ParameterStore backbone, SpeParameters? spe)
    {
        for (int p = 0; p < names.Length; p++)
        {
            if (names[p].StartsWith("spe.", StringComparison.Ordinal))
            {
                spe!.Set(names[p], values[p]);
            }
            else
            {
                backbone.Set(names[p], (float[])values[p].Clone());
            }
        }
    }
}

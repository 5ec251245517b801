using Pipelines.Numerics.Graphs;
using Pipelines.Transforms.Graphs;

namespace Pipelines.Trainers.Graphs.MLNet;

/// <summary>
/// Options of the GINE graph trainers (<c>mlContext.Regression.Trainers.Gine</c>, <c>…BinaryClassification…</c>,
/// <c>…MulticlassClassification…</c>): columns, the positional encoding, the backbone and the optimisation budget.
/// </summary>
public sealed record GineTrainerOptions
{
    /// <summary>The graph column (type <c>GraphDataViewType</c>).</summary>
    public string GraphColumnName { get; init; } = "Graph";

    /// <summary>
    /// The label column: <c>Single</c> for regression, <c>Boolean</c> for binary classification, a key for multiclass
    /// classification (its key count is the class count).
    /// </summary>
    public string LabelColumnName { get; init; } = "Label";

    /// <summary>
    /// The positional encoding, typed: <see cref="NoEncoding"/>, <see cref="LapPeEncoding"/>(k),
    /// <see cref="RwseEncoding"/>(steps) or <see cref="SpeEncoding"/>(k, φ/ρ sizes). Its k is the number of eigenpairs.
    /// The eigenpairs always come from the dense float64 solver (training and scoring alike); eigengap truncation is not
    /// supported here.
    /// </summary>
    public GraphEncoding Encoding { get; init; } = new SpeEncoding();

    /// <summary>GINE sizes (width, layers, pooling, head width). Its seed is replaced by <see cref="Seed"/>.</summary>
    public GineOptions Backbone { get; init; } = new();

    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>Graphs per optimisation step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Peak AdamW learning rate (linear warm-up, then linear decay to 0).</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Decoupled weight decay on matrices.</summary>
    public float WeightDecay { get; init; } = 3e-6f;

    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 20;

    /// <summary>Seed of the parameter initialisation and of the shuffling.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>ONNX Runtime intra-op threads for training (0 = runtime default).</summary>
    public int Threads { get; init; }

    /// <summary>How graphs are grouped into batches (<see cref="GraphBatching.SizeBucketed"/> pads far less, so trains faster).</summary>
    public GraphBatching Batching { get; init; } = GraphBatching.Shuffled;

    /// <summary>
    /// A folder for a checkpoint written after every epoch; <c>Fit</c> on the same data with the same options resumes after
    /// the last completed epoch instead of starting over (null: no checkpoint).
    /// </summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Node types the model knows; 0 infers <c>max + 1</c> from the training graphs. Unseen types score with no type feature.</summary>
    public int NodeTypeCount { get; init; }

    /// <summary>Edge types the model knows; 0 infers <c>max + 1</c> from the training graphs.</summary>
    public int EdgeTypeCount { get; init; }

    /// <summary>Regression loss (<see cref="GraphLoss.L1"/> or <see cref="GraphLoss.Mse"/>); ignored by the classifiers.</summary>
    public GraphLoss RegressionLoss { get; init; } = GraphLoss.L1;

    /// <summary>Receives one report per epoch (not persisted).</summary>
    public IProgress<EpochReport>? Progress { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(GraphColumnName, nameof(GraphColumnName));
        ArgumentException.ThrowIfNullOrEmpty(LabelColumnName, nameof(LabelColumnName));
        ArgumentNullException.ThrowIfNull(Encoding, nameof(Encoding));
        ArgumentNullException.ThrowIfNull(Backbone, nameof(Backbone));
        Encoding.Validate();
        Backbone.Validate();
        TrainerOptions.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(NodeTypeCount, nameof(NodeTypeCount));
        ArgumentOutOfRangeException.ThrowIfNegative(EdgeTypeCount, nameof(EdgeTypeCount));
        ArgumentOutOfRangeException.ThrowIfNegative(Threads, nameof(Threads));
        if (RegressionLoss is not (GraphLoss.L1 or GraphLoss.Mse))
        {
            throw new ArgumentOutOfRangeException(nameof(RegressionLoss), RegressionLoss, "The regression loss is L1 or Mse.");
        }
    }

    /// <summary>The optimisation settings passed to <see cref="GraphTrainer"/>.</summary>
    internal GraphTrainerOptions TrainerOptions => new(Epochs, BatchSize, LearningRate, WeightDecay, WarmupSteps, Seed, Threads, Batching, CheckpointDirectory);

    /// <summary>The encoding with the dense solver forced, so training eigenpairs equal the scoring chain's.</summary>
    internal GraphEncoding ScoringEncoding => Encoding switch
    {
        LapPeEncoding lap => lap with { Spectrum = lap.SpectrumOptions with { Solver = EigensolverKind.Dense } },
        SpeEncoding spe => spe with { Spectrum = spe.SpectrumOptions with { Solver = EigensolverKind.Dense } },
        _ => Encoding,
    };
}

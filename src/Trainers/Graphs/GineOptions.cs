using System.Text.Json.Serialization;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs;

/// <summary>Graph-level pooling of node states.</summary>
public enum GraphPooling
{
    /// <summary>Mean over real nodes (ZINC).</summary>
    Mean,

    /// <summary>Sum over real nodes (counting, Alchemy).</summary>
    Sum,
}

/// <summary>The training objective.</summary>
public enum GraphLoss
{
    /// <summary>Mean absolute error (ZINC), regression.</summary>
    L1,

    /// <summary>Mean squared error, regression.</summary>
    Mse,

    /// <summary>Softmax cross-entropy over classes, classification.</summary>
    CrossEntropy,
}

/// <summary>
/// The GINE backbone (Hu et al. 2020, as used by SPE): <c>h⁰ = Emb(x) + Linear(PE)</c>; each layer
/// <c>h ← h + ReLU(MLP((1+ε)h_i + Σ_{j∈N(i)} ReLU(h_j + e_ij)))</c> with its own edge-type embedding; mean or sum pooling;
/// an MLP head.
/// </summary>
/// <param name="HiddenSize">Node state width (128 in the reference).</param>
/// <param name="Layers">GINE layers (4 for ZINC).</param>
/// <param name="Pooling">Readout.</param>
/// <param name="HeadHiddenSize">Hidden width of the 3-layer head.</param>
/// <param name="Seed">Parameter initialisation seed.</param>
/// <param name="Init">Initialisation of the GINE layers' MLP weights (Xavier, or Virgo from the training graphs' degree structure).</param>
/// <remarks>
/// BatchNorm in the backbone is an option (<see cref="Normalization"/>, off by default); SPE's φ/ρ can use the reference's
/// BatchNorm with statistics over real entries only (<see cref="SpeOptions.Normalization"/>).
/// </remarks>
public sealed record GineOptions(
    int HiddenSize = GineOptions.Defaults.HiddenSize,
    int Layers = GineOptions.Defaults.Layers,
    GraphPooling Pooling = GraphPooling.Mean,
    int HeadHiddenSize = GineOptions.Defaults.HiddenSize,
    int Seed = 1,
    GnnInit Init = GineOptions.Defaults.Init)
{
    /// <summary>Default values (also the defaults of <c>pipelines graph train</c>).</summary>
    public static class Defaults
    {
        /// <summary>Node state width, and the head's hidden width.</summary>
        public const int HiddenSize = 64;

        /// <summary>GINE layers.</summary>
        public const int Layers = 4;

        /// <summary>Message-passing layout.</summary>
        public const GraphMessagePassing MessagePassing = GraphMessagePassing.Sparse;

        /// <summary>Initialisation of the GINE layers (<c>--init</c>).</summary>
        public const GnnInit Init = GnnInit.Xavier;

        /// <summary>Layout of SPE's <c>n×n</c> part with sparse message passing (<c>--spe-layout</c>).</summary>
        public const SpeBatchLayout SpeLayout = SpeBatchLayout.Padded;

        /// <summary>Normalisation inside the GINE layers' MLPs (<c>--gine-norm</c>): none.</summary>
        public const SpeNormalization Normalization = SpeNormalization.None;
    }

    /// <summary>
    /// Gets how the layers pass messages: <see cref="GraphMessagePassing.Sparse"/> (edge lists, the default) or
    /// <see cref="GraphMessagePassing.Dense"/> (padded <c>(B, N, N)</c>); the same function of the same parameters.
    /// </summary>
    public GraphMessagePassing MessagePassing { get; init; } = Defaults.MessagePassing;

    /// <summary>
    /// Gets how SPE's <c>n×n</c> part is batched with <see cref="GraphMessagePassing.Sparse"/>: padded to <c>B·N_max²</c>
    /// (<see cref="SpeBatchLayout.Padded"/>, the default) or per-graph blocks (<see cref="SpeBatchLayout.Blocks"/>,
    /// <c>Σ_g n_g²</c> pairs, less memory for batches of mixed sizes, no faster on NCI109); the same function of the same parameters. The dense layout always pads.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public SpeBatchLayout SpeLayout { get; init; } = Defaults.SpeLayout;

    /// <summary>
    /// Gets the normalisation inside each GINE layer's update MLP: none (the default), or BatchNorm as in the SPE
    /// reference's GINE, <c>Linear–BN–ReLU–Linear–BN</c> before the residual ReLU, statistics per channel over the batch's
    /// real nodes (train steps: batch statistics and running-statistics updates; inference: running statistics). The same
    /// mode type as SPE's φ/ρ (<see cref="SpeNormalization"/>).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public SpeNormalization Normalization { get; init; } = Defaults.Normalization;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for invalid settings.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(HiddenSize, 1, nameof(HiddenSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Layers, 1, nameof(Layers));
        ArgumentOutOfRangeException.ThrowIfLessThan(HeadHiddenSize, 1, nameof(HeadHiddenSize));
        if (!Enum.IsDefined(Pooling))
        {
            throw new ArgumentOutOfRangeException(nameof(Pooling), Pooling, "Unknown pooling.");
        }

        if (!Enum.IsDefined(MessagePassing))
        {
            throw new ArgumentOutOfRangeException(nameof(MessagePassing), MessagePassing, "Unknown message-passing layout.");
        }

        if (!Enum.IsDefined(Normalization))
        {
            throw new ArgumentOutOfRangeException(nameof(Normalization), Normalization, "Unknown GINE normalisation.");
        }

        if (!Enum.IsDefined(SpeLayout))
        {
            throw new ArgumentOutOfRangeException(nameof(SpeLayout), SpeLayout, "Unknown SPE batch layout.");
        }

        if (!Enum.IsDefined(Init))
        {
            throw new ArgumentOutOfRangeException(nameof(Init), Init, "Unknown initialisation.");
        }
    }
}

/// <summary>What the data look like: feature widths and the output count.</summary>
/// <param name="NodeTypeCount">Categorical node types (one-hot width; at least 1).</param>
/// <param name="EdgeTypeCount">Categorical edge types (at least 1; graphs without edge types use type 0).</param>
/// <param name="NodeAttributeWidth">Float node attributes per node.</param>
/// <param name="OutputCount">1 for regression, the class count for classification.</param>
public sealed record GraphSchema(int NodeTypeCount, int EdgeTypeCount, int NodeAttributeWidth, int OutputCount)
{
    /// <summary>Width of the node feature vector fed to the model (one-hot types + attributes).</summary>
    public int NodeFeatureWidth => NodeTypeCount + NodeAttributeWidth;
}

using Pipelines.Onnx;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs;

/// <summary>Names of the batch tensors of a graph model (B graphs padded to N nodes).</summary>
internal static class GraphTensorNames
{
    /// <summary>One-hot node types and node attributes, <c>(B, N, F)</c>.</summary>
    public const string NodeFeatures = "node_features";

    /// <summary>One-hot edge types, zero where there is no edge, <c>(B, N, N, T_e)</c>.</summary>
    public const string EdgeFeatures = "edge_features";

    /// <summary>Fixed per-node encoding (LapPE, RWSE), <c>(B, N, P)</c>.</summary>
    public const string FixedEncoding = "pe";

    /// <summary>Regression targets <c>(B, 1)</c> or one-hot classes <c>(B, C)</c>.</summary>
    public const string Target = "target";

    /// <summary>The model output, <c>(B, O)</c>: values or class logits.</summary>
    public const string Prediction = "prediction";

    /// <summary>The scalar training loss.</summary>
    public const string Loss = "loss";

    /// <summary>Sparse layout: the source node (row of the stacked node matrix) of each directed edge, <c>(E)</c> int64.</summary>
    public const string EdgeSource = "edge_source";

    /// <summary>Sparse layout: the target node of each directed edge, <c>(E, 1)</c> int64 (rows of the scatter-add).</summary>
    public const string EdgeTarget = "edge_target";

    /// <summary>Sparse layout: the graph of each stacked node, <c>(ΣN, 1)</c> int64 (rows of the readout scatter-add).</summary>
    public const string NodeGraph = "node_graph";

    /// <summary>Sparse layout: node count per graph, <c>(B, 1)</c> float (mean pooling, and the readout's row count).</summary>
    public const string GraphSize = "graph_size";

    /// <summary>Sparse layout with SPE: each stacked node's row <c>b·N + i</c> in SPE's padded <c>(B·N, p)</c> output, <c>(ΣN)</c> int64.</summary>
    public const string NodeSlot = "node_slot";
}

/// <summary>The complete description of a graph model: data schema, backbone, encoding and loss.</summary>
/// <param name="Schema">Feature widths and output count.</param>
/// <param name="Backbone">GINE options.</param>
/// <param name="Encoding">Positional encoding.</param>
/// <param name="Loss">Training objective.</param>
public sealed record GraphModelDefinition(GraphSchema Schema, GineOptions Backbone, GraphEncoding Encoding, GraphLoss Loss);

/// <summary>
/// Builds the ONNX forward graph of GINE (+ SPE φ/ρ as a subgraph when the encoding is SPE) in a dense padded form that
/// uses only ops with gradient rules (MatMul, Add, Mul, Relu, ReduceSum, Div, Transpose, (Un)Squeeze, Abs, LogSoftmax).
/// </summary>
internal static class GraphModelBuilder
{
    /// <summary>
    /// Initialises the backbone parameters for <paramref name="definition"/>; <see cref="GnnInit.Virgo"/> reads the degree
    /// structure of <paramref name="trainGraphs"/> (<see cref="VirgoInitializer"/>).
    /// </summary>
    public static ParameterStore InitializeBackbone(GraphModelDefinition definition, IReadOnlyList<Graph>? trainGraphs = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        GineOptions o = definition.Backbone;
        o.Validate();
        GraphSchema s = definition.Schema;
        int h = o.HiddenSize;
        int te = Math.Max(1, s.EdgeTypeCount);
        var p = new ParameterStore(o.Seed);
        p.Weight("gine.in.w", [s.NodeFeatureWidth, h], s.NodeFeatureWidth, h);
        p.Bias("gine.in.b", [h], s.NodeFeatureWidth);
        if (definition.Encoding.Width > 0)
        {
            p.Weight("gine.pe.w", [definition.Encoding.Width, h], definition.Encoding.Width, h);
        }

        for (int l = 0; l < o.Layers; l++)
        {
            p.Weight($"gine.{l}.edge", [te, h], te, h);
            p.Zeros($"gine.{l}.eps", []);
            p.Weight($"gine.{l}.w0", [h, h], h, h);
            p.Bias($"gine.{l}.b0", [h], h);
            p.Weight($"gine.{l}.w1", [h, h], h, h);
            p.Bias($"gine.{l}.b1", [h], h);
            if (o.Normalization == SpeNormalization.BatchNorm)
            {
                p.BatchNorm(GineNorm(l, 0), [1, h]);
                p.BatchNorm(GineNorm(l, 1), [1, h]);
            }
        }

        int hh = o.HeadHiddenSize;
        p.Weight("gine.head.w0", [h, hh], h, hh);
        p.Bias("gine.head.b0", [hh], h);
        p.Weight("gine.head.w1", [hh, hh], hh, hh);
        p.Bias("gine.head.b1", [hh], hh);
        p.Weight("gine.head.w2", [hh, s.OutputCount], hh, s.OutputCount);
        p.Bias("gine.head.b2", [s.OutputCount], hh);
        if (o.Init == GnnInit.Virgo)
        {
            VirgoInitializer.Apply(p, definition, trainGraphs);
        }

        return p;
    }

    /// <summary>
    /// Builds the forward model; with <paramref name="withLoss"/> it is the train-step forward: it also reads the target,
    /// outputs the loss, and BatchNorm layers use batch statistics and compute their running-statistics updates.
    /// </summary>
    public static OnnxModel Build(GraphModelDefinition definition, ParameterStore backbone, SpeParameters? spe, bool withLoss)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(backbone);
        if (definition.Backbone.MessagePassing == GraphMessagePassing.Sparse)
        {
            return SparseGineGraph.Build(definition, backbone, spe, withLoss);
        }

        const TensorElementType F = TensorElementType.Float;
        GraphSchema s = definition.Schema;
        GineOptions o = definition.Backbone;
        var b = new GraphBuilder("gine");
        b.Input(GraphTensorNames.NodeFeatures, F, "batch", "nodes", s.NodeFeatureWidth);
        b.Input(GraphTensorNames.EdgeFeatures, F, "batch", "nodes", "nodes", Math.Max(1, s.EdgeTypeCount));
        string? pe = null;
        if (definition.Encoding is SpeEncoding)
        {
            if (spe is null)
            {
                throw new ArgumentException("An SPE model needs SPE parameters.", nameof(spe));
            }

            SpeGraph.DeclareInputs(b, F);
            pe = SpeGraph.Append(b, spe, F, out _, withLoss ? NormalizationMode.Training : NormalizationMode.Inference);
        }
        else
        {
            b.Input(SpeTensorNames.Adjacency, F, "batch", "nodes", "nodes");
            b.Input(SpeTensorNames.NodeMask, F, "batch", "nodes");
            if (definition.Encoding.Width > 0)
            {
                pe = b.Input(GraphTensorNames.FixedEncoding, F, "batch", "nodes", definition.Encoding.Width);
            }
        }

        backbone.AddInitializers(b);
        string one = b.Scalar(1f, "one");
        string mask3 = b.Op("Unsqueeze", SpeTensorNames.NodeMask, b.Int64s("axis_2", 2)); // (B,N,1)
        NormalizationMode mode = withLoss ? NormalizationMode.Training : NormalizationMode.Inference;
        string? rowMask = o.Normalization == SpeNormalization.BatchNorm ? b.Op("Reshape", SpeTensorNames.NodeMask, b.Int64s("bn_rows", -1, 1)) : null; // (B·N,1)

        // BatchNorm over the real nodes: (B,N,H) → (B·N,H) with the node mask, statistics (1,H) as in the sparse layout
        string DenseNorm(string x, BatchNormNames names)
        {
            string flat = b.Op("Reshape", x, b.Int64s("bn_flat", -1, o.HiddenSize));
            string y = MaskedBatchNorm.Append(b, flat, rowMask, names, [0], mode, TensorElementType.Float);
            return b.Op("Reshape", y, b.Op("Shape", x));
        }

        string adj4 = b.Op("Unsqueeze", SpeTensorNames.Adjacency, b.Int64s("axis_3", 3)); // (B,N,N,1)

        string h = b.Op("Add", b.Op("MatMul", GraphTensorNames.NodeFeatures, "gine.in.w"), "gine.in.b");
        if (pe is not null)
        {
            h = b.Op("Add", h, b.Op("MatMul", pe, "gine.pe.w"));
        }

        h = b.Op("Mul", h, mask3);
        for (int l = 0; l < o.Layers; l++)
        {
            string e = b.Op("MatMul", GraphTensorNames.EdgeFeatures, $"gine.{l}.edge"); // (B,N_i,N_j,H)
            string hj = b.Op("Unsqueeze", h, b.Int64s("axis_1", 1)); // (B,1,N_j,H)
            string msg = b.Op("Mul", b.Op("Relu", b.Op("Add", hj, e)), adj4);
            string agg = b.Op("ReduceSum", [msg, b.Int64s("axis_2", 2)], OnnxAttribute.Int("keepdims", 0));
            h = b.Op("Mul", GineUpdate(b, l, h, agg, one, o.Normalization == SpeNormalization.BatchNorm ? DenseNorm : null), mask3);
            b.NodeTo("Identity", [h], [LayerOutput(l)]);
            h = LayerOutput(l);
        }

        string pooled = b.Op("ReduceSum", [h, b.Int64s("axis_1", 1)], OnnxAttribute.Int("keepdims", 0)); // (B,H)
        if (o.Pooling == GraphPooling.Mean)
        {
            string count = b.Op("ReduceSum", [SpeTensorNames.NodeMask, b.Int64s("axis_1", 1)], OnnxAttribute.Int("keepdims", 1));
            pooled = b.Op("Div", pooled, b.Op("Max", count, one));
        }

        AppendHead(b, definition, pooled, withLoss);
        return b.ToModel();
    }

    /// <summary>
    /// One GINE update with its residual: <c>h + ReLU(MLP((1+ε)h + agg))</c>, where <paramref name="agg"/> is the summed
    /// messages <c>Σ_{j∈N(i)} ReLU(h_j + e_ij)</c> (any layout: the rows of <paramref name="h"/> and <paramref name="agg"/> match).
    /// </summary>
    /// <remarks>With <paramref name="norm"/> (BatchNorm) the MLP is <c>Linear–BN–ReLU–Linear–BN</c>.</remarks>
    internal static string GineUpdate(GraphBuilder b, int l, string h, string agg, string one, Func<string, BatchNormNames, string>? norm = null)
    {
        string u = b.Op("Add", b.Op("Mul", h, b.Op("Add", one, $"gine.{l}.eps")), agg);
        u = b.Op("Add", b.Op("MatMul", u, $"gine.{l}.w0"), $"gine.{l}.b0");
        u = b.Op("Relu", norm is null ? u : norm(u, GineNorm(l, 0)));
        u = b.Op("Add", b.Op("MatMul", u, $"gine.{l}.w1"), $"gine.{l}.b1");
        if (norm is not null)
        {
            u = norm(u, GineNorm(l, 1));
        }

        return b.Op("Add", h, b.Op("Relu", u)); // residual
    }

    /// <summary>The BatchNorm after GINE layer <paramref name="layer"/>'s Linear <paramref name="linear"/> (0 or 1): statistics shape <c>(1, H)</c>.</summary>
    internal static BatchNormNames GineNorm(int layer, int linear) => BatchNormNames.ForPrefix($"gine.{layer}.bn{linear}");

    /// <summary>The 3-layer head on the pooled <c>(B, H)</c> states, the prediction output and, with <paramref name="withLoss"/>, the target input and loss.</summary>
    internal static void AppendHead(GraphBuilder b, GraphModelDefinition definition, string pooled, bool withLoss)
    {
        const TensorElementType F = TensorElementType.Float;
        GraphSchema s = definition.Schema;
        string y = b.Op("Relu", b.Op("Add", b.Op("MatMul", pooled, "gine.head.w0"), "gine.head.b0"));
        y = b.Op("Relu", b.Op("Add", b.Op("MatMul", y, "gine.head.w1"), "gine.head.b1"));
        y = b.Op("Add", b.Op("MatMul", y, "gine.head.w2"), "gine.head.b2");
        b.Output(y, GraphTensorNames.Prediction);
        if (withLoss)
        {
            string target = b.Input(GraphTensorNames.Target, F, "batch", s.OutputCount);
            string loss = definition.Loss switch
            {
                GraphLoss.L1 => b.Op("ReduceMean", [b.Op("Abs", b.Op("Sub", y, target))], OnnxAttribute.Int("keepdims", 0)),
                GraphLoss.Mse => MeanSquare(b, b.Op("Sub", y, target)),
                _ => b.Op("Neg", b.Op("ReduceMean", [b.Op("ReduceSum", [b.Op("Mul", b.Op("LogSoftmax", [y], OnnxAttribute.Int("axis", 1)), target), b.Int64s("axis_1", 1)], OnnxAttribute.Int("keepdims", 0))], OnnxAttribute.Int("keepdims", 0))),
            };
            b.Output(loss, GraphTensorNames.Loss);
        }
    }

    /// <summary>The value holding GINE layer <paramref name="layer"/>'s node states <c>(B, N, H)</c> (diagnostics read it).</summary>
    internal static string LayerOutput(int layer) => $"gine.{layer}.h";

    private static string MeanSquare(GraphBuilder b, string d) =>
        b.Op("ReduceMean", [b.Op("Mul", d, d)], OnnxAttribute.Int("keepdims", 0));
}

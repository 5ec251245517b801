using Pipelines.Onnx;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs;

/// <summary>
/// The GINE forward graph in the <see cref="GraphMessagePassing.Sparse"/> layout: the nodes of a batch stacked into one
/// <c>(V, F)</c> matrix (<c>V = ΣN</c>), directed edge lists, and per layer
/// <c>m_e = ReLU(h[src_e] + e_e)</c> (<c>Gather</c>), <c>agg_i = Σ_{e: tgt_e = i} m_e</c> (<c>ScatterElements</c>, reduction add: <c>GraphBuilder.ScatterAddRows</c>),
/// then the shared GINE update (<see cref="GraphModelBuilder.GineUpdate"/>); the readout scatters node states into their
/// graph's row, <c>(B, H)</c>. Same parameters and function as the dense layout; cost linear in <c>V + E</c>.
/// </summary>
internal static class SparseGineGraph
{
    /// <summary>Builds the forward model; with <paramref name="withLoss"/> it also reads the target and outputs the loss.</summary>
    public static OnnxModel Build(GraphModelDefinition definition, ParameterStore backbone, SpeParameters? spe, bool withLoss)
    {
        const TensorElementType F = TensorElementType.Float;
        const TensorElementType I64 = TensorElementType.Int64;
        GraphSchema s = definition.Schema;
        GineOptions o = definition.Backbone;
        var b = new GraphBuilder("gine");
        b.Input(GraphTensorNames.NodeFeatures, F, "stacked_nodes", s.NodeFeatureWidth);
        b.Input(GraphTensorNames.EdgeFeatures, F, "edges", Math.Max(1, s.EdgeTypeCount));
        b.Input(GraphTensorNames.EdgeSource, I64, "edges");
        b.Input(GraphTensorNames.EdgeTarget, I64, "edges", 1);
        b.Input(GraphTensorNames.NodeGraph, I64, "stacked_nodes", 1);
        b.Input(GraphTensorNames.GraphSize, F, "batch", 1);
        string? pe = null;
        if (definition.Encoding is SpeEncoding)
        {
            if (spe is null)
            {
                throw new ArgumentException("An SPE model needs SPE parameters.", nameof(spe));
            }

            NormalizationMode mode = withLoss ? NormalizationMode.Training : NormalizationMode.Inference;
            if (o.SpeLayout == SpeBatchLayout.Blocks)
            {
                // SPE's n×n part as per-graph blocks; its (V, p) output is already in the stacked node order.
                SpeBlockGraph.DeclareInputs(b, F, spe.Options);
                pe = SpeBlockGraph.Append(b, spe, F, mode);
            }
            else
            {
                // SPE's n×n part dense over the padded batch (B, N, p); its rows are then gathered into the stacked order.
                SpeGraph.DeclareInputs(b, F);
                b.Input(GraphTensorNames.NodeSlot, I64, "stacked_nodes");
                string padded = SpeGraph.Append(b, spe, F, out _, mode);
                string flat = b.Op("Reshape", padded, b.Int64s("spe_rows", -1, spe.Options.OutputSize)); // (B·N, p)
                pe = b.Op("Gather", [flat, GraphTensorNames.NodeSlot], OnnxAttribute.Int("axis", 0)); // (V, p)
            }
        }
        else if (definition.Encoding.Width > 0)
        {
            pe = b.Input(GraphTensorNames.FixedEncoding, F, "stacked_nodes", definition.Encoding.Width);
        }

        backbone.AddInitializers(b);
        string one = b.Scalar(1f, "one");
        string h = b.Op("Add", b.Op("MatMul", GraphTensorNames.NodeFeatures, "gine.in.w"), "gine.in.b"); // (V,H)
        if (pe is not null)
        {
            h = b.Op("Add", h, b.Op("MatMul", pe, "gine.pe.w"));
        }

        string zeros = b.Op("ConstantOfShape", b.Op("Shape", h)); // (V,H), the scatter target of every layer
        NormalizationMode normMode = withLoss ? NormalizationMode.Training : NormalizationMode.Inference;
        string Norm(string x, BatchNormNames names) => MaskedBatchNorm.Append(b, x, null, names, [0], normMode, F); // every stacked node is real
        for (int l = 0; l < o.Layers; l++)
        {
            string e = b.Op("MatMul", GraphTensorNames.EdgeFeatures, $"gine.{l}.edge"); // (E,H)
            string hj = b.Op("Gather", [h, GraphTensorNames.EdgeSource], OnnxAttribute.Int("axis", 0)); // (E,H)
            string msg = b.Op("Relu", b.Op("Add", hj, e));
            string agg = b.ScatterAddRows(zeros, GraphTensorNames.EdgeTarget, msg);
            h = GraphModelBuilder.GineUpdate(b, l, h, agg, one, o.Normalization == SpeNormalization.BatchNorm ? Norm : null);
        }

        // Readout: pooled[g] = Σ_{i in g} h_i, (B,H).
        string pooledZeros = b.Op("Mul", GraphTensorNames.GraphSize, b.Initializer(OnnxTensor.FromFloats("zero_row", new float[o.HiddenSize], 1, o.HiddenSize))); // (B,H) zeros
        string pooled = b.ScatterAddRows(pooledZeros, GraphTensorNames.NodeGraph, h);
        if (o.Pooling == GraphPooling.Mean)
        {
            pooled = b.Op("Div", pooled, b.Op("Max", GraphTensorNames.GraphSize, one));
        }

        GraphModelBuilder.AppendHead(b, definition, pooled, withLoss);
        return b.ToModel();
    }
}

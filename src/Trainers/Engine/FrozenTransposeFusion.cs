using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// The input-gradient products of frozen weights, <c>dX = G·Transpose(W)</c> with <c>W [K, N]</c> a frozen float
/// initializer, become <c>com.microsoft::FusedMatMul(G, W, transB = 1)</c>: ONNX Runtime would otherwise constant-fold
/// every <c>Transpose(W)</c> into a second copy of the frozen weights (≈ 87 MB for MiniLM), while the fused product
/// reads <c>W</c> itself with the same GEMM (MLAS packs <c>Wᵀ</c> panels from <c>W</c> as it packs them from a transposed
/// copy, so the sums are the same).
/// </summary>
internal static class FrozenTransposeFusion
{
    /// <summary>Rewrites <paramref name="model"/>'s graph in place; returns how many products now read <c>W</c> directly.</summary>
    /// <param name="model">The train-step model.</param>
    /// <param name="trainables">Names of the trained parameters (their transposes are not constant and stay as they are).</param>
    public static int Apply(OnnxModel model, IReadOnlySet<string> trainables)
    {
        OnnxGraph graph = model.Graph;
        Dictionary<string, OnnxTensor> inits = graph.InitializerMap();
        Dictionary<string, OnnxNode> producers = graph.ProducerMap();
        int fused = 0;
        var transposes = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            OnnxNode node = graph.Nodes[i];
            if (node.OpType != "MatMul" || node.Domain.Length != 0 || node.Inputs.Count != 2
                || !producers.TryGetValue(node.Inputs[1], out OnnxNode? t) || t.OpType != "Transpose" || t.Domain.Length != 0
                || t.IntsAttribute("perm") is not (null or [1, 0]) || trainables.Contains(t.Inputs[0])
                || !inits.TryGetValue(t.Inputs[0], out OnnxTensor? w) || w.ElementType != TensorElementType.Float || w.Dims.Length != 2)
            {
                continue;
            }

            var replacement = new OnnxNode("FusedMatMul", [node.Inputs[0], t.Inputs[0]], node.Outputs, node.Name, OnnxModel.MicrosoftDomain);
            replacement.Attributes.Add(OnnxAttribute.Int("transB", 1));
            replacement.Attributes.Add(OnnxAttribute.Float("alpha", 1f));
            graph.Nodes[i] = replacement;
            transposes.Add(t.Outputs[0]);
            fused++;
        }

        if (fused > 0)
        {
            var used = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs), StringComparer.Ordinal);
            used.UnionWith(graph.Outputs.Select(o => o.Name));
            graph.Nodes.RemoveAll(n => n.OpType == "Transpose" && n.Domain.Length == 0 && transposes.Contains(n.Outputs[0]) && !used.Contains(n.Outputs[0]));
            model.EnsureOpset(OnnxModel.MicrosoftDomain, 1);
        }

        return fused;
    }
}

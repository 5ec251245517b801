using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// Folds the decomposed layer norm of older exports (PyTorch before opset 17) back into one
/// <c>LayerNormalization(x, γ, β, axis = −1, ε)</c> before gradients are built:
/// <c>μ = ReduceMean(x); d = x − μ; σ² = ReduceMean(d^2); y = d / √(σ² + ε) · γ + β</c> over the last axis.
/// Nine forward nodes and their backward chain become one node each way, and the backward keeps one
/// <c>[…, H]</c> input instead of five intermediates (Ba et al. 2016, "Layer Normalization").
/// </summary>
internal static class LayerNormFusion
{
    /// <summary>Rewrites <paramref name="graph"/> in place; returns how many layer norms were fused.</summary>
    /// <param name="graph">The forward graph (with its loss).</param>
    /// <param name="keep">Values that must stay computed (e.g. extra outputs); a pattern with one of them inside is left alone.</param>
    public static int Apply(OnnxGraph graph, IEnumerable<string> keep)
    {
        Dictionary<string, OnnxNode> producers = graph.ProducerMap();
        Dictionary<string, List<OnnxNode>> consumers = graph.ConsumerMap();
        Dictionary<string, OnnxTensor> inits = graph.InitializerMap();
        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name).Concat(keep), StringComparer.Ordinal);
        var removed = new HashSet<OnnxNode>();
        var added = new List<OnnxNode>();
        OnnxNode? Single(string value, string op)
        {
            return !outputs.Contains(value) && consumers.TryGetValue(value, out List<OnnxNode>? c) && c.Count == 1 && c[0].OpType == op && c[0].Domain.Length == 0 && !removed.Contains(c[0])
                ? c[0]
                : null;
        }

        float? Constant(string value)
        {
            OnnxTensor? t = inits.TryGetValue(value, out OnnxTensor? i) ? i
                : producers.TryGetValue(value, out OnnxNode? p) && p.OpType == "Constant" ? p.Attribute("value")?.T : null;
            return t is { ElementCount: 1 } ? t.ElementType switch
            {
                TensorElementType.Float => t.AsSpan<float>()[0],
                TensorElementType.Double => (float)t.AsSpan<double>()[0],
                _ => null,
            } : null;
        }

        string? Other(OnnxNode node, string known) =>
            node.Inputs.Count != 2 ? null : node.Inputs[0] == known ? node.Inputs[1] : node.Inputs[1] == known ? node.Inputs[0] : null;

        foreach (OnnxNode mean in graph.Nodes.ToList())
        {
            if (mean.OpType != "ReduceMean" || mean.Domain.Length != 0 || !LastAxis(mean, inits, producers))
            {
                continue;
            }

            string x = mean.Inputs[0];
            OnnxNode? sub = Single(mean.Outputs[0], "Sub");
            if (sub is null || sub.Inputs[0] != x || sub.Inputs[1] != mean.Outputs[0])
            {
                continue;
            }

            string d = sub.Outputs[0];
            if (outputs.Contains(d) || !consumers.TryGetValue(d, out List<OnnxNode>? dUsers) || dUsers.Count != 2)
            {
                continue;
            }

            OnnxNode? pow = dUsers.FirstOrDefault(n => n.OpType == "Pow" && n.Inputs[0] == d && Constant(n.Inputs[1]) == 2f);
            OnnxNode? div = dUsers.FirstOrDefault(n => n.OpType == "Div" && n.Inputs[0] == d);
            OnnxNode? variance = pow is null ? null : Single(pow.Outputs[0], "ReduceMean");
            if (pow is null || div is null || variance is null || !LastAxis(variance, inits, producers))
            {
                continue;
            }

            OnnxNode? addEps = Single(variance.Outputs[0], "Add");
            float? eps = addEps is null ? null : Other(addEps, variance.Outputs[0]) is { } e ? Constant(e) : null;
            OnnxNode? sqrt = addEps is null ? null : Single(addEps.Outputs[0], "Sqrt");
            if (eps is null || sqrt is null || Single(sqrt.Outputs[0], "Div") != div || div.Inputs[1] != sqrt.Outputs[0])
            {
                continue;
            }

            OnnxNode? scale = Single(div.Outputs[0], "Mul");
            string? gamma = scale is null ? null : Other(scale, div.Outputs[0]);
            OnnxNode? shift = scale is null ? null : Single(scale.Outputs[0], "Add");
            string? beta = shift is null ? null : Other(shift, scale!.Outputs[0]);
            if (gamma is null || beta is null || !IsVector(gamma, inits) || !IsVector(beta, inits))
            {
                continue;
            }

            OnnxNode[] pattern = [mean, sub, pow, variance, addEps!, sqrt, div, scale!, shift!];
            removed.UnionWith(pattern);
            var fused = new OnnxNode("LayerNormalization", [x, gamma, beta], [shift!.Outputs[0]], shift.Name + ".fused");
            fused.Attributes.Add(OnnxAttribute.Int("axis", -1));
            fused.Attributes.Add(OnnxAttribute.Float("epsilon", eps.Value));
            added.Add(fused);
        }

        if (added.Count == 0)
        {
            return 0;
        }

        graph.Nodes.RemoveAll(removed.Contains);
        graph.Nodes.AddRange(added);
        // Constant nodes that fed only the fused patterns (the 2 and the ε)
        var used = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs), StringComparer.Ordinal);
        used.UnionWith(graph.Outputs.Select(o => o.Name));
        graph.Nodes.RemoveAll(n => n.OpType == "Constant" && !used.Contains(n.Outputs[0]));
        GraphTopology.Sort(graph);
        return added.Count;
    }

    // ReduceMean over the last axis only, keepdims on (axes as attribute before opset 18, as a constant input after)
    private static bool LastAxis(OnnxNode node, Dictionary<string, OnnxTensor> inits, Dictionary<string, OnnxNode> producers)
    {
        if (node.IntAttribute("keepdims", 1) != 1)
        {
            return false;
        }

        long[]? axes = node.IntsAttribute("axes");
        if (axes is null && node.Inputs.Count > 1)
        {
            OnnxTensor? t = inits.TryGetValue(node.Inputs[1], out OnnxTensor? i) ? i
                : producers.TryGetValue(node.Inputs[1], out OnnxNode? p) && p.OpType == "Constant" ? p.Attribute("value")?.T : null;
            axes = t is { ElementType: TensorElementType.Int64 } ? t.ToArray<long>() : null;
        }

        return axes is [-1];
    }

    private static bool IsVector(string name, Dictionary<string, OnnxTensor> inits) =>
        inits.TryGetValue(name, out OnnxTensor? t) && t.ElementType is TensorElementType.Float or TensorElementType.Double && t.Dims.Length == 1;
}

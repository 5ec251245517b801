namespace Pipelines.Onnx;

/// <summary>
/// Finds the 2-D MatMul/Gemm weights of a graph and their transformer roles by following data flow: a projection whose
/// output reaches the left operand of the Q·Kᵀ MatMul feeding a Softmax is the query, the right operand the key; the
/// right operand of the MatMul consuming the Softmax is the value; the projection reading that MatMul's (re-shaped)
/// output is the attention output; a projection feeding an activation (Erf/Gelu/Relu/…) is ffn-in and one reading it
/// is ffn-out; a Gemm feeding Tanh is the pooler. Layer = count of Softmax nodes before (q, k, v) or up to (o, ffn) it.
/// </summary>
internal static class WeightRoleAnalyzer
{
    private const int MaxHops = 8;

    // Ops a value passes through without changing what it "is" (bias add, head split/merge, scaling, casts).
    private static readonly HashSet<string> s_passThrough = new(StringComparer.Ordinal)
    {
        "Add", "Reshape", "Transpose", "Div", "Mul", "Cast", "Identity", "Dropout", "Squeeze", "Unsqueeze", "Sub",
    };

    private static readonly HashSet<string> s_activations = new(StringComparer.Ordinal)
    {
        "Erf", "Gelu", "FastGelu", "BiasGelu", "Relu", "Sigmoid", "Tanh", "Silu", "HardSigmoid", "QuickGelu",
    };

    public static List<LinearWeight> FindLinearWeights(OnnxGraph g)
    {
        Dictionary<string, OnnxTensor> inits = g.InitializerMap();
        Dictionary<string, List<OnnxNode>> consumers = g.ConsumerMap();
        Dictionary<string, OnnxNode> producers = g.ProducerMap();
        var position = new Dictionary<OnnxNode, int>();
        for (int i = 0; i < g.Nodes.Count; i++)
        {
            position[g.Nodes[i]] = i;
        }

        List<int> softmaxPositions = g.Nodes.Where(n => n.OpType == "Softmax").Select(n => position[n]).ToList();
        var result = new List<LinearWeight>();
        foreach (OnnxNode node in g.Nodes)
        {
            if (node.OpType is not ("MatMul" or "Gemm") || node.Domain.Length > 0 || node.Outputs.Count == 0)
            {
                continue;
            }

            for (int input = 0; input < Math.Min(2, node.Inputs.Count); input++)
            {
                if (!inits.TryGetValue(node.Inputs[input], out OnnxTensor? w) || w.Dims.Length != 2 || !w.ElementType.IsFloatingPoint())
                {
                    continue;
                }

                bool transposed = node.OpType == "Gemm" && node.IntAttribute(input == 1 ? "transB" : "transA", 0) == 1;
                if (input == 0)
                {
                    transposed = !transposed; // W·x form: the weight's rows are outputs.
                }

                long inFeatures = transposed ? w.Dims[1] : w.Dims[0];
                long outFeatures = transposed ? w.Dims[0] : w.Dims[1];
                WeightRole role = Classify(node, consumers, producers);
                int before = softmaxPositions.Count(p => p < position[node]);
                int layer = role switch
                {
                    WeightRole.Query or WeightRole.Key or WeightRole.Value => before < softmaxPositions.Count ? before : -1,
                    WeightRole.AttentionOutput or WeightRole.FfnIn or WeightRole.FfnOut => before - 1,
                    _ => -1,
                };
                result.Add(new LinearWeight(w.Name, node.Name, node.OpType, input, inFeatures, outFeatures, transposed, role, layer, FindBias(node, consumers, inits)));
            }
        }

        return result;
    }

    private static WeightRole Classify(OnnxNode node, Dictionary<string, List<OnnxNode>> consumers, Dictionary<string, OnnxNode> producers)
    {
        string output = node.Outputs[0];
        if (node.OpType == "Gemm" && Forward(output, consumers, 2).Any(t => t.Node.OpType == "Tanh"))
        {
            return WeightRole.Pooler;
        }

        foreach ((OnnxNode target, int slot) in Forward(output, consumers, MaxHops))
        {
            if (target.OpType == "MatMul" && IsScoreMatMul(target, consumers))
            {
                return slot == 0 ? WeightRole.Query : WeightRole.Key;
            }

            if (target.OpType == "MatMul" && slot == 1 && IsContextMatMul(target, producers))
            {
                return WeightRole.Value;
            }

            if (s_activations.Contains(target.OpType))
            {
                return WeightRole.FfnIn;
            }
        }

        string activation = node.Inputs[0];
        foreach (OnnxNode source in Backward(activation, producers, MaxHops))
        {
            if (source.OpType == "MatMul" && IsContextMatMul(source, producers))
            {
                return WeightRole.AttentionOutput;
            }

            if (s_activations.Contains(source.OpType))
            {
                return WeightRole.FfnOut;
            }

        }

        return WeightRole.Other;
    }

    // Q·Kᵀ: a MatMul of two activations whose result reaches a Softmax through scaling/masking.
    private static bool IsScoreMatMul(OnnxNode matMul, Dictionary<string, List<OnnxNode>> consumers) =>
        matMul.Outputs.Count > 0 && Forward(matMul.Outputs[0], consumers, 4).Any(t => t.Node.OpType == "Softmax");

    // P·V: a MatMul whose left operand comes from a Softmax.
    private static bool IsContextMatMul(OnnxNode matMul, Dictionary<string, OnnxNode> producers) =>
        matMul.Inputs.Count > 0 && Backward(matMul.Inputs[0], producers, 3).Any(n => n.OpType == "Softmax");

    private static IEnumerable<(OnnxNode Node, int Slot)> Forward(string value, Dictionary<string, List<OnnxNode>> consumers, int hops)
    {
        var frontier = new List<string> { value };
        var seen = new HashSet<string>(StringComparer.Ordinal) { value };
        for (int h = 0; h < hops && frontier.Count > 0; h++)
        {
            var next = new List<string>();
            foreach (string v in frontier)
            {
                if (!consumers.TryGetValue(v, out List<OnnxNode>? list))
                {
                    continue;
                }

                foreach (OnnxNode c in list)
                {
                    yield return (c, c.Inputs.IndexOf(v));
                    if (s_passThrough.Contains(c.OpType))
                    {
                        next.AddRange(c.Outputs.Where(seen.Add));
                    }
                }
            }

            frontier = next;
        }
    }

    // Breadth-first over producers, expanding only pass-through ops and skipping shape arithmetic.
    private static IEnumerable<OnnxNode> Backward(string value, Dictionary<string, OnnxNode> producers, int hops)
    {
        var frontier = new List<string> { value };
        var seen = new HashSet<OnnxNode>();
        for (int h = 0; h < hops && frontier.Count > 0; h++)
        {
            var next = new List<string>();
            foreach (string v in frontier)
            {
                if (!producers.TryGetValue(v, out OnnxNode? p) || p.OpType is "Constant" or "Concat" or "Shape" || !seen.Add(p))
                {
                    continue;
                }

                yield return p;
                if (s_passThrough.Contains(p.OpType))
                {
                    next.AddRange(p.Inputs);
                }
            }

            frontier = next;
        }
    }

    private static string? FindBias(OnnxNode node, Dictionary<string, List<OnnxNode>> consumers, Dictionary<string, OnnxTensor> inits)
    {
        if (node.OpType == "Gemm" && node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            return node.Inputs[2];
        }

        if (consumers.TryGetValue(node.Outputs[0], out List<OnnxNode>? list))
        {
            foreach (OnnxNode c in list.Where(c => c.OpType == "Add"))
            {
                string? other = c.Inputs.FirstOrDefault(i => i != node.Outputs[0]);
                if (other is not null && inits.TryGetValue(other, out OnnxTensor? b) && b.Dims.Length == 1)
                {
                    return other;
                }
            }
        }

        return null;
    }
}

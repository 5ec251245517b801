using System.Globalization;
using System.Text.RegularExpressions;
using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// Rewrites a train-step graph for <see cref="ActivationCheckpointing.TransformerBlocks"/>: for each block, the forward
/// nodes whose values the backward pass reads are cloned (outputs renamed <c>…/recompute</c>) and the backward reads the
/// clones. The clones' inputs from outside the block pass through <c>x + 0·g₀</c>, where <c>g₀</c> is one element of the
/// gradient of the block's output, so that ONNX Runtime can run them only once that gradient exists (and cannot merge them
/// with the forward nodes as common subexpressions); <c>x + 0</c> is exact for every finite <c>g₀</c>.
/// </summary>
internal static partial class ActivationRecomputation
{
    private static readonly HashSet<string> s_random = new(StringComparer.Ordinal)
    {
        "Dropout", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial", "Bernoulli",
    };

    /// <summary>Rewrites <paramref name="graph"/> in place; returns how many blocks are recomputed.</summary>
    /// <param name="graph">The gradient graph (forward nodes, then backward nodes).</param>
    /// <param name="isBackward">Tells the gradient builder's nodes (<c>grad_*</c>) from the forward nodes with the loss.</param>
    /// <param name="valueGradients">Forward value → its full gradient (<see cref="Pipelines.Onnx.Autodiff.GradientGraph.ValueGradients"/>).</param>
    /// <param name="keep">Values that are graph outputs of the step (the loss, extra outputs): never recomputed.</param>
    /// <param name="type">The training element type (Float or Double): activations of this type are gated.</param>
    /// <param name="elementType">The element type of a forward value, when known.</param>
    /// <param name="parameters">The trained parameters (graph inputs of the step): they name blocks as initializers do and are not gated.</param>
    public static int Apply(OnnxGraph graph, Func<OnnxNode, bool> isBackward, IReadOnlyDictionary<string, string> valueGradients, IEnumerable<string> keep,
        TensorElementType type, Func<string, TensorElementType?> elementType, IReadOnlySet<string> parameters)
    {
        List<OnnxNode> forward = [.. graph.Nodes.Where(n => !isBackward(n))];
        List<OnnxNode> backward = [.. graph.Nodes.Where(isBackward)];
        var inits = new HashSet<string>(graph.Initializers.Select(t => t.Name), StringComparer.Ordinal);
        inits.UnionWith(parameters); // weights, trained or frozen
        var kept = new HashSet<string>(keep, StringComparer.Ordinal);
        kept.UnionWith(graph.Outputs.Select(o => o.Name));

        // block spans over the forward order: first..last node reading an initializer of block i
        var spans = new SortedDictionary<int, (int First, int Last)>();
        for (int i = 0; i < forward.Count; i++)
        {
            foreach (string input in forward[i].Inputs)
            {
                if (inits.Contains(input) && BlockIndex(input) is int block)
                {
                    spans[block] = spans.TryGetValue(block, out (int First, int Last) s) ? (Math.Min(s.First, i), Math.Max(s.Last, i)) : (i, i);
                }
            }
        }

        List<(int First, int Last)> ordered = [.. spans.Values.OrderBy(s => s.First)];
        for (int b = 1; b < ordered.Count; b++)
        {
            if (ordered[b].First <= ordered[b - 1].Last)
            {
                return 0; // interleaved blocks: not a stack of blocks, left as it is
            }
        }

        Dictionary<string, List<OnnxNode>> consumers = graph.ConsumerMap();
        var backwardSet = new HashSet<OnnxNode>(backward);
        var rename = new Dictionary<string, string>(StringComparer.Ordinal);
        var clones = new List<OnnxNode>();
        var used = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs.Concat(n.Outputs)), StringComparer.Ordinal);
        used.UnionWith(graph.Inputs.Select(v => v.Name));
        used.UnionWith(inits);
        var nodeNames = new HashSet<string>(graph.Nodes.Select(n => n.Name), StringComparer.Ordinal);
        int count = 0;
        for (int b = 0; b < ordered.Count; b++)
        {
            List<OnnxNode> block = forward.GetRange(ordered[b].First, ordered[b].Last - ordered[b].First + 1);
            if (block.Any(n => s_random.Contains(n.OpType)))
            {
                continue;
            }

            var blockSet = new HashSet<OnnxNode>(block);
            var produced = new HashSet<string>(block.SelectMany(n => n.Outputs).Where(o => o.Length > 0), StringComparer.Ordinal);

            // values leaving the block (read by later forward nodes or returned): kept from the forward pass
            var leaving = new HashSet<string>(produced.Where(v => kept.Contains(v)
                || (consumers.TryGetValue(v, out List<OnnxNode>? c) && c.Any(n => !blockSet.Contains(n) && !backwardSet.Contains(n)))), StringComparer.Ordinal);
            var needed = new HashSet<string>(produced.Where(v => !leaving.Contains(v)
                && consumers.TryGetValue(v, out List<OnnxNode>? c) && c.Any(backwardSet.Contains)), StringComparer.Ordinal);
            if (needed.Count == 0)
            {
                continue;
            }

            // the block's nodes that recompute them (walking back inside the block, stopping at kept values)
            var recompute = new HashSet<OnnxNode>();
            var pending = new Stack<string>(needed);
            Dictionary<string, OnnxNode> producer = block.SelectMany(n => n.Outputs.Select(o => (o, n))).Where(p => p.o.Length > 0).ToDictionary(p => p.o, p => p.n, StringComparer.Ordinal);
            while (pending.TryPop(out string? value))
            {
                if (producer.TryGetValue(value, out OnnxNode? node) && !leaving.Contains(value) && recompute.Add(node))
                {
                    node.Inputs.ForEach(pending.Push);
                }
            }

            // the gate: one element of the gradient of a value leaving the block, times zero
            string prefix = "recompute_" + b.ToString(CultureInfo.InvariantCulture);
            string? gradient = leaving.Where(v => !kept.Contains(v)).Select(v => valueGradients.GetValueOrDefault(v)).FirstOrDefault(g => g is not null);
            string? gate = null;
            if (gradient is not null)
            {
                string flat = Emit("Reshape", [gradient, Const(graph, used, prefix + "/flat_shape", [-1L])], prefix + "/gradient_flat", prefix + "/Reshape");
                string first = Emit("Slice", [flat, Const(graph, used, prefix + "/start", [0L]), Const(graph, used, prefix + "/end", [1L])], prefix + "/gradient_first", prefix + "/Slice");
                string zero = Fresh(used, prefix + "/zero");
                graph.Initializers.Add(type == TensorElementType.Double ? OnnxTensor.FromDoubles(zero, [0.0]) : OnnxTensor.FromFloats(zero, [0f]));
                gate = Emit("Mul", [first, zero], prefix + "/gate", prefix + "/Mul");
            }

            var gated = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (OnnxNode node in block.Where(recompute.Contains))
            {
                var inputs = new List<string>(node.Inputs.Count);
                foreach (string input in node.Inputs)
                {
                    if (producer.ContainsKey(input) && rename.TryGetValue(input, out string? r))
                    {
                        inputs.Add(r); // recomputed inside the block
                    }
                    else if (gate is not null && input.Length > 0 && !inits.Contains(input) && elementType(input) == type)
                    {
                        // an activation from before the block (or leaving it): read after the gradient has arrived
                        if (!gated.TryGetValue(input, out string? g))
                        {
                            gated[input] = g = Emit("Add", [input, gate], input + "/gated", prefix + "/gate_Add");
                        }

                        inputs.Add(g);
                    }
                    else
                    {
                        inputs.Add(input);
                    }
                }

                var outputs = node.Outputs.Select(o => o.Length == 0 ? o : rename[o] = Fresh(used, o + "/recompute")).ToList();
                var clone = new OnnxNode(node.OpType, inputs, outputs, Fresh(nodeNames, "recompute/" + node.Name), node.Domain) { DocString = node.DocString };
                clone.Attributes.AddRange(node.Attributes);
                clones.Add(clone);
            }

            foreach (OnnxNode node in backward)
            {
                for (int i = 0; i < node.Inputs.Count; i++)
                {
                    if (needed.Contains(node.Inputs[i]))
                    {
                        node.Inputs[i] = rename[node.Inputs[i]];
                    }
                }
            }

            count++;
        }

        graph.Nodes.AddRange(clones);
        return count;

        string Emit(string op, string[] inputs, string output, string name)
        {
            var node = new OnnxNode(op, inputs, [Fresh(used, output)], Fresh(nodeNames, name));
            clones.Add(node);
            return node.Outputs[0];
        }
    }

    // the block index of an initializer name: "encoder.layer.3.attention…", "layers.3.", "h.3.", "block_3_…"
    internal static int? BlockIndex(string name) =>
        BlockPattern().Match(name) is { Success: true } m ? int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"(?:^|[./_])(?:layer|layers|h|block|blocks)[._](\d+)(?:[./_]|$)")]
    private static partial Regex BlockPattern();

    private static string Fresh(HashSet<string> used, string prefix)
    {
        string name = prefix;
        for (int i = 1; !used.Add(name); i++)
        {
            name = prefix + "_" + i.ToString(CultureInfo.InvariantCulture);
        }

        return name;
    }

    private static string Const(OnnxGraph graph, HashSet<string> used, string name, long[] values)
    {
        string fresh = Fresh(used, name);
        graph.Initializers.Add(OnnxTensor.FromInt64s(fresh, values, values.Length));
        return fresh;
    }
}

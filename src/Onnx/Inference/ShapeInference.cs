namespace Pipelines.Onnx;

/// <summary>
/// Infers element types and shapes (rank, static dims, symbolic batch dims) of every value in a graph for the ops the
/// project emits or trains through, and rejects graphs whose shapes cannot agree — before ONNX Runtime sees them.
/// Ops it does not know get outputs of unknown type; that is not an error.
/// </summary>
public static partial class ShapeInference
{
    /// <summary>Infers types of all values of <paramref name="model"/>'s main graph.</summary>
    /// <returns>Value name → type (absent or with null shape where unknown).</returns>
    /// <exception cref="OnnxGraphException">A node's inputs cannot agree; the message names the node, op and shapes.</exception>
    public static IReadOnlyDictionary<string, TensorType> Infer(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Infer(model.Graph);
    }

    /// <summary>Infers types of all values of <paramref name="graph"/>.</summary>
    public static IReadOnlyDictionary<string, TensorType> Infer(OnnxGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var ctx = new InferenceContext(graph);
        foreach (ValueInfo v in graph.Inputs)
        {
            if (v.Type is not null)
            {
                ctx.Types[v.Name] = v.Type;
            }
        }

        foreach (OnnxTensor t in graph.Initializers)
        {
            ctx.Types[t.Name] = t.Type;
            if (t.ElementType == TensorElementType.Int64 && t.Dims.Length <= 1)
            {
                ctx.Constants[t.Name] = t.ToArray<long>();
            }
        }

        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            OnnxNode node = graph.Nodes[i];
            foreach (string input in node.Inputs)
            {
                if (input.Length > 0 && !ctx.Types.ContainsKey(input) && !ctx.Known.Contains(input))
                {
                    throw new OnnxGraphException(
                        $"Node {node.Describe()} (position {i}) reads '{input}', which is not a graph input, an initializer or the output of an earlier node.");
                }
            }

            try
            {
                InferNode(node, ctx);
            }
            catch (OnnxGraphException)
            {
                throw;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
            {
                throw new OnnxGraphException($"Node {node.Describe()} (position {i}): {e.Message}", e);
            }

            PropagateShapeValue(node, ctx);
            ctx.Known.UnionWith(node.Outputs);
        }

        foreach (ValueInfo o in graph.Outputs)
        {
            if (!ctx.Known.Contains(o.Name) && !ctx.Types.ContainsKey(o.Name))
            {
                throw new OnnxGraphException($"Graph output '{o.Name}' of graph '{graph.Name}' is not produced by any node, input or initializer.");
            }

            if (o.Type?.Shape is { } declared && ctx.Types.TryGetValue(o.Name, out TensorType? inferred) && inferred.Shape is { } shape)
            {
                if (declared.Count != shape.Count || declared.Zip(shape).Any(p => p.First.IsFixed && p.Second.IsFixed && p.First.Value != p.Second.Value))
                {
                    throw new OnnxGraphException($"Graph output '{o.Name}' is declared {o.Type} but computes {inferred}.");
                }
            }
        }

        return ctx.Types;
    }

    internal sealed class InferenceContext(OnnxGraph graph)
    {
        public OnnxGraph Graph { get; } = graph;

        public Dictionary<string, TensorType> Types { get; } = new(StringComparer.Ordinal);

        /// <summary>Known values of small int64 tensors (shapes, axes), for Reshape and friends.</summary>
        public Dictionary<string, long[]> Constants { get; } = new(StringComparer.Ordinal);

        /// <summary>Values of int64 shape tensors as dims, symbolic ones included (see ShapeInference.Values).</summary>
        public Dictionary<string, Dim[]> ShapeValues { get; } = new(StringComparer.Ordinal);

        /// <summary>Values produced so far (typed or not).</summary>
        public HashSet<string> Known { get; } = new(StringComparer.Ordinal) { "" };

        public TensorType? TypeOf(string name) => name.Length > 0 && Types.TryGetValue(name, out TensorType? t) ? t : null;

        public void Set(string name, TensorType? type)
        {
            if (type is not null && name.Length > 0)
            {
                Types[name] = type;
            }
        }
    }
}

namespace Pipelines.Onnx;

/// <summary>Ordering and reachability over a graph's nodes.</summary>
public static class GraphTopology
{
    /// <summary>
    /// Reorders <paramref name="graph"/>'s nodes topologically (stable: keeps the existing order where it is valid).
    /// </summary>
    /// <exception cref="OnnxGraphException">A node reads a value nothing produces, or the nodes form a cycle.</exception>
    public static void Sort(OnnxGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var available = new HashSet<string>(StringComparer.Ordinal) { "" };
        available.UnionWith(graph.Inputs.Select(v => v.Name));
        available.UnionWith(graph.Initializers.Select(t => t.Name));
        var producer = graph.ProducerMap();
        foreach (OnnxNode node in graph.Nodes)
        {
            foreach (string input in node.Inputs)
            {
                if (!available.Contains(input) && !producer.ContainsKey(input))
                {
                    throw new OnnxGraphException(
                        $"Node {node.Describe()} (position {graph.Nodes.IndexOf(node)}) reads '{input}', which no node, input or initializer of graph '{graph.Name}' provides.");
                }
            }
        }

        var pending = new List<OnnxNode>(graph.Nodes);
        var sorted = new List<OnnxNode>(pending.Count);
        while (pending.Count > 0)
        {
            int before = sorted.Count;
            var next = new List<OnnxNode>();
            foreach (OnnxNode node in pending)
            {
                if (node.Inputs.All(available.Contains) && SubgraphInputsAvailable(node, available))
                {
                    sorted.Add(node);
                    available.UnionWith(node.Outputs);
                }
                else
                {
                    next.Add(node);
                }
            }

            if (sorted.Count == before)
            {
                throw new OnnxGraphException(
                    $"Graph '{graph.Name}' has a cycle through {next[0].Describe()}; nodes left unordered: {next.Count}.");
            }

            pending = next;
        }

        graph.Nodes.Clear();
        graph.Nodes.AddRange(sorted);
    }

    /// <summary>Nodes from which some of <paramref name="targets"/> can be reached (their ancestors, inclusive).</summary>
    public static HashSet<OnnxNode> Ancestors(OnnxGraph graph, IEnumerable<string> targets)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var producer = graph.ProducerMap();
        var result = new HashSet<OnnxNode>();
        var stack = new Stack<string>(targets);
        while (stack.Count > 0)
        {
            string value = stack.Pop();
            if (producer.TryGetValue(value, out OnnxNode? node) && result.Add(node))
            {
                foreach (string i in node.Inputs)
                {
                    stack.Push(i);
                }
            }
        }

        return result;
    }

    /// <summary>Values that depend on any of <paramref name="sources"/> (inclusive).</summary>
    public static HashSet<string> Descendants(OnnxGraph graph, IEnumerable<string> sources)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var reached = new HashSet<string>(sources, StringComparer.Ordinal);
        foreach (OnnxNode node in graph.Nodes)
        {
            if (node.Inputs.Any(reached.Contains))
            {
                reached.UnionWith(node.Outputs.Where(o => o.Length > 0));
            }
        }

        return reached;
    }

    // Subgraph attributes (If/Loop/Scan) may capture outer values; the node must come after their producers.
    private static bool SubgraphInputsAvailable(OnnxNode node, HashSet<string> available)
    {
        foreach (OnnxAttribute a in node.Attributes)
        {
            IEnumerable<OnnxGraph> graphs = a.Kind switch
            {
                AttributeKind.Graph => [a.G!],
                AttributeKind.Graphs => a.Graphs,
                _ => [],
            };
            foreach (OnnxGraph g in graphs)
            {
                var local = new HashSet<string>(g.Inputs.Select(v => v.Name).Concat(g.Initializers.Select(t => t.Name)).Concat(g.Nodes.SelectMany(n => n.Outputs)), StringComparer.Ordinal);
                if (g.Nodes.SelectMany(n => n.Inputs).Any(i => i.Length > 0 && !local.Contains(i) && !available.Contains(i)))
                {
                    return false;
                }
            }
        }

        return true;
    }
}

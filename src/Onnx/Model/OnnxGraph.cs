namespace Pipelines.Onnx;

/// <summary>A computation graph: nodes in topological order, initializers, typed inputs and outputs.</summary>
public sealed class OnnxGraph
{
    /// <summary>The graph's name.</summary>
    public string Name { get; set; } = "graph";

    /// <summary>Documentation carried by the file.</summary>
    public string DocString { get; set; } = "";

    /// <summary>Nodes, in topological order for valid graphs.</summary>
    public List<OnnxNode> Nodes { get; } = [];

    /// <summary>Constant tensors (weights).</summary>
    public List<OnnxTensor> Initializers { get; } = [];

    /// <summary>Graph inputs (may also list initializers, as older exporters do).</summary>
    public List<ValueInfo> Inputs { get; } = [];

    /// <summary>Graph outputs.</summary>
    public List<ValueInfo> Outputs { get; } = [];

    /// <summary>Types of intermediate values, when recorded.</summary>
    public List<ValueInfo> ValueInfos { get; } = [];

    /// <summary>The initializer with this name, or <see langword="null"/>.</summary>
    public OnnxTensor? FindInitializer(string name) => Initializers.FirstOrDefault(t => t.Name == name);

    /// <summary>Initializers by name.</summary>
    public Dictionary<string, OnnxTensor> InitializerMap() => Initializers.ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>Graph inputs that are not initializers (what a caller must feed).</summary>
    public IEnumerable<ValueInfo> RuntimeInputs()
    {
        var inits = new HashSet<string>(Initializers.Select(t => t.Name), StringComparer.Ordinal);
        return Inputs.Where(i => !inits.Contains(i.Name));
    }

    /// <summary>The node producing each value.</summary>
    public Dictionary<string, OnnxNode> ProducerMap()
    {
        var map = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (OnnxNode node in Nodes)
        {
            foreach (string o in node.Outputs)
            {
                if (o.Length > 0)
                {
                    map[o] = node;
                }
            }
        }

        return map;
    }

    /// <summary>The nodes consuming each value.</summary>
    public Dictionary<string, List<OnnxNode>> ConsumerMap()
    {
        var map = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
        foreach (OnnxNode node in Nodes)
        {
            foreach (string i in node.Inputs)
            {
                if (i.Length == 0)
                {
                    continue;
                }

                if (!map.TryGetValue(i, out List<OnnxNode>? list))
                {
                    map[i] = list = [];
                }

                list.Add(node);
            }
        }

        return map;
    }

    /// <summary>Drops initializers (and their graph-input entries) that no node, subgraph node or output uses.</summary>
    public void RemoveUnusedInitializers()
    {
        var used = new HashSet<string>(Nodes.SelectMany(n => n.Inputs), StringComparer.Ordinal);
        foreach (OnnxNode n in Nodes)
        {
            foreach (OnnxAttribute a in n.Attributes)
            {
                if (a.G is OnnxGraph sub)
                {
                    used.UnionWith(sub.Nodes.SelectMany(x => x.Inputs));
                }
            }
        }

        used.UnionWith(Outputs.Select(o => o.Name));
        var removed = new HashSet<string>(Initializers.Where(t => !used.Contains(t.Name)).Select(t => t.Name), StringComparer.Ordinal);
        Initializers.RemoveAll(t => removed.Contains(t.Name));
        Inputs.RemoveAll(v => removed.Contains(v.Name));
    }
}

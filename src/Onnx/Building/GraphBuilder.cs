using System.Globalization;

namespace Pipelines.Onnx;

/// <summary>
/// Appends nodes, initializers, inputs and outputs to a graph with unique, deterministic names. Wrap an existing graph
/// to edit it; call <see cref="GraphTopology.Sort(OnnxGraph)"/> afterwards when new nodes feed older ones.
/// </summary>
/// <example>
/// <code>
/// var b = new GraphBuilder("mlp");
/// string x = b.Input("X", TensorElementType.Float, "batch", 4);
/// string w = b.Initializer(OnnxTensor.FromFloats("W", weights, 4, 3));
/// b.Output(b.Op("Relu", b.Op("MatMul", x, w)), "Y");
/// OnnxModel model = b.ToModel();
/// </code>
/// </example>
public sealed class GraphBuilder
{
    /// <summary>The standard opset models made here use by default.</summary>
    public const long DefaultOpset = 21;

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);

    /// <summary>Starts a new, empty graph.</summary>
    public GraphBuilder(string graphName = "graph")
        : this(new OnnxGraph { Name = graphName })
    {
    }

    /// <summary>Edits an existing graph in place; new names avoid every name already used in it.</summary>
    public GraphBuilder(OnnxGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
        foreach (OnnxNode n in graph.Nodes)
        {
            _names.Add(n.Name);
            _names.UnionWith(n.Inputs);
            _names.UnionWith(n.Outputs);
        }

        _names.UnionWith(graph.Initializers.Select(t => t.Name));
        _names.UnionWith(graph.Inputs.Select(v => v.Name));
        _names.UnionWith(graph.Outputs.Select(v => v.Name));
        _names.Remove("");
    }

    /// <summary>The graph being built.</summary>
    public OnnxGraph Graph { get; }

    /// <summary>Returns <paramref name="prefix"/> if unused, else <c>prefix_1</c>, <c>prefix_2</c>, … and reserves it.</summary>
    public string UniqueName(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (_names.Add(prefix))
        {
            return prefix;
        }

        int i = _counters.GetValueOrDefault(prefix);
        string candidate;
        do
        {
            i++;
            candidate = prefix + "_" + i.ToString(CultureInfo.InvariantCulture);
        }
        while (!_names.Add(candidate));
        _counters[prefix] = i;
        return candidate;
    }

    /// <summary>Declares a graph input and returns its name (which must be unused).</summary>
    public string Input(string name, TensorElementType elementType, params Dim[] dims)
    {
        Reserve(name);
        Graph.Inputs.Add(new ValueInfo(name, new TensorType(elementType, dims)));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> a graph output, renaming it through Identity when <paramref name="name"/> differs.</summary>
    /// <param name="value">The value to expose.</param>
    /// <param name="name">The output's name; defaults to the value's own.</param>
    /// <param name="type">The output's type, when known.</param>
    public string Output(string value, string? name = null, TensorType? type = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        string outName = value;
        if (name is not null && name != value)
        {
            Reserve(name);
            Graph.Nodes.Add(new OnnxNode("Identity", [value], [name], UniqueName(name + "_identity")));
            outName = name;
        }

        Graph.Outputs.Add(new ValueInfo(outName, type));
        return outName;
    }

    /// <summary>Adds an initializer (its name made unique if taken) and returns its name.</summary>
    public string Initializer(OnnxTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.Name = UniqueName(tensor.Name);
        Graph.Initializers.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a float scalar constant initializer.</summary>
    public string Scalar(float value, string prefix = "const") =>
        Initializer(OnnxTensor.FromFloats(prefix, [value]));

    /// <summary>Adds a float scalar constant of the given element type (Float or Double).</summary>
    public string Scalar(double value, TensorElementType elementType, string prefix = "const") => elementType switch
    {
        TensorElementType.Float => Initializer(OnnxTensor.FromFloats(prefix, [(float)value])),
        TensorElementType.Double => Initializer(OnnxTensor.FromDoubles(prefix, [value])),
        _ => throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "Scalars are Float or Double."),
    };

    /// <summary>Adds a 1-D int64 constant (shapes, axes) and returns its name.</summary>
    public string Int64s(string prefix, params long[] values) =>
        Initializer(OnnxTensor.FromInt64s(prefix, values, values.Length));

    /// <summary>Adds a node with <paramref name="outputCount"/> fresh outputs and returns their names.</summary>
    /// <param name="opType">The operator.</param>
    /// <param name="inputs">Input value names (empty string for an omitted optional input).</param>
    /// <param name="outputCount">How many outputs to create.</param>
    /// <param name="attributes">The node's attributes.</param>
    /// <param name="domain">The operator domain (empty for standard ONNX).</param>
    /// <param name="name">The node's name prefix; defaults to the op type.</param>
    public string[] Node(string opType, IReadOnlyList<string> inputs, int outputCount = 1, IEnumerable<OnnxAttribute>? attributes = null, string domain = "", string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentOutOfRangeException.ThrowIfNegative(outputCount);
        string nodeName = UniqueName(name ?? opType);
        string[] outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++)
        {
            outputs[i] = UniqueName(outputCount == 1 ? nodeName + "_out" : nodeName + "_out" + i.ToString(CultureInfo.InvariantCulture));
        }

        var node = new OnnxNode(opType, inputs, outputs, nodeName, domain);
        if (attributes is not null)
        {
            node.Attributes.AddRange(attributes);
        }

        Graph.Nodes.Add(node);
        return outputs;
    }

    /// <summary>Adds a node that writes to the given output names (which must be unused).</summary>
    public OnnxNode NodeTo(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, IEnumerable<OnnxAttribute>? attributes = null, string domain = "", string? name = null)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        foreach (string o in outputs)
        {
            Reserve(o);
        }

        var node = new OnnxNode(opType, inputs, outputs, UniqueName(name ?? opType), domain);
        if (attributes is not null)
        {
            node.Attributes.AddRange(attributes);
        }

        Graph.Nodes.Add(node);
        return node;
    }

    /// <summary>Adds a one-output standard node without attributes.</summary>
    public string Op(string opType, params string[] inputs) => Node(opType, inputs)[0];

    /// <summary>Adds a one-output standard node with attributes.</summary>
    public string Op(string opType, string[] inputs, params OnnxAttribute[] attributes) => Node(opType, inputs, 1, attributes)[0];

    /// <summary>
    /// Row scatter-add, <c>out = data; out[index[k], :] += updates[k, :]</c>, for <c>data (N, C)</c>, <c>index (K, 1)</c>
    /// int64 and <c>updates (K, C)</c>: ScatterElements along axis 0 with the index expanded to <c>(K, C)</c>. Not ScatterND
    /// with <c>reduction = add</c>: ONNX Runtime's CPU kernel adds the K rows from several threads without synchronisation,
    /// so repeated rows race and the sum changes with the thread count (onnxruntime #23396); ScatterElements sums every
    /// column along the axis in index order within one work unit, the same result at any thread count.
    /// </summary>
    /// <param name="data">The target <c>(N, C)</c> (usually zeros).</param>
    /// <param name="index">Row of each update, <c>(K, 1)</c> int64.</param>
    /// <param name="updates">The rows to add, <c>(K, C)</c>.</param>
    /// <returns>The <c>(N, C)</c> sum.</returns>
    public string ScatterAddRows(string data, string index, string updates) =>
        Op("ScatterElements", [data, Op("Expand", index, Op("Shape", updates)), updates], OnnxAttribute.Int("axis", 0), OnnxAttribute.String("reduction", "add"));

    /// <summary>Wraps the graph in a model importing the standard opset (and <c>com.microsoft</c> when any node uses it).</summary>
    public OnnxModel ToModel(long opset = DefaultOpset, string producerName = "Pipelines")
    {
        var model = new OnnxModel(Graph) { ProducerName = producerName, IrVersion = opset >= 21 ? 10 : 8 };
        model.OpsetImports.Add(new OpsetImport(OnnxModel.StandardDomain, opset));
        if (Graph.Nodes.Any(n => n.Domain == OnnxModel.MicrosoftDomain))
        {
            model.OpsetImports.Add(new OpsetImport(OnnxModel.MicrosoftDomain, 1));
        }

        return model;
    }

    private void Reserve(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_names.Add(name))
        {
            throw new ArgumentException($"The name '{name}' is already used in graph '{Graph.Name}'.", nameof(name));
        }
    }
}

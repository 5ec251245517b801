namespace Pipelines.Onnx;

/// <summary>One operator node of a graph. An empty input name means an omitted optional input.</summary>
public sealed class OnnxNode
{
    /// <summary>Creates a node.</summary>
    public OnnxNode(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string name = "", string domain = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        OpType = opType;
        Inputs = inputs.ToList();
        Outputs = outputs.ToList();
        Name = name;
        Domain = domain;
    }

    /// <summary>The node's name (may be empty in files; graphs made here always name nodes).</summary>
    public string Name { get; set; }

    /// <summary>The operator, e.g. <c>MatMul</c>.</summary>
    public string OpType { get; set; }

    /// <summary>The operator domain: empty for the standard domain, <c>com.microsoft</c> for ORT contrib ops.</summary>
    public string Domain { get; set; }

    /// <summary>Input value names in order.</summary>
    public List<string> Inputs { get; }

    /// <summary>Output value names in order.</summary>
    public List<string> Outputs { get; }

    /// <summary>The attributes.</summary>
    public List<OnnxAttribute> Attributes { get; } = [];

    /// <summary>Documentation carried by the file.</summary>
    public string DocString { get; set; } = "";

    /// <summary>The attribute with this name, if present.</summary>
    public OnnxAttribute? Attribute(string name) => Attributes.FirstOrDefault(a => a.Name == name);

    /// <summary>The int attribute's value, or <paramref name="fallback"/>.</summary>
    public long IntAttribute(string name, long fallback) => Attribute(name) is { Kind: AttributeKind.Int } a ? a.I : fallback;

    /// <summary>The float attribute's value, or <paramref name="fallback"/>.</summary>
    public float FloatAttribute(string name, float fallback) => Attribute(name) is { Kind: AttributeKind.Float } a ? a.F : fallback;

    /// <summary>The int-list attribute's value, or <see langword="null"/>.</summary>
    public long[]? IntsAttribute(string name) => Attribute(name) is { Kind: AttributeKind.Ints } a ? a.Ints : null;

    /// <summary>A short description naming the node, e.g. <c>MatMul 'node_12'</c>.</summary>
    public string Describe() => $"{(Domain.Length > 0 ? Domain + "::" : "")}{OpType} '{Name}'";

    /// <inheritdoc />
    public override string ToString() => $"{Describe()} ({string.Join(", ", Inputs)}) -> ({string.Join(", ", Outputs)})";
}

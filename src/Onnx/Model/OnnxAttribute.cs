namespace Pipelines.Onnx;

/// <summary>Kinds of node attribute values (ONNX <c>AttributeProto.AttributeType</c>).</summary>
public enum AttributeKind
{
    /// <summary>One float.</summary>
    Float = 1,
    /// <summary>One int64.</summary>
    Int = 2,
    /// <summary>One byte string (usually UTF-8).</summary>
    String = 3,
    /// <summary>One tensor.</summary>
    Tensor = 4,
    /// <summary>One subgraph.</summary>
    Graph = 5,
    /// <summary>A list of floats.</summary>
    Floats = 6,
    /// <summary>A list of int64s.</summary>
    Ints = 7,
    /// <summary>A list of byte strings.</summary>
    Strings = 8,
    /// <summary>A list of tensors.</summary>
    Tensors = 9,
    /// <summary>A list of subgraphs.</summary>
    Graphs = 10,
}

/// <summary>A node attribute: a name and one value of the kind it declares.</summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(string name, AttributeKind kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Kind = kind;
    }

    /// <summary>The attribute's name.</summary>
    public string Name { get; }

    /// <summary>The kind of value held.</summary>
    public AttributeKind Kind { get; }

    /// <summary>Value for <see cref="AttributeKind.Float"/>.</summary>
    public float F { get; private init; }

    /// <summary>Value for <see cref="AttributeKind.Int"/>.</summary>
    public long I { get; private init; }

    /// <summary>Value for <see cref="AttributeKind.String"/>.</summary>
    public byte[] S { get; private init; } = [];

    /// <summary>Value for <see cref="AttributeKind.Tensor"/>.</summary>
    public OnnxTensor? T { get; private init; }

    /// <summary>Value for <see cref="AttributeKind.Graph"/>.</summary>
    public OnnxGraph? G { get; private init; }

    /// <summary>Value for <see cref="AttributeKind.Floats"/>.</summary>
    public float[] Floats { get; private init; } = [];

    /// <summary>Value for <see cref="AttributeKind.Ints"/>.</summary>
    public long[] Ints { get; private init; } = [];

    /// <summary>Value for <see cref="AttributeKind.Strings"/>.</summary>
    public byte[][] Strings { get; private init; } = [];

    /// <summary>Value for <see cref="AttributeKind.Tensors"/>.</summary>
    public OnnxTensor[] Tensors { get; private init; } = [];

    /// <summary>Value for <see cref="AttributeKind.Graphs"/>.</summary>
    public OnnxGraph[] Graphs { get; private init; } = [];

    /// <summary>For attributes inside functions: the caller's attribute this one refers to.</summary>
    public string RefAttrName { get; set; } = "";

    /// <summary>Documentation carried by the file.</summary>
    public string DocString { get; set; } = "";

    /// <summary>The string value decoded as UTF-8.</summary>
    public string StringValue => System.Text.Encoding.UTF8.GetString(S);

    /// <summary>Creates a float attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, AttributeKind.Float) { F = value };

    /// <summary>Creates an int attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, AttributeKind.Int) { I = value };

    /// <summary>Creates a UTF-8 string attribute.</summary>
    public static OnnxAttribute String(string name, string value) =>
        new(name, AttributeKind.String) { S = System.Text.Encoding.UTF8.GetBytes(value) };

    /// <summary>Creates a byte-string attribute.</summary>
    public static OnnxAttribute Bytes(string name, byte[] value) => new(name, AttributeKind.String) { S = value };

    /// <summary>Creates a tensor attribute.</summary>
    public static OnnxAttribute Tensor(string name, OnnxTensor value) => new(name, AttributeKind.Tensor) { T = value };

    /// <summary>Creates a subgraph attribute.</summary>
    public static OnnxAttribute Graph(string name, OnnxGraph value) => new(name, AttributeKind.Graph) { G = value };

    /// <summary>Creates a float-list attribute.</summary>
    public static OnnxAttribute FloatList(string name, params float[] values) => new(name, AttributeKind.Floats) { Floats = values };

    /// <summary>Creates an int-list attribute.</summary>
    public static OnnxAttribute IntList(string name, params long[] values) => new(name, AttributeKind.Ints) { Ints = values };

    /// <summary>Creates a string-list attribute.</summary>
    public static OnnxAttribute StringList(string name, params byte[][] values) => new(name, AttributeKind.Strings) { Strings = values };

    /// <summary>Creates a tensor-list attribute.</summary>
    public static OnnxAttribute TensorList(string name, params OnnxTensor[] values) => new(name, AttributeKind.Tensors) { Tensors = values };

    /// <summary>Creates a graph-list attribute.</summary>
    public static OnnxAttribute GraphList(string name, params OnnxGraph[] values) => new(name, AttributeKind.Graphs) { Graphs = values };

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        AttributeKind.Float => $"{Name}={F}",
        AttributeKind.Int => $"{Name}={I}",
        AttributeKind.String => $"{Name}='{StringValue}'",
        AttributeKind.Ints => $"{Name}=[{string.Join(",", Ints)}]",
        AttributeKind.Floats => $"{Name}=[{string.Join(",", Floats)}]",
        _ => $"{Name}:{Kind}",
    };
}

namespace Pipelines.Onnx.Adapters;

/// <summary>Recognises <c>Add(MatMul(x, W), adapter(x))</c> where adapter is a scaled sum of <c>±(x·A)·B</c> terms.</summary>
internal sealed class AdapterPatternMatcher
{
    private readonly Dictionary<string, OnnxNode> _producers;
    private readonly Dictionary<string, List<OnnxNode>> _consumers;
    private readonly Dictionary<string, OnnxTensor> _initializers;
    private readonly HashSet<string> _outputs;

    public AdapterPatternMatcher(Dictionary<string, OnnxNode> producers, Dictionary<string, List<OnnxNode>> consumers, Dictionary<string, OnnxTensor> initializers, HashSet<string> outputs)
    {
        _producers = producers;
        _consumers = consumers;
        _initializers = initializers;
        _outputs = outputs;
    }

    public sealed record Match(OnnxNode Base, OnnxTensor Weight, float Scale, List<(OnnxTensor A, OnnxTensor B, float Sign)> Terms, List<OnnxNode> AdapterNodes);

    public bool TryMatch(OnnxNode add, int baseSide, out Match? match)
    {
        match = null;
        if (Producer(add.Inputs[baseSide]) is not { OpType: "MatMul" } baseNode || Matrix(baseNode.Inputs[1]) is not OnnxTensor w
            || !Private(baseNode.Outputs[0]))
        {
            return false;
        }

        string x = baseNode.Inputs[0];
        var nodes = new List<OnnxNode>();
        var terms = new List<(OnnxTensor, OnnxTensor, float)>();
        float scale = 1f;
        if (!Adapter(add.Inputs[1 - baseSide], x, 1f, ref scale, terms, nodes) || terms.Count == 0)
        {
            return false;
        }

        foreach ((OnnxTensor a, OnnxTensor b, _) in terms)
        {
            if (a.Dims[0] != w.Dims[0] || b.Dims[1] != w.Dims[1] || a.Dims[1] != b.Dims[0])
            {
                return false;
            }
        }

        match = new Match(baseNode, w, scale, terms, nodes);
        return true;
    }

    private bool Adapter(string value, string x, float sign, ref float scale, List<(OnnxTensor, OnnxTensor, float)> terms, List<OnnxNode> nodes)
    {
        if (!Private(value) || Producer(value) is not OnnxNode node)
        {
            return false;
        }

        nodes.Add(node);
        switch (node.OpType)
        {
            case "Mul" when Scalar(node.Inputs[1]) is float s1:
                scale *= s1;
                return Adapter(node.Inputs[0], x, sign, ref scale, terms, nodes);
            case "Mul" when Scalar(node.Inputs[0]) is float s0:
                scale *= s0;
                return Adapter(node.Inputs[1], x, sign, ref scale, terms, nodes);
            case "Sub":
                return Adapter(node.Inputs[0], x, sign, ref scale, terms, nodes) && Adapter(node.Inputs[1], x, -sign, ref scale, terms, nodes);
            case "MatMul" when Matrix(node.Inputs[1]) is OnnxTensor b:
                string left = node.Inputs[0];
                if (!Private(left) || Producer(left) is not OnnxNode inner)
                {
                    return false;
                }

                nodes.Add(inner);
                if (inner.OpType == "Mul" && Scalar(inner.Inputs[1]) is float si && Private(inner.Inputs[0]) && Producer(inner.Inputs[0]) is OnnxNode first)
                {
                    scale *= si;
                    inner = first;
                    nodes.Add(inner);
                }

                if (inner.OpType != "MatMul" || inner.Inputs[0] != x || Matrix(inner.Inputs[1]) is not OnnxTensor a)
                {
                    return false;
                }

                terms.Add((a, b, sign));
                return true;
            default:
                return false;
        }
    }

    private OnnxNode? Producer(string value) => _producers.GetValueOrDefault(value) is { Domain: "" } n ? n : null;

    private bool Private(string value) => !_outputs.Contains(value) && _consumers.TryGetValue(value, out List<OnnxNode>? c) && c.Count == 1;

    private OnnxTensor? Matrix(string name) =>
        _initializers.TryGetValue(name, out OnnxTensor? t) && t is { ElementType: TensorElementType.Float, Dims.Length: 2 } && t.Dims[0] > 0 && t.Dims[1] > 0 ? t : null;

    private float? Scalar(string name) =>
        _initializers.TryGetValue(name, out OnnxTensor? t) && t.ElementType == TensorElementType.Float && t.ElementCount == 1 ? t.AsSpan<float>()[0] : null;
}

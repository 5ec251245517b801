using System.Globalization;

namespace Pipelines.Onnx.Autodiff;

/// <summary>
/// Emission helpers shared by the gradient rules: nodes with unique names, typed constants, cached shapes, and the
/// reduction of a broadcast gradient back to an input's shape. Emits only ops valid from opset 13 on.
/// </summary>
internal sealed class GradientEmitter
{
    private readonly Dictionary<string, TensorType> _types;
    private readonly Dictionary<string, string> _shapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);

    public GradientEmitter(OnnxGraph graph, Dictionary<string, TensorType> types, long opset)
    {
        Builder = new GraphBuilder(graph);
        _types = types;
        Opset = opset;
    }

    public GraphBuilder Builder { get; }

    public long Opset { get; }

    public TensorType? TypeOf(string value) => _types.TryGetValue(value, out TensorType? t) ? t : null;

    public IReadOnlyList<Dim>? ShapeOf(string value) => TypeOf(value)?.Shape;

    public int RankOf(string value, OnnxNode node)
    {
        IReadOnlyList<Dim>? shape = ShapeOf(value);
        return shape?.Count ?? throw new GradientException(
            $"The gradient of {node.Describe()} needs the rank of '{value}', which shape inference could not determine.");
    }

    public void SetType(string value, TensorType type) => _types[value] = type;

    public string Op(string opType, params string[] inputs) => Builder.Node(opType, inputs, 1, null, "", "grad_" + opType)[0];

    public string Op(string opType, string[] inputs, params OnnxAttribute[] attributes) =>
        Builder.Node(opType, inputs, 1, attributes, "", "grad_" + opType)[0];

    public string[] Ops(string opType, string[] inputs, int outputs, params OnnxAttribute[] attributes) =>
        Builder.Node(opType, inputs, outputs, attributes, "", "grad_" + opType);

    /// <summary>A scalar constant of the given floating type (cached).</summary>
    public string Scalar(double value, TensorElementType type)
    {
        string key = type + ":" + value.ToString("R", CultureInfo.InvariantCulture);
        if (!_constants.TryGetValue(key, out string? name))
        {
            name = Builder.Scalar(value, type, "grad_const");
            _constants[key] = name;
        }

        return name;
    }

    /// <summary>A 1-D int64 constant (cached).</summary>
    public string Int64s(params long[] values)
    {
        string key = "i64:" + string.Join(",", values);
        if (!_constants.TryGetValue(key, out string? name))
        {
            name = Builder.Int64s("grad_i64", values);
            _constants[key] = name;
        }

        return name;
    }

    /// <summary>An int64 scalar constant (cached).</summary>
    public string Int64Scalar(long value)
    {
        string key = "i64s:" + value.ToString(CultureInfo.InvariantCulture);
        if (!_constants.TryGetValue(key, out string? name))
        {
            name = Builder.Initializer(OnnxTensor.FromInt64s("grad_i64", [value]));
            _constants[key] = name;
        }

        return name;
    }

    /// <summary><c>Shape(value)</c>, emitted once per value.</summary>
    public string Shape(string value)
    {
        if (!_shapes.TryGetValue(value, out string? s))
        {
            s = Op("Shape", value);
            _shapes[value] = s;
        }

        return s;
    }

    /// <summary>Zeros of the shape held by the 1-D int64 value <paramref name="shape"/>, of element type <paramref name="type"/>.</summary>
    public string ZerosOfShape(string shape, TensorElementType type) =>
        Op("ConstantOfShape", [shape], OnnxAttribute.Tensor("value", ZeroTensor(type)));

    public static OnnxTensor ZeroTensor(TensorElementType type) => type switch
    {
        TensorElementType.Double => OnnxTensor.FromDoubles("value", [0.0], 1),
        TensorElementType.Float => OnnxTensor.FromFloats("value", [0f], 1),
        TensorElementType.Int64 => OnnxTensor.FromInt64s("value", [0L], 1),
        _ => throw new GradientException($"Gradients are computed in Float or Double, not {type}."),
    };

    public string ReduceSum(string x, long[] axes, bool keepDims) =>
        Op("ReduceSum", [x, Int64s(axes)], OnnxAttribute.Int("keepdims", keepDims ? 1 : 0));

    /// <summary>ReduceMean over <paramref name="axes"/>, as an attribute before opset 18 and an input from 18 on.</summary>
    public string ReduceMean(string x, long[] axes, bool keepDims) => Opset >= 18
        ? Op("ReduceMean", [x, Int64s(axes)], OnnxAttribute.Int("keepdims", keepDims ? 1 : 0))
        : Op("ReduceMean", [x], OnnxAttribute.IntList("axes", axes), OnnxAttribute.Int("keepdims", keepDims ? 1 : 0));

    public string Unsqueeze(string x, params long[] axes) => Op("Unsqueeze", x, Int64s(axes));

    public string Reshape(string x, string shape) => Op("Reshape", x, shape);

    public string ReshapeLike(string x, string like) => Reshape(x, Shape(like));

    /// <summary>Transposes the last two axes of a tensor of rank <paramref name="rank"/> (≥ 2).</summary>
    public string TransposeLast2(string x, int rank)
    {
        long[] perm = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        (perm[rank - 2], perm[rank - 1]) = (perm[rank - 1], perm[rank - 2]);
        return Op("Transpose", [x], OnnxAttribute.IntList("perm", perm));
    }

    public static bool SameDim(Dim a, Dim b) =>
        (a.IsFixed && b.IsFixed && a.Value == b.Value) || (a.Param is not null && a.Param == b.Param);

    /// <summary>
    /// Sums a gradient of shape <paramref name="from"/> (the broadcast result) down to the shape of
    /// <paramref name="target"/>: the reverse of numpy-style broadcasting. Static axes when shapes allow, otherwise
    /// computed in the graph from <c>Shape</c>.
    /// </summary>
    public string SumTo(string grad, IReadOnlyList<Dim>? from, string target)
    {
        IReadOnlyList<Dim>? to = ShapeOf(target);
        if (from is not null && to is not null && from.Count >= to.Count)
        {
            int lead = from.Count - to.Count;
            var axes = new List<long>();
            bool dynamic = false;
            for (int i = 0; i < lead; i++)
            {
                axes.Add(i);
            }

            for (int j = 0; j < to.Count; j++)
            {
                Dim t = to[j];
                Dim f = from[lead + j];
                if (SameDim(t, f))
                {
                    continue;
                }

                if (t.IsFixed && t.Value == 1)
                {
                    axes.Add(lead + j);
                }
                else
                {
                    dynamic = true;
                    break;
                }
            }

            if (!dynamic)
            {
                if (axes.Count == 0)
                {
                    return grad;
                }

                string reduced = ReduceSum(grad, [.. axes], keepDims: true);
                return lead == 0 ? reduced : ReshapeLike(reduced, target);
            }
        }

        return SumToDynamic(grad, target);
    }

    private string SumToDynamic(string grad, string target)
    {
        string sg = Shape(grad);
        string st = Shape(target);
        string diff = Op("Sub", Op("Size", sg), Op("Size", st));
        string ones = Op("ConstantOfShape", [Unsqueeze(diff, 0)], OnnxAttribute.Tensor("value", OnnxTensor.FromInt64s("value", [1L], 1)));
        string padded = Op("Concat", [ones, st], OnnxAttribute.Int("axis", 0));
        string differs = Op("Not", Op("Equal", padded, sg));
        string axes = Reshape(Op("NonZero", differs), Int64s(-1));
        string reduced = Op("ReduceSum", [grad, axes], OnnxAttribute.Int("keepdims", 1), OnnxAttribute.Int("noop_with_empty_axes", 1));
        return Reshape(reduced, st);
    }

    /// <summary>The numpy broadcast of two shapes when both are known, else <see langword="null"/>.</summary>
    public static IReadOnlyList<Dim>? Broadcast(IReadOnlyList<Dim>? a, IReadOnlyList<Dim>? b)
    {
        if (a is null || b is null)
        {
            return null;
        }

        int rank = Math.Max(a.Count, b.Count);
        var result = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            Dim da = i - (rank - a.Count) >= 0 ? a[i - (rank - a.Count)] : 1L;
            Dim db = i - (rank - b.Count) >= 0 ? b[i - (rank - b.Count)] : 1L;
            result[i] = da.IsFixed && da.Value == 1 ? db : db.IsFixed && db.Value == 1 ? da : SameDim(da, db) ? da : Dim.Unknown;
        }

        return result;
    }
}

namespace Pipelines.Onnx;

/// <summary>Per-op inference rules.</summary>
public static partial class ShapeInference
{
    private static readonly HashSet<string> s_unary = new(StringComparer.Ordinal)
    {
        "Identity", "Neg", "Abs", "Sqrt", "Exp", "Log", "Erf", "Tanh", "Sigmoid", "Relu", "Gelu", "Reciprocal", "Sign",
        "Floor", "Ceil", "Round", "Softmax", "LogSoftmax", "LeakyRelu", "Elu", "Softplus", "Sin", "Cos", "Not", "Dropout",
        "HardSigmoid", "Selu", "Celu", "Mish", "Clip", "LayerNormalization", "BatchNormalization", "InstanceNormalization",
        "DynamicQuantizeLinear",
    };

    private static readonly HashSet<string> s_binary = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "PRelu", "Mod",
    };

    private static readonly HashSet<string> s_compare = new(StringComparer.Ordinal)
    {
        "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor",
    };

    // Ops with an 'axis' attribute into input 0, valid in [-rank, rank) (Flatten's [-rank, rank] is checked in Flatten).
    private static readonly HashSet<string> s_axisOps = new(StringComparer.Ordinal)
    {
        "Softmax", "LogSoftmax", "Hardmax", "Concat", "Gather", "GatherElements", "ScatterElements", "Split", "LayerNormalization",
        "ArgMax", "ArgMin", "Compress",
    };

    private static void InferNode(OnnxNode node, InferenceContext ctx)
    {
        if (node.Domain.Length > 0)
        {
            return;
        }

        IReadOnlyList<TensorType?> ins = node.Inputs.Select(ctx.TypeOf).ToList();
        string op = node.OpType;
        CheckAxis(node, ins);
        if (s_unary.Contains(op))
        {
            ctx.Set(node.Outputs[0], ins[0]);
            if (op == "LayerNormalization" && node.Outputs.Count > 1 && ins[0]?.Shape is { } s)
            {
                long axis = Normalize(node.IntAttribute("axis", -1), s.Count);
                var stat = s.Select((d, i) => i < axis ? d : (Dim)1L).ToArray();
                for (int k = 1; k < node.Outputs.Count; k++)
                {
                    ctx.Set(node.Outputs[k], new TensorType(TensorElementType.Float, stat));
                }
            }

            if (op == "Dropout" && node.Outputs.Count > 1 && ins[0] is { } x)
            {
                ctx.Set(node.Outputs[1], x with { ElementType = TensorElementType.Bool });
            }

            return;
        }

        if (s_binary.Contains(op) || s_compare.Contains(op))
        {
            TensorType? result = ins.Count > 0 ? ins[0] : null;
            for (int k = 1; k < ins.Count; k++)
            {
                result = Broadcast(node, result, ins[k], checkTypes: op != "Pow");
            }

            ctx.Set(node.Outputs[0], s_compare.Contains(op) && result is not null ? result with { ElementType = TensorElementType.Bool } : result);
            return;
        }

        switch (op)
        {
            case "Where":
                ctx.Set(node.Outputs[0], Broadcast(node, Broadcast(node, ins[0] is { } c ? c with { ElementType = ins[1]?.ElementType ?? TensorElementType.Undefined } : null, ins[1], checkTypes: false), ins[2], checkTypes: true));
                return;
            case "MatMul":
            case "MatMulInteger":
                ctx.Set(node.Outputs[0], MatMul(node, ins[0], ins[1], op == "MatMulInteger" ? TensorElementType.Int32 : null));
                return;
            case "Gemm":
                ctx.Set(node.Outputs[0], Gemm(node, ins[0], ins[1]));
                return;
            case "Cast":
                ctx.Set(node.Outputs[0], ins[0] is { } src ? src with { ElementType = (TensorElementType)node.IntAttribute("to", 0) } : null);
                return;
            case "Shape":
                ctx.Set(node.Outputs[0], ins[0]?.Shape is { } sh ? TensorType.Of(TensorElementType.Int64, (long)sh.Count) : TensorType.Of(TensorElementType.Int64, Dim.Unknown));
                return;
            case "Constant":
                InferConstant(node, ctx);
                return;
            case "Transpose":
                ctx.Set(node.Outputs[0], Transpose(node, ins[0]));
                return;
            case "Reshape":
                ctx.Set(node.Outputs[0], Reshape(node, ins[0], ctx));
                return;
            case "Unsqueeze":
            case "Squeeze":
                ctx.Set(node.Outputs[0], SqueezeOrUnsqueeze(node, ins[0], ctx, op == "Unsqueeze"));
                return;
            case "ReduceMean":
            case "ReduceSum":
            case "ReduceMax":
            case "ReduceMin":
            case "ReduceProd":
            case "ReduceL2":
            case "ReduceSumSquare":
            case "ReduceLogSumExp":
                ctx.Set(node.Outputs[0], Reduce(node, ins[0], ctx));
                return;
            case "Concat":
                ctx.Set(node.Outputs[0], Concat(node, ins));
                return;
            case "Flatten":
                ctx.Set(node.Outputs[0], Flatten(node, ins[0]));
                return;
            case "Gather":
                ctx.Set(node.Outputs[0], Gather(node, ins[0], ins[1]));
                return;
            case "GatherElements":
                ctx.Set(node.Outputs[0], ins[1] is { } idx && ins[0] is { } data ? idx with { ElementType = data.ElementType } : null);
                return;
            case "ScatterElements":
            case "ScatterND":
                ctx.Set(node.Outputs[0], ins[0]);
                return;
            case "Expand":
            case "Slice":
            case "Tile":
            case "ConstantOfShape":
            case "Range":
            case "Split":
                InferShapeDependent(node, ins, ctx);
                return;
            case "SoftmaxCrossEntropyLoss":
                ctx.Set(node.Outputs[0], ins[0] is { } logits ? new TensorType(logits.ElementType, node.Attribute("reduction")?.StringValue == "none" && logits.Shape is { Count: > 0 } ls ? [ls[0], .. ls.Skip(2)] : []) : null);
                if (node.Outputs.Count > 1)
                {
                    ctx.Set(node.Outputs[1], ins[0]);
                }

                return;
            case "QuantizeLinear":
                ctx.Set(node.Outputs[0], ins[0] is { } q ? q with { ElementType = ins.Count > 2 && ins[2] is { } zp ? zp.ElementType : TensorElementType.UInt8 } : null);
                return;
            case "DequantizeLinear":
                ctx.Set(node.Outputs[0], ins[0] is { } dq ? dq with { ElementType = ins[1]?.ElementType ?? TensorElementType.Float } : null);
                return;
            default:
                return;
        }
    }

    private static long Normalize(long axis, int rank) => axis < 0 ? axis + rank : axis;

    /// <summary>An explicit 'axis' of an op in <see cref="s_axisOps"/> must lie in [-rank, rank) of input 0 when that rank is known.</summary>
    private static void CheckAxis(OnnxNode node, IReadOnlyList<TensorType?> ins)
    {
        if (!s_axisOps.Contains(node.OpType) || node.Attribute("axis") is not { Kind: AttributeKind.Int } attribute)
        {
            return;
        }

        if (ins.Count > 0 && ins[0]?.Shape is { } shape && (attribute.I < -shape.Count || attribute.I >= shape.Count))
        {
            Fail(node, $"attribute axis={attribute.I} is out of range [{-shape.Count}, {shape.Count}) for input '{node.Inputs[0]}' ({ins[0]}).");
        }
    }

    private static void Fail(OnnxNode node, string message) =>
        throw new OnnxGraphException($"Node {node.Describe()}: {message}");

    /// <summary>Numpy-style broadcasting of two types; throws when fixed dims disagree.</summary>
    private static TensorType? Broadcast(OnnxNode node, TensorType? a, TensorType? b, bool checkTypes)
    {
        if (a is null || b is null)
        {
            return a is null ? (b is null ? null : b with { Shape = null }) : a with { Shape = null };
        }

        if (checkTypes && a.ElementType != TensorElementType.Undefined && b.ElementType != TensorElementType.Undefined && a.ElementType != b.ElementType)
        {
            Fail(node, $"element types differ: {a} and {b}.");
        }

        if (a.Shape is null || b.Shape is null)
        {
            return new TensorType(a.ElementType, null);
        }

        int rank = Math.Max(a.Shape.Count, b.Shape.Count);
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            Dim da = i - (rank - a.Shape.Count) >= 0 ? a.Shape[i - (rank - a.Shape.Count)] : 1L;
            Dim db = i - (rank - b.Shape.Count) >= 0 ? b.Shape[i - (rank - b.Shape.Count)] : 1L;
            if (da.Value == 1)
            {
                dims[i] = db;
            }
            else if (db.Value == 1)
            {
                dims[i] = da;
            }
            else if (da.IsFixed && db.IsFixed && da.Value != db.Value)
            {
                Fail(node, $"shapes {a} and {b} do not broadcast (dim {i}: {da} vs {db}).");
            }
            else
            {
                dims[i] = da.IsFixed ? da : db.IsFixed ? db : (da.Param is not null ? da : db);
            }
        }

        return new TensorType(a.ElementType, dims);
    }

    private static TensorType? MatMul(OnnxNode node, TensorType? a, TensorType? b, TensorElementType? resultType)
    {
        if (a is null || b is null)
        {
            return null;
        }

        TensorElementType et = resultType ?? a.ElementType;
        if (resultType is null && a.ElementType != b.ElementType)
        {
            Fail(node, $"element types differ: {a} and {b}.");
        }

        if (a.Shape is null || b.Shape is null || a.Shape.Count == 0 || b.Shape.Count == 0)
        {
            return new TensorType(et, null);
        }

        bool aVec = a.Shape.Count == 1;
        bool bVec = b.Shape.Count == 1;
        Dim k1 = a.Shape[^1];
        Dim k2 = bVec ? b.Shape[0] : b.Shape[^2];
        if (k1.IsFixed && k2.IsFixed && k1.Value != k2.Value)
        {
            Fail(node, $"inner dimensions differ: {a} · {b} ({k1} vs {k2}).");
        }

        var batchA = new TensorType(et, aVec ? [] : a.Shape.Take(a.Shape.Count - 2).ToArray());
        var batchB = new TensorType(et, bVec ? [] : b.Shape.Take(b.Shape.Count - 2).ToArray());
        TensorType batch = Broadcast(node, batchA, batchB, checkTypes: false)!;
        var dims = batch.Shape!.ToList();
        if (!aVec)
        {
            dims.Add(a.Shape[^2]);
        }

        if (!bVec)
        {
            dims.Add(b.Shape[^1]);
        }

        return new TensorType(et, dims);
    }

    private static TensorType? Gemm(OnnxNode node, TensorType? a, TensorType? b)
    {
        if (a?.Shape is not { Count: 2 } sa || b?.Shape is not { Count: 2 } sb)
        {
            return a is null ? null : new TensorType(a.ElementType, null);
        }

        bool ta = node.IntAttribute("transA", 0) == 1;
        bool tb = node.IntAttribute("transB", 0) == 1;
        Dim m = ta ? sa[1] : sa[0];
        Dim k1 = ta ? sa[0] : sa[1];
        Dim k2 = tb ? sb[1] : sb[0];
        Dim n = tb ? sb[0] : sb[1];
        if (k1.IsFixed && k2.IsFixed && k1.Value != k2.Value)
        {
            Fail(node, $"inner dimensions differ: {a} · {b} with transA={ta}, transB={tb} ({k1} vs {k2}).");
        }

        return TensorType.Of(a.ElementType, m, n);
    }

    private static TensorType? Transpose(OnnxNode node, TensorType? x)
    {
        if (x?.Shape is null)
        {
            return x;
        }

        long[] perm = node.IntsAttribute("perm") ?? Enumerable.Range(0, x.Shape.Count).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != x.Shape.Count)
        {
            Fail(node, $"perm [{string.Join(",", perm)}] does not match rank {x.Shape.Count} of {x}.");
        }

        return new TensorType(x.ElementType, perm.Select(p => x.Shape[(int)p]).ToArray());
    }
}

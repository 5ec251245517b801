namespace Pipelines.Onnx;

/// <summary>Rules for ops whose output shape depends on shape-valued inputs or axes.</summary>
public static partial class ShapeInference
{
    private static void InferConstant(OnnxNode node, InferenceContext ctx)
    {
        if (node.Attribute("value") is { Kind: AttributeKind.Tensor, T: { } t })
        {
            ctx.Set(node.Outputs[0], t.Type);
            if (t.ElementType == TensorElementType.Int64 && t.Dims.Length <= 1)
            {
                ctx.Constants[node.Outputs[0]] = t.ToArray<long>();
            }
        }
        else if (node.Attribute("value_ints") is { } ints)
        {
            ctx.Set(node.Outputs[0], TensorType.Of(TensorElementType.Int64, (long)ints.Ints.Length));
            ctx.Constants[node.Outputs[0]] = ints.Ints;
        }
        else if (node.Attribute("value_int") is { } one)
        {
            ctx.Set(node.Outputs[0], TensorType.Of(TensorElementType.Int64));
            ctx.Constants[node.Outputs[0]] = [one.I];
        }
        else if (node.Attribute("value_float") is not null)
        {
            ctx.Set(node.Outputs[0], TensorType.Of(TensorElementType.Float));
        }
        else if (node.Attribute("value_floats") is { } floats)
        {
            ctx.Set(node.Outputs[0], TensorType.Of(TensorElementType.Float, (long)floats.Floats.Length));
        }
    }

    private static long[]? AxesOf(OnnxNode node, InferenceContext ctx, int inputIndex)
    {
        if (node.IntsAttribute("axes") is { } attr)
        {
            return attr;
        }

        return node.Inputs.Count > inputIndex && ctx.Constants.TryGetValue(node.Inputs[inputIndex], out long[]? axes) ? axes : null;
    }

    private static TensorType? Reshape(OnnxNode node, TensorType? x, InferenceContext ctx)
    {
        if (x is null)
        {
            return null;
        }

        if (!ctx.Constants.TryGetValue(node.Inputs[1], out long[]? target))
        {
            if (ctx.ShapeValues.TryGetValue(node.Inputs[1], out Dim[]? symbolic))
            {
                return ReshapeToSymbolic(node, x, symbolic);
            }

            TensorType? shapeType = ctx.TypeOf(node.Inputs[1]);
            return shapeType?.Shape is [{ Value: long rank }] ? new TensorType(x.ElementType, Enumerable.Repeat(Dim.Unknown, (int)rank).ToArray()) : x with { Shape = null };
        }

        var dims = new Dim[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == 0 && node.IntAttribute("allowzero", 0) == 0)
            {
                dims[i] = x.Shape is not null && i < x.Shape.Count ? x.Shape[i] : Dim.Unknown;
            }
            else if (target[i] == -1)
            {
                if (inferred >= 0)
                {
                    Fail(node, $"shape [{string.Join(",", target)}] has more than one -1.");
                }

                inferred = i;
            }
            else
            {
                dims[i] = target[i];
            }
        }

        if (inferred >= 0)
        {
            dims[inferred] = Dim.Unknown;
            if (x.IsFullyStatic && dims.Where((_, i) => i != inferred).All(d => d.IsFixed))
            {
                long total = x.StaticDims().Aggregate(1L, (p, d) => p * d);
                long known = dims.Where((_, i) => i != inferred).Aggregate(1L, (p, d) => p * d.Value!.Value);
                if (known == 0 || total % known != 0)
                {
                    Fail(node, $"cannot reshape {x} to [{string.Join(",", target)}].");
                }

                dims[inferred] = total / known;
            }
        }
        else if (x.IsFullyStatic && dims.All(d => d.IsFixed))
        {
            long total = x.StaticDims().Aggregate(1L, (p, d) => p * d);
            long wanted = dims.Aggregate(1L, (p, d) => p * d.Value!.Value);
            if (total != wanted)
            {
                Fail(node, $"cannot reshape {x} ({total} elements) to [{string.Join(",", target)}] ({wanted}).");
            }
        }

        return new TensorType(x.ElementType, dims);
    }

    private static TensorType? SqueezeOrUnsqueeze(OnnxNode node, TensorType? x, InferenceContext ctx, bool unsqueeze)
    {
        if (x?.Shape is null)
        {
            return x;
        }

        long[]? axes = AxesOf(node, ctx, 1);
        if (axes is null)
        {
            return unsqueeze ? x with { Shape = null } : new TensorType(x.ElementType, x.Shape.Where(d => !d.IsFixed || d.Value != 1).ToArray());
        }

        if (unsqueeze)
        {
            int rank = x.Shape.Count + axes.Length;
            var set = axes.Select(a => Normalize(a, rank)).ToHashSet();
            var dims = new List<Dim>();
            int src = 0;
            for (int i = 0; i < rank; i++)
            {
                dims.Add(set.Contains(i) ? 1L : x.Shape[src++]);
            }

            return new TensorType(x.ElementType, dims);
        }

        var drop = axes.Select(a => Normalize(a, x.Shape.Count)).ToHashSet();
        foreach (long a in drop)
        {
            if (a < 0 || a >= x.Shape.Count || (x.Shape[(int)a].IsFixed && x.Shape[(int)a].Value != 1))
            {
                Fail(node, $"cannot squeeze axis {a} of {x}.");
            }
        }

        return new TensorType(x.ElementType, x.Shape.Where((_, i) => !drop.Contains(i)).ToArray());
    }

    private static TensorType? Reduce(OnnxNode node, TensorType? x, InferenceContext ctx)
    {
        if (x?.Shape is null)
        {
            return x;
        }

        bool keep = node.IntAttribute("keepdims", 1) == 1;
        long[]? axes = AxesOf(node, ctx, 1);
        if (axes is null && node.Inputs.Count > 1 && node.Inputs[1].Length > 0)
        {
            return x with { Shape = null };
        }

        if (axes is null || axes.Length == 0)
        {
            if (node.IntAttribute("noop_with_empty_axes", 0) == 1)
            {
                return x;
            }

            axes = Enumerable.Range(0, x.Shape.Count).Select(i => (long)i).ToArray();
        }

        var set = axes.Select(a => Normalize(a, x.Shape.Count)).ToHashSet();
        if (set.Any(a => a < 0 || a >= x.Shape.Count))
        {
            Fail(node, $"axes [{string.Join(",", axes)}] out of range for {x}.");
        }

        var dims = new List<Dim>();
        for (int i = 0; i < x.Shape.Count; i++)
        {
            if (!set.Contains(i))
            {
                dims.Add(x.Shape[i]);
            }
            else if (keep)
            {
                dims.Add(1L);
            }
        }

        return new TensorType(x.ElementType, dims);
    }

    private static TensorType? Concat(OnnxNode node, IReadOnlyList<TensorType?> ins)
    {
        if (ins.Any(t => t?.Shape is null))
        {
            TensorType? any = ins.FirstOrDefault(t => t is not null);
            return any is null ? null : any with { Shape = null };
        }

        int rank = ins[0]!.Shape!.Count;
        if (ins.Any(t => t!.Shape!.Count != rank))
        {
            Fail(node, $"inputs have different ranks: {string.Join(", ", ins)}.");
        }

        long axis = Normalize(node.IntAttribute("axis", 0), rank);
        var dims = ins[0]!.Shape!.ToArray();
        bool fixedSum = ins.All(t => t!.Shape![(int)axis].IsFixed);
        dims[axis] = fixedSum ? ins.Sum(t => t!.Shape![(int)axis].Value!.Value) : Dim.Unknown;
        for (int i = 0; i < rank; i++)
        {
            if (i == axis)
            {
                continue;
            }

            foreach (TensorType? t in ins)
            {
                Dim d = t!.Shape![i];
                if (d.IsFixed && dims[i].IsFixed && d.Value != dims[i].Value)
                {
                    Fail(node, $"inputs disagree on dim {i}: {string.Join(", ", ins)}.");
                }
            }
        }

        return new TensorType(ins[0]!.ElementType, dims);
    }

    private static TensorType? Gather(OnnxNode node, TensorType? data, TensorType? indices)
    {
        if (data?.Shape is null || indices?.Shape is null)
        {
            return data is null ? null : data with { Shape = null };
        }

        long axis = Normalize(node.IntAttribute("axis", 0), data.Shape.Count);
        var dims = new List<Dim>();
        dims.AddRange(data.Shape.Take((int)axis));
        dims.AddRange(indices.Shape);
        dims.AddRange(data.Shape.Skip((int)axis + 1));
        return new TensorType(data.ElementType, dims);
    }

    private static void InferShapeDependent(OnnxNode node, IReadOnlyList<TensorType?> ins, InferenceContext ctx)
    {
        switch (node.OpType)
        {
            case "ConstantOfShape":
                TensorElementType et = node.Attribute("value")?.T?.ElementType ?? TensorElementType.Float;
                ctx.Set(node.Outputs[0], ctx.Constants.TryGetValue(node.Inputs[0], out long[]? shape)
                    ? new TensorType(et, shape.Select(d => (Dim)d).ToArray())
                    : ins[0]?.Shape is [{ Value: long rank }] // a shape of known length: the rank is known, the sizes are not
                        ? new TensorType(et, Enumerable.Repeat(Dim.Unknown, (int)rank).ToArray())
                        : new TensorType(et, null));
                break;
            case "Slice":
            case "Tile":
                ctx.Set(node.Outputs[0], ins[0]?.Shape is { } s ? new TensorType(ins[0]!.ElementType, s.Select(_ => Dim.Unknown).ToArray()) : ins[0]);
                break;
            case "Expand":
                TensorType? target = ctx.Constants.TryGetValue(node.Inputs[1], out long[]? e)
                    ? new TensorType(ins[0]?.ElementType ?? TensorElementType.Undefined, e.Select(d => (Dim)d).ToArray())
                    : null;
                ctx.Set(node.Outputs[0], target is null ? (ins[0] is { } src ? src with { Shape = null } : null) : Broadcast(node, ins[0], target, checkTypes: false));
                break;
            case "Range":
                ctx.Set(node.Outputs[0], ins[0] is { } r ? TensorType.Of(r.ElementType, Dim.Unknown) : null);
                break;
            case "Split":
                InferSplit(node, ins[0], ctx);
                break;
            default:
                break;
        }
    }

    // Split: known split sizes (input 1, or the opset < 13 attribute) or an even split of a fixed dim; otherwise only
    // the split axis becomes unknown.
    private static void InferSplit(OnnxNode node, TensorType? x, InferenceContext ctx)
    {
        if (x?.Shape is null)
        {
            foreach (string o in node.Outputs)
            {
                ctx.Set(o, x);
            }

            return;
        }

        int axis = (int)Normalize(node.IntAttribute("axis", 0), x.Shape.Count);
        if (axis < 0 || axis >= x.Shape.Count)
        {
            Fail(node, $"axis {node.IntAttribute("axis", 0)} is out of range for {x}.");
        }

        long[]? sizes = node.IntsAttribute("split")
            ?? (node.Inputs.Count > 1 && ctx.Constants.TryGetValue(node.Inputs[1], out long[]? given) ? given : null);
        Dim whole = x.Shape[axis];
        if (sizes is null && whole.IsFixed && whole.Value % node.Outputs.Count == 0)
        {
            sizes = Enumerable.Repeat(whole.Value!.Value / node.Outputs.Count, node.Outputs.Count).ToArray();
        }

        if (sizes is not null && (sizes.Length != node.Outputs.Count || (whole.IsFixed && sizes.Sum() != whole.Value)))
        {
            Fail(node, $"split sizes [{string.Join(",", sizes)}] do not divide dim {axis} of {x} into {node.Outputs.Count} outputs.");
        }

        for (int k = 0; k < node.Outputs.Count; k++)
        {
            Dim[] dims = x.Shape.ToArray();
            dims[axis] = sizes is null ? Dim.Unknown : sizes[k];
            ctx.Set(node.Outputs[k], new TensorType(x.ElementType, dims));
        }
    }

    // Flatten: [prod(dims[..axis]), prod(dims[axis..])], symbolic where any factor is not fixed.
    private static TensorType? Flatten(OnnxNode node, TensorType? x)
    {
        if (x?.Shape is null)
        {
            return x;
        }

        int axis = (int)Normalize(node.IntAttribute("axis", 1), x.Shape.Count);
        if (axis < 0 || axis > x.Shape.Count)
        {
            Fail(node, $"axis {node.IntAttribute("axis", 1)} is out of range for {x}.");
        }

        static Dim Product(IEnumerable<Dim> dims) =>
            dims.All(d => d.IsFixed) ? dims.Aggregate(1L, (p, d) => p * d.Value!.Value) : Dim.Unknown;

        return TensorType.Of(x.ElementType, Product(x.Shape.Take(axis)), Product(x.Shape.Skip(axis)));
    }
}

namespace Pipelines.Onnx;

/// <summary>
/// Values of shape tensors as dims: <c>Shape(x)</c> gives x's dims, symbolic ones included, and Gather, Slice, Concat,
/// (Un)Squeeze, Cast and integer arithmetic carry them, so that a <c>Reshape(x, Concat(Gather(Shape(x), 0), 12, 32))</c>
/// keeps x's symbolic batch dim instead of an unknown one. A value whose dims are all fixed is also a constant.
/// </summary>
public static partial class ShapeInference
{
    private static void PropagateShapeValue(OnnxNode node, InferenceContext ctx)
    {
        // only int64 values of rank 0 or 1 hold shapes (an Unsqueeze to [n, 1] does not)
        if (node.Domain.Length > 0 || node.Outputs.Count == 0 || node.Outputs[0].Length == 0
            || ctx.TypeOf(node.Outputs[0]) is not { ElementType: TensorElementType.Int64, Shape: { Count: <= 1 } })
        {
            return;
        }

        Dim[]? value = node.OpType switch
        {
            "Shape" => ShapeOfShape(node, ctx),
            "Gather" when node.IntAttribute("axis", 0) == 0 && ValueOf(node.Inputs[0], ctx) is { } data && ctx.Constants.TryGetValue(node.Inputs[1], out long[]? idx)
                => idx.All(i => i >= -data.Length && i < data.Length) ? [.. idx.Select(i => data[i < 0 ? i + data.Length : i])] : null,
            "Unsqueeze" or "Squeeze" or "Identity" => ValueOf(node.Inputs[0], ctx),
            "Cast" when node.IntAttribute("to", 0) == (long)TensorElementType.Int64 => ValueOf(node.Inputs[0], ctx),
            "Concat" when node.Inputs.Select(i => ValueOf(i, ctx)).ToList() is { } parts && parts.All(p => p is not null) => [.. parts.SelectMany(p => p!)],
            "Slice" => SliceOfShape(node, ctx),
            "Mul" or "Add" or "Sub" or "Div" => ArithmeticOfShape(node, ctx),
            _ => null,
        };
        if (value is null)
        {
            return;
        }

        ctx.ShapeValues[node.Outputs[0]] = value;
        if (value.All(d => d.IsFixed) && !ctx.Constants.ContainsKey(node.Outputs[0]))
        {
            ctx.Constants[node.Outputs[0]] = [.. value.Select(d => d.Value!.Value)];
        }
    }

    // the dims an int64 value of rank ≤ 1 holds, when known (constants included)
    private static Dim[]? ValueOf(string name, InferenceContext ctx) =>
        ctx.Constants.TryGetValue(name, out long[]? c) ? [.. c.Select(v => (Dim)v)]
        : ctx.ShapeValues.TryGetValue(name, out Dim[]? d) ? d
        : null;

    private static Dim[]? ShapeOfShape(OnnxNode node, InferenceContext ctx)
    {
        if (ctx.TypeOf(node.Inputs[0])?.Shape is not { } shape)
        {
            return null;
        }

        int rank = shape.Count;
        int start = (int)Math.Clamp(Normalize(node.IntAttribute("start", 0), rank), 0, rank);
        long endAttr = node.IntAttribute("end", rank);
        int end = (int)Math.Clamp(endAttr < 0 ? endAttr + rank : endAttr, 0, rank);
        return end <= start ? [] : [.. shape.Skip(start).Take(end - start)];
    }

    // Slice of a 1-D shape value with constant starts/ends (axis 0, step 1)
    private static Dim[]? SliceOfShape(OnnxNode node, InferenceContext ctx)
    {
        if (ValueOf(node.Inputs[0], ctx) is not { } data || node.Inputs.Count < 3
            || !ctx.Constants.TryGetValue(node.Inputs[1], out long[]? starts) || !ctx.Constants.TryGetValue(node.Inputs[2], out long[]? ends)
            || starts.Length != 1 || ends.Length != 1
            || (node.Inputs.Count > 3 && node.Inputs[3].Length > 0 && (!ctx.Constants.TryGetValue(node.Inputs[3], out long[]? axes) || axes is not ([0] or [-1])))
            || (node.Inputs.Count > 4 && node.Inputs[4].Length > 0 && (!ctx.Constants.TryGetValue(node.Inputs[4], out long[]? steps) || steps is not [1])))
        {
            return null;
        }

        long n = data.Length;
        long s = Math.Clamp(starts[0] < 0 ? starts[0] + n : starts[0], 0, n);
        long e = Math.Clamp(ends[0] < 0 ? ends[0] + n : ends[0], 0, n);
        return e <= s ? [] : data[(int)s..(int)e];
    }

    // elementwise integer arithmetic of shape values: fixed results where both sides are fixed, x·1 and x/1 keep x
    private static Dim[]? ArithmeticOfShape(OnnxNode node, InferenceContext ctx)
    {
        if (node.Inputs.Count != 2 || ctx.TypeOf(node.Inputs[0])?.ElementType != TensorElementType.Int64
            || ValueOf(node.Inputs[0], ctx) is not { } a || ValueOf(node.Inputs[1], ctx) is not { } b
            || (a.Length != b.Length && a.Length != 1 && b.Length != 1))
        {
            return null;
        }

        int length = Math.Max(a.Length, b.Length);
        var result = new Dim[length];
        for (int i = 0; i < length; i++)
        {
            Dim x = a[a.Length == 1 ? 0 : i];
            Dim y = b[b.Length == 1 ? 0 : i];
            result[i] = x.IsFixed && y.IsFixed
                ? node.OpType switch
                {
                    "Mul" => x.Value!.Value * y.Value!.Value,
                    "Add" => x.Value!.Value + y.Value!.Value,
                    "Sub" => x.Value!.Value - y.Value!.Value,
                    _ => y.Value!.Value != 0 && x.Value!.Value % y.Value!.Value == 0 ? x.Value!.Value / y.Value!.Value : Dim.Unknown,
                }
                : node.OpType is "Mul" or "Div" && y.IsFixed && y.Value == 1 ? x
                : node.OpType == "Mul" && x.IsFixed && x.Value == 1 ? y
                : Dim.Unknown;
        }

        return result;
    }

    // Reshape to a shape value holding symbolic dims: 0 copies x's dim, -1 is what remains of x once the other dims are
    // taken out (fixed sizes divided, equal symbols cancelled), when that is one fixed size or one symbol
    private static TensorType ReshapeToSymbolic(OnnxNode node, TensorType x, Dim[] target)
    {
        var dims = new Dim[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            Dim t = target[i];
            if (t.IsFixed && t.Value == 0 && node.IntAttribute("allowzero", 0) == 0)
            {
                dims[i] = x.Shape is not null && i < x.Shape.Count ? x.Shape[i] : Dim.Unknown;
            }
            else if (t.IsFixed && t.Value == -1)
            {
                inferred = i;
            }
            else
            {
                dims[i] = t;
            }
        }

        if (inferred >= 0 && x.Shape is { } shape && shape.All(d => d.IsFixed || d.Param is not null)
            && dims.Where((_, i) => i != inferred).All(d => d.IsFixed || d.Param is not null))
        {
            var symbols = shape.Where(d => d.Param is not null).Select(d => d.Param!).ToList();
            long fixedLeft = shape.Where(d => d.IsFixed).Aggregate(1L, (p, d) => p * d.Value!.Value);
            bool ok = true;
            foreach (Dim d in dims.Where((_, i) => i != inferred))
            {
                if (d.Param is not null)
                {
                    ok &= symbols.Remove(d.Param);
                }
                else if (d.Value is long v && v != 0 && fixedLeft % v == 0)
                {
                    fixedLeft /= v;
                }
                else
                {
                    ok = false;
                }
            }

            dims[inferred] = !ok ? Dim.Unknown
                : symbols.Count == 0 ? fixedLeft
                : symbols.Count == 1 && fixedLeft == 1 ? Dim.FromString(symbols[0])
                : Dim.Unknown;
        }

        return new TensorType(x.ElementType, dims);
    }
}

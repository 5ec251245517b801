namespace Pipelines.Onnx.Autodiff;

/// <summary>Ops that move or regroup elements without arithmetic.</summary>
internal static class ShapeRules
{
    public static void Register(Dictionary<string, GradientRule> rules)
    {
        rules["Reshape"] = BackToInputShape;
        rules["Squeeze"] = BackToInputShape;
        rules["Unsqueeze"] = BackToInputShape;
        rules["Flatten"] = BackToInputShape;
        rules["Transpose"] = Transpose;
        rules["Expand"] = s => s.SetBroadcastGrad(0, s.Grad);
        rules["Concat"] = Concat;
        rules["Split"] = Split;
        rules["Slice"] = Slice;
    }

    // dx = reshape(g, shape(x))
    private static void BackToInputShape(BackwardStep s) => s.SetGrad(0, s.Emit.ReshapeLike(s.Grad, s.Input(0)));

    // y = transpose(x, perm): dx = transpose(g, perm⁻¹)
    private static void Transpose(BackwardStep s)
    {
        long[]? perm = s.Node.IntsAttribute("perm");
        if (perm is null)
        {
            s.SetGrad(0, s.Emit.Op("Transpose", s.Grad));
            return;
        }

        long[] inverse = new long[perm.Length];
        for (int i = 0; i < perm.Length; i++)
        {
            inverse[perm[i]] = i;
        }

        s.SetGrad(0, s.Emit.Op("Transpose", [s.Grad], OnnxAttribute.IntList("perm", inverse)));
    }

    // y = concat(x₀, x₁, …; axis): dxᵢ = the i-th piece of split(g; sizes along axis)
    private static void Concat(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        int rank = e.RankOf(s.Output(0), s.Node);
        long axis = s.Node.IntAttribute("axis", 0);
        axis = axis < 0 ? axis + rank : axis;
        var sizes = new string[s.Node.Inputs.Count];
        for (int i = 0; i < sizes.Length; i++)
        {
            IReadOnlyList<Dim>? shape = e.ShapeOf(s.Input(i));
            sizes[i] = shape is not null && shape[(int)axis].IsFixed
                ? e.Int64s(shape[(int)axis].Value!.Value)
                : e.Op("Slice", e.Shape(s.Input(i)), e.Int64s(axis), e.Int64s(axis + 1));
        }

        string split = e.Op("Concat", sizes, OnnxAttribute.Int("axis", 0));
        string[] pieces = e.Ops("Split", [s.Grad, split], sizes.Length, OnnxAttribute.Int("axis", axis));
        for (int i = 0; i < pieces.Length; i++)
        {
            s.SetGrad(i, pieces[i]);
        }
    }

    // (y₀, y₁, …) = split(x; axis): dx = concat(g₀ or 0, g₁ or 0, …; axis)
    private static void Split(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        var parts = new string[s.Node.Outputs.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = s.OutputGrad(i) ?? e.ZerosOfShape(e.Shape(s.Output(i)), s.ElementType);
        }

        s.SetGrad(0, e.Op("Concat", parts, OnnxAttribute.Int("axis", s.Node.IntAttribute("axis", 0))));
    }

    // y = slice(x, …): scatter g into zeros at the flat positions the same slice selects from an index grid
    private static void Slice(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        string x = s.Input(0);
        string shape = e.Shape(x);
        string size = e.Op("Size", x);
        string grid = e.Reshape(e.Op("Range", e.Int64Scalar(0), size, e.Int64Scalar(1)), shape);
        var sliceInputs = s.Node.Inputs.ToArray();
        sliceInputs[0] = grid;
        string picked = e.Op("Slice", sliceInputs);
        string flatIdx = e.Reshape(picked, e.Int64s(-1));
        string flatG = e.Reshape(s.Grad, e.Int64s(-1));
        string zeros = e.ZerosOfShape(e.Unsqueeze(size, 0), s.ElementType);
        string scattered = e.Op("ScatterElements", [zeros, flatIdx, flatG], OnnxAttribute.Int("axis", 0));
        s.SetGrad(0, e.Reshape(scattered, shape));
    }
}

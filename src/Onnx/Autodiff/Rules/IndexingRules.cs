namespace Pipelines.Onnx.Autodiff;

/// <summary>Gather (embedding lookup), GatherElements, ScatterElements and ScatterND (message passing).</summary>
internal static class IndexingRules
{
    public static void Register(Dictionary<string, GradientRule> rules)
    {
        rules["Gather"] = Gather;
        rules["GatherElements"] = GatherElements;
        rules["ScatterElements"] = ScatterElements;
        rules["ScatterND"] = ScatterNd;
    }

    // y = gather(data, idx; axis): d data = scatter-add of g into zeros at idx (rows moved to the front when axis ≠ 0)
    private static void Gather(BackwardStep s)
    {
        if (!s.Needs(0))
        {
            return;
        }

        GradientEmitter e = s.Emit;
        string data = s.Input(0);
        string idx = s.Input(1);
        int r = e.RankOf(data, s.Node);
        int q = e.RankOf(idx, s.Node);
        long axis = s.Node.IntAttribute("axis", 0);
        axis = axis < 0 ? axis + r : axis;
        string shape = e.Shape(data);

        // negative indices count from the end of the axis
        string dim = e.Op("Gather", [shape, e.Int64Scalar(axis)]);
        string idx64 = e.TypeOf(idx)?.ElementType == TensorElementType.Int64 ? idx : e.Op("Cast", [idx], OnnxAttribute.Int("to", (long)TensorElementType.Int64));
        string positive = e.Op("Where", e.Op("Less", idx64, e.Int64Scalar(0)), e.Op("Add", idx64, dim), idx64);
        string rows = e.Op("Reshape", positive, e.Int64s(-1, 1)); // (K,1), K = |idx|
        // d data (axis first) = Σ over k of g[k] into row idx[k]: g as (K, R) rows, data as (N, R), R = Π of the other axes.
        string ScatterRows(string targetShape, string g)
        {
            string target = e.Op("Flatten", [e.ZerosOfShape(targetShape, s.ElementType)], OnnxAttribute.Int("axis", 1));
            string updates = e.Op("Flatten", [g], OnnxAttribute.Int("axis", q));
            return e.Op("Reshape", e.Builder.ScatterAddRows(target, rows, updates), targetShape);
        }

        if (axis == 0)
        {
            s.SetGrad(0, ScatterRows(shape, s.Grad));
            return;
        }

        // g: data[:axis] + idx.shape + data[axis+1:] → idx.shape + data[:axis] + data[axis+1:]
        var permG = new List<long>();
        for (long i = axis; i < axis + q; i++)
        {
            permG.Add(i);
        }

        for (long i = 0; i < axis; i++)
        {
            permG.Add(i);
        }

        for (long i = axis + q; i < r + q - 1; i++)
        {
            permG.Add(i);
        }

        long[] dataPerm = [axis, .. Enumerable.Range(0, (int)axis).Select(i => (long)i), .. Enumerable.Range((int)axis + 1, r - (int)axis - 1).Select(i => (long)i)];
        long[] inverse = new long[r];
        for (int i = 0; i < r; i++)
        {
            inverse[dataPerm[i]] = i;
        }

        string gT = e.Op("Transpose", [s.Grad], OnnxAttribute.IntList("perm", [.. permG]));
        string scattered = ScatterRows(e.Op("Gather", [shape, e.Int64s(dataPerm)]), gT);
        s.SetGrad(0, e.Op("Transpose", [scattered], OnnxAttribute.IntList("perm", inverse)));
    }

    // y = gather_elements(data, idx; axis): d data = scatter_elements_add(zeros, idx, g; axis)
    private static void GatherElements(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        string zeros = e.ZerosOfShape(e.Shape(s.Input(0)), s.ElementType);
        s.SetGrad(0, e.Op("ScatterElements", [zeros, s.Input(1), s.Grad], s.Node.Attribute("axis") ?? OnnxAttribute.Int("axis", 0), OnnxAttribute.String("reduction", "add")));
    }

    // y = scatter_elements(data, idx, u; axis, reduction):
    //   none: d data = g with the scattered positions zeroed, d u = gather_elements(g, idx)
    //   add:  d data = g,                                      d u = gather_elements(g, idx)
    private static void ScatterElements(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        OnnxAttribute axis = s.Node.Attribute("axis") ?? OnnxAttribute.Int("axis", 0);
        string reduction = Reduction(s);
        if (s.Needs(0))
        {
            s.SetGrad(0, reduction == "add"
                ? s.Grad
                : e.Op("ScatterElements", [s.Grad, s.Input(1), e.ZerosOfShape(e.Shape(s.Input(2)), s.ElementType)], axis));
        }

        if (s.Needs(2))
        {
            s.SetGrad(2, e.Op("GatherElements", [s.Grad, s.Input(1)], axis));
        }
    }

    // y = scatter_nd(data, idx, u; reduction): as ScatterElements with GatherND
    private static void ScatterNd(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        string reduction = Reduction(s);
        if (s.Needs(0))
        {
            s.SetGrad(0, reduction == "add"
                ? s.Grad
                : e.Op("ScatterND", s.Grad, s.Input(1), e.ZerosOfShape(e.Shape(s.Input(2)), s.ElementType)));
        }

        if (s.Needs(2))
        {
            s.SetGrad(2, e.Op("GatherND", s.Grad, s.Input(1)));
        }
    }

    private static string Reduction(BackwardStep s)
    {
        string reduction = s.Node.Attribute("reduction")?.StringValue ?? "none";
        return reduction is "none" or "add"
            ? reduction
            : throw s.Unsupported($"reduction='{reduction}' has no gradient rule (only 'none' and 'add').");
    }
}

namespace Pipelines.Onnx.Autodiff;

/// <summary>MatMul (any rank, numpy batching and broadcasting) and Gemm.</summary>
internal static class MatMulRules
{
    public static void Register(Dictionary<string, GradientRule> rules)
    {
        rules["MatMul"] = MatMul;
        rules["Gemm"] = Gemm;
    }

    // Y = A·B with A [..., m, k], B [..., k, n]: dA = sum_to_A(G·Bᵀ), dB = sum_to_B(Aᵀ·G).
    // Rank-1 operands are promoted (A: [k] → [1, k], B: [k] → [k, 1]) as numpy does, and G with them.
    private static void MatMul(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        string a = s.Input(0);
        string b = s.Input(1);
        int ra = e.RankOf(a, s.Node);
        int rb = e.RankOf(b, s.Node);
        string g = s.Grad;
        if (ra == 1 && rb == 1)
        {
            s.SetGrad(0, e.Op("Mul", g, b));
            s.SetGrad(1, e.Op("Mul", g, a));
            return;
        }

        IReadOnlyList<Dim>? gShape = e.ShapeOf(s.Output(0));
        string a2 = ra == 1 ? e.Unsqueeze(a, 0) : a;
        string b2 = rb == 1 ? e.Unsqueeze(b, 1) : b;
        string g2 = ra == 1 ? e.Unsqueeze(g, -2) : rb == 1 ? e.Unsqueeze(g, -1) : g;
        List<Dim>? g2Shape = gShape?.ToList();
        if (g2Shape is not null && (ra == 1 || rb == 1))
        {
            g2Shape.Insert(ra == 1 ? g2Shape.Count - 1 : g2Shape.Count, 1L);
        }

        int ra2 = Math.Max(ra, 2);
        int rb2 = Math.Max(rb, 2);
        int rg = Math.Max(ra2, rb2);
        IReadOnlyList<Dim>? aShape = e.ShapeOf(a);
        IReadOnlyList<Dim>? bShape = e.ShapeOf(b);

        if (s.Needs(0))
        {
            // G [..., m, n] · Bᵀ [..., n, k] → [..., m, k]
            string da = e.Op("MatMul", g2, e.TransposeLast2(b2, rb2));
            IReadOnlyList<Dim>? daShape = g2Shape is null || aShape is null ? null : [.. g2Shape.Take(rg - 1), aShape[^1]];
            string reduced = ra == 1 ? e.ReshapeLike(e.SumTo(da, daShape, PromotedA(e, a)), a) : e.SumTo(da, daShape, a);
            s.SetGrad(0, reduced);
        }

        if (s.Needs(1))
        {
            string db;
            if (rb == 2 && ra >= 3)
            {
                // one GEMM over the flattened batch: dB = A₂ᵀ·G₂ with A₂ [B·m, k], G₂ [B·m, n]
                string af = e.Reshape(a, FlattenShape(e, a));
                string gf = e.Reshape(g2, FlattenShape(e, g2, s.Output(0)));
                db = e.Op("Gemm", [af, gf], OnnxAttribute.Int("transA", 1));
            }
            else
            {
                // Aᵀ [..., k, m] · G [..., m, n] → [..., k, n]
                string dbFull = e.Op("MatMul", e.TransposeLast2(a2, ra2), g2);
                IReadOnlyList<Dim>? dbShape = g2Shape is null || bShape is null ? null : [.. g2Shape.Take(rg - 2), rb == 1 ? bShape[0] : bShape[^2], g2Shape[^1]];
                db = rb == 1 ? e.ReshapeLike(e.SumTo(dbFull, dbShape, PromotedB(e, b)), b) : e.SumTo(dbFull, dbShape, b);
            }

            s.SetGrad(1, db);
        }
    }

    // The promoted operand as a shaped value for SumTo: a rank-1 A [k] behaves as [1, k], a rank-1 B [k] as [k, 1].
    private static string PromotedA(GradientEmitter e, string a)
    {
        string proxy = e.Unsqueeze(a, 0);
        if (e.ShapeOf(a) is { } s)
        {
            e.SetType(proxy, new TensorType(e.TypeOf(a)!.ElementType, [1L, s[0]]));
        }

        return proxy;
    }

    private static string PromotedB(GradientEmitter e, string b)
    {
        string proxy = e.Unsqueeze(b, 1);
        if (e.ShapeOf(b) is { } s)
        {
            e.SetType(proxy, new TensorType(e.TypeOf(b)!.ElementType, [s[0], 1L]));
        }

        return proxy;
    }

    // [-1, last] for a tensor whose last dim is static, else computed from Shape.
    private static string FlattenShape(GradientEmitter e, string x, string? shapeSource = null)
    {
        IReadOnlyList<Dim>? shape = e.ShapeOf(shapeSource ?? x);
        if (shape is { Count: > 0 } && shape[^1].IsFixed)
        {
            return e.Int64s(-1, shape[^1].Value!.Value);
        }

        string last = e.Op("Slice", e.Shape(x), e.Int64s(-1), e.Int64s(long.MaxValue));
        return e.Op("Concat", [e.Int64s(-1), last], OnnxAttribute.Int("axis", 0));
    }

    // Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A, B' = transB ? Bᵀ : B.
    private static void Gemm(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        float alpha = s.Node.FloatAttribute("alpha", 1f);
        float beta = s.Node.FloatAttribute("beta", 1f);
        bool transA = s.Node.IntAttribute("transA", 0) != 0;
        bool transB = s.Node.IntAttribute("transB", 0) != 0;
        string g = s.Grad;
        string a = s.Input(0);
        string b = s.Input(1);
        OnnxAttribute alphaAttr = OnnxAttribute.Float("alpha", alpha);
        if (s.Needs(0))
        {
            // dA' = α·G·B'ᵀ; dA = transA ? α·B'·Gᵀ : α·G·B'ᵀ
            string da = transA
                ? e.Op("Gemm", [b, g], alphaAttr, OnnxAttribute.Int("transA", transB ? 1 : 0), OnnxAttribute.Int("transB", 1))
                : e.Op("Gemm", [g, b], alphaAttr, OnnxAttribute.Int("transB", transB ? 0 : 1));
            s.SetGrad(0, da);
        }

        if (s.Needs(1))
        {
            // dB' = α·A'ᵀ·G; dB = transB ? α·Gᵀ·A' : α·A'ᵀ·G
            string db = transB
                ? e.Op("Gemm", [g, a], alphaAttr, OnnxAttribute.Int("transA", 1), OnnxAttribute.Int("transB", transA ? 1 : 0))
                : e.Op("Gemm", [a, g], alphaAttr, OnnxAttribute.Int("transA", transA ? 0 : 1));
            s.SetGrad(1, db);
        }

        if (s.HasInput(2) && s.Needs(2))
        {
            string dc = beta == 1f ? g : e.Op("Mul", g, s.Scalar(beta));
            s.SetBroadcastGrad(2, dc);
        }
    }
}

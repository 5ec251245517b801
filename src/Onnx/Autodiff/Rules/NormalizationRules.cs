namespace Pipelines.Onnx.Autodiff;

/// <summary>Softmax, LogSoftmax and LayerNormalization.</summary>
internal static class NormalizationRules
{
    public static void Register(Dictionary<string, GradientRule> rules)
    {
        rules["Softmax"] = Softmax;
        rules["LogSoftmax"] = LogSoftmax;
        rules["LayerNormalization"] = LayerNormalization;
    }

    private static long Axis(BackwardStep s)
    {
        if (s.Emit.Opset < 13)
        {
            throw s.Unsupported("Softmax before opset 13 flattens to 2-D; only opset 13+ semantics are supported.");
        }

        return s.Node.IntAttribute("axis", -1);
    }

    // y = softmax(x): dx = y ⊙ (g − Σ_axis g ⊙ y)
    private static void Softmax(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        string y = s.Output(0);
        string dot = e.ReduceSum(e.Op("Mul", s.Grad, y), [Axis(s)], keepDims: true);
        s.SetGrad(0, e.Op("Mul", y, e.Op("Sub", s.Grad, dot)));
    }

    // y = log_softmax(x): dx = g − exp(y) ⊙ Σ_axis g
    private static void LogSoftmax(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        string sum = e.ReduceSum(s.Grad, [Axis(s)], keepDims: true);
        s.SetGrad(0, e.Op("Sub", s.Grad, e.Op("Mul", e.Op("Exp", s.Output(0)), sum)));
    }

    // y = x̂ ⊙ γ + β with x̂ = (x − μ)·r, r = 1/√(σ² + ε) over axes [axis, rank):
    //   dγ = Σ g ⊙ x̂, dβ = Σ g, dx = r ⊙ (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)), ĝ = g ⊙ γ
    private static void LayerNormalization(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        if (s.OutputGrad(1) is not null || s.OutputGrad(2) is not null)
        {
            throw s.Unsupported("gradients through the Mean / InvStdDev outputs are not supported.");
        }

        string x = s.Input(0);
        int rank = e.RankOf(x, s.Node);
        long axis = s.Node.IntAttribute("axis", -1);
        axis = axis < 0 ? axis + rank : axis;
        long[] axes = Enumerable.Range((int)axis, rank - (int)axis).Select(i => (long)i).ToArray();
        double epsilon = s.Node.FloatAttribute("epsilon", 1e-5f);

        string mu = e.ReduceMean(x, axes, keepDims: true);
        string xc = e.Op("Sub", x, mu);
        string variance = e.ReduceMean(e.Op("Mul", xc, xc), axes, keepDims: true);
        string r = e.Op("Reciprocal", e.Op("Sqrt", e.Op("Add", variance, s.Scalar(epsilon))));
        string xhat = e.Op("Mul", xc, r);
        string g = s.Grad;
        if (s.Needs(0))
        {
            string gh = e.Op("Mul", g, s.Input(1));
            string meanG = e.ReduceMean(gh, axes, keepDims: true);
            string meanGx = e.ReduceMean(e.Op("Mul", gh, xhat), axes, keepDims: true);
            string dx = e.Op("Mul", r, e.Op("Sub", e.Op("Sub", gh, meanG), e.Op("Mul", xhat, meanGx)));
            s.SetGrad(0, dx);
        }

        if (s.Needs(1))
        {
            s.SetBroadcastGrad(1, e.Op("Mul", g, xhat));
        }

        if (s.HasInput(2) && s.Needs(2))
        {
            s.SetBroadcastGrad(2, g);
        }
    }
}

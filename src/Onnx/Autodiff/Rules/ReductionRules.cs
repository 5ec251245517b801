namespace Pipelines.Onnx.Autodiff;

/// <summary>ReduceSum and ReduceMean: the gradient is broadcast back over the reduced axes.</summary>
internal static class ReductionRules
{
    public static void Register(Dictionary<string, GradientRule> rules)
    {
        rules["ReduceSum"] = s => Reduce(s, mean: false, axesAsInput: s.Emit.Opset >= 13);
        rules["ReduceMean"] = s => Reduce(s, mean: true, axesAsInput: s.Emit.Opset >= 18);
    }

    // y = Σ_axes x (or mean): dx = expand(unsqueeze(g, axes), shape(x)) (· |y| / |x| for the mean)
    private static void Reduce(BackwardStep s, bool mean, bool axesAsInput)
    {
        GradientEmitter e = s.Emit;
        string x = s.Input(0);
        bool keepDims = s.Node.IntAttribute("keepdims", 1) != 0;
        string? axes = null;
        if (axesAsInput)
        {
            if (s.HasInput(1))
            {
                axes = s.Input(1);
            }
            else if (s.Node.IntAttribute("noop_with_empty_axes", 0) != 0)
            {
                s.SetGrad(0, s.Grad);
                return;
            }
        }
        else if (s.Node.IntsAttribute("axes") is { Length: > 0 } attrAxes)
        {
            axes = e.Int64s(attrAxes);
        }

        string g = s.Grad;
        if (!keepDims && axes is not null)
        {
            g = e.Op("Unsqueeze", g, axes);
        }

        string dx = e.Op("Expand", g, e.Shape(x));
        if (mean)
        {
            dx = e.Op("Mul", dx, MeanScale(s, x, s.Output(0)));
        }

        s.SetGrad(0, dx);
    }

    // |y| / |x| as a scalar of the gradient's type: a constant when both sizes are static.
    private static string MeanScale(BackwardStep s, string x, string y)
    {
        GradientEmitter e = s.Emit;
        TensorType? xt = e.TypeOf(x);
        TensorType? yt = e.TypeOf(y);
        if (xt is { IsFullyStatic: true } && yt is { IsFullyStatic: true })
        {
            double nx = xt.StaticDims().Aggregate(1.0, (p, d) => p * d);
            double ny = yt.StaticDims().Aggregate(1.0, (p, d) => p * d);
            return s.Scalar(ny / nx);
        }

        OnnxAttribute to = OnnxAttribute.Int("to", (long)s.ElementType);
        return e.Op("Div", e.Op("Cast", [e.Op("Size", y)], to), e.Op("Cast", [e.Op("Size", x)], to));
    }
}

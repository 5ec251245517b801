namespace Pipelines.Onnx.Autodiff;

/// <summary>
/// ReduceSum, ReduceMean, ReduceSumSquare and ReduceL2: the gradient is broadcast back over the reduced axes (times
/// 2x for the sum of squares, x / y for the L2 norm).
/// </summary>
internal static class ReductionRules
{
    public static void Register(Dictionary<string, GradientRule> rules)
    {
        rules["ReduceSum"] = s => Reduce(s, mean: false, axesAsInput: s.Emit.Opset >= 13);
        rules["ReduceMean"] = s => Reduce(s, mean: true, axesAsInput: s.Emit.Opset >= 18);
        rules["ReduceSumSquare"] = s => Reduce(s, mean: false, axesAsInput: s.Emit.Opset >= 18, Square);
        rules["ReduceL2"] = s => Reduce(s, mean: false, axesAsInput: s.Emit.Opset >= 18, L2);
    }

    // y = Σ x²: dx = 2x · g
    private static string Square(BackwardStep s, string dx, Func<string, string> _) =>
        s.Emit.Op("Mul", dx, s.Emit.Op("Mul", s.Input(0), s.Scalar(2)));

    // y = √(Σ x²): dx = g · x / y (y broadcast back like g; a zero norm gives NaN, as in PyTorch's norm backward at 0)
    private static string L2(BackwardStep s, string dx, Func<string, string> back) =>
        s.Emit.Op("Mul", dx, s.Emit.Op("Div", s.Input(0), back(s.Output(0))));

    // y = Σ_axes x (or mean): dx = expand(unsqueeze(g, axes), shape(x)) (· |y| / |x| for the mean)
    // `chain` (ReduceSumSquare, ReduceL2) multiplies the broadcast gradient by the op's local derivative, given a
    // function that broadcasts a reduced-shape value back like g.
    private static void Reduce(BackwardStep s, bool mean, bool axesAsInput, Func<BackwardStep, string, Func<string, string>, string>? chain = null)
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

        string Back(string reduced) => e.Op("Expand", !keepDims && axes is not null ? e.Op("Unsqueeze", reduced, axes) : reduced, e.Shape(x));
        string dx = Back(s.Grad);
        if (mean)
        {
            dx = e.Op("Mul", dx, MeanScale(s, x, s.Output(0)));
        }

        s.SetGrad(0, chain is null ? dx : chain(s, dx, Back));
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

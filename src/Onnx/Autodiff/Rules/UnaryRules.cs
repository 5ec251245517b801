namespace Pipelines.Onnx.Autodiff;

/// <summary>Elementwise unary ops, identity-like ops and dropout.</summary>
internal static class UnaryRules
{
    public static void Register(Dictionary<string, GradientRule> rules)
    {
        rules["Identity"] = s => s.SetGrad(0, s.Grad);
        rules["Neg"] = s => s.SetGrad(0, s.Emit.Op("Neg", s.Grad));
        rules["Abs"] = s => s.SetGrad(0, s.Emit.Op("Mul", s.Grad, s.Emit.Op("Sign", s.Input(0))));
        rules["Sqrt"] = Sqrt;
        rules["Reciprocal"] = Reciprocal;
        rules["Exp"] = s => s.SetGrad(0, s.Emit.Op("Mul", s.Grad, s.Output(0)));
        rules["Log"] = s => s.SetGrad(0, s.Emit.Op("Div", s.Grad, s.Input(0)));
        rules["Erf"] = Erf;
        rules["Tanh"] = Tanh;
        rules["Sigmoid"] = Sigmoid;
        rules["Relu"] = Relu;
        rules["Gelu"] = Gelu;
        rules["Cast"] = Cast;
        rules["Dropout"] = Dropout;
    }

    // y = sqrt(x): dx = g * 0.5 / y
    private static void Sqrt(BackwardStep s) =>
        s.SetGrad(0, s.Emit.Op("Div", s.Emit.Op("Mul", s.Grad, s.Scalar(0.5)), s.Output(0)));

    // y = 1/x: dx = -g * y²
    private static void Reciprocal(BackwardStep s) =>
        s.SetGrad(0, s.Emit.Op("Neg", s.Emit.Op("Mul", s.Grad, s.Emit.Op("Mul", s.Output(0), s.Output(0)))));

    // y = erf(x): dx = g * 2/√π * exp(-x²)
    private static void Erf(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        string x = s.Input(0);
        string expNegSq = e.Op("Exp", e.Op("Neg", e.Op("Mul", x, x)));
        s.SetGrad(0, e.Op("Mul", e.Op("Mul", s.Grad, s.Scalar(2.0 / Math.Sqrt(Math.PI))), expNegSq));
    }

    // y = tanh(x): dx = g * (1 - y²)
    private static void Tanh(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        string y = s.Output(0);
        s.SetGrad(0, e.Op("Mul", s.Grad, e.Op("Sub", s.Scalar(1), e.Op("Mul", y, y))));
    }

    // y = σ(x): dx = g * y * (1 - y)
    private static void Sigmoid(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        string y = s.Output(0);
        s.SetGrad(0, e.Op("Mul", s.Grad, e.Op("Mul", y, e.Op("Sub", s.Scalar(1), y))));
    }

    // y = max(x, 0): dx = g * sign(y)   (sign(y) ∈ {0, 1}; the subgradient at 0 is 0)
    private static void Relu(BackwardStep s) =>
        s.SetGrad(0, s.Emit.Op("Mul", s.Grad, s.Emit.Op("Sign", s.Output(0))));

    // exact:  y = x Φ(x),                      dx = g (Φ(x) + x φ(x))
    // tanh:   y = ½x(1 + tanh u), u = c(x + 0.044715x³), dx = g (½(1 + t) + ½x(1 - t²) c (1 + 3·0.044715x²))
    private static void Gelu(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        string x = s.Input(0);
        string approximate = s.Node.Attribute("approximate")?.StringValue ?? "none";
        string dydx;
        if (approximate == "tanh")
        {
            double c = Math.Sqrt(2.0 / Math.PI);
            string x2 = e.Op("Mul", x, x);
            string u = e.Op("Mul", e.Op("Add", x, e.Op("Mul", e.Op("Mul", x2, x), s.Scalar(0.044715))), s.Scalar(c));
            string t = e.Op("Tanh", u);
            string left = e.Op("Mul", e.Op("Add", s.Scalar(1), t), s.Scalar(0.5));
            string du = e.Op("Mul", e.Op("Add", s.Scalar(1), e.Op("Mul", x2, s.Scalar(3 * 0.044715))), s.Scalar(c));
            string right = e.Op("Mul", e.Op("Mul", e.Op("Mul", x, s.Scalar(0.5)), e.Op("Sub", s.Scalar(1), e.Op("Mul", t, t))), du);
            dydx = e.Op("Add", left, right);
        }
        else if (approximate == "none")
        {
            string cdf = e.Op("Mul", e.Op("Add", s.Scalar(1), FloatErf(s, e.Op("Mul", x, s.Scalar(1 / Math.Sqrt(2))))), s.Scalar(0.5));
            string pdf = e.Op("Mul", e.Op("Exp", e.Op("Mul", e.Op("Mul", x, x), s.Scalar(-0.5))), s.Scalar(1 / Math.Sqrt(2 * Math.PI)));
            dydx = e.Op("Add", cdf, e.Op("Mul", x, pdf));
        }
        else
        {
            throw s.Unsupported($"unknown approximate='{approximate}'.");
        }

        s.SetGrad(0, e.Op("Mul", s.Grad, dydx));
    }

    // ONNX Runtime's CPU provider has Erf for float only: a Double graph evaluates it in float (relative error ~1e-7)
    private static string FloatErf(BackwardStep s, string x)
    {
        if (s.ElementType != TensorElementType.Double)
        {
            return s.Emit.Op("Erf", x);
        }

        string xf = s.Emit.Op("Cast", [x], OnnxAttribute.Int("to", (long)TensorElementType.Float));
        return s.Emit.Op("Cast", [s.Emit.Op("Erf", xf)], OnnxAttribute.Int("to", (long)TensorElementType.Double));
    }

    // y = cast(x): dx = cast(g) back to x's type
    private static void Cast(BackwardStep s)
    {
        TensorType? xt = s.Emit.TypeOf(s.Input(0));
        if (xt is null)
        {
            throw s.Unsupported($"the element type of input '{s.Input(0)}' is unknown.");
        }

        s.SetGrad(0, xt.ElementType == s.ElementType ? s.Grad : s.Emit.Op("Cast", [s.Grad], OnnxAttribute.Int("to", (long)xt.ElementType)));
    }

    // training: y = x * mask / (1 - ratio): dx = g * mask / (1 - ratio); inference: identity
    private static void Dropout(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        if (!s.HasInput(2))
        {
            s.SetGrad(0, s.Grad);
            return;
        }

        if (s.Output(1).Length == 0)
        {
            string mask = e.Builder.UniqueName(s.Node.Name + "_mask");
            while (s.Node.Outputs.Count < 2)
            {
                s.Node.Outputs.Add("");
            }

            s.Node.Outputs[1] = mask;
        }

        string ratio = s.HasInput(1) ? e.Op("Cast", [s.Input(1)], OnnxAttribute.Int("to", (long)s.ElementType)) : s.Scalar(0.5);
        string keep = e.Op("Sub", s.Scalar(1), ratio);
        string maskF = e.Op("Cast", [s.Output(1)], OnnxAttribute.Int("to", (long)s.ElementType));
        string train = e.Op("Cast", [s.Input(2)], OnnxAttribute.Int("to", (long)s.ElementType));

        // training_mode is a runtime bool: dx = g * (train ? mask / keep : 1)
        string scaled = e.Op("Div", maskF, keep);
        string factor = e.Op("Add", e.Op("Mul", train, scaled), e.Op("Sub", s.Scalar(1), train));
        s.SetGrad(0, e.Op("Mul", s.Grad, factor));
    }
}

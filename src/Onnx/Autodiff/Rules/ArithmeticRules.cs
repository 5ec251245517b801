namespace Pipelines.Onnx.Autodiff;

/// <summary>Broadcasting binary ops: each input's gradient is summed back to that input's shape.</summary>
internal static class ArithmeticRules
{
    public static void Register(Dictionary<string, GradientRule> rules)
    {
        rules["Add"] = Add;
        rules["Sub"] = Sub;
        rules["Mul"] = Mul;
        rules["Div"] = Div;
        rules["Pow"] = Pow;
        rules["Sum"] = Add;
        rules["Where"] = Where;
    }

    // y = a + b (Sum: a + b + …): da = g, db = g
    private static void Add(BackwardStep s)
    {
        for (int i = 0; i < s.Node.Inputs.Count; i++)
        {
            s.SetBroadcastGrad(i, s.Grad);
        }
    }

    // y = a - b: da = g, db = -g
    private static void Sub(BackwardStep s)
    {
        s.SetBroadcastGrad(0, s.Grad);
        if (s.Needs(1))
        {
            s.SetBroadcastGrad(1, s.Emit.Op("Neg", s.Grad));
        }
    }

    // y = a * b: da = g * b, db = g * a
    private static void Mul(BackwardStep s)
    {
        if (s.Needs(0))
        {
            s.SetBroadcastGrad(0, s.Emit.Op("Mul", s.Grad, s.Input(1)));
        }

        if (s.Needs(1))
        {
            s.SetBroadcastGrad(1, s.Emit.Op("Mul", s.Grad, s.Input(0)));
        }
    }

    // y = a / b: da = g / b, db = -g * y / b
    private static void Div(BackwardStep s)
    {
        string gOverB = s.Emit.Op("Div", s.Grad, s.Input(1));
        s.SetBroadcastGrad(0, gOverB);
        if (s.Needs(1))
        {
            s.SetBroadcastGrad(1, s.Emit.Op("Neg", s.Emit.Op("Mul", gOverB, s.Output(0))));
        }
    }

    // y = a ^ b: da = g * b * a^(b-1), db = g * y * ln(a)
    private static void Pow(BackwardStep s)
    {
        GradientEmitter e = s.Emit;
        string b = s.Input(1);
        TensorType? bt = e.TypeOf(b);
        if (bt is not null && bt.ElementType != s.ElementType)
        {
            b = e.Op("Cast", [b], OnnxAttribute.Int("to", (long)s.ElementType));
        }

        if (s.Needs(0))
        {
            string bMinus1 = e.Op("Sub", b, s.Scalar(1));
            string da = e.Op("Mul", e.Op("Mul", s.Grad, b), e.Op("Pow", s.Input(0), bMinus1));
            s.SetBroadcastGrad(0, da);
        }

        if (s.Needs(1))
        {
            string db = e.Op("Mul", e.Op("Mul", s.Grad, s.Output(0)), e.Op("Log", s.Input(0)));
            s.SetBroadcastGrad(1, db);
        }
    }

    // y = where(c, a, b): da = where(c, g, 0), db = where(c, 0, g)
    private static void Where(BackwardStep s)
    {
        string zero = s.Scalar(0);
        if (s.Needs(1))
        {
            s.SetBroadcastGrad(1, s.Emit.Op("Where", s.Input(0), s.Grad, zero));
        }

        if (s.Needs(2))
        {
            s.SetBroadcastGrad(2, s.Emit.Op("Where", s.Input(0), zero, s.Grad));
        }
    }
}

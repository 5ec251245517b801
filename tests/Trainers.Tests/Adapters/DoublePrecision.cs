using Pipelines.Onnx;

namespace Pipelines.Trainers.Tests;

/// <summary>
/// Rewrites a float32 model to float64 for finite-difference checks: initializers, Constant/ConstantOfShape values,
/// Cast targets and declared types. Erf is replaced by tanh(2x/√π) (ONNX Runtime's CPU provider has no float64 Erf).
/// </summary>
internal static class DoublePrecision
{
    public static OnnxModel Convert(OnnxModel model)
    {
        OnnxModel m = model.Clone();
        OnnxGraph g = m.Graph;
        for (int i = 0; i < g.Initializers.Count; i++)
        {
            g.Initializers[i] = ToDouble(g.Initializers[i]);
        }

        var b = new GraphBuilder(g);
        foreach (OnnxNode node in g.Nodes.ToList())
        {
            for (int k = 0; k < node.Attributes.Count; k++)
            {
                OnnxAttribute a = node.Attributes[k];
                if (a.Kind == AttributeKind.Tensor && a.T is { ElementType: TensorElementType.Float })
                {
                    node.Attributes[k] = OnnxAttribute.Tensor(a.Name, ToDouble(a.T));
                }
                else if (node.OpType == "Cast" && a.Name == "to" && a.I == (long)TensorElementType.Float)
                {
                    node.Attributes[k] = OnnxAttribute.Int("to", (long)TensorElementType.Double);
                }
            }

            if (node.OpType == "Erf")
            {
                // ONNX Runtime's CPU provider has no float64 Erf; a float32 Erf between casts adds ~1e-7 noise that
                // swamps finite differences. Substitute the smooth tanh(2x/√π) (same value and slope at 0) so the whole
                // graph runs in float64; the Erf rule itself is checked in the Autodiff rule suite.
                string input = node.Inputs[0];
                string scaled = b.UniqueName(input + ".erf_scaled");
                string k = b.Scalar(2 / Math.Sqrt(Math.PI), TensorElementType.Double, "erf_slope");
                g.Nodes.Add(new OnnxNode("Mul", [input, k], [scaled], b.UniqueName("erf_mul")));
                node.OpType = "Tanh";
                node.Inputs[0] = scaled;
            }
        }

        Retype(g.Inputs);
        Retype(g.Outputs);
        Retype(g.ValueInfos);
        GraphTopology.Sort(g);
        return m;
    }

    private static void Retype(List<ValueInfo> values)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (values[i].Type is { ElementType: TensorElementType.Float } t)
            {
                values[i] = values[i] with { Type = t with { ElementType = TensorElementType.Double } };
            }
        }
    }

    private static OnnxTensor ToDouble(OnnxTensor t) => t.ElementType != TensorElementType.Float
        ? t
        : OnnxTensor.FromDoubles(t.Name, [.. t.ToArray<float>().Select(f => (double)f)], t.Dims);
}

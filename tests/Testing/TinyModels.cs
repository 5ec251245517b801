using Pipelines.Onnx;

namespace Pipelines.Testing;

/// <summary>Small models built in code for tests.</summary>
public static class TinyModels
{
    /// <summary>y = Relu(x·W1 + b1)·W2 + b2 with x [batch, 4], hidden 8, output 3; seeded weights.</summary>
    public static OnnxModel Mlp(int seed)
    {
        var rng = new Random(seed);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        var b = new GraphBuilder("mlp");
        string x = b.Input("x", TensorElementType.Float, "batch", 4);
        string w1 = b.Initializer(OnnxTensor.FromFloats("W1", Rand(32), 4, 8));
        string b1 = b.Initializer(OnnxTensor.FromFloats("b1", Rand(8), 8));
        string w2 = b.Initializer(OnnxTensor.FromFloats("W2", Rand(24), 8, 3));
        string b2 = b.Initializer(OnnxTensor.FromFloats("b2", Rand(3), 3));
        string h = b.Op("Relu", b.Op("Add", b.Op("MatMul", x, w1), b1));
        b.Output(b.Op("Add", b.Op("MatMul", h, w2), b2), "y", TensorType.Of(TensorElementType.Float, "batch", 3));
        return b.ToModel();
    }

    /// <summary>
    /// Two LoRA-adapted layers y = tanh(x·W1 + x·A1·B1)·W2 + h·A2·B2 with frozen W1 [inner, hidden], W2 [hidden, outer] and
    /// trainable A/B of rank <paramref name="rank"/> (initializers <c>W1.A</c>, <c>W1.B</c>, <c>W2.A</c>, <c>W2.B</c>); x is
    /// [batch, seq, inner] (or [batch·seq, inner] when not <paramref name="rank3"/>). Returns the model, an input and a target,
    /// all drawn in that order from one seeded generator.
    /// </summary>
    public static (OnnxModel Model, float[] X, float[] T) TwoLayerLora(int seed, int batch, int seq, int inner, int hidden, int outer, int rank, bool rank3 = true)
    {
        var rng = new Random(seed);
        float[] R(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)(((rng.NextDouble() * 2) - 1) * scale))];
        var b = new GraphBuilder("adapted");
        Dim[] xShape = rank3 ? [batch, seq, inner] : [batch * seq, inner];
        string x = b.Input("x", TensorElementType.Float, xShape);
        string Lora(string input, string w, int k, int n)
        {
            string a = b.Initializer(OnnxTensor.FromFloats(w + ".A", R(k * rank, 1 / Math.Sqrt(k)), k, rank));
            string bb = b.Initializer(OnnxTensor.FromFloats(w + ".B", R(rank * n, 0.1), rank, n));
            string frozen = b.Initializer(OnnxTensor.FromFloats(w, R(k * n, 1 / Math.Sqrt(k)), k, n));
            return b.Op("Add", b.Op("MatMul", input, frozen), b.Op("MatMul", b.Op("MatMul", input, a), bb));
        }

        string h = b.Op("Tanh", Lora(x, "W1", inner, hidden));
        Dim[] yShape = rank3 ? [batch, seq, outer] : [batch * seq, outer];
        b.Output(Lora(h, "W2", hidden, outer), "y", TensorType.Of(TensorElementType.Float, yShape));
        return (b.ToModel(), R(batch * seq * inner, 1), R(batch * seq * outer, 1));
    }
}

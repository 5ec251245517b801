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
}

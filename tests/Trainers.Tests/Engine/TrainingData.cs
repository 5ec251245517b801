using Pipelines.Onnx;

namespace Pipelines.Trainers.Tests;

/// <summary>Deterministic data sets and small models for engine tests.</summary>
internal static class TrainingData
{
    /// <summary>
    /// Three interleaved spirals in the plane (a classic non-linearly-separable set): class c, point i of n:
    /// t = i/n, angle = 2πc/3 + 4t + 𝒩(0, 0.15), radius t. Features [3n, 2] float, labels [3n] int64.
    /// </summary>
    public static (float[] Features, long[] Labels) Spirals(int perClass, int seed)
    {
        var rng = new Random(seed);
        float[] x = new float[3 * perClass * 2];
        long[] y = new long[3 * perClass];
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < perClass; i++)
            {
                double t = (double)(i + 1) / perClass;
                double noise = 0.15 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                double angle = (2 * Math.PI * c / 3) + (4 * t) + noise;
                int row = (c * perClass) + i;
                x[2 * row] = (float)(t * Math.Cos(angle));
                x[(2 * row) + 1] = (float)(t * Math.Sin(angle));
                y[row] = c;
            }
        }

        return (x, y);
    }

    /// <summary>x [batch, inputs] → Relu(x·W1 + b1)·W2 + b2 = logits [batch, classes], He-initialised with a seed.</summary>
    public static OnnxModel Mlp(int inputs, int hidden, int classes, int seed)
    {
        var rng = new Random(seed);
        float[] He(int fanIn, int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(((rng.NextDouble() * 2) - 1) * Math.Sqrt(6.0 / fanIn)))];
        var b = new GraphBuilder("mlp");
        string x = b.Input("x", TensorElementType.Float, "batch", inputs);
        string w1 = b.Initializer(OnnxTensor.FromFloats("W1", He(inputs, inputs * hidden), inputs, hidden));
        string b1 = b.Initializer(OnnxTensor.FromFloats("b1", new float[hidden], hidden));
        string w2 = b.Initializer(OnnxTensor.FromFloats("W2", He(hidden, hidden * classes), hidden, classes));
        string b2 = b.Initializer(OnnxTensor.FromFloats("b2", new float[classes], classes));
        string h = b.Op("Relu", b.Op("Add", b.Op("MatMul", x, w1), b1));
        b.Output(b.Op("Add", b.Op("MatMul", h, w2), b2), "logits", TensorType.Of(TensorElementType.Float, "batch", classes));
        return b.ToModel();
    }
}

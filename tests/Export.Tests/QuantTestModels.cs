using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Export.Tests;

/// <summary>Single-op models and seeded data for quantizer tests.</summary>
internal static class QuantTestModels
{
    public static float[] Random(int seed, int count, float scale = 1f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2) - 1) * scale).ToArray();
    }

    /// <summary>y = x·W, x [batch, K] (batch symbolic), W [K, N].</summary>
    public static OnnxModel MatMul(float[] w, int k, int n, long opset = 13)
    {
        var b = new GraphBuilder("matmul");
        string x = b.Input("x", TensorElementType.Float, "batch", k);
        string wn = b.Initializer(OnnxTensor.FromFloats("W", w, k, n));
        b.Output(b.Op("MatMul", x, wn), "y", TensorType.Of(TensorElementType.Float, "batch", n));
        return b.ToModel(opset);
    }

    /// <summary>y = Gather(E, ids), E [V, D], ids int64 [count].</summary>
    public static OnnxModel Gather(float[] table, int v, int d, long opset = 13)
    {
        var b = new GraphBuilder("gather");
        string ids = b.Input("ids", TensorElementType.Int64, "count");
        string e = b.Initializer(OnnxTensor.FromFloats("E", table, v, d));
        b.Output(b.Op("Gather", e, ids), "y", TensorType.Of(TensorElementType.Float, "count", d));
        return b.ToModel(opset);
    }

    public static float[] RunMatMul(OnnxModel model, float[] x, int m, int k, SessionSettings? settings = null)
    {
        using OnnxSession s = OrtSessions.Create(model, settings ?? new SessionSettings { Optimization = GraphOptimization.Disabled });
        using TensorBatch inputs = new TensorBatch().Add("x", x, m, k);
        return s.RunFloat(inputs)["y"].Data;
    }

    public static float[] RunGather(OnnxModel model, long[] ids, SessionSettings? settings = null)
    {
        using OnnxSession s = OrtSessions.Create(model, settings ?? new SessionSettings { Optimization = GraphOptimization.Disabled });
        using TensorBatch inputs = new TensorBatch().Add("ids", ids, ids.Length);
        string y = s.Session.OutputNames[0];
        return s.RunFloat(inputs, [y])[y].Data;
    }

    /// <summary>Reference y = x·W in double.</summary>
    public static float[] Multiply(float[] x, float[] w, int m, int k, int n)
    {
        var y = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int t = 0; t < k; t++)
                {
                    acc += (double)x[(i * k) + t] * w[(t * n) + j];
                }

                y[(i * n) + j] = (float)acc;
            }
        }

        return y;
    }

    public static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            float d = MathF.Abs(expected[i] - actual[i]);
            if (d > worst)
            {
                worst = d;
                at = i;
            }
        }

        Assert.True(worst <= tolerance, $"max |diff| {worst} at {at} (expected {(at >= 0 ? expected[at] : 0)}, got {(at >= 0 ? actual[at] : 0)}) exceeds {tolerance}");
    }
}

using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Testing;

/// <summary>Runs models in tests.</summary>
public static class OrtRunner
{
    /// <summary>Runs MiniLM-shaped encoders (input_ids, attention_mask, token_type_ids) and returns one output.</summary>
    public static float[] RunEncoder(OnnxModel model, long[] ids, long[] mask, int batch, int sequence, string output = "last_hidden_state", GraphOptimization optimization = GraphOptimization.Basic)
    {
        using OnnxSession session = OrtSessions.Create(model, new SessionSettings { Optimization = optimization });
        long[] shape = [batch, sequence];
        using TensorBatch inputs = new TensorBatch()
            .Add("input_ids", (long[])ids.Clone(), shape)
            .Add("attention_mask", (long[])mask.Clone(), shape)
            .Add("token_type_ids", new long[ids.Length], shape);
        return session.RunFloat(inputs, [output])[output].Data;
    }

    /// <summary>Max absolute elementwise difference.</summary>
    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Lengths differ: {a.Length} vs {b.Length}.");
        }

        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        }

        return max;
    }
}

using Microsoft.ML.OnnxRuntime;
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
        using var inputIds = new PinnedTensor<long>((long[])ids.Clone(), shape);
        using var attention = new PinnedTensor<long>((long[])mask.Clone(), shape);
        using var types = new PinnedTensor<long>(new long[ids.Length], shape);
        var inputs = new Dictionary<string, OrtValue>
        {
            ["input_ids"] = inputIds.Value,
            ["attention_mask"] = attention.Value,
            ["token_type_ids"] = types.Value,
        };
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.RunValues(inputs, [output]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
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

using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Autodiff;
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

    /// <summary>
    /// Runs a float64 gradient graph (a session over <see cref="GradientGraph.Model"/>) with the trainables fed as inputs:
    /// the loss, and with <paramref name="withGrads"/> every trainable's gradient in <see cref="GradientGraph.Trainables"/> order.
    /// </summary>
    public static (double Loss, double[][] Grads) RunGradientGraph(OnnxSession session, GradientGraph gg, double[][] values, bool withGrads)
    {
        var inputs = new Dictionary<string, OrtValue>();
        try
        {
            for (int p = 0; p < values.Length; p++)
            {
                inputs[gg.Trainables[p].Name] = OrtValue.CreateTensorValueFromMemory(values[p], gg.Trainables[p].Dims);
            }

            string[] outputs = withGrads ? [gg.Loss, .. gg.Trainables.Select(t => gg.Gradients[t.Name])] : [gg.Loss];
            using IDisposableReadOnlyCollection<OrtValue> results = session.RunValues(inputs, outputs);
            return (results[0].GetTensorDataAsSpan<double>()[0], withGrads ? [.. results.Skip(1).Select(v => v.GetTensorDataAsSpan<double>().ToArray())] : []);
        }
        finally
        {
            foreach (OrtValue v in inputs.Values)
            {
                v.Dispose();
            }
        }
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

using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Transforms.LowRank;

/// <summary>Runs two models on the same inputs and measures how far their float outputs are apart.</summary>
public static class OutputDeviation
{
    /// <summary>max |a − b| over every element of every float output the two models share.</summary>
    public static double MaxAbs(OnnxModel original, OnnxModel adapted, TensorBatch inputs)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(adapted);
        ArgumentNullException.ThrowIfNull(inputs);
        Dictionary<string, float[]> a = Run(original, inputs);
        Dictionary<string, float[]> b = Run(adapted, inputs);
        double worst = 0;
        foreach ((string name, float[] x) in a)
        {
            if (!b.TryGetValue(name, out float[]? y))
            {
                continue;
            }

            for (int i = 0; i < x.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(x[i] - y[i]));
            }
        }

        return worst;
    }

    /// <summary>Every float output of <paramref name="model"/> on <paramref name="inputs"/> (basic graph optimisations).</summary>
    public static Dictionary<string, float[]> Run(OnnxModel model, TensorBatch inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        using OnnxSession session = OrtSessions.Create(model, new SessionSettings { Optimization = GraphOptimization.Basic });
        IReadOnlyList<string> names = session.Session.OutputNames;
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(inputs, names);
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            if (outputs[i].GetTensorTypeAndShape().ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
            {
                result[names[i]] = outputs[i].GetTensorDataAsSpan<float>().ToArray();
            }
        }

        return result;
    }
}

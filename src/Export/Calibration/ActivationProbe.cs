using Microsoft.ML.OnnxRuntime;
using Pipelines.Export.Evaluation;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Export.Calibration;

/// <summary>
/// Runs sample batches through a copy of a float model whose graph also outputs the named intermediate values, and hands
/// each batch's values (in the order of the names) to a callback; the copy, its session and every input value are
/// disposed here. Calibration ranges and GPTQ's input Hessians both read activations this way.
/// </summary>
internal static class ActivationProbe
{
    /// <summary>Runs every batch; <paramref name="onBatch"/> must not keep the values past its return.</summary>
    public static void Run(OnnxModel model, IReadOnlyList<string> values, IEnumerable<InputBatch> batches, Action<InputBatch, IReadOnlyList<OrtValue>> onBatch)
    {
        OnnxModel probe = model.Clone();
        var existing = new HashSet<string>(probe.Graph.Outputs.Select(o => o.Name), StringComparer.Ordinal);
        foreach (string t in values.Where(t => !existing.Contains(t)))
        {
            probe.Graph.Outputs.Add(new ValueInfo(t, new TensorType(TensorElementType.Float, null)));
        }

        using OnnxSession session = OrtSessions.Create(probe, new SessionSettings { Optimization = GraphOptimization.Basic });
        foreach (InputBatch batch in batches)
        {
            var inputs = batch.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.ToOrtValue());
            try
            {
                using IDisposableReadOnlyCollection<OrtValue> results = session.RunValues(inputs, values);
                onBatch(batch, results);
            }
            finally
            {
                foreach (OrtValue v in inputs.Values)
                {
                    v.Dispose();
                }
            }
        }
    }
}

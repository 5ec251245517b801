using Microsoft.ML.OnnxRuntime;

namespace Pipelines.Onnx.Runtime;

/// <summary>
/// A session over a copy of a float model whose graph also outputs the named intermediate values (activations), so a
/// batch run can read them: calibration ranges, GPTQ's input Hessians and EVA's input statistics all read activations
/// this way. Owns the copy's session.
/// </summary>
internal sealed class ActivationProbe : IDisposable
{
    private readonly OnnxSession _session;

    /// <summary>Exposes <paramref name="values"/> (float tensors) as extra outputs of a copy of <paramref name="model"/>.</summary>
    public ActivationProbe(OnnxModel model, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(values);
        // Only outputs are added: the copy shares the initializers' data with the model (no second copy of the weights).
        OnnxModel probe = model.CloneSharingData();
        var outputs = new HashSet<string>(probe.Graph.Outputs.Select(o => o.Name), StringComparer.Ordinal);
        foreach (string v in values.Where(outputs.Add))
        {
            probe.Graph.Outputs.Add(new ValueInfo(v, new TensorType(TensorElementType.Float, null)));
        }

        _session = OrtSessions.Create(probe, new SessionSettings { Optimization = GraphOptimization.Basic });
    }

    /// <summary>Runs one batch and returns <paramref name="values"/> in order; the caller disposes the collection.</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(TensorBatch batch, IReadOnlyList<string> values) => _session.Run(batch, values);

    /// <summary>
    /// Runs every batch through a probe of <paramref name="values"/> and hands each batch's values (in the order of the
    /// names) to <paramref name="onBatch"/>, which must not keep them past its return.
    /// </summary>
    public static void Run(OnnxModel model, IReadOnlyList<string> values, IEnumerable<TensorBatch> batches, Action<TensorBatch, IReadOnlyList<OrtValue>> onBatch)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(onBatch);
        using var probe = new ActivationProbe(model, values);
        foreach (TensorBatch batch in batches)
        {
            using IDisposableReadOnlyCollection<OrtValue> results = probe.Run(batch, values);
            onBatch(batch, results);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}

using Microsoft.ML.OnnxRuntime;

namespace Pipelines.Export.Evaluation;

/// <summary>One named input tensor: <c>long[]</c>, <c>int[]</c> or <c>float[]</c> data with its shape.</summary>
/// <param name="Data">The elements, row-major.</param>
/// <param name="Shape">The shape.</param>
public sealed record InputTensor(Array Data, long[] Shape)
{
    /// <summary>Wraps the data in an <see cref="OrtValue"/> without copying (the caller disposes it).</summary>
    /// <exception cref="NotSupportedException">The element type is not long, int or float.</exception>
    public OrtValue ToOrtValue() => Data switch
    {
        long[] l => OrtValue.CreateTensorValueFromMemory(l, Shape),
        int[] i => OrtValue.CreateTensorValueFromMemory(i, Shape),
        float[] f => OrtValue.CreateTensorValueFromMemory(f, Shape),
        _ => throw new NotSupportedException($"Input element type {Data.GetType().GetElementType()} is not supported (use long, int or float)."),
    };

    /// <summary>Rows (the first dimension).</summary>
    public int Batch => (int)Shape[0];
}

/// <summary>A model's inputs for one run, by input name.</summary>
/// <param name="Tensors">The tensors.</param>
public sealed record InputBatch(IReadOnlyDictionary<string, InputTensor> Tensors)
{
    /// <summary>Rows in the batch.</summary>
    public int Batch => Tensors.Values.First().Batch;

    /// <summary>The attention mask <c>[batch, sequence]</c>, when there is one (used for mean pooling).</summary>
    public long[]? AttentionMask => Tensors.TryGetValue("attention_mask", out InputTensor? m) ? m.Data as long[] : null;

    /// <summary>Runs <paramref name="session"/> on this batch and returns the named output as floats with its shape.</summary>
    public (float[] Data, long[] Shape) Run(InferenceSession session, string output) => Run(session, [output])[0];

    /// <summary>Runs <paramref name="session"/> once on this batch and returns the named outputs as floats with their shapes, in order.</summary>
    public IReadOnlyList<(float[] Data, long[] Shape)> Run(InferenceSession session, IReadOnlyList<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(outputs);
        var values = Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.ToOrtValue());
        try
        {
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, values.Keys.ToArray(), values.Values.ToArray(), [.. outputs]);
            return results.Select(r => (r.GetTensorDataAsSpan<float>().ToArray(), r.GetTensorTypeAndShape().Shape)).ToList();
        }
        finally
        {
            foreach (OrtValue v in values.Values)
            {
                v.Dispose();
            }
        }
    }
}

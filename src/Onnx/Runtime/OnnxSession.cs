using Microsoft.ML.OnnxRuntime;

namespace Pipelines.Onnx.Runtime;

/// <summary>
/// An ONNX Runtime session and the options it was created with; disposing it releases both.
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private readonly SessionOptions _options;
    private bool _disposed;

    internal OnnxSession(InferenceSession session, SessionOptions options, ExecutionDevice device, string? warning)
    {
        Session = session;
        _options = options;
        Device = device;
        Warning = warning;
    }

    /// <summary>The underlying session (owned by this object).</summary>
    public InferenceSession Session { get; }

    /// <summary>The device the session runs on.</summary>
    public ExecutionDevice Device { get; }

    /// <summary>Set when an automatic device choice fell back to the CPU; says why.</summary>
    public string? Warning { get; }

    /// <summary>Runs the model on float inputs and returns every output as a float array with its shape.</summary>
    /// <param name="inputs">Input name → (data, shape).</param>
    public IReadOnlyDictionary<string, (float[] Data, long[] Shape)> RunFloat(IReadOnlyDictionary<string, (float[] Data, long[] Shape)> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var values = new Dictionary<string, OrtValue>();
        try
        {
            foreach (KeyValuePair<string, (float[] Data, long[] Shape)> kv in inputs)
            {
                values[kv.Key] = OrtValue.CreateTensorValueFromMemory(kv.Value.Data, kv.Value.Shape);
            }

            IReadOnlyList<string> names = Session.OutputNames;
            using IDisposableReadOnlyCollection<OrtValue> results = RunValues(values, names);
            var map = new Dictionary<string, (float[] Data, long[] Shape)>(StringComparer.Ordinal);
            for (int i = 0; i < names.Count; i++)
            {
                map[names[i]] = (results[i].GetTensorDataAsSpan<float>().ToArray(), results[i].GetTensorTypeAndShape().Shape);
            }

            return map;
        }
        finally
        {
            foreach (OrtValue v in values.Values)
            {
                v.Dispose();
            }
        }
    }

    /// <summary>Runs the model and returns its outputs (the caller disposes the returned collection).</summary>
    public IDisposableReadOnlyCollection<OrtValue> RunValues(IReadOnlyDictionary<string, OrtValue> inputs, IReadOnlyList<string>? outputNames = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var runOptions = new RunOptions();
        IReadOnlyList<string> outputs = outputNames ?? Session.OutputNames;
        return Session.Run(runOptions, inputs.Keys.ToArray(), inputs.Values.ToArray(), outputs);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Session.Dispose();
        _options.Dispose();
    }
}

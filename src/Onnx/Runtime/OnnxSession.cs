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

    /// <summary>
    /// Runs the model on the tensors of <paramref name="inputs"/> that it declares as inputs (others, e.g.
    /// <c>token_type_ids</c> for an encoder without it, are skipped) and returns the requested outputs; the caller disposes
    /// the returned collection, the batch keeps owning its input values.
    /// </summary>
    /// <param name="inputs">The batch.</param>
    /// <param name="outputs">Output names, in the order wanted (default: every model output).</param>
    public IDisposableReadOnlyCollection<OrtValue> Run(TensorBatch inputs, IReadOnlyList<string>? outputs = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        IReadOnlyList<string> declared = Session.InputNames;
        return RunValues(inputs.GetValues(inputs.Names.Where(declared.Contains)), outputs);
    }

    /// <summary>Runs the model (see <see cref="Run"/>) and copies float outputs to arrays with their shapes, by output name.</summary>
    /// <param name="inputs">The batch.</param>
    /// <param name="outputs">Output names (default: every model output); each must be a float tensor.</param>
    public IReadOnlyDictionary<string, (float[] Data, long[] Shape)> RunFloat(TensorBatch inputs, IReadOnlyList<string>? outputs = null)
    {
        IReadOnlyList<string> names = outputs ?? Session.OutputNames;
        using IDisposableReadOnlyCollection<OrtValue> results = Run(inputs, names);
        var map = new Dictionary<string, (float[] Data, long[] Shape)>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            map[names[i]] = (results[i].GetTensorDataAsSpan<float>().ToArray(), results[i].GetTensorTypeAndShape().Shape);
        }

        return map;
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
